import TaoConfiguration
import TaoRedis
import TaoStore

/// Everything `taostream serve` needs, resolved from flags, environment and `.env`.
public struct StreamServerSettings: Sendable {
    public var host: String
    public var port: Int
    public var redis: RedisConfiguration
    public var database: DatabaseConfiguration

    public init(host: String, port: Int, redis: RedisConfiguration, database: DatabaseConfiguration) {
        self.host = host
        self.port = port
        self.redis = redis
        self.database = database
    }
}
