import Logging
import NIOCore
import NIOPosix

/// A Redis client that keeps one pipelined connection open and opens a new one when it breaks.
///
/// Commands from concurrent tasks share the connection; the actor only guards which connection is
/// current, so awaiting a reply never holds it. Blocking commands (XREADGROUP BLOCK) hold up every
/// command behind them on a connection: give them a client of their own.
public actor RedisClient {
    public nonisolated let configuration: RedisConfiguration
    private let eventLoopGroup: any EventLoopGroup
    private let logger: Logger
    private var current: RedisConnection?
    private var connecting: Task<RedisConnection, any Error>?

    public init(
        configuration: RedisConfiguration,
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger = Logger(label: "taostream.redis")
    ) {
        self.configuration = configuration
        self.eventLoopGroup = eventLoopGroup
        self.logger = logger
    }

    /// The open connection, connecting first if there is none or the last one closed.
    public func connection() async throws(RedisError) -> RedisConnection {
        if let current, current.isActive { return current }
        if let connecting {
            return try await Self.value(of: connecting)
        }
        let configuration = self.configuration
        let group = self.eventLoopGroup
        let logger = self.logger
        let task = Task { try await RedisConnection.connect(configuration: configuration, eventLoopGroup: group, logger: logger) }
        connecting = task
        defer { connecting = nil }
        let connection = try await Self.value(of: task)
        current = connection
        return connection
    }

    public nonisolated func send(_ command: RedisCommand, timeout: Duration? = nil) async throws(RedisError) -> RESPValue {
        try await connection().send(command, timeout: timeout)
    }

    public nonisolated func send(_ name: String, _ arguments: RedisArgument...) async throws(RedisError) -> RESPValue {
        try await connection().send(RedisCommand(name, arguments))
    }

    public nonisolated func pipeline(_ commands: [RedisCommand], timeout: Duration? = nil) async throws(RedisError) -> [RESPValue] {
        guard !commands.isEmpty else { return [] }
        return try await connection().pipeline(commands, timeout: timeout)
    }

    public func close() async {
        connecting?.cancel()
        if let current { await current.close() }
        current = nil
    }

    private static func value(of task: Task<RedisConnection, any Error>) async throws(RedisError) -> RedisConnection {
        do {
            return try await task.value
        } catch let error as RedisError {
            throw error
        } catch {
            throw .protocolError("\(error)")
        }
    }
}
