import ArgumentParser
import Model
import StreamServer
import TaoConfiguration
import TaoStore

/// The StreamServer's options, shared by `serve` and `run`.
struct ServerOptions: ParsableArguments {
    @Option(help: "Address to listen on (TAOSTREAM_HTTP_HOST). Default 127.0.0.1")
    var host: String?

    @Option(help: "Port to listen on (TAOSTREAM_HTTP_PORT). Default 8080")
    var port: Int?

    func settings(_ source: SettingsSource, _ options: CommonOptions) throws -> StreamServerSettings {
        var settings = StreamServerSettings(
            host: source.string("TAOSTREAM_HTTP_HOST", flag: host, default: "127.0.0.1"),
            port: try source.integer("TAOSTREAM_HTTP_PORT", flag: port, flagName: "port", default: 8080, range: 1...65535),
            redis: try options.redis(source),
            database: try options.database(source),
            layout: RedisLayout(prefix: source.string("TAOSTREAM_REDIS_PREFIX", default: "taostream")),
            limits: try ConnectionLimits(source)
        )
        // Read through the source, so a value in .env counts too.
        settings.webClientDirectory = WebClientLocation.resolve(configured: source.optionalString("TAOSTREAM_WEB_CLIENT_DIR"))
        return settings
    }

    /// Commands when TAOSTREAM_COMMANDS is on; the trade flow when both API keys are configured.
    func commands(_ source: SettingsSource, database: Database) throws -> (store: CommandStore?, limits: CommandLimits, sentiment: SentimentSettings?) {
        guard try source.boolean("TAOSTREAM_COMMANDS", default: false) else { return (nil, CommandLimits(), nil) }
        let sentiment = try SentimentSettings(source)
        return (CommandStore(database: database), try CommandLimits(source), sentiment.daturaKey != nil && sentiment.chutesKey != nil ? sentiment : nil)
    }
}
