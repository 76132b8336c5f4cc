import ArgumentParser
import TaoConfiguration
import Model
import Logging
import ServiceLifecycle
import StreamServer
import TaoRedis
import TaoStore

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the StreamServer: WebSocket streams and HTTP endpoints for clients."
    )

    @Option(help: "Address to listen on (TAOSTREAM_HTTP_HOST). Default 127.0.0.1")
    var host: String?

    @Option(help: "Port to listen on (TAOSTREAM_HTTP_PORT). Default 8080")
    var port: Int?

    @OptionGroup var options: CommonOptions

    func run() async throws {
        let source = try options.load()
        let settings = StreamServerSettings(
            host: source.string("TAOSTREAM_HTTP_HOST", flag: host, default: "127.0.0.1"),
            port: try source.integer("TAOSTREAM_HTTP_PORT", flag: port, flagName: "port", default: 8080, range: 1...65535),
            redis: try options.redis(source),
            database: try options.database(source),
            layout: RedisLayout(prefix: source.string("TAOSTREAM_REDIS_PREFIX", default: "taostream")),
            limits: try ConnectionLimits(source)
        )
        let logger = Logger(label: "taostream.serve")

        // Fail fast, with one line, on what an operator most often gets wrong.
        let redis = RedisClient(configuration: settings.redis, logger: Logger(label: "taostream.redis"))
        try await redis.ping()
        let database = Database(configuration: settings.database, logger: Logger(label: "taostream.db"))
        try await database.checkReachable()

        let server = StreamServer(settings: settings, redis: redis, tokens: TokenStore(database: database), logger: logger,
                                  commands: try source.boolean("TAOSTREAM_COMMANDS", default: false) ? CommandStore(database: database) : nil,
                                  commandLimits: try CommandLimits(source), sentiment: try Self.sentiment(source))
        let migrate = MigrationService(database: database, logger: logger)
        let group = ServiceGroup(configuration: .init(
            services: [
                .init(service: database),
                .init(service: migrate, successTerminationBehavior: .ignore),
            ] + server.services.map { .init(service: $0) },
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger
        ))
        try await group.run()
        await redis.close()
    }
}

/// Applies migrations once the pool runs, then finishes; a failure stops the whole group.
struct MigrationService: Service {
    let database: Database
    let logger: Logger

    func run() async throws {
        try await Migrator(database: database).migrate(logger: logger)
    }
}

extension ServeCommand {
    /// The trade flow's settings, when both API keys are configured.
    static func sentiment(_ source: SettingsSource) throws -> SentimentSettings? {
        let settings = try SentimentSettings(source)
        return settings.daturaKey != nil && settings.chutesKey != nil ? settings : nil
    }
}
