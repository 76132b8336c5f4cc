import Hummingbird
import HummingbirdTesting
import Logging
import StreamServer
import TaoRedis
import TaoStore
import TestHarness
import Testing

@Suite("GET /health")
struct HealthTests {
    @Test func readyOnlyWhileRedisAnswers() async throws {
        let redisServer = try await RedisServer.start()
        defer { Task { await redisServer.shutdown() } }
        let redisConfiguration = try RedisConfiguration(url: redisServer.url)
        let redis = RedisClient(configuration: redisConfiguration)
        let database = Database(configuration: try DatabaseConfiguration(url: "postgres://unused@127.0.0.1:1/unused"))
        let settings = StreamServerSettings(host: "127.0.0.1", port: 0, redis: redisConfiguration, database: database.configuration)
        let app = StreamServer.makeApplication(settings: settings, redis: redis, tokens: TokenStore(database: database), logger: Logger(label: "test"))

        try await app.test(.live) { client in
            try await client.execute(uri: "/health", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "application/json")
                #expect(String(buffer: response.body).contains("\"status\":\"ok\""))
            }
            await redisServer.stop()
            try await client.execute(uri: "/health", method: .get) { response in
                #expect(response.status == .serviceUnavailable)
                #expect(String(buffer: response.body).contains("connection refused"))
            }
        }
        await redis.close()
    }
}
