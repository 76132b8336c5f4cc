import Synchronization

/// When each offset was published, so a receiver can tell how long its copy took to arrive.
final class PublishLedger: Sendable {
    private let sentAt = Mutex<[String: ContinuousClock.Instant]>([:])

    func record(_ offsets: [String], at instant: ContinuousClock.Instant) {
        sentAt.withLock { table in
            for offset in offsets { table[offset] = instant }
        }
    }

    func sent(_ offset: Substring) -> ContinuousClock.Instant? {
        sentAt.withLock { $0[String(offset)] }
    }
}
