import Foundation
import Hummingbird
import TaoRedis

/// What `/health` asks of a watcher running in the same process (`taostream run`).
public struct ChainProgress: Sendable {
    public let lastBlock: @Sendable () -> UInt64?
    public let sinceLastBlock: @Sendable () -> Duration
    /// No block published for longer than this and the process is unhealthy: a stalled watcher
    /// must not look like a quiet chain.
    public let staleAfter: Duration

    public init(staleAfter: Duration = .seconds(120), lastBlock: @escaping @Sendable () -> UInt64?, sinceLastBlock: @escaping @Sendable () -> Duration) {
        self.lastBlock = lastBlock
        self.sinceLastBlock = sinceLastBlock
        self.staleAfter = staleAfter
    }
}

/// `GET /health`: ready only while Redis answers, because without Redis no update can flow, and,
/// with a watcher in the process, while it publishes blocks.
struct HealthController: Sendable {
    let redis: RedisClient
    let chain: ChainProgress?

    func register(in router: Router<StreamRequestContext>) {
        router.get("health") { _, _ in try await self.check() }
    }

    func check() async throws -> Response {
        var body: [String: String] = ["status": "ok", "redis": "ok"]
        var status = HTTPResponse.Status.ok
        do {
            try await redis.ping()
        } catch {
            body = ["status": "unavailable", "redis": error.description]
            status = .serviceUnavailable
        }
        if let chain {
            body["last_block"] = chain.lastBlock().map(String.init) ?? "none"
            let since = chain.sinceLastBlock()
            if since > chain.staleAfter {
                body["status"] = "unavailable"
                body["chain"] = "no block published for \(since.components.seconds) s"
                status = .serviceUnavailable
            } else {
                body["chain"] = "ok"
            }
        }
        let data = try JSONEncoder().encode(body)
        return Response(
            status: status,
            headers: [.contentType: "application/json", .cacheControl: "no-store"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: data))
        )
    }
}
