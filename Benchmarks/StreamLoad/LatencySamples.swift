import Synchronization

/// Publish→receive latencies in microseconds, gathered from many connections at once.
final class LatencySamples: Sendable {
    private let samples = Mutex<[UInt32]>([])

    init() { samples.withLock { $0.reserveCapacity(1 << 22) } }

    func add(_ batch: [UInt32]) {
        samples.withLock { $0.append(contentsOf: batch) }
    }

    var count: Int { samples.withLock { $0.count } }

    /// The value below which `fraction` of the samples fall (nearest rank).
    func percentiles(_ fractions: [Double]) -> [UInt32] {
        let sorted = samples.withLock { $0.sorted() }
        guard !sorted.isEmpty else { return fractions.map { _ in 0 } }
        return fractions.map { fraction in
            sorted[min(sorted.count - 1, max(0, Int((fraction * Double(sorted.count)).rounded(.up)) - 1))]
        }
    }
}
