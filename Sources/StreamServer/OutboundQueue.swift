import Model
import NIOCore
import Synchronization

/// The frames waiting to be written to one client.
///
/// Replies are always kept. Updates count against the queue limit; past it, the slow-client policy
/// either replaces the queued update of the same key (conflation) or reports an overflow so the
/// connection can be closed. Producers never wait: one slow socket must not hold up the fan-out.
final class OutboundQueue: Sendable {
    enum Item: Sendable {
        case frame(ByteBuffer)
        case update(key: DividendKey, frame: ByteBuffer, received: ContinuousClock.Instant)
        case close(code: UInt16, reason: String)
    }

    enum PushResult: Equatable { case queued, conflated, overflow, closed }

    private struct State {
        var items: [Item?] = []
        var head = 0
        var updateCount = 0
        /// Where each key's queued update sits, for conflation.
        var positions: [DividendKey: Int] = [:]
        var waiter: CheckedContinuation<Item?, Never>?
        var closed = false
    }

    private let state = Mutex(State())
    let limit: Int
    let policy: SlowClientPolicy

    init(limit: Int, policy: SlowClientPolicy) {
        self.limit = limit
        self.policy = policy
    }

    /// Queues a reply or notice; never dropped.
    func push(frame: ByteBuffer) {
        _ = enqueue(.frame(frame))
    }

    /// Queues a close frame after everything already queued.
    func pushClose(code: UInt16, reason: String) {
        _ = enqueue(.close(code: code, reason: reason))
    }

    func push(update frame: ByteBuffer, key: DividendKey, received: ContinuousClock.Instant) -> PushResult {
        let item = Item.update(key: key, frame: frame, received: received)
        let (result, waiter) = state.withLock { state -> (PushResult, CheckedContinuation<Item?, Never>?) in
            guard !state.closed else { return (.closed, nil) }
            if state.updateCount >= limit {
                switch policy {
                case .close:
                    return (.overflow, nil)
                case .conflate:
                    if let index = state.positions[key], index >= state.head {
                        state.items[index] = item
                        return (.conflated, nil)
                    }
                }
            }
            if let waiter = state.waiter {
                state.waiter = nil
                return (.queued, waiter)
            }
            state.positions[key] = state.items.count
            state.items.append(item)
            state.updateCount += 1
            return (.queued, nil)
        }
        waiter?.resume(returning: item)
        return result
    }

    private func enqueue(_ item: Item) -> PushResult {
        let waiter = state.withLock { state -> CheckedContinuation<Item?, Never>? in
            guard !state.closed else { return nil }
            if let waiter = state.waiter {
                state.waiter = nil
                return waiter
            }
            state.items.append(item)
            return nil
        }
        waiter?.resume(returning: item)
        return .queued
    }

    /// The next item to write, waiting for one; nil once closed and empty.
    func next() async -> Item? {
        await withCheckedContinuation { (continuation: CheckedContinuation<Item?, Never>) in
            let ready = state.withLock { state -> Item?? in
                while state.head < state.items.count {
                    let item = state.items[state.head]
                    state.items[state.head] = nil
                    state.head += 1
                    if case .update(let key, _, _) = item {
                        state.updateCount -= 1
                        if state.positions[key] == state.head - 1 { state.positions[key] = nil }
                    }
                    if state.head > 1024 && state.head * 2 > state.items.count {
                        compact(&state)
                    }
                    if let item { return .some(item) }
                }
                if state.closed { return .some(nil) }
                state.waiter = continuation
                return .none
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }

    var queuedUpdates: Int { state.withLock { $0.updateCount } }

    var isEmpty: Bool { state.withLock { $0.head >= $0.items.count } }

    /// Stops accepting items; the writer still drains what is queued, then gets nil.
    func close() {
        let waiter = state.withLock { state -> CheckedContinuation<Item?, Never>? in
            state.closed = true
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume(returning: nil)
    }

    /// Drops the consumed prefix so the array does not grow forever; positions shift with it.
    private func compact(_ state: inout State) {
        let offset = state.head
        state.items.removeFirst(offset)
        state.head = 0
        state.positions = state.positions.compactMapValues { $0 >= offset ? $0 - offset : nil }
    }
}
