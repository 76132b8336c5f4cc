import Foundation
import Hummingbird
import TaoRedis

/// `GET /health`: ready only while Redis answers, because without Redis no update can flow.
struct HealthController: Sendable {
    let redis: RedisClient

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
        let data = try JSONEncoder().encode(body)
        return Response(
            status: status,
            headers: [.contentType: "application/json", .cacheControl: "no-store"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: data))
        )
    }
}
