import ChainWatcher
import Foundation
import Model
import NIOCore
import NIOPosix
import TaoRedis

/// How one benchmark target takes a message to fan out.
protocol FanoutPublisher: Sendable {
    /// Publishes one update whose offset carries `block`.
    func publish(block: UInt64) async throws
    func close() async
}

/// The update every target carries: the same JSON as TaoStream's `update` frame, so frame sizes
/// are equal across targets.
enum BenchmarkUpdate {
    static let netuid: UInt16 = 7
    static let hotkey = "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY"
    static let hash = "0x" + String(repeating: "ab", count: 32)

    static func change(block: UInt64) -> DividendChange {
        DividendChange(
            kind: .alpha, netuid: netuid, hotkey: hotkey, old: block, new: block + 1, block: block, blockHash: hash,
            offset: StreamOffset(block: block, sequence: 0)
        )
    }

    static func frameText(block: UInt64) throws -> [UInt8] {
        Array(#"{"type":"update","change":"#.utf8) + Array(try JSONEncoder().encode(change(block: block))) + [UInt8(ascii: "}")]
    }
}

/// TaoStream: the watcher's own publisher (one Lua script per block into Redis).
struct TaoStreamPublisher: FanoutPublisher {
    let redis: RedisClient
    let publisher: DividendPublisher

    init(redisURL: String) throws {
        redis = RedisClient(configuration: try RedisConfiguration(url: redisURL))
        publisher = DividendPublisher(redis: redis)
    }

    func lastBlock() async throws -> UInt64 { try await publisher.lastPublishedBlock()?.number ?? 0 }

    func publish(block: UInt64) async throws {
        try await publisher.publish(block: block, blockHash: BenchmarkUpdate.hash, changes: [BenchmarkUpdate.change(block: block)])
    }

    func close() async { await redis.close() }
}

/// The Python peer: a plain Redis PUBLISH on the channel its subscribers follow.
struct RedisChannelPublisher: FanoutPublisher {
    let redis: RedisClient

    init(redisURL: String) throws {
        redis = RedisClient(configuration: try RedisConfiguration(url: redisURL))
    }

    func publish(block: UInt64) async throws {
        let body = try BenchmarkUpdate.frameText(block: block)
        _ = try await redis.send(RedisCommand("PUBLISH", RedisArgument("fanout:\(BenchmarkUpdate.netuid)"), RedisArgument(bytes: body)))
    }

    func close() async { await redis.close() }
}

/// nchan: an HTTP POST to its publisher location on one kept-alive connection (answers are read
/// and dropped).
final class HTTPPostPublisher: FanoutPublisher {
    let channel: any Channel
    let host: String
    let path: String

    init(url: String, group: any EventLoopGroup) async throws {
        guard let parsed = URL(string: url), let host = parsed.host, let port = parsed.port else {
            throw ValidationFailure("--publish-url must be http://host:port/path")
        }
        self.host = "\(host):\(port)"
        self.path = parsed.path
        channel = try await ClientBootstrap(group: group)
            .channelInitializer { channel in channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(Discard()) } }
            .connect(host: host, port: port).get()
    }

    func publish(block: UInt64) async throws {
        let body = try BenchmarkUpdate.frameText(block: block)
        var request = ByteBuffer(string: "POST \(path) HTTP/1.1\r\nHost: \(host)\r\nContent-Type: application/json\r\nContent-Length: \(body.count)\r\n\r\n")
        request.writeBytes(body)
        try await channel.writeAndFlush(request)
    }

    func close() async { try? await channel.close() }

    private final class Discard: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        func channelRead(context: ChannelHandlerContext, data: NIOAny) {}
    }
}

struct ValidationFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
