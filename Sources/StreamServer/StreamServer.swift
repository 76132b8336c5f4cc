import Hummingbird
import HummingbirdCore
import Logging
import Model
import Notifier
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
    public var services: [any Service] { [feed, sweeper, listener, drainer] }
    private let listener: ListeningService

    public init(
        settings: StreamServerSettings,
        redis: RedisClient,
        tokens: TokenStore,
        logger: Logger,
        metrics: ServerMetrics = ServerMetrics(),
        commands: CommandStore? = nil,
        commandLimits: CommandLimits = CommandLimits(),
        sentiment: SentimentSettings? = nil,
        chain: ChainProgress? = nil,
        alerts: ServerAlerts? = nil,
        onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }
    ) {
        let router = UpdateRouter(metrics: metrics)
        let registry = ConnectionRegistry()
        let snapshots = SnapshotReader(redis: redis, layout: settings.layout)
        let changeLog = ChangeLog(redis: redis, layout: settings.layout)
        let authenticator = TokenAuthenticator(store: tokens, failures: AuthFailureBudget(allowance: settings.limits.authFailuresPerAddress, refill: settings.limits.authFailureRefill))
        let cache = SnapshotCache()
        let intake = MessageIntake(authenticator: authenticator, registry: registry, limits: settings.limits, metrics: metrics, commandsEnabled: commands != nil)
        var services = SessionServices(
            limits: settings.limits, router: router, snapshots: snapshots, cache: cache, changeLog: changeLog, metrics: metrics, logger: logger, intake: intake,
            replays: ReplayBudgets(perSecond: settings.limits.replayEntriesPerSecond, burst: settings.limits.replayBurst),
            history: DividendHistoryStore(database: tokens.database)
        )
        if let commands {
            services.commands = CommandGateway(
                store: commands, redis: redis, layout: settings.layout, limits: commandLimits, router: services.commandRouter,
                scorer: sentiment.map(SentimentScorer.init), logger: logger
            )
        }
        services.alerts = alerts.map { AlertDesk(store: $0.store, key: $0.key, vapidPublicKey: $0.vapidPublicKey, policy: AddressPolicy(allowPrivate: $0.allowPrivate),
                                                 maximumRules: $0.maximumRules, logger: logger) }
        self.metrics = metrics
        self.feed = UpdateFeed(
            redis: settings.redis, router: router, changeLog: changeLog, registry: registry, layout: settings.layout,
            metrics: metrics, commandRouter: services.commandRouter, cache: cache, snapshots: snapshots, logger: logger
        )
        self.drainer = ConnectionDrainer(registry: registry, timeout: settings.limits.drainTimeout, logger: logger)
        self.sweeper = RevocationSweeper(registry: registry, tokens: tokens, interval: settings.limits.tokenRecheckInterval, logger: logger)

        let httpRouter = Router(context: StreamRequestContext.self)
        HealthController(redis: redis, chain: chain).register(in: httpRouter)
        MetricsController(metrics: metrics, registry: registry).register(in: httpRouter)
        LegacyDividendsController(authenticator: authenticator, snapshots: snapshots, commands: services.commands).register(in: httpRouter)
        HistoryController(authenticator: authenticator, history: services.history, logger: logger).register(in: httpRouter)
        SeriesController(authenticator: authenticator, history: services.history, logger: logger).register(in: httpRouter)
        AlertsController(authenticator: authenticator, desk: services.alerts).register(in: httpRouter)
        WebClientController(directory: settings.webClientDirectory).register(in: httpRouter)

        let endpoint = WebSocketEndpoint(services: services, authenticator: authenticator, registry: registry,
                                         pending: PendingConnections(limitPerAddress: settings.limits.pendingPerAddress),
                                         open: OpenConnections(limit: settings.limits.maxConnections))
        let application = Application(
            router: httpRouter,
            server: HTTPServerBuilder { responder in
                StreamChannel(responder: responder, endpoint: endpoint, http: .init())
            },
            // A deep accept queue: after a deploy or a failover every client comes back at once, and a
            // full queue drops SYNs that the kernel retries only a second later.
            configuration: .init(address: .hostname(settings.host, port: settings.port), serverName: "taostream", backlog: 4096),
            onServerRunning: onServerRunning,
            logger: logger
        )
        self.application = application
        self.listener = ListeningService(application, host: settings.host, port: settings.port, portSetting: "TAOSTREAM_HTTP_PORT or --port")
    }
}

/// What the server needs to take alert rules (``AlertsController``, `alert_*` messages).
public struct ServerAlerts: Sendable {
    public var store: AlertStore
    public var key: AlertKey
    /// The VAPID public key when web push can be delivered.
    public var vapidPublicKey: String?
    public var allowPrivate: Bool
    /// TAOSTREAM_MAX_ALERTS_PER_TOKEN.
    public var maximumRules: Int

    public init(store: AlertStore, key: AlertKey, vapidPublicKey: String?, allowPrivate: Bool, maximumRules: Int) {
        self.store = store
        self.key = key
        self.vapidPublicKey = vapidPublicKey
        self.allowPrivate = allowPrivate
        self.maximumRules = maximumRules
    }
}
