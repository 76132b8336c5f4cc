import ArgumentParser
import Logging
import Model
import ServiceLifecycle
import TaoRedis
import TaoStore

struct WatchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "watch",
        abstract: "Run the ChainWatcher: follow finalized blocks and publish every dividend change."
    )

    @Option(help: "finney, test, local, devnet, or ws(s):// URLs separated by commas (TAOSTREAM_NETWORK). Default local")
    var network: String?

    @OptionGroup var options: CommonOptions

    func run() async throws {
        let source = try options.load()
        let logger = Logger(label: "taostream.watch")
        let (redis, database) = try await CommonOptions.connect(redis: try options.redis(source), database: try options.database(source))
        let layout = RedisLayout(prefix: source.string("TAOSTREAM_REDIS_PREFIX", default: "taostream"))
        let watcher = try WatcherServices(source: source, networkFlag: network, redis: redis, database: database, layout: layout, serveHTTP: true, logger: logger)
        logger.info("following the chain", metadata: ["network": "\(watcher.network)"])
        try await ProcessLifecycle.run(
            [ProcessLifecycle.service(database), ProcessLifecycle.oneShot(MigrationService(database: database, logger: logger))]
                + watcher.services.map(ProcessLifecycle.service),
            logger: logger
        )
        await redis.close()
    }
}
