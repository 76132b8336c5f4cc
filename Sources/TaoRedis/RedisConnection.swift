import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

#if canImport(Glibc)
import Glibc
#endif

/// One TCP connection to Redis that pipelines commands.
///
/// Many tasks may call ``send(_:timeout:)`` at once: requests are written as they come and replies
/// are matched in order, so a burst costs one round trip rather than one each.
public final class RedisConnection: Sendable {
    let channel: Channel
    public let configuration: RedisConfiguration
    private let nextID = NIOLockedValueBox<UInt64>(0)

    private init(channel: Channel, configuration: RedisConfiguration) {
        self.channel = channel
        self.configuration = configuration
    }

    public var isActive: Bool { channel.isActive }

    /// Opens a connection, authenticates and selects the database.
    public static func connect(
        configuration: RedisConfiguration,
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger
    ) async throws(RedisError) -> RedisConnection {
        let channel = try await openChannel(configuration: configuration, eventLoopGroup: eventLoopGroup) { channel in
            try channel.pipeline.syncOperations.addHandlers([
                RESPReplyDecoder(), MessageToByteHandler(RESPCommandEncoder()), RedisCommandHandler(),
            ])
        }
        let connection = RedisConnection(channel: channel, configuration: configuration)
        do {
            try await connection.handshake()
        } catch {
            await connection.close()
            throw error
        }
        logger.debug("connected to Redis", metadata: ["redis": "\(configuration.redactedURL)"])
        return connection
    }

    static func openChannel(
        configuration: RedisConfiguration,
        eventLoopGroup: any EventLoopGroup,
        initializer: @escaping @Sendable (Channel) throws -> Void
    ) async throws(RedisError) -> Channel {
        let bootstrap = ClientBootstrap(group: eventLoopGroup)
            .connectTimeout(configuration.connectTimeout.timeAmount)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try initializer(channel) }
            }
        do {
            return try await bootstrap.connect(host: configuration.host, port: configuration.port).get()
        } catch {
            throw .connectionFailed(url: configuration.redactedURL, reason: Self.explain(error))
        }
    }

    private func handshake() async throws(RedisError) {
        do {
            if let password = configuration.password {
                var arguments: [RedisArgument] = []
                if let username = configuration.username { arguments.append(RedisArgument(username)) }
                arguments.append(RedisArgument(password))
                _ = try await send(RedisCommand("AUTH", arguments))
            }
            _ = try await send(RedisCommand("PING"))
            if configuration.database != 0 {
                _ = try await send(RedisCommand("SELECT", RedisArgument(configuration.database)))
            }
        } catch let error as RedisError {
            if case .server(let message) = error, Self.isAuthenticationError(message) {
                throw .authenticationFailed(url: configuration.redactedURL, reason: message)
            }
            throw error
        } catch {
            throw .protocolError("\(error)")
        }
    }

    /// Sends one command and waits for its reply. Error replies throw ``RedisError/server(_:)``.
    public func send(_ command: RedisCommand, timeout: Duration? = nil) async throws(RedisError) -> RESPValue {
        try await pipeline([command], timeout: timeout)[0]
    }

    /// Sends all commands in one write and returns their replies in order.
    /// The first error reply is thrown once every reply has arrived, so the connection stays in step.
    ///
    /// The commands are written from one event-loop task: writes made one by one from other
    /// threads could interleave with another caller's, which would split a MULTI…EXEC apart.
    public func pipeline(_ commands: [RedisCommand], timeout: Duration? = nil) async throws(RedisError) -> [RESPValue] {
        let limit = timeout ?? configuration.commandTimeout
        let requests = commands.map { request($0, timeout: limit) }
        let channel = self.channel
        let writeAll = {
            for request in requests {
                channel.write(request).whenFailure { error in
                    // The handler never saw the request (the channel was already closed): fail it here.
                    request.promise.fail(channel.isActive ? error : RedisError.connectionClosed)
                }
            }
            channel.flush()
        }
        if channel.eventLoop.inEventLoop { writeAll() } else { channel.eventLoop.execute(writeAll) }
        var replies: [RESPValue] = []
        var firstError: RedisError?
        replies.reserveCapacity(requests.count)
        for request in requests {
            do {
                replies.append(try await Self.await(request.promise.futureResult))
            } catch {
                if firstError == nil { firstError = error }
                replies.append(.null)
            }
        }
        if let firstError { throw firstError }
        return replies
    }

    public func close() async {
        try? await channel.close()
    }

    private func request(_ command: RedisCommand, timeout: Duration) -> RedisRequest {
        let id = nextID.withLockedValue { value in
            value &+= 1
            return value
        }
        let promise = channel.eventLoop.makePromise(of: RESPValue.self)
        let channel = self.channel
        let seconds = Double(timeout.components.seconds) + Double(timeout.components.attoseconds) / 1e18
        let timer = channel.eventLoop.scheduleTask(in: timeout.timeAmount) {
            channel.triggerUserOutboundEvent(RedisRequestTimedOut(id: id, seconds: seconds), promise: nil)
        }
        promise.futureResult.whenComplete { _ in timer.cancel() }
        return RedisRequest(id: id, command: command, promise: promise)
    }

    private static func await(_ future: EventLoopFuture<RESPValue>) async throws(RedisError) -> RESPValue {
        do {
            return try await future.get()
        } catch let error as RedisError {
            throw error
        } catch let error as ChannelError where error == .ioOnClosedChannel || error == .alreadyClosed {
            throw .connectionClosed
        } catch {
            throw .protocolError("\(error)")
        }
    }

    static func isAuthenticationError(_ message: String) -> Bool {
        let upper = message.uppercased()
        return upper.hasPrefix("NOAUTH") || upper.hasPrefix("WRONGPASS") || upper.contains("INVALID PASSWORD")
            || upper.contains("AUTH") && upper.hasPrefix("ERR")
    }

    /// A short reason for a failed connect, in words an operator recognises.
    static func explain(_ error: Error) -> String {
        if let error = error as? IOError {
            return error.errnoCode == ECONNREFUSED ? "connection refused" : "\(error)"
        }
        if let error = error as? NIOConnectionError {
            let reasons = error.connectionErrors.map { explain($0.error) }
            if let first = reasons.first { return first }
            if error.dnsAAAAError != nil || error.dnsAError != nil { return "the host name could not be resolved" }
        }
        if let error = error as? ChannelError, case .connectTimeout(let amount) = error {
            return "no answer within \(Double(amount.nanoseconds) / 1e9) s"
        }
        return "\(error)"
    }
}

extension Duration {
    var timeAmount: TimeAmount {
        let (seconds, attoseconds) = components
        return .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }

    /// Redis takes times in whole milliseconds.
    var wholeMilliseconds: Int64 {
        components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000
    }
}
