import Logging
import Model
import NIOCore
import NIOHTTP1
import NIOWebSocket
import TaoStore

/// `GET /ws`: the streaming endpoint.
///
/// A client authenticates with `Authorization: Bearer …` at upgrade (refused with HTTP 401 and a
/// JSON error body) or, as browsers must, with an `auth` message within the authentication
/// timeout (refused with close code 4001, or 4000 when nothing came).
struct WebSocketEndpoint: Sendable {
    static let path = "/ws"
    /// SO_SNDBUF for WebSocket connections; Linux doubles it.
    static let sendBuffer: SocketOptionValue = 64 * 1024

    let services: SessionServices
    let authenticator: TokenAuthenticator
    let registry: ConnectionRegistry
    let pending: PendingConnections
    let open: OpenConnections

    var limits: ConnectionLimits { services.limits }

    /// What an upgrade request gets.
    enum Decision: Sendable {
        case upgrade(Grant)
        case refuse(Refusal)
    }

    struct Grant: Sendable {
        /// The token shown in the Authorization header, already verified.
        var token: APIToken?
        /// The permessage-deflate answer, when the client offered one we take.
        var deflate: String?
    }

    /// An HTTP answer instead of an upgrade, with the same JSON error body as a WebSocket error.
    struct Refusal: Sendable, Error {
        var status: HTTPResponseStatus
        var error: ProtocolError

        var body: ByteBuffer { FrameEncoder.encode(.error(error)) }
    }

    /// Decides on an upgrade request. A token verified recently answers at once, on the loop;
    /// only a token not in the cache waits for the store.
    func decide(_ head: HTTPRequestHead, on loop: any EventLoop, from address: String?) -> EventLoopFuture<Decision> {
        let path = head.uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? head.uri
        guard path == Self.path else {
            return loop.makeSucceededFuture(.refuse(Refusal(status: .notFound, error: ProtocolError(.invalidField, "WebSocket connections are served at \(Self.path) only"))))
        }
        if registry.isDraining {
            return loop.makeSucceededFuture(.refuse(Refusal(status: .serviceUnavailable, error: ProtocolError(.unavailable, "this server is shutting down; connect to another"))))
        }
        let deflate = DeflateNegotiation.accept(head.headers["Sec-WebSocket-Extensions"])
        let header = head.headers.first(name: "Authorization")
        guard let header else { return loop.makeSucceededFuture(.upgrade(Grant(token: nil, deflate: deflate))) }
        guard let token = TokenAuthenticator.bearer(header) else { return loop.makeSucceededFuture(unauthorized()) }
        if let record = authenticator.cached(token) {
            return loop.makeSucceededFuture(.upgrade(Grant(token: record, deflate: deflate)))
        }
        let promise = loop.makePromise(of: Decision.self)
        promise.completeWithTask { [authenticator] in
            do throws(TokenAuthenticator.Refusal) {
                guard let record = try await authenticator.verify(token, from: address) else { return unauthorized() }
                return .upgrade(Grant(token: record, deflate: deflate))
            } catch {
                return .refuse(Refusal(status: error == .unavailable ? .serviceUnavailable : .tooManyRequests, error: error.error))
            }
        }
        return promise.futureResult
    }

    private func unauthorized() -> Decision {
        services.metrics.authFailures.increment()
        return .refuse(Refusal(status: .unauthorized, error: ProtocolError(.unauthorized, "the bearer token is unknown, malformed or revoked")))
    }

    /// Completes an accepted upgrade on `channel`'s loop, after the frame decoder: the
    /// connection's handler takes over.
    func install(on channel: any Channel, grant: Grant, pending: PendingConnections.Slot?) throws {
        let pipeline = channel.pipeline.syncOperations
        // A bounded kernel buffer: a client that stops reading then backs up into the session's
        // queue, where the slow-client policy (conflation or close) applies, rather than into
        // megabytes of stale updates in the kernel (Linux's send buffer autotuning grows to 4 MiB).
        try channel.syncOptions?.setOption(.socketOption(.so_sndbuf), value: Self.sendBuffer)
        let transport = SessionTransport(eventLoop: channel.eventLoop, remoteAddress: channel.remoteAddress?.ipAddress, pending: pending)
        let session = ClientSession(id: registry.nextSessionID(), services: services, transport: transport)
        let settings = WebSocketConnection.Settings(
            timings: .init(authentication: limits.authenticationTimeout, idle: limits.idleTimeout, ping: limits.pingInterval, closeHandshake: .seconds(2)),
            maxMessageBytes: limits.maxFrameBytes,
            deflate: grant.deflate != nil
        )
        let connection = WebSocketConnection(session: session, settings: settings, codec: LoopCodec.of(channel.eventLoop), authenticated: grant.token != nil)
        try pipeline.addHandler(connection)
        if let token = grant.token {
            services.intake.accept(token, session: session, id: nil)
        }
    }
}
