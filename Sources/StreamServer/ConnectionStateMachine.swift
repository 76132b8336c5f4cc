import Model

/// The life of one WebSocket connection as a value: events go in, actions come out, and time is
/// only what the caller says it is (deadlines, never sleeps), so every path is tested without a
/// socket or a clock (as postgres-nio's `ConnectionStateMachine`).
///
/// ```
/// awaitingAuth ──authenticated──▶ open ──close queued / peer closed──▶ closing ──▶ closed
///      └───────────── auth deadline: error + close 4000 ────────────────▲
/// ```
/// Pings run in every state but closing: a peer that has not answered the previous ping when
/// the next one is due is gone, and the socket is closed without a close handshake.
struct ConnectionStateMachine {
    typealias Instant = ContinuousClock.Instant

    struct Timings: Equatable {
        var authentication: Duration
        var idle: Duration
        var ping: Duration
        /// How long the peer has to answer our close frame before the socket is cut.
        var closeHandshake: Duration
    }

    enum State: Equatable {
        case awaitingAuth(deadline: Instant)
        case open
        /// Our close frame is queued or sent; the socket closes when the peer answers or at the
        /// deadline (a peer that stopped reading never gets the frame, and is cut all the same).
        case closing(deadline: Instant)
        case closed
    }

    enum Action: Equatable {
        case none
        case sendPing
        /// Queue a close frame after what is queued (and before it, an error message if given).
        case queueClose(code: CloseCode, reason: String, notice: String?)
        /// Answer the peer's close frame with `code`, then close the socket.
        case answerCloseAndDisconnect(code: UInt16)
        /// Close the socket now.
        case disconnect
    }

    private(set) var state: State
    private let timings: Timings
    private var lastActivity: Instant
    private var nextPing: Instant
    private var awaitingPong = false

    init(now: Instant, timings: Timings, authenticated: Bool) {
        self.timings = timings
        self.state = authenticated ? .open : .awaitingAuth(deadline: now + timings.authentication)
        self.lastActivity = now
        self.nextPing = now + timings.ping
    }

    var isClosing: Bool {
        switch state {
        case .closing, .closed: true
        case .awaitingAuth, .open: false
        }
    }

    /// The earliest moment ``timerFired(now:subscribed:)`` has something to do.
    var nextDeadline: Instant? {
        switch state {
        case .awaitingAuth(let deadline): min(deadline, nextPing)
        case .open: min(nextPing, lastActivity + timings.idle)
        case .closing(let deadline): deadline
        case .closed: nil
        }
    }

    mutating func authenticated() {
        if case .awaitingAuth = state { state = .open }
    }

    /// A data message arrived: the connection is in use.
    mutating func messageReceived(now: Instant) {
        lastActivity = now
    }

    mutating func pongReceived() {
        awaitingPong = false
    }

    /// A close frame was queued, by a timer's action or by anyone else (a slow client, a revoked
    /// token, a draining server).
    mutating func closeQueued(now: Instant) {
        switch state {
        case .awaitingAuth, .open: state = .closing(deadline: now + timings.closeHandshake)
        case .closing, .closed: break
        }
    }

    mutating func peerClosed(code: UInt16?) -> Action {
        switch state {
        case .awaitingAuth, .open:
            state = .closed
            // Echo the peer's code (RFC 6455 §5.5.1); a close without one is answered with 1000.
            return .answerCloseAndDisconnect(code: code ?? 1000)
        case .closing:
            state = .closed
            return .disconnect
        case .closed:
            return .none
        }
    }

    /// The socket is gone, whatever the reason.
    mutating func disconnected() {
        state = .closed
    }

    mutating func timerFired(now: Instant, subscribed: Bool) -> Action {
        switch state {
        case .closed:
            return .none
        case .closing(let deadline):
            guard now >= deadline else { return .none }
            state = .closed
            return .disconnect
        case .awaitingAuth(let deadline) where now >= deadline:
            state = .closing(deadline: now + timings.closeHandshake)
            return .queueClose(code: .authenticationTimeout, reason: "authentication timeout", notice: "no auth message within \(timings.authentication)")
        case .open where now - lastActivity >= timings.idle:
            guard subscribed else {
                state = .closing(deadline: now + timings.closeHandshake)
                return .queueClose(code: .idleTimeout, reason: "idle", notice: nil)
            }
            // Waiting for updates is not idleness. The idle clock restarts here, so the next
            // deadline is in the future: left in the past, it fired again at once, for ever,
            // spinning the event loop.
            lastActivity = now
            return pingIfDue(now: now)
        case .awaitingAuth, .open:
            return pingIfDue(now: now)
        }
    }

    private mutating func pingIfDue(now: Instant) -> Action {
        guard now >= nextPing else { return .none }
        if awaitingPong {
            state = .closed
            return .disconnect
        }
        awaitingPong = true
        nextPing = now + timings.ping
        return .sendPing
    }
}
