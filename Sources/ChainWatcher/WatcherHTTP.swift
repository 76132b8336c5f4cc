import Foundation
import Hummingbird
import TaoRedis

/// `GET /health` and `GET /metrics` for a watcher running alone (`taostream watch`). Healthy while
/// Redis answers and a block was published within `staleAfter`.
public struct WatcherHTTP: Sendable {
    public let application: Application<RouterResponder<BasicRequestContext>>

    public init(watcher: DividendWatcher, redis: RedisClient, host: String, port: Int, staleAfter: Duration = .seconds(120), logger: Logging.Logger) {
        let router = Router()
        router.get("health") { _, _ -> Response in
            var body: [String: String] = ["status": "ok"]
            var healthy = true
            do { try await redis.ping() } catch {
                healthy = false
                body["redis"] = "\(error)"
            }
            let since = watcher.sinceLastProgress
            if since > staleAfter {
                healthy = false
                body["chain"] = "no block published for \(since.components.seconds) s"
            }
            body["last_block"] = watcher.lastBlock.map(String.init) ?? "none"
            if !healthy { body["status"] = "unavailable" }
            let data = try JSONEncoder().encode(body)
            return Response(status: healthy ? .ok : .serviceUnavailable, headers: [.contentType: "application/json", .cacheControl: "no-store"],
                            body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
        }
        router.get("metrics") { _, _ -> Response in
            var bytes: [UInt8] = []
            watcher.metrics.registry.emit(into: &bytes)
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"], body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
        }
        application = Application(router: router, configuration: .init(address: .hostname(host, port: port), serverName: "taostream-watcher"), logger: logger)
    }
}

import Logging
