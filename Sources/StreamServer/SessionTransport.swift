import NIOCore
import Synchronization

/// How a session reaches its socket: the ``WebSocketConnection`` handler on the socket's event
/// loop. Anything may call it from any thread; the handler itself is only touched on its loop.
final class SessionTransport: Sendable {
    let eventLoop: any EventLoop
    /// The client's IP address, for limits per address.
    let remoteAddress: String?
    /// The connection's place among its address's unauthenticated ones, until it authenticates.
    private let pending: PendingConnections.Slot?
    private let connection: NIOLoopBoundBox<WebSocketConnection?>

    /// Created on `eventLoop`, in the upgrade, before the handler exists.
    init(eventLoop: any EventLoop, remoteAddress: String? = nil, pending: PendingConnections.Slot? = nil) {
        self.eventLoop = eventLoop
        self.remoteAddress = remoteAddress
        self.pending = pending
        self.connection = NIOLoopBoundBox(nil, eventLoop: eventLoop)
    }

    /// On the loop: the handler that writes for this session, or nil once the socket is gone
    /// (which also breaks the handler → session → transport → handler cycle).
    func attach(_ handler: WebSocketConnection?) {
        connection.value = handler
    }

    /// Makes sure what is queued gets written: one drain for however many pushes came before it.
    func wake(_ queue: OutboundQueue) {
        guard queue.requestDrain() else { return }
        onLoop { $0.drain() }
    }

    /// On the loop: writes an update at once, without a flush, when the socket can take it and
    /// nothing is queued before it. False when it must be queued instead.
    func writeDirectly(_ frame: UpdateFrame, queue: OutboundQueue) -> Bool {
        guard eventLoop.inEventLoop, let handler = connection.value else { return false }
        return handler.writeNow(frame, queue: queue)
    }

    /// On the loop, after a batch of deliveries: one flush for what was written directly, and a
    /// drain for what was queued.
    func endBatch(_ queue: OutboundQueue) {
        connection.value?.flushIfNeeded()
        wake(queue)
    }

    /// A close frame was queued: the connection starts its close handshake's clock.
    func closeQueued() {
        onLoop { $0.closeQueued() }
    }

    func authenticated() {
        pending?.release()
        onLoop { $0.authenticated() }
    }

    private func onLoop(_ body: @escaping @Sendable (WebSocketConnection) -> Void) {
        if eventLoop.inEventLoop {
            if let handler = connection.value { body(handler) }
        } else {
            eventLoop.execute {
                if let handler = self.connection.value { body(handler) }
            }
        }
    }
}

/// Remembers that a connection is closing (one close frame, ever) and which token slot it holds.
final class Closer: Sendable {
    private struct State {
        var closing = false
        var tokenID: String?
    }

    private let state = Mutex(State())

    var isClosing: Bool { state.withLock { $0.closing } }

    var claimedTokenID: String? {
        get { state.withLock { $0.tokenID } }
        set { state.withLock { $0.tokenID = newValue } }
    }

    /// True for the first caller only: that one queues the close frame.
    func claimClose() -> Bool {
        state.withLock { state in
            defer { state.closing = true }
            return !state.closing
        }
    }
}
