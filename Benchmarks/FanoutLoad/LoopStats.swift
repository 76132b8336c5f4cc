#if canImport(Glibc)
import Glibc
#endif
import NIOCore
import Synchronization

/// What one event loop's subscribers saw: counted on that loop only, read at the end of a phase.
/// The shared totals are atomics, added to once per read rather than once per frame.
final class LoopStats: @unchecked Sendable {
    // Touched only on the owning loop (the run reads it through `loop.submit`).
    private var samples: [[UInt32]] = []
    private let shared: SharedCounters
    private let ledger: PublishLedger

    init(shared: SharedCounters, ledger: PublishLedger) {
        self.shared = shared
        self.ledger = ledger
    }

    func subscribed() { shared.subscribed.add(1, ordering: .relaxed) }

    func failed(reason: String) {
        if shared.failed.add(1, ordering: .relaxed).newValue == 1 { print("first failure: \(reason)") }
    }

    func delivered(_ count: Int) {
        shared.delivered.add(count, ordering: .relaxed)
        shared.lastDelivery.store(PublishLedger.now(), ordering: .relaxed)
    }

    /// Records the latency of one update, found by the block number in its offset.
    func received(_ payload: ByteBuffer) {
        guard let block = Self.offsetBlock(in: payload), let (phase, sentAt) = ledger.sent(block: block) else { return }
        while samples.count <= phase { samples.append([]) }
        let micros = (PublishLedger.now() &- sentAt) / 1000
        samples[phase].append(UInt32(clamping: micros))
    }

    func take(phase: Int) -> [UInt32] {
        guard phase < samples.count else { return [] }
        defer { samples[phase] = [] }
        return samples[phase]
    }

    private static let marker = Array(#""offset":""#.utf8)

    /// The block number of `"offset":"B-S"`, scanned without decoding the JSON.
    static func offsetBlock(in payload: ByteBuffer) -> UInt64? {
        let view = payload.readableBytesView
        guard let range = view.firstRange(of: marker) else { return nil }
        var value: UInt64 = 0
        var index = range.upperBound
        while index < view.endIndex, view[index] >= 48, view[index] <= 57 {
            value = value * 10 + UInt64(view[index] - 48)
            index += 1
        }
        return value
    }
}

final class SharedCounters: Sendable {
    let subscribed = Atomic<Int>(0)
    let failed = Atomic<Int>(0)
    let delivered = Atomic<Int>(0)
    let lastDelivery = Atomic<UInt64>(0)
}

/// When each publish left, by block number; written by the publisher before it publishes, read by
/// the loops after the update has crossed the network (which orders the two).
final class PublishLedger: @unchecked Sendable {
    private let capacity: Int
    private let sentAt: UnsafeMutablePointer<UInt64>
    private let phases: UnsafeMutablePointer<Int32>
    let base: UInt64

    init(base: UInt64, capacity: Int) {
        self.base = base
        self.capacity = capacity
        sentAt = .allocate(capacity: capacity)
        sentAt.initialize(repeating: 0, count: capacity)
        phases = .allocate(capacity: capacity)
        phases.initialize(repeating: -1, count: capacity)
    }

    func record(block: UInt64, phase: Int) {
        let index = Int(block - base)
        precondition(index < capacity, "more publishes than the ledger holds")
        phases[index] = Int32(phase)
        sentAt[index] = Self.now()
    }

    func sent(block: UInt64) -> (Int, UInt64)? {
        guard block >= base, Int(block - base) < capacity else { return nil }
        let index = Int(block - base)
        let phase = phases[index]
        guard phase >= 0 else { return nil }
        return (Int(phase), sentAt[index])
    }

    /// Monotonic nanoseconds.
    static func now() -> UInt64 {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
    }
}
