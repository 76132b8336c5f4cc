import ArgumentParser
import TaoConfiguration
import ChainWatcher
import Logging
import Model
import ServiceLifecycle
import StreamServer
import TaoRedis
import TaoStore

/// Watcher and server in one process: the simplest deployment, and `scripts/run.sh`'s default.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the ChainWatcher and the StreamServer in one process."
    )

    @Option(help: "Address to listen on (TAOSTREAM_HTTP_HOST). Default 127.0.0.1") var host: String?
    @Option(help: "Port to listen on (TAOSTREAM_HTTP_PORT). Default 8080") var port: Int?
    @Option(help: "finney, test, local, devnet, or ws(s):// URLs (TAOSTREAM_NETWORK). Default local") var network: String?
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
        let logger = Logger(label: "taostream")
        let redis = RedisClient(configuration: settings.redis, logger: Logger(label: "taostream.redis"))
        try await redis.ping()
        let database = Database(configuration: settings.database, logger: Logger(label: "taostream.db"))
        try await database.checkReachable()
        // One registry: the server's /metrics shows the watcher's figures too.
        let serverMetrics = ServerMetrics()
        let watcher = try WatcherServices(source: source, networkFlag: network, redis: redis, database: database, layout: settings.layout,
                                          metrics: WatcherMetrics(registry: serverMetrics.registry), serveHTTP: false, logger: logger)
        let server = StreamServer(settings: settings, redis: redis, tokens: TokenStore(database: database), logger: logger, metrics: serverMetrics,
                                  commands: try source.boolean("TAOSTREAM_COMMANDS", default: false) ? CommandStore(database: database) : nil,
                                  commandLimits: try CommandLimits(source), sentiment: try Self.sentiment(source))
        let group = ServiceGroup(configuration: .init(
            services: [.init(service: database), .init(service: MigrationService(database: database, logger: logger), successTerminationBehavior: .ignore)]
                + watcher.services.map { .init(service: $0) } + server.services.map { .init(service: $0) },
            gracefulShutdownSignals: [.sigterm, .sigint], logger: logger
        ))
        try await group.run()
        await redis.close()
    }
}

extension RunCommand {
    /// The trade flow's settings, when both API keys are configured.
    static func sentiment(_ source: SettingsSource) throws -> SentimentSettings? {
        let settings = try SentimentSettings(source)
        return settings.daturaKey != nil && settings.chutesKey != nil ? settings : nil
    }
}
