import Foundation
import Hummingbird
import HummingbirdWebSocket
import Logging
import Model
import NIOCore
import NIOWebSocket
import Synchronization
import TaoStore

/// `GET /ws`: the streaming endpoint.
///
/// A client authenticates with `Authorization: Bearer …` at upgrade (refused with HTTP 401) or,
/// as browsers must, with an `auth` message within the authentication timeout (refused with close
/// code 4001, or 4000 when nothing came).
struct WebSocketEndpoint: Sendable {
    let services: SessionServices
    let authenticator: TokenAuthenticator
    let registry: ConnectionRegistry

    var limits: ConnectionLimits { services.limits }

    func register(in router: Router<StreamRequestContext>) {
        router.ws("ws", shouldUpgrade: { request, _ in
            if registry.isDraining {
                throw HTTPError(.serviceUnavailable, message: "this server is shutting down; connect to another")
            }
            if let header = request.headers[.authorization] {
                guard let token = TokenAuthenticator.bearer(header), try await authenticator.verify(token) != nil else {
                    services.metrics.authFailures.increment()
                    throw HTTPError(.unauthorized, message: "the bearer token is unknown, malformed or revoked")
                }
            }
            return .upgrade([:])
        }, onUpgrade: { inbound, outbound, context in
            try await serve(inbound: inbound, outbound: outbound, request: context.request, channel: context.requestContext.channel)
        })
    }

    private func serve(inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter, request: Request, channel: any Channel) async throws {
        let session = ClientSession(id: registry.nextSessionID(), services: services)
        let logger = {
            var logger = services.logger
            logger[metadataKey: "connection"] = "\(session.id)"
            return logger
        }()
        registry.add(session)
        services.metrics.connections.increment()
        let closer = Closer(queue: session.queue)

        session.setOverflowHandler {
            // The client stopped reading: a close frame reaches it only if its buffers have room,
            // so the socket is cut shortly after either way.
            Task { try? await outbound.close(.unknown(CloseCode.slowConsumer.rawValue), reason: "client reads too slowly") }
            channel.eventLoop.scheduleTask(in: .seconds(1)) { channel.close(promise: nil) }
            logger.notice("closed a slow client")
        }

        if let token = TokenAuthenticator.bearer(request.headers[.authorization]) {
            if let record = try? await authenticator.verify(token) {
                accept(record, session: session, id: nil, closer: closer)
            } else {
                closer.close(.authenticationFailed, "the token is unknown, malformed or revoked")
            }
        }

        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await write(session.queue, to: outbound) }
            group.addTask { try await watch(session, closer: closer) }
            do {
                for try await message in inbound.messages(maxSize: limits.maxFrameBytes) {
                    guard !closer.isClosing else { continue }
                    await receive(message, session: session, closer: closer)
                }
            } catch {
                logger.debug("connection ended", metadata: ["reason": "\(error)"])
            }
            session.queue.close()
            group.cancelAll()
        }
        session.tearDown()
        registry.remove(session, tokenID: closer.claimedTokenID)
        services.metrics.connections.decrement()
    }

    private func receive(_ message: WebSocketMessage, session: ClientSession, closer: Closer) async {
        func refuse(_ error: ProtocolError) {
            if !session.reject(error) {
                closer.close(.policyViolation, "too many bad or excessive messages")
            }
        }
        guard session.admit() else {
            refuse(ProtocolError(.rateLimited, "more than \(limits.messagesPerSecond) messages a second; slow down"))
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
            guard case .auth(let token) = request.message else {
                refuse(ProtocolError(.notAuthenticated, #"authenticate first: send {"type":"auth","token":"tst_…"}"#, id: request.id))
                return
            }
            let record: APIToken?
            do {
                record = try await authenticator.verify(token)
            } catch {
                session.send(.error(ProtocolError(.unavailable, "tokens cannot be checked right now; retry shortly", id: request.id)))
                return
            }
            guard let record else {
                services.metrics.authFailures.increment()
                session.send(.error(ProtocolError(.unauthorized, "the token is unknown, malformed or revoked", id: request.id)))
                closer.close(.authenticationFailed, "authentication failed")
                return
            }
            accept(record, session: session, id: request.id, closer: closer)
            return
        }
        await session.handle(request)
    }

    private func accept(_ record: APIToken, session: ClientSession, id: MessageID?, closer: Closer) {
        guard registry.claim(tokenID: record.id, limit: limits.connectionsPerToken) else {
            session.send(.error(ProtocolError(.forbidden, "this token already has \(limits.connectionsPerToken) open connections", id: id)))
            closer.close(.tooManyConnections, "too many connections for this token")
            return
        }
        closer.claimedTokenID = record.id
        session.authenticated(as: record)
        session.send(.welcome(.init(
            id: id, tokenID: record.id, scopes: record.scopes.sorted { $0.rawValue < $1.rawValue },
            limits: .init(maxSubscriptions: limits.subscriptionsPerConnection, maxMessageBytes: limits.maxMessageBytes, messagesPerSecond: limits.messagesPerSecond)
        )))
    }

    /// Writes queued frames until the queue closes or a close frame is sent.
    private func write(_ queue: OutboundQueue, to outbound: WebSocketOutboundWriter) async throws {
        while let item = await queue.next() {
            switch item {
            case .frame(let buffer):
                try await outbound.write(.custom(WebSocketFrame(fin: true, opcode: .text, data: buffer)))
            case .update(_, let buffer, let received):
                try await outbound.write(.custom(WebSocketFrame(fin: true, opcode: .text, data: buffer)))
                services.metrics.messagesOut.increment()
                services.metrics.publishToSend.record(ContinuousClock.now - received)
            case .close(let code, let reason):
                try await outbound.close(code == 1001 ? .goingAway : .unknown(code), reason: reason)
                return
            }
        }
    }

    /// Closes connections that never authenticate, or sit idle with nothing subscribed.
    private func watch(_ session: ClientSession, closer: Closer) async throws {
        let opened = ContinuousClock.now
        while !closer.isClosing {
            try await Task.sleep(for: .milliseconds(200))
            let now = ContinuousClock.now
            if session.token == nil, now - opened > limits.authenticationTimeout {
                session.send(.error(ProtocolError(.notAuthenticated, "no auth message within \(limits.authenticationTimeout)")))
                closer.close(.authenticationTimeout, "authentication timeout")
            } else if session.subscriptionCount == 0, now - session.lastActivity > limits.idleTimeout {
                closer.close(.idleTimeout, "idle")
            }
        }
    }
}

/// Queues one close for a connection and remembers that it is closing, and which token slot it holds.
final class Closer: Sendable {
    private struct State {
        var closing = false
        var tokenID: String?
    }

    private let queue: OutboundQueue
    private let state = Mutex(State())

    init(queue: OutboundQueue) { self.queue = queue }

    var isClosing: Bool { state.withLock { $0.closing } }

    var claimedTokenID: String? {
        get { state.withLock { $0.tokenID } }
        set { state.withLock { $0.tokenID = newValue } }
    }

    func close(_ code: CloseCode, _ reason: String) {
        close(rawCode: code.rawValue, reason)
    }

    /// Queues the close frame after what is already queued; later calls do nothing.
    func close(rawCode: UInt16, _ reason: String) {
        let first = state.withLock { state -> Bool in
            defer { state.closing = true }
            return !state.closing
        }
        if first { queue.pushClose(code: rawCode, reason: reason) }
    }
}
