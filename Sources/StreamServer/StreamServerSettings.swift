import Foundation
import Model
import TaoConfiguration
import TaoRedis
import TaoStore

/// Everything `taostream serve` needs, resolved from flags, environment and `.env`.
public struct StreamServerSettings: Sendable {
    public var host: String
    public var port: Int
    public var redis: RedisConfiguration
    public var database: DatabaseConfiguration
    public var layout: RedisLayout
    public var limits: ConnectionLimits
    /// Where the reference browser client's files are (TAOSTREAM_WEB_CLIENT_DIR, else found from
    /// the binary's place: ``WebClientLocation``); served at `/`.
    public var webClientDirectory: String = WebClientLocation.resolve(configured: nil)

    public init(
        host: String, port: Int, redis: RedisConfiguration, database: DatabaseConfiguration,
        layout: RedisLayout = RedisLayout(), limits: ConnectionLimits = ConnectionLimits()
    ) {
        self.host = host
        self.port = port
        self.redis = redis
        self.database = database
        self.layout = layout
        self.limits = limits
    }
}

/// What one connection may do. Defaults suit browsers and bots; operators tune them per deployment.
public struct ConnectionLimits: Sendable, Equatable {
    /// Open connections one token may hold at once (TAOSTREAM_MAX_CONNECTIONS_PER_TOKEN).
    public var connectionsPerToken: Int = 32
    /// Subscriptions one connection may hold (TAOSTREAM_MAX_SUBSCRIPTIONS).
    public var subscriptionsPerConnection: Int = 64
    /// Client messages per second, with bursts of twice that (TAOSTREAM_MESSAGES_PER_SECOND).
    public var messagesPerSecond: Int = 20
    /// Largest client message answered with an error rather than a close (TAOSTREAM_MAX_MESSAGE_BYTES).
    public var maxMessageBytes: Int = 16 * 1024
    /// Frames beyond this close the connection with 1009 before they are read whole.
    public var maxFrameBytes: Int = 1 << 20
    /// Protocol errors tolerated per minute before the connection is closed with 4004.
    public var errorsPerMinute: Int = 20
    /// Time a connection without an Authorization header has to send `auth` (TAOSTREAM_AUTH_TIMEOUT).
    public var authenticationTimeout: Duration = .seconds(5)
    /// A connection with no subscription that sends nothing this long is closed with 4005.
    public var idleTimeout: Duration = .seconds(300)
    /// WebSocket ping period; a peer that misses a pong is disconnected (TAOSTREAM_PING_INTERVAL).
    public var pingInterval: Duration = .seconds(30)
    /// Updates queued for one client before the slow-client policy applies (TAOSTREAM_QUEUE_LIMIT).
    public var queueLimit: Int = 1024
    /// Bytes (replies and updates) queued for one client before the slow-client policy applies
    /// (TAOSTREAM_QUEUE_BYTES): bounds what a client that stopped reading can cost.
    public var queueBytes: Int = 4 << 20
    /// Change-log entries one token's replays (`subscribe` with `since`) may read a second, with
    /// bursts of ``replayBurst`` (TAOSTREAM_REPLAY_ENTRIES_PER_SECOND). Each entry read counts,
    /// matched or not: a replay costs what it reads, and one that matches nothing is not free.
    public var replayEntriesPerSecond: Int = 10_000
    /// Entries a token may read at once: three replays of the whole log (100 000 entries).
    public var replayBurst: Int = 300_000
    /// Connections the server holds at most (TAOSTREAM_MAX_CONNECTIONS); 0, the default, is the
    /// process's descriptor limit less 128. Past it a new connection is closed at once.
    public var maxConnections: Int = 0
    /// Refused tokens (each a database lookup) one address may present in quick succession before
    /// it must wait (TAOSTREAM_AUTH_FAILURES_PER_ADDRESS); 0 turns the budget off. Behind a proxy
    /// every client shares its address, and one client's guesses make all wait: raise it there.
    public var authFailuresPerAddress: Int = 20
    /// How often one more refused token is allowed once the budget is spent.
    public var authFailureRefill: Duration = .seconds(3)
    /// Connections one address may hold before they authenticate (TAOSTREAM_MAX_PENDING_PER_ADDRESS):
    /// sockets not yet upgraded, WebSockets waiting for `auth`, HTTP keep-alive connections.
    /// Past it, a new connection from that address is closed at once; 0 turns the cap off.
    /// Behind a reverse proxy or load balancer every client has the proxy's address: a reconnect
    /// storm of 10 000 clients then has thousands pending at once, so raise it or turn it off there.
    public var pendingPerAddress: Int = 1024
    /// How long a connection has to complete its HTTP upgrade request once the TCP connection is open.
    public var upgradeTimeout: Duration = .seconds(10)
    public var slowClientPolicy: SlowClientPolicy = .conflate
    /// How long a graceful shutdown waits for queued messages to drain before closing with 1001.
    public var drainTimeout: Duration = .seconds(5)
    /// How soon a revoked token's open connections are closed (TAOSTREAM_TOKEN_RECHECK_INTERVAL).
    public var tokenRecheckInterval: Duration = .seconds(10)

    public init() {}
}

/// What happens to a client that reads slower than updates arrive.
public enum SlowClientPolicy: String, Sendable, Equatable {
    /// Keep only the newest queued update per (kind, netuid, hotkey): a dividend's latest value is
    /// all a client needs, so it catches up without the queue growing past the number of keys.
    case conflate
    /// Close the connection with 4003; the client reconnects and recovers with `since`.
    case close
}
