import HTTPTypes
import Hummingbird
import HummingbirdCore
import Logging
import Model
import NIOCore
import NIOHTTP1
import NIOHTTPTypes
import NIOHTTPTypesHTTP1
import NIOWebSocket

/// Each accepted TCP connection: HTTP/1.1 for the REST endpoints and the browser client, or an
/// upgrade to a WebSocket at `/ws`.
///
/// Hummingbird runs ``handle(value:logger:)`` as one task per connection. An HTTP connection
/// keeps it for as long as it serves requests; an upgraded WebSocket ends it at once, and from
/// then on lives in its channel handlers alone, so 10 000 idle subscribers hold no task.
struct StreamChannel: ServerChildChannel, HTTPChannelHandler {
    enum UpgradeResult: Sendable {
        case webSocket
        case notUpgraded(NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>)
        case refused(NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>, WebSocketEndpoint.Refusal)
    }

    struct Value: ServerChildChannelValue {
        let upgradeResult: EventLoopFuture<UpgradeResult>
        let channel: any Channel
    }

    let responder: HTTPChannelHandler.Responder
    let endpoint: WebSocketEndpoint
    let http: HTTP1Channel.Configuration

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        guard endpoint.open.admit() else {
            // Full: closed at once, which takes it off the kernel's queue (see OpenConnections).
            channel.close(promise: nil)
            return channel.eventLoop.makeFailedFuture(ChannelError.inappropriateOperationForState)
        }
        channel.closeFuture.whenComplete { [open = endpoint.open] _ in open.release() }
        let address = endpoint.pending.limitPerAddress > 0 ? channel.remoteAddress?.ipAddress : nil
        let slot = address.flatMap { endpoint.pending.admit($0) }
        if address != nil, slot == nil {
            // This address holds as many unauthenticated connections as it may.
            channel.close(promise: nil)
            return channel.eventLoop.makeFailedFuture(ChannelError.inappropriateOperationForState)
        }
        if let slot { channel.closeFuture.whenComplete { _ in slot.release() } }
        return channel.eventLoop.makeCompletedFuture {
            let decision = NIOLoopBoundBox<WebSocketEndpoint.Decision?>(nil, eventLoop: channel.eventLoop)
            // A connection must send a whole request head in time: sockets that never send a byte,
            // or send one every few seconds (slowloris), are closed instead of held forever.
            let headSeen = NIOLoopBoundBox(false, eventLoop: channel.eventLoop)
            let malformed = MalformedRequestResponder(requestSeen: headSeen)
            channel.eventLoop.assumeIsolated().scheduleTask(in: TimeAmount(endpoint.limits.upgradeTimeout)) {
                if !headSeen.value { channel.close(promise: nil) }
            }
            let upgrader = WebSocketUpgrader(
                maxFrameSize: endpoint.limits.maxFrameBytes,
                shouldUpgrade: { channel, head in
                    headSeen.value = true
                    return endpoint.decide(head, on: channel.eventLoop, from: channel.remoteAddress?.ipAddress).map { outcome -> HTTPHeaders? in
                        decision.value = outcome
                        guard case .upgrade(let grant) = outcome else { return nil }
                        var headers = HTTPHeaders()
                        if let deflate = grant.deflate { headers.add(name: "Sec-WebSocket-Extensions", value: deflate) }
                        return headers
                    }
                },
                malformed: { _ in
                    headSeen.value = true
                    decision.value = .refuse(WebSocketEndpoint.Refusal(status: .badRequest, error: ProtocolError(.invalidField, "a WebSocket upgrade needs one Sec-WebSocket-Key and Sec-WebSocket-Version: 13")))
                },
                install: { channel in
                    guard case .upgrade(let grant)? = decision.value else { throw ChannelError.inappropriateOperationForState }
                    // Frames, not HTTP, from here on.
                    malformed.remove(from: channel.pipeline.syncOperations)
                    try endpoint.install(on: channel, grant: grant, pending: slot)
                }
            )
            let upgrade = NIOTypedHTTPServerUpgradeConfiguration(
                upgraders: [upgrader],
                notUpgradingCompletionHandler: { channel in
                    headSeen.value = true
                    return channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(HTTP1ToHTTPServerCodec(secure: false))
                        try channel.pipeline.syncOperations.addHandlers(http.additionalChannelHandlers())
                        try channel.pipeline.syncOperations.addHandler(HTTPConnectionStateHandler(idleTimeout: http.idleTimeout.map { .init($0) }, logger: logger))
                        let asyncChannel = try NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>(
                            wrappingChannelSynchronously: channel, configuration: .init(isOutboundHalfClosureEnabled: true)
                        )
                        if case .refuse(let refusal)? = decision.value { return .refused(asyncChannel, refusal) }
                        return .notUpgraded(asyncChannel)
                    }
                }
            )
            var configuration = NIOUpgradableHTTPServerPipelineConfiguration<UpgradeResult>(upgradeConfiguration: upgrade)
            configuration.enablePipelining = false
            configuration.enableErrorHandling = false
            configuration.enableResponseHeaderValidation = false
            configuration.decoderConfiguration.maxHeaderFieldSize = http.httpDecoder.maxHeaderFieldSize
            configuration.decoderConfiguration.maxHeaderListSize = http.httpDecoder.maxHeaderListSize
            configuration.decoderConfiguration.maxHeaderFieldCount = http.httpDecoder.maxHeaderFieldCount
            let result = try channel.pipeline.syncOperations.configureUpgradableHTTPServerPipeline(configuration: configuration)
            try malformed.add(to: channel.pipeline.syncOperations)
            return Value(upgradeResult: result, channel: channel)
        }
    }

    func handle(value: Value, logger: Logger) async {
        do {
            switch try await value.upgradeResult.get() {
            case .webSocket:
                // The connection lives on in its handlers; this task is done.
                return
            case .notUpgraded(let http1):
                await handleHTTP(asyncChannel: http1, logger: logger)
            case .refused(let http1, let refusal):
                await refuse(http1, refusal, logger: logger)
            }
        } catch {
            logger.debug("connection ended before its first request was handled", metadata: ["error": "\(error)"])
            value.channel.close(promise: nil)
        }
    }

    /// Answers a refused upgrade with its status and JSON error body, then closes.
    private func refuse(_ channel: NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>, _ refusal: WebSocketEndpoint.Refusal, logger: Logger) async {
        do {
            try await channel.executeThenClose { _, outbound in
                let body = refusal.body
                let head = HTTPResponse(status: .init(code: Int(refusal.status.code)), headerFields: [
                    .connection: "close", .contentType: "application/json", .contentLength: "\(body.readableBytes)",
                ])
                try await outbound.write(contentsOf: [.head(head), .body(body), .end(nil)])
            }
        } catch {
            logger.trace("could not answer a refused upgrade", metadata: ["error": "\(error)"])
        }
    }
}
