import ArgumentParser
import Foundation
import TaoConfiguration
import ChainWatcher
import Logging
import Model
import Notifier
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

    @Option(help: "finney, test, local, devnet, or ws(s):// URLs (TAOSTREAM_NETWORK). Default local") var network: String?
    @OptionGroup var http: ServerOptions
    @OptionGroup var options: CommonOptions

    func run() async throws {
        let source = try options.load()
        let settings = try http.settings(source, options)
        let logger = Logger(label: "taostream")
        let (redis, database) = try await CommonOptions.connect(redis: settings.redis, database: settings.database)
        let commands = try http.commands(source, database: database)
        // One registry: the server's /metrics shows the watcher's figures too.
        let serverMetrics = ServerMetrics()
        let watcher = try WatcherServices(source: source, networkFlag: network, redis: redis, database: database, layout: settings.layout,
                                          metrics: WatcherMetrics(registry: serverMetrics.registry), serveHTTP: false, logger: logger)
        if try source.boolean("TAOSTREAM_COMMANDS", default: false), NetworkPreset(watcher.network) != .devnet {
            // The one process that faces the internet would hold the coldkey: fine on a laptop,
            // not where strangers connect.
            logger.warning("taostream run loads the coldkey in the process that serves clients; in production run `taostream watch` (with the wallet) and `taostream serve` (without it) as separate processes")
        }
        let (listening, nowListening) = AsyncStream.makeStream(of: Void.self)
        let migrate = try Self.migration(source, settings: settings, network: watcher.network, database: database, listening: listening, logger: logger)
        let alerts = try AlertSetup.load(source)
        let notifier = alerts?.notifier(redis: settings.redis, layout: settings.layout, database: database,
                                        metrics: NotifierMetrics(registry: serverMetrics.registry), logger: logger) ?? []
        let server = StreamServer(settings: settings, redis: redis, tokens: TokenStore(database: database), logger: logger, metrics: serverMetrics,
                                  commands: commands.store, commandLimits: commands.limits, sentiment: commands.sentiment,
                                  chain: ChainProgress(lastBlock: { [watcher = watcher.watcher] in watcher.lastBlock },
                                                       sinceLastBlock: { [watcher = watcher.watcher] in watcher.sinceLastProgress }),
                                  alerts: try alerts?.server(source, database: database),
                                  onServerRunning: { _ in nowListening.yield(); nowListening.finish() })
        try await ProcessLifecycle.run(
            [ProcessLifecycle.service(database), ProcessLifecycle.oneShot(migrate)]
                + watcher.services.map(ProcessLifecycle.service) + notifier.map(ProcessLifecycle.service) + server.services.map(ProcessLifecycle.service),
            logger: logger
        )
        await redis.close()
    }

    /// The migrations; on the local DevChain with `TAOSTREAM_DASHBOARD_TOKEN_FILE` (scripts/run.sh
    /// sets it), followed by the dashboard's address and token once the server listens.
    static func migration(_ source: SettingsSource, settings: StreamServerSettings, network: String, database: Database,
                          listening: AsyncStream<Void>, logger: Logger) throws -> any Service {
        guard let tokenFile = source.optionalString("TAOSTREAM_DASHBOARD_TOKEN_FILE") else { return MigrationService(database: database, logger: logger) }
        guard NetworkPreset(network) == .devnet else {
            logger.warning("TAOSTREAM_DASHBOARD_TOKEN_FILE is ignored: a token is printed only for the local DevChain run (TAOSTREAM_NETWORK=devnet)")
            return MigrationService(database: database, logger: logger)
        }
        let host = settings.host == "0.0.0.0" || settings.host == "::" ? "127.0.0.1" : settings.host
        return LocalDashboard(database: database, tokenFile: tokenFile, url: "http://\(host):\(settings.port)", listening: listening, logger: logger)
    }
}
