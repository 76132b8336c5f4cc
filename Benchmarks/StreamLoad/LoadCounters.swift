import Synchronization

/// What all connections of the run saw, counted without locks.
final class LoadCounters: Sendable {
    let delivered = Atomic<Int>(0)
    let subscribed = Atomic<Int>(0)
    let failed = Atomic<Int>(0)
}
