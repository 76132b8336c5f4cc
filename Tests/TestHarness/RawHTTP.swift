import NIOCore
import NIOPosix
import Synchronization

/// One request on a raw TCP connection; the answer is whatever arrives until the server closes
/// (or, with `stopAfterHead`, until the end of the response head). For what a well-behaved client
/// library would never send.
public enum RawHTTP {
    public static func upgrade(path: String, extra: String) -> String {
        "GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\(extra)\r\n"
    }

    /// A client frame, masked as RFC 6455 requires (any payload length).
    public static func masked(_ opcode: UInt8, _ payload: [UInt8], fin: Bool = true, mask: [UInt8] = [0x12, 0x34, 0x56, 0x78]) -> [UInt8] {
        var frame: [UInt8] = [(fin ? 0x80 : 0) | opcode]
        switch payload.count {
        case ..<126: frame.append(0x80 | UInt8(payload.count))
        case ..<65536: frame += [0x80 | 126, UInt8(payload.count >> 8), UInt8(payload.count & 0xFF)]
        default: frame += [0x80 | 127] + (0..<8).reversed().map { UInt8((payload.count >> ($0 * 8)) & 0xFF) }
        }
        return frame + mask + payload.enumerated().map { $0.element ^ mask[$0.offset % 4] }
    }

    public static func exchange(port: Int, _ request: String, stopAfterHead: Bool = false, until timeout: Duration = .seconds(10)) async throws -> String {
        String(decoding: try await exchange(port: port, bytes: Array(request.utf8), stopAfterHead: stopAfterHead, until: timeout), as: UTF8.self)
    }

    public static func exchange(port: Int, bytes request: [UInt8], stopAfterHead: Bool = false, until timeout: Duration = .seconds(10)) async throws -> [UInt8] {
        try await exchange(port: port, bytes: request, closingWhen: stopAfterHead ? Self.holdsAResponseHead : nil, until: timeout)
    }

    @Sendable static func holdsAResponseHead(_ bytes: [UInt8]) -> Bool {
        bytes.firstRange(of: [UInt8]([13, 10, 13, 10])) != nil
    }

    /// Sends `request`; the client closes as soon as what arrived satisfies `closingWhen`, else
    /// waits for the server to close.
    public static func exchange(port: Int, bytes request: [UInt8], closingWhen: (@Sendable ([UInt8]) -> Bool)?, until timeout: Duration = .seconds(10)) async throws -> [UInt8] {
        let collected = Collector(closingWhen: closingWhen)
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { channel in channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(collected) } }
            .connect(host: "127.0.0.1", port: port).get()
        // The server may close before it read everything (a violation ends the connection).
        try? await channel.writeAndFlush(ByteBuffer(bytes: request))
        let closed = channel.closeFuture
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try? await closed.get() }
                group.addTask {
                    try await Task.sleep(for: timeout)
                    throw TimedOut()
                }
                try await group.next()
                group.cancelAll()
            }
        } catch {
            channel.close(promise: nil)
            throw error
        }
        return collected.bytes
    }

    public struct TimedOut: Error {}

    final class Collector: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer
        private let received = Mutex<[UInt8]>([])
        let closingWhen: (@Sendable ([UInt8]) -> Bool)?

        init(closingWhen: (@Sendable ([UInt8]) -> Bool)?) { self.closingWhen = closingWhen }

        var bytes: [UInt8] { received.withLock { $0 } }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let all = received.withLock { total in
                total += Array(unwrapInboundIn(data).readableBytesView)
                return total
            }
            if let closingWhen, closingWhen(all) { context.close(promise: nil) }
        }
    }
}
