import Logging
import Model
import NIOCore
import Synchronization
import TaoStore

/// A whole message from a client, after framing, decompression and UTF-8 validation.
enum InboundMessage: Sendable {
    case text(String)
    case binary
}

/// What happens to each client message before the session acts on it: the rate limit, the error
/// budget, size and JSON checks, and authentication for a connection that has not shown a token.
struct MessageIntake: Sendable {
    let authenticator: TokenAuthenticator
    let registry: ConnectionRegistry
    let limits: ConnectionLimits
    let metrics: ServerMetrics
    /// Said in every welcome: whether this server takes commands.
    let commandsEnabled: Bool
    let welcomes = EncodedWelcomes()

    func handle(_ message: InboundMessage, session: ClientSession) async {
        guard !session.isClosing else { return }
        func refuse(_ error: ProtocolError) {
            if !session.reject(error) {
                session.close(.policyViolation, "too many bad or excessive messages")
            }
        }
        guard session.admit() else {
            // Over the rate: dropped unread, said at most once a second, and not counted against
            // the error budget (a client that only sends too fast has sent nothing bad).
            switch session.overRate() {
            case .tell:
                session.send(.error(ProtocolError(.rateLimited, "more than \(limits.messagesPerSecond) messages a second; messages over the rate are dropped unanswered")))
            case .drop:
                break
            case .close:
                session.close(.policyViolation, "flooding: messages far over the rate for seconds on end")
            }
            return
        }
        guard case .text(let text) = message else {
            refuse(ProtocolError(.malformedJSON, "send messages as JSON text frames, not binary"))
            return
        }
        let size = text.utf8.count
        guard size <= limits.maxMessageBytes else {
            refuse(ProtocolError(.frameTooLarge, "a message may be at most \(limits.maxMessageBytes) bytes; this one was \(size)"))
            return
        }
        let request: ClientRequest
        do {
            request = try ClientMessageParser().parse(Array(text.utf8))
        } catch {
            refuse(error)
            return
        }
        guard session.token != nil else {
            await authenticate(request, session: session, refuse: refuse)
            return
        }
        await session.handle(request)
    }

    private func authenticate(_ request: ClientRequest, session: ClientSession, refuse: (ProtocolError) -> Void) async {
        guard case .auth(let token) = request.message else {
            refuse(ProtocolError(.notAuthenticated, #"authenticate first: send {"type":"auth","token":"tst_…"}"#, id: request.id))
            return
        }
        let record: APIToken?
        do throws(TokenAuthenticator.Refusal) {
            record = try await authenticator.verify(token, from: session.transport.remoteAddress)
        } catch {
            var refusal = error.error
            refusal.id = request.id
            session.send(.error(refusal))
            // A throttled address gets no more tries on this connection.
            if case .throttled = error { session.close(.authenticationFailed, "too many refused tokens") }
            return
        }
        guard let record else {
            metrics.authFailures.increment()
            session.send(.error(ProtocolError(.unauthorized, "the token is unknown, malformed or revoked", id: request.id)))
            session.close(.authenticationFailed, "authentication failed")
            return
        }
        accept(record, session: session, id: request.id)
    }

    /// Admits an authenticated session: takes one of its token's slots and says welcome.
    func accept(_ record: APIToken, session: ClientSession, id: MessageID?) {
        guard registry.claim(tokenID: record.id, limit: limits.connectionsPerToken) else {
            session.send(.error(ProtocolError(.forbidden, "this token already has \(limits.connectionsPerToken) open connections", id: id)))
            session.close(.tooManyConnections, "too many connections for this token")
            return
        }
        session.claimSlot(tokenID: record.id)
        session.authenticated(as: record)
        let welcome = ServerMessage.welcome(.init(
            id: id, tokenID: record.id, scopes: record.scopes.sorted { $0.rawValue < $1.rawValue },
            limits: .init(maxSubscriptions: limits.subscriptionsPerConnection, maxMessageBytes: limits.maxMessageBytes, messagesPerSecond: limits.messagesPerSecond,
                          errorsPerMinute: limits.errorsPerMinute, maxConnectionsPerToken: limits.connectionsPerToken, replayEntriesPerSecond: limits.replayEntriesPerSecond),
            commands: commandsEnabled
        ))
        // A welcome at upgrade (no id to answer) is the same bytes for every connection of a
        // token: encoded once, not once per connection of a reconnect storm.
        if id == nil {
            session.send(encoded: welcomes.frame(for: welcome, tokenID: record.id))
        } else {
            session.send(welcome)
        }
    }
}

/// Each token's encoded welcome, kept while the token is in use (bounded: cleared past 10 000).
final class EncodedWelcomes: Sendable {
    private let frames = Mutex<[String: (message: ServerMessage, frame: ByteBuffer)]>([:])

    func frame(for message: ServerMessage, tokenID: String) -> ByteBuffer {
        if let cached = frames.withLock({ $0[tokenID] }), cached.message == message { return cached.frame }
        let frame = FrameEncoder.encode(message)
        frames.withLock { table in
            if table.count > 10_000 { table.removeAll() }
            table[tokenID] = (message, frame)
        }
        return frame
    }
}
