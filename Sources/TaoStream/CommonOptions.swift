import ArgumentParser
import Logging
import TaoConfiguration
import TaoRedis
import TaoStore

/// What every command that reaches the database takes (`token`, `migrate`, and through
/// ``CommonOptions`` the services): the database and the log level, and nothing it does not use.
struct DatabaseOptions: ParsableArguments {
    @Option(name: .customLong("database-url"), help: "PostgreSQL URL (TAOSTREAM_DATABASE_URL). Default postgres://taostream@127.0.0.1:5432/taostream")
    var databaseURL: String?

    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical (TAOSTREAM_LOG_LEVEL)")
    var logLevel: String?

    static let defaultDatabaseURL = "postgres://taostream@127.0.0.1:5432/taostream"

    /// Loads settings and sets up logging once for the process.
    func load() throws -> SettingsSource {
        let source = try SettingsSource.load()
        try CommonOptions.bootstrapLogging(source, flag: logLevel)
        CommonOptions.warnAboutUnknownSettings(source)
        return source
    }

    func database(_ source: SettingsSource) throws -> DatabaseConfiguration {
        let url = source.string("TAOSTREAM_DATABASE_URL", flag: databaseURL, default: Self.defaultDatabaseURL)
        do {
            return try DatabaseConfiguration(url: url)
        } catch {
            throw ConfigurationError(
                setting: "TAOSTREAM_DATABASE_URL", origin: databaseURL != nil ? .flag("database-url") : source.lookup("TAOSTREAM_DATABASE_URL")?.origin,
                problem: error.description, fix: "Example: postgres://taostream:secret@127.0.0.1:5432/taostream"
            )
        }
    }
}

/// Options every long-running command shares: the database's, and Redis.
struct CommonOptions: ParsableArguments {
    @Option(name: .customLong("redis-url"), help: "Redis URL (TAOSTREAM_REDIS_URL). Default redis://127.0.0.1:6379/0")
    var redisURL: String?

    @OptionGroup var storage: DatabaseOptions

    static let defaultRedisURL = "redis://127.0.0.1:6379/0"

    func load() throws -> SettingsSource { try storage.load() }

    func database(_ source: SettingsSource) throws -> DatabaseConfiguration { try storage.database(source) }

    /// A misspelt variable would otherwise leave its default in force without a word.
    static func warnAboutUnknownSettings(_ source: SettingsSource) {
        let logger = Logger(label: "taostream.settings")
        for unknown in KnownSettings.unknown(in: source) { logger.warning("\(unknown)") }
    }

    static func bootstrapLogging(_ source: SettingsSource, flag: String?) throws {
        let level = try source.logLevel(flag: flag)
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
    }

    /// Redis and PostgreSQL, checked at once so a wrong URL fails with one clear line instead of
    /// quiet retries in the background.
    static func connect(redis: RedisConfiguration, database: DatabaseConfiguration) async throws -> (RedisClient, Database) {
        let client = RedisClient(configuration: redis, logger: Logger(label: "taostream.redis"))
        try await client.ping()
        let pool = Database(configuration: database, logger: Logger(label: "taostream.db"))
        try await pool.checkReachable()
        return (client, pool)
    }

    func redis(_ source: SettingsSource) throws -> RedisConfiguration {
        let url = source.string("TAOSTREAM_REDIS_URL", flag: redisURL, default: Self.defaultRedisURL)
        do {
            return try RedisConfiguration(url: url)
        } catch {
            throw ConfigurationError(
                setting: "TAOSTREAM_REDIS_URL", origin: redisURL != nil ? .flag("redis-url") : source.lookup("TAOSTREAM_REDIS_URL")?.origin,
                problem: error.description, fix: "Example: redis://:password@127.0.0.1:6379/0"
            )
        }
    }
}
