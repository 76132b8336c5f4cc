import Model
import NIOCore
import Synchronization

/// The frames waiting to be written to one client.
///
/// Replies are always kept. Updates count against the queue limit; past it, the slow-client policy
/// either conflates (keeps only the newest queued update of a key) or reports an overflow so the
/// connection can be closed. Producers of live updates never wait: one slow socket must not hold up
/// the fan-out. Only a subscription catching up (a replay) waits, with ``waitForRoom(_:timeout:)``.
///
/// Conflation keeps offsets increasing on the wire. Updates are pushed in offset order, and a
/// conflated update takes its key's queued update out and joins the back of the queue, so every
/// frame's offset is above that of every frame written before it. `since` recovery relies on this:
/// a client that reconnects with the last offset it read has been sent every update at or below
/// that offset, except ones superseded by a newer update of the same key, which it has either read
/// too or which lies above the offset and so comes again in the replay. (Replacing the queued update
/// where it stood put a later offset ahead of an earlier one of another key: a client cut off
/// between the two asked `since` the later one and never got the earlier.)
final class OutboundQueue: Sendable {
    enum Item: Sendable {
        case frame(ByteBuffer)
        case update(key: DividendKey, frame: ByteBuffer, received: ContinuousClock.Instant)
        case close(code: UInt16, reason: String)
    }

    enum PushResult: Equatable { case queued, conflated, overflow, closed }

    /// What ``waitForRoom(_:timeout:)`` found.
    enum Room: Equatable, Sendable {
        /// The queued updates and the ones asked for fit under the limit.
        case available
        /// The queue is closed, or a close frame is queued: nothing more will be written.
        case closed
        /// The writer did not make that much room in time.
        case timedOut
    }

    /// The newest queued update of a key: where it sits and its offset.
    private struct Queued: Sendable {
        var index: Int
        var offset: StreamOffset
    }

    private struct RoomWaiter: Sendable {
        var needed: Int
        var continuation: CheckedContinuation<Room, Never>
        var timer: Task<Void, Never>?

        func resume(with room: Room) {
            timer?.cancel()
            continuation.resume(returning: room)
        }
    }

    private struct State {
        var items: [Item?] = []
        var head = 0
        /// Slots at or after `head` emptied by conflation.
        var holes = 0
        var updateCount = 0
        /// Each key's newest queued update, for conflation.
        var newest: [DividendKey: Queued] = [:]
        var waiter: CheckedContinuation<Item?, Never>?
        var roomWaiters: [UInt64: RoomWaiter] = [:]
        var lastRoomWaiter: UInt64 = 0
        /// A close frame is queued.
        var closing = false
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

    /// Queues a close frame after everything already queued; a catch-up waiting for room stops.
    func pushClose(code: UInt16, reason: String) {
        let rooms = state.withLock { state -> [RoomWaiter] in
            state.closing = true
            return Self.allRoomWaiters(&state)
        }
        for room in rooms { room.resume(with: .closed) }
        _ = enqueue(.close(code: code, reason: reason))
    }

    /// Queues an update. Pushes must come in increasing offset order for the wire to keep it.
    func push(update frame: ByteBuffer, key: DividendKey, offset: StreamOffset, received: ContinuousClock.Instant) -> PushResult {
        let item = Item.update(key: key, frame: frame, received: received)
        let (result, waiter) = state.withLock { state -> (PushResult, CheckedContinuation<Item?, Never>?) in
            guard !state.closed else { return (.closed, nil) }
            var result = PushResult.queued
            if state.updateCount >= limit {
                switch policy {
                case .close:
                    return (.overflow, nil)
                case .conflate:
                    if let queued = state.newest[key], queued.index >= state.head {
                        // An older value than the one queued (another subscription's replay of
                        // the same key) is dropped: the client must not end with it.
                        guard offset > queued.offset else { return (.conflated, nil) }
                        state.items[queued.index] = nil
                        state.holes += 1
                        state.updateCount -= 1
                        state.newest[key] = nil
                        result = .conflated
                        if state.holes > 1024 && state.holes * 2 > state.items.count - state.head {
                            compact(&state)
                        }
                    }
                }
            }
            if let waiter = state.waiter {
                state.waiter = nil
                return (result, waiter)
            }
            var newerQueued = false
            if let queued = state.newest[key], queued.index >= state.head, queued.offset >= offset {
                newerQueued = true
            }
            if !newerQueued {
                state.newest[key] = Queued(index: state.items.count, offset: offset)
            }
            state.items.append(item)
            state.updateCount += 1
            return (result, nil)
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
            let (ready, rooms) = state.withLock { state -> (Item??, [RoomWaiter]) in
                while state.head < state.items.count {
                    let item = state.items[state.head]
                    state.items[state.head] = nil
                    state.head += 1
                    switch item {
                    case nil:
                        state.holes -= 1
                    case .update(let key, _, _)?:
                        state.updateCount -= 1
                        if state.newest[key]?.index == state.head - 1 { state.newest[key] = nil }
                    default:
                        break
                    }
                    if state.head > 1024 && state.head * 2 > state.items.count {
                        compact(&state)
                    }
                    if let item { return (.some(item), Self.roomMade(&state, limit: limit)) }
                }
                if state.closed { return (.some(nil), []) }
                state.waiter = continuation
                return (.none, [])
            }
            for room in rooms { room.resume(with: .available) }
            if let ready { continuation.resume(returning: ready) }
        }
    }

