import Hummingbird
import HummingbirdWSCompression
import HummingbirdWebSocket
import Logging
import Model
import NIOCore
import ServiceLifecycle
import TaoRedis
import TaoStore

/// The public face of TaoStream: WebSocket streams at `/ws`, the legacy REST endpoint, health and
/// metrics, all on one port.
public struct StreamServer: Sendable {
    public let application: Application<RouterResponder<StreamRequestContext>>
    let feed: UpdateFeed
    let drainer: ConnectionDrainer
    let sweeper: RevocationSweeper
    public let metrics: ServerMetrics

    /// The services to run, in service-group order (see ``ConnectionDrainer`` for why it is last).
    public var services: [any Service] { [feed, sweeper, application, drainer] }

    public init(
        settings: StreamServerSettings,
        redis: RedisClient,
        tokens: TokenStore,
        logger: Logger,
        metrics: ServerMetrics = ServerMetrics(),
        commands: CommandStore? = nil,
        commandLimits: CommandLimits = CommandLimits(),
        sentiment: SentimentSettings? = nil,
        onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }
    ) {
        let router = UpdateRouter()
        let registry = ConnectionRegistry()
        let snapshots = SnapshotReader(redis: redis, layout: settings.layout)
        let changeLog = ChangeLog(redis: redis, layout: settings.layout)
        let authenticator = TokenAuthenticator(store: tokens)
        var services = SessionServices(
            limits: settings.limits, router: router, snapshots: snapshots, changeLog: changeLog, metrics: metrics, logger: logger
        )
        if let commands {
            services.commands = CommandGateway(
                store: commands, redis: redis, layout: settings.layout, limits: commandLimits, router: services.commandRouter,
                scorer: sentiment.map(SentimentScorer.init), logger: logger
            )
        }
        self.metrics = metrics
        self.feed = UpdateFeed(
            redis: settings.redis, router: router, changeLog: changeLog, registry: registry, layout: settings.layout,
            metrics: metrics, commandRouter: services.commandRouter, logger: logger
        )
        self.drainer = ConnectionDrainer(registry: registry, timeout: settings.limits.drainTimeout, logger: logger)
        self.sweeper = RevocationSweeper(registry: registry, tokens: tokens, interval: settings.limits.tokenRecheckInterval, logger: logger)

        let httpRouter = Router(context: StreamRequestContext.self)
        HealthController(redis: redis).register(in: httpRouter)
        MetricsController(metrics: metrics, registry: registry).register(in: httpRouter)
        LegacyDividendsController(authenticator: authenticator, snapshots: snapshots, commands: services.commands).register(in: httpRouter)
        WebClientController(directory: settings.webClientDirectory).register(in: httpRouter)

        let webSocketRouter = Router(context: StreamRequestContext.self)
        WebSocketEndpoint(services: services, authenticator: authenticator, registry: registry).register(in: webSocketRouter)

        let limits = settings.limits
        self.application = Application(
            router: httpRouter,
            server: .http1WebSocketUpgrade(
                webSocketRouter: webSocketRouter,
                configuration: .init(ws: .init(
                    maxFrameSize: limits.maxFrameBytes,
                    // zlib's state is the bulk of an idle connection's memory: a 4 KiB window and
                    // memory level 2 keep it near 20 KiB instead of ~145 KiB with the defaults
                    // (measured in Benchmarks/RESULTS.md), for a few percent of ratio on small frames.
                    extensions: [.perMessageDeflate(
                        clientMaxWindow: 12, clientNoContextTakeover: true, serverMaxWindow: 12, serverNoContextTakeover: true,
                        memoryLevel: 2, maxDecompressedFrameSize: limits.maxFrameBytes, minFrameSizeToCompress: 512
                    )],
                    autoPing: .enabled(timePeriod: limits.pingInterval)
                ))
            ),
            configuration: .init(address: .hostname(settings.host, port: settings.port), serverName: "taostream"),
            onServerRunning: onServerRunning,
            logger: logger
        )
    }
}
