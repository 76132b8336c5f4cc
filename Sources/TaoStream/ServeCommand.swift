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

    @OptionGroup var http: ServerOptions
    @OptionGroup var options: CommonOptions

    func run() async throws {
        let source = try options.load()
        let settings = try http.settings(source, options)
        let logger = Logger(label: "taostream.serve")

        let (redis, database) = try await CommonOptions.connect(redis: settings.redis, database: settings.database)
        let commands = try http.commands(source, database: database)

        let alerts = try AlertSetup.load(source)
        let server = StreamServer(settings: settings, redis: redis, tokens: TokenStore(database: database), logger: logger,
                                  commands: commands.store, commandLimits: commands.limits, sentiment: commands.sentiment,
                                  alerts: try alerts?.server(source, database: database))
        let migrate = MigrationService(database: database, logger: logger)
        try await ProcessLifecycle.run(
            [ProcessLifecycle.service(database), ProcessLifecycle.oneShot(migrate)] + server.services.map(ProcessLifecycle.service),
            logger: logger
        )
        await redis.close()
    }
}
