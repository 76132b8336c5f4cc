import Foundation
import Hummingbird
import Logging
import TaoRedis
import TaoStore

/// `GET /health` and `GET /metrics` for a notifier running alone (`taostream notify`). Healthy
/// while Redis and PostgreSQL answer; the body says how many deliveries wait and for how long.
public struct NotifierHTTP: Sendable {
    public let application: Application<RouterResponder<BasicRequestContext>>

    public init(redis: RedisClient, store: AlertStore, metrics: NotifierMetrics, host: String, port: Int, logger: Logger) {
        let router = Router()
        router.get("health") { _, _ -> Response in
            var body: [String: String] = ["status": "ok"]
            do { try await redis.ping() } catch { body["redis"] = "\(error)" }
            do {
                let depth = try await store.outboxDepth(logger: logger)
                body["pending"] = String(depth.pending)
                body["oldest_seconds"] = String(Int(depth.oldestSeconds))
            } catch {
                body["database"] = "\(error)"
            }
            let healthy = body["redis"] == nil && body["database"] == nil
            if !healthy { body["status"] = "unavailable" }
            return Response(status: healthy ? .ok : .serviceUnavailable, headers: [.contentType: "application/json", .cacheControl: "no-store"],
                            body: ResponseBody(byteBuffer: ByteBuffer(bytes: try JSONEncoder().encode(body))))
        }
        router.get("metrics") { _, _ -> Response in
            var bytes: [UInt8] = []
            metrics.registry.emit(into: &bytes)
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"], body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
        }
        application = Application(router: router, configuration: .init(address: .hostname(host, port: port), serverName: "taostream-notifier"), logger: logger)
    }
}
