import ChainWatcher
import Notifier
import Logging
import Model
import ServiceLifecycle
import StreamServer
import TaoRedis
import TaoStore
import TestHarness

/// A StreamServer running in this process on a free port, with its own redis-server, a database
/// in the shared PostgreSQL, and tokens to connect with.
final class ServerFixture: Sendable {
    let redisServer: RedisServer
    let redis: RedisClient
    let port: Int
    let publisher: DividendPublisher
    let tokens: TokenStore
    let databaseURL: String
    let readToken: String
    let tradeToken: String
    let server: StreamServer
    private let group: ServiceGroup
    private let running: Task<Void, any Error>

    private init(redisServer: RedisServer, redis: RedisClient, port: Int, publisher: DividendPublisher, tokens: TokenStore, databaseURL: String, readToken: String, tradeToken: String, server: StreamServer, group: ServiceGroup, running: Task<Void, any Error>) {
        self.redisServer = redisServer
        self.redis = redis
        self.port = port
        self.publisher = publisher
        self.tokens = tokens
        self.databaseURL = databaseURL
        self.readToken = readToken
        self.tradeToken = tradeToken
        self.server = server
        self.group = group
        self.running = running
    }

    /// Starts a server. Pass `sharing` to start a second server on the same Redis and database.
    /// With `commandLimits`, the server takes stake and unstake commands.
    static func start(limits: ConnectionLimits = ConnectionLimits(), commandLimits: CommandLimits? = nil, sentiment: SentimentSettings? = nil, chain: ChainProgress? = nil, maximumAlerts: Int? = nil, sharing other: ServerFixture? = nil) async throws -> ServerFixture {
        let redisServer: RedisServer
        if let other { redisServer = other.redisServer } else { redisServer = try await RedisServer.start() }
        let redisConfiguration = try RedisConfiguration(url: redisServer.url)
        let redis = RedisClient(configuration: redisConfiguration)
        let databaseURL: String
        if let other {
            databaseURL = other.databaseURL
        } else {
            databaseURL = try await PostgresServer.shared().createDatabase("server")
        }
        let database = Database(configuration: try DatabaseConfiguration(url: databaseURL))
        let tokens = TokenStore(database: database)
        var logger = Logger(label: "test.server")
        logger.logLevel = .warning
        let port = Network.freePort()
        var settings = StreamServerSettings(
            host: "127.0.0.1", port: port, redis: redisConfiguration, database: database.configuration, limits: limits
        )
        settings.webClientDirectory = ReferenceOracle.repositoryRoot.appendingPathComponent("web-client-spec/client").path
        let server = StreamServer(
            settings: settings, redis: redis, tokens: tokens, logger: logger,
            commands: commandLimits.map { _ in CommandStore(database: database) }, commandLimits: commandLimits ?? CommandLimits(),
            sentiment: sentiment, chain: chain,
            alerts: try maximumAlerts.map { try ServerAlerts(store: AlertStore(database: database), key: AlertKey(bytes: Array(repeating: 9, count: 32)),
                                                             vapidPublicKey: Self.vapidPublicKey, allowPrivate: false, maximumRules: $0) }
        )
        let group = ServiceGroup(configuration: .init(
            services: [.init(service: database)] + server.services.map { .init(service: $0) }, logger: logger
        ))
        let running = Task { try await group.run() }
        await database.ready()
        try await Migrator(database: database).migrate(logger: logger)
        let readToken: String
        let tradeToken: String
        if let other {
            (readToken, tradeToken) = (other.readToken, other.tradeToken)
        } else {
            readToken = try await tokens.create(label: "reader", scopes: [.read]).token
            tradeToken = try await tokens.create(label: "trader", scopes: [.read, .trade]).token
        }
        try await Network.waitUntilListening(port: port, what: "StreamServer")
        let fixture = ServerFixture(
            redisServer: redisServer, redis: redis, port: port, publisher: DividendPublisher(redis: redis),
            tokens: tokens, databaseURL: databaseURL, readToken: readToken, tradeToken: tradeToken, server: server, group: group, running: running
        )
        try await fixture.waitForFeed()
        return fixture
    }

    /// What the fixture's server hands browsers as its VAPID key (the server only shows it).
    static let vapidPublicKey = "BEl62iUYgUivxIkv69yViEuiBIa-Ib9-SkvMeAtA3LFgDzkrxZJjSgSnfckjBJuBkr3qBUYIHBQFLXYp5Nksh8U"

    /// Waits until the server's Redis subscription is in place, so nothing published is missed.
    func waitForFeed() async throws {
        for _ in 0..<500 {
            let reply = try await redis.send(RedisCommand("PUBSUB", "NUMPAT"))
            if (reply.integer ?? 0) > 0 { return }
            try await Task.sleep(for: .milliseconds(10))
        }
        throw StreamRecorder<Int>.Timeout(description: "the server never subscribed to Redis")
    }

    var url: String { "ws://127.0.0.1:\(port)/ws" }

    func connect(token: String? = nil, header: Bool = true) async throws -> TestWebSocket {
        try await TestWebSocket.connect(url: url, bearer: header ? (token ?? readToken) : nil)
    }

    /// Connects and authenticates with an `auth` message, returning after the welcome.
    func connectWithAuthMessage(token: String? = nil) async throws -> TestWebSocket {
        let socket = try await TestWebSocket.connect(url: url, bearer: nil)
        try await socket.send(["type": .string("auth"), "id": .string("a"), "token": .string(token ?? readToken)])
        _ = try await socket.next(type: "welcome")
        return socket
    }

    /// Graceful shutdown, as SIGTERM would do it.
    func stop() async {
        await group.triggerGracefulShutdown()
        _ = try? await running.value
    }

    func shutdown() async {
        await stop()
        await redis.close()
        await redisServer.shutdown()
    }
}
