import Model
import NIOCore
import Synchronization

/// The frames waiting to be written to one client.
///
/// Producers push from any thread; the connection's event loop takes items out with
/// ``take()`` whenever its socket can take more. A push to a queue nobody is draining asks, through
/// ``requestDrain()``, for one drain to be scheduled: many pushes in one batch cost one wake-up.
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
        /// A reply or notice: the text of one message.
        case frame(ByteBuffer)
        case update(key: DividendKey, frame: UpdateFrame, received: ContinuousClock.Instant)
        case close(code: UInt16, reason: String)

        var size: Int {
            switch self {
            case .frame(let buffer): buffer.readableBytes
            case .update(_, let frame, _): frame.wireSize
            case .close(_, let reason): reason.utf8.count + 4
            }
        }
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
        var bytes = 0
        /// Each key's newest queued update, for conflation.
        var newest: [DividendKey: Queued] = [:]
        /// A drain is scheduled or running: pushes need not ask for another.
        var draining = false
        var roomWaiters: [UInt64: RoomWaiter] = [:]
        var lastRoomWaiter: UInt64 = 0
        /// A close frame is queued.
        var closing = false
        var closed = false

        var isEmpty: Bool { items.count - head - holes <= 0 }
    }

    private let state = Mutex(State())
    let limit: Int
    /// Bytes queued (replies and updates) before the slow-client policy applies.
    let byteLimit: Int
    let policy: SlowClientPolicy

    init(limit: Int, byteLimit: Int = 4 << 20, policy: SlowClientPolicy) {
        self.limit = limit
        self.byteLimit = byteLimit
        self.policy = policy
    }

    /// Queues a reply or notice. Replies are never conflated: past the byte limit the client is
    /// not reading its replies, and the answer is an overflow under either policy.
    func push(frame: ByteBuffer) -> PushResult {
        enqueue(.frame(frame))
    }

    /// Queues a close frame after everything already queued; a catch-up waiting for room stops.
    func pushClose(code: UInt16, reason: String) {
        let rooms = state.withLock { state -> [RoomWaiter] in
            state.closing = true
            return Self.allRoomWaiters(&state)
        }
        for room in rooms { room.resume(with: .closed) }
        _ = enqueue(.close(code: code, reason: reason), always: true)
    }

    /// Queues an update. Pushes must come in increasing offset order for the wire to keep it.
    func push(update frame: UpdateFrame, key: DividendKey, offset: StreamOffset, received: ContinuousClock.Instant) -> PushResult {
        let item = Item.update(key: key, frame: frame, received: received)
        return state.withLock { state -> PushResult in
            guard !state.closed else { return .closed }
            var result = PushResult.queued
            if state.updateCount >= limit || state.bytes + item.size > byteLimit {
                switch policy {
                case .close:
                    return .overflow
                case .conflate:
                    if let queued = state.newest[key], queued.index >= state.head {
                        // An older value than the one queued (another subscription's replay of
                        // the same key) is dropped: the client must not end with it.
                        guard offset > queued.offset else { return .conflated }
                        if case .update(_, let old, _)? = state.items[queued.index] { state.bytes -= old.wireSize }
                        state.items[queued.index] = nil
                        state.holes += 1
                        state.updateCount -= 1
                        state.newest[key] = nil
                        result = .conflated
                        if state.holes > 1024 && state.holes * 2 > state.items.count - state.head {
                            compact(&state)
                        }
                    } else if state.bytes + item.size > byteLimit {
                        // Nothing of this key to replace, and no room in bytes: the client is not reading.
                        return .overflow
                    }
                }
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
            state.bytes += item.size
            return result
        }
    }

    private func enqueue(_ item: Item, always: Bool = false) -> PushResult {
        state.withLock { state in
            guard !state.closed else { return .closed }
            if !always && state.bytes + item.size > byteLimit && !state.isEmpty { return .overflow }
            state.items.append(item)
            state.bytes += item.size
            return .queued
        }
    }

    /// True when the caller must schedule a drain: there is something to write and no drain is
    /// scheduled or running. The drain then owns the queue until ``take()`` answers nil or it
    /// ``park()``s.
    func requestDrain() -> Bool {
        state.withLock { state in
            guard !state.draining, !state.isEmpty else { return false }
            state.draining = true
            return true
        }
    }

    /// The next item to write; nil when empty, which also ends the drain (in the same lock, so a
    /// push that comes after it asks for a new one).
    func take() -> Item? {
        let (item, rooms) = state.withLock { state -> (Item?, [RoomWaiter]) in
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
                if let item { state.bytes -= item.size }
                if state.head > 1024 && state.head * 2 > state.items.count {
                    compact(&state)
                }
                if let item { return (item, Self.roomMade(&state, limit: limit)) }
            }
            // Empty: a small array is kept for the next batch (no allocation per update), a large
            // one goes back, so a connection that once had a burst does not hold its memory.
            state.items.removeAll(keepingCapacity: state.items.capacity <= 8)
            state.head = 0
            state.holes = 0
            state.draining = false
            return (nil, [])
        }
        for room in rooms { room.resume(with: .available) }
        return item
    }

    /// Ends a drain that stopped with items left (the socket is full); the writer drains again
    /// when it becomes writable.
    func park() {
        state.withLock { $0.draining = false }
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
    var queuedBytes: Int { state.withLock { $0.bytes } }

    var isEmpty: Bool { state.withLock { $0.isEmpty } }

    /// Stops accepting items; what is queued may still be taken.
    func close() {
        let rooms = state.withLock { state -> [RoomWaiter] in
            state.closed = true
            return Self.allRoomWaiters(&state)
        }
        for room in rooms { room.resume(with: .closed) }
    }

    /// Drops what is queued but stays open, for a close frame to go out next.
    func discardQueued() {
        state.withLock { state in
            state.items = []
            state.newest = [:]
            state.head = 0
            state.holes = 0
            state.updateCount = 0
            state.bytes = 0
        }
    }

    /// Drops everything queued (the connection is gone): the frames' memory goes at once.
    func discard() {
        close()
        discardQueued()
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
