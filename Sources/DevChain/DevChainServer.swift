import Foundation
import Hummingbird
import HummingbirdWebSocket
import Logging
import Model
import NIOCore
import ServiceLifecycle

/// The DevChain's JSON-RPC over WebSocket (as Substrate nodes serve it, on any path), plus a
/// plain HTTP POST endpoint for one-off calls.
public struct DevChainServer: Sendable {
    public let chain: DevChain
    public let application: Application<RouterResponder<BasicWebSocketRequestContext>>

    public init(chain: DevChain, host: String = "127.0.0.1", port: Int = 9944, logger: Logger, onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }) {
        self.chain = chain
        let router = Router(context: BasicWebSocketRequestContext.self)
        router.post("/") { request, context -> Response in
            let body = try await request.body.collect(upTo: 16 << 20)
            let collector = ResponseCollector()
            let connection = RPCConnection(chain: chain) { await collector.append($0) }
            await connection.handle(String(buffer: body))
            let data = try JSONEncoder().encode(await collector.first ?? .null)
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
        }
        let webSocketRouter = Router(context: BasicWebSocketRequestContext.self)
        webSocketRouter.ws("/") { inbound, outbound, _ in
            let writer = FrameWriter(outbound: outbound)
            let connection = RPCConnection(chain: chain) { await writer.write($0) }
            let events = await chain.events()
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await connection.pump(events) }
                for try await message in inbound.messages(maxSize: 16 << 20) {
                    guard case .text(let text) = message else { continue }
                    await connection.handle(text)
                }
                group.cancelAll()
            }
        }
        application = Application(
            router: router,
            server: .http1WebSocketUpgrade(webSocketRouter: webSocketRouter, configuration: .init(maxFrameSize: 16 << 20)),
            configuration: .init(address: .hostname(host, port: port), serverName: "taostream-devchain"),
            onServerRunning: onServerRunning,
            logger: logger
        )
    }
}

/// Serialises frames from the request handler and the notification pump onto one socket.
actor FrameWriter {
    let outbound: WebSocketOutboundWriter
    init(outbound: WebSocketOutboundWriter) { self.outbound = outbound }

    func write(_ value: JSONValue) async {
        guard let data = try? JSONEncoder().encode(value) else { return }
        try? await outbound.write(.text(String(decoding: data, as: UTF8.self)))
    }
}

actor ResponseCollector {
    private(set) var values: [JSONValue] = []
    func append(_ value: JSONValue) { values.append(value) }
    var first: JSONValue? { values.first }
}
