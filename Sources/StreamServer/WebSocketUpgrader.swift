import Crypto
import Foundation
import NIOCore
import NIOHTTP1
import NIOWebSocket

/// The HTTP/1.1 → WebSocket upgrade (RFC 6455 §4.2). Unlike NIO's own upgrader it installs no
/// frame encoder: ``WebSocketConnection`` writes finished frames, the same buffer for every client.
struct WebSocketUpgrader: NIOTypedHTTPServerProtocolUpgrader {
    typealias UpgradeResult = StreamChannel.UpgradeResult

    let supportedProtocol = "websocket"
    let requiredUpgradeHeaders: [String] = []
    let maxFrameSize: Int
    /// Extra response headers, or nil to refuse (the refusal is answered once the request is
    /// handed back as plain HTTP).
    let shouldUpgrade: @Sendable (any Channel, HTTPRequestHead) -> EventLoopFuture<HTTPHeaders?>
    /// Told of an upgrade request without a valid key or version, which is then refused.
    let malformed: @Sendable (any Channel) -> Void
    /// Adds the connection's handlers after the decoder.
    let install: @Sendable (any Channel) throws -> Void

    static let magicGUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

    func buildUpgradeResponse(channel: any Channel, upgradeRequest: HTTPRequestHead, initialResponseHeaders: HTTPHeaders) -> EventLoopFuture<HTTPHeaders> {
        let keys = upgradeRequest.headers["Sec-WebSocket-Key"]
        guard keys.count == 1, let key = keys.first, upgradeRequest.headers["Sec-WebSocket-Version"] == ["13"] else {
            malformed(channel)
            return channel.eventLoop.makeFailedFuture(NIOWebSocketUpgradeError.invalidUpgradeHeader)
        }
        return shouldUpgrade(channel, upgradeRequest).flatMapThrowing { extra in
            guard var headers = extra else { throw NIOWebSocketUpgradeError.unsupportedWebSocketTarget }
            headers.add(contentsOf: initialResponseHeaders)
            headers.replaceOrAdd(name: "Upgrade", value: "websocket")
            headers.replaceOrAdd(name: "Connection", value: "upgrade")
            headers.add(name: "Sec-WebSocket-Accept", value: Self.accept(key: key))
            return headers
        }
    }

    func upgrade(channel: any Channel, upgradeRequest: HTTPRequestHead) -> EventLoopFuture<UpgradeResult> {
        channel.eventLoop.makeCompletedFuture {
            try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(WebSocketFrameDecoder(maxFrameSize: maxFrameSize)))
            try install(channel)
            return .webSocket
        }
    }

    /// `Sec-WebSocket-Accept`: base64 of the SHA-1 of the key and the protocol's GUID.
    static func accept(key: String) -> String {
        Data(Insecure.SHA1.hash(data: Data((key + magicGUID).utf8))).base64EncodedString()
    }
}