    /// Waits until `room` more updates fit under the limit beside those queued (at most the limit
    /// itself is asked for), for a producer that may wait: a subscription catching up. Answers
    /// `.closed` once the queue is closed or a close frame is queued, `.timedOut` when the writer
    /// did not make the room within `timeout`.
    func waitForRoom(_ room: Int, timeout: Duration) async -> Room {
        let needed = min(max(room, 1), limit)
        return await withCheckedContinuation { (continuation: CheckedContinuation<Room, Never>) in
            let (immediate, id) = state.withLock { state -> (Room?, UInt64) in
                if state.closed || state.closing { return (.closed, 0) }
                if state.updateCount + needed <= limit { return (.available, 0) }
                state.lastRoomWaiter += 1
                state.roomWaiters[state.lastRoomWaiter] = RoomWaiter(needed: needed, continuation: continuation, timer: nil)
                return (nil, state.lastRoomWaiter)
            }
            if let immediate {
                continuation.resume(returning: immediate)
                return
            }
            let timer = Task {
                try? await Task.sleep(for: timeout)
                self.finishRoomWaiter(id, with: .timedOut)
            }
            let armed = state.withLock { state -> Bool in
                guard state.roomWaiters[id] != nil else { return false }
                state.roomWaiters[id]?.timer = timer
                return true
            }
            // Already resumed: the timer has nothing left to do.
            if !armed { timer.cancel() }
        }
    }

    private func finishRoomWaiter(_ id: UInt64, with room: Room) {
        let waiter = state.withLock { state -> RoomWaiter? in
            state.roomWaiters.removeValue(forKey: id)
        }
        waiter?.resume(with: room)
    }

    var queuedUpdates: Int { state.withLock { $0.updateCount } }

    var isEmpty: Bool { state.withLock { $0.items.count - $0.head - $0.holes <= 0 } }

    /// Stops accepting items; the writer still drains what is queued, then gets nil.
    func close() {
        let (waiter, rooms) = state.withLock { state -> (CheckedContinuation<Item?, Never>?, [RoomWaiter]) in
            state.closed = true
            let waiter = state.waiter
            state.waiter = nil
            return (waiter, Self.allRoomWaiters(&state))
        }
        waiter?.resume(returning: nil)
        for room in rooms { room.resume(with: .closed) }
    }

    /// The room waiters whose updates now fit, taken out of the state.
    private static func roomMade(_ state: inout State, limit: Int) -> [RoomWaiter] {
        guard !state.roomWaiters.isEmpty else { return [] }
        let count = state.updateCount
        let ids = Array(state.roomWaiters.filter { count + $0.value.needed <= limit }.keys)
        var ready: [RoomWaiter] = []
        for id in ids {
            if let waiter = state.roomWaiters.removeValue(forKey: id) { ready.append(waiter) }
        }
        return ready
    }

    private static func allRoomWaiters(_ state: inout State) -> [RoomWaiter] {
        let waiters = Array(state.roomWaiters.values)
        state.roomWaiters = [:]
        return waiters
    }

    /// Drops the consumed prefix and the slots conflation emptied, so the array does not grow
    /// forever; the newest-update positions move with their items.
    private func compact(_ state: inout State) {
        var items: [Item?] = []
        items.reserveCapacity(max(0, state.items.count - state.head - state.holes))
        var newest: [DividendKey: Queued] = [:]
        for index in state.head..<state.items.count {
            guard let item = state.items[index] else { continue }
            if case .update(let key, _, _) = item, let queued = state.newest[key], queued.index == index {
                newest[key] = Queued(index: items.count, offset: queued.offset)
            }
            items.append(item)
        }
        state.items = items
        state.head = 0
        state.holes = 0
        state.newest = newest
    }
}
