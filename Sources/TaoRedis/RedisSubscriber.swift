import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import ServiceLifecycle

/// A connection in subscribe mode that stays subscribed: when Redis goes away it reconnects with
/// back-off and subscribes again to every channel and pattern it had.
///
/// Messages published while it was disconnected are lost, as pub/sub always loses them; the
/// ``Event/connected(isReconnect:)`` event tells consumers when to recover from a durable log.
public final class RedisSubscriber: Service, Sendable {
    public enum Event: Sendable, Equatable {
        case message(RedisPubSubMessage)
        /// Every channel and pattern is subscribed again. `isReconnect` marks a possible gap.
        case connected(isReconnect: Bool)
        case disconnected(reason: String)
    }

    /// The single stream of events; iterate it from one task.
    public let events: AsyncStream<Event>
    private let continuation: AsyncStream<Event>.Continuation
    private let configuration: RedisConfiguration
    private let eventLoopGroup: any EventLoopGroup
    private let logger: Logger
    private let backoff: RetryBackoff
    private let state = NIOLockedValueBox(State())

    private struct State {
        var channels: Set<String> = []
        var patterns: Set<String> = []
        var confirmed: Set<String> = []
        var waiters: [String: [(id: UInt64, waiter: CheckedContinuation<Void, Never>)]] = [:]
        var lastWaiterID: UInt64 = 0
        /// `run` has returned: nothing will be confirmed any more, so nobody waits.
        var stopped = false
        var channel: Channel?
        /// The connect loop's wait for AUTH and SUBSCRIBE replies on the current channel.
        var handshake: (missing: Set<String>, waiter: CheckedContinuation<Void, any Error>)?
    }

    public init(
        configuration: RedisConfiguration,
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        backoff: RetryBackoff = RetryBackoff(initial: .milliseconds(100), maximum: .seconds(5)),
        bufferingPolicy: AsyncStream<Event>.Continuation.BufferingPolicy = .unbounded,
        logger: Logger = Logger(label: "taostream.redis.subscriber")
    ) {
        (events, continuation) = AsyncStream.makeStream(of: Event.self, bufferingPolicy: bufferingPolicy)
        self.configuration = configuration
        self.eventLoopGroup = eventLoopGroup
        self.backoff = backoff
        self.logger = logger
    }

    /// Subscribes to channels and returns once Redis confirmed each (after the next connect if
    /// down), or at once when the calling task is cancelled or the subscriber stopped.
    public func subscribe(channels: [String]) async {
        await add(channels, kind: "c", command: "SUBSCRIBE")
    }

    /// Subscribes to glob patterns (PSUBSCRIBE) and returns once Redis confirmed each.
    public func subscribe(patterns: [String]) async {
        await add(patterns, kind: "p", command: "PSUBSCRIBE")
    }

    public func unsubscribe(channels: [String]) {
        remove(channels, kind: "c", command: "UNSUBSCRIBE")
    }

    public func unsubscribe(patterns: [String]) {
        remove(patterns, kind: "p", command: "PUNSUBSCRIBE")
    }

    /// Keeps the subscription alive until the task is cancelled or a graceful shutdown begins.
    public func run() async throws {
        defer {
            continuation.finish()
            let waiters = state.withLockedValue { state in
                state.stopped = true
                defer { state.waiters = [:] }
                return state.waiters.values.joined().map(\.waiter)
            }
            waiters.forEach { $0.resume() }
        }
        try? await cancelWhenGracefulShutdown {
            await self.connectLoop()
        }
    }

    private func connectLoop() async {
        var delay = backoff
        var everConnected = false
        while !Task.isCancelled {
            do {
                let channel = try await RedisConnection.openChannel(configuration: configuration, eventLoopGroup: eventLoopGroup) { channel in
                    try channel.pipeline.syncOperations.addHandlers([
                        RESPReplyDecoder(), MessageToByteHandler(RESPCommandEncoder()),
                        RedisPushHandler { reply in self.handle(reply) },
                    ])
                }
                try await withTaskCancellationHandler {
                    let (channels, patterns) = state.withLockedValue { state in
                        state.channel = channel
                        state.confirmed = []
                        return (Array(state.channels), Array(state.patterns))
                    }
                    try await authenticate(channel)
                    var keys = Set<String>()
                    if !channels.isEmpty {
                        channel.write(RedisCommand("SUBSCRIBE", channels.map { RedisArgument($0) }), promise: nil)
                        keys.formUnion(channels.map { "c:" + $0 })
                    }
                    if !patterns.isEmpty {
                        channel.write(RedisCommand("PSUBSCRIBE", patterns.map { RedisArgument($0) }), promise: nil)
                        keys.formUnion(patterns.map { "p:" + $0 })
                    }
                    channel.flush()
                    try await awaitReplies(keys, on: channel)
                    logger.info("subscribed to Redis", metadata: ["redis": "\(configuration.redactedURL)", "reconnect": "\(everConnected)"])
                    continuation.yield(.connected(isReconnect: everConnected))
                    everConnected = true
                    delay.reset()
                    try await channel.closeFuture.get()
                } onCancel: {
                    channel.close(promise: nil)
                }
                state.withLockedValue { state in
                    state.channel = nil
                    state.confirmed = []
                }
                if !Task.isCancelled {
                    logger.warning("Redis subscription connection closed; reconnecting", metadata: ["redis": "\(configuration.redactedURL)"])
                    continuation.yield(.disconnected(reason: "connection closed"))
                }
            } catch {
                state.withLockedValue { state in
                    state.channel = nil
                    state.confirmed = []
                }
                if Task.isCancelled { break }
                logger.warning("Redis subscription failed; retrying", metadata: ["error": "\(error)", "retry_in": "\(delay.current)"])
                continuation.yield(.disconnected(reason: "\(error)"))
            }
            if Task.isCancelled { break }
            // Jitter spreads the reconnects of many servers after a shared Redis restart.
            try? await Task.sleep(for: delay.nextJittered())
        }
    }

    /// AUTH on the raw channel, before it switches to subscribe mode.
    private func authenticate(_ channel: Channel) async throws {
        guard let password = configuration.password else { return }
        var arguments: [RedisArgument] = []
        if let username = configuration.username { arguments.append(RedisArgument(username)) }
        arguments.append(RedisArgument(password))
        channel.writeAndFlush(RedisCommand("AUTH", arguments), promise: nil)
        try await awaitReplies(["auth"], on: channel)
        if state.withLockedValue({ $0.confirmed.contains("auth-failed") }) {
            channel.close(promise: nil)
            throw RedisError.authenticationFailed(url: configuration.redactedURL, reason: "AUTH was refused")
        }
    }

    /// Waits until Redis confirmed every key, or fails when the channel closes first, so a
    /// connection lost mid-handshake sends the loop back to reconnecting instead of hanging.
    private func awaitReplies(_ keys: Set<String>, on channel: Channel) async throws {
        guard !keys.isEmpty else { return }
        try await withCheckedThrowingContinuation { (waiter: CheckedContinuation<Void, any Error>) in
            let done = state.withLockedValue { state -> Bool in
                let missing = keys.subtracting(state.confirmed)
                if missing.isEmpty { return true }
                state.handshake = (missing, waiter)
                return false
            }
            if done {
                waiter.resume()
                return
            }
            channel.closeFuture.whenComplete { _ in
                let waiter = self.state.withLockedValue { state -> CheckedContinuation<Void, any Error>? in
                    defer { state.handshake = nil }
                    return state.handshake?.waiter
                }
                waiter?.resume(throwing: RedisError.connectionClosed)
            }
        }
    }

    private func add(_ names: [String], kind: String, command: String) async {
        guard !names.isEmpty else { return }
        let channel = state.withLockedValue { state -> Channel? in
            for name in names {
                if kind == "c" { state.channels.insert(name) } else { state.patterns.insert(name) }
            }
            return state.channel
        }
        channel?.writeAndFlush(RedisCommand(command, names.map { RedisArgument($0) }), promise: nil)
        for name in names { await waitForConfirmation(kind + ":" + name) }
    }

    private func remove(_ names: [String], kind: String, command: String) {
        guard !names.isEmpty else { return }
        let channel = state.withLockedValue { state -> Channel? in
            for name in names {
                if kind == "c" { state.channels.remove(name) } else { state.patterns.remove(name) }
                state.confirmed.remove(kind + ":" + name)
            }
            return state.channel
        }
        channel?.writeAndFlush(RedisCommand(command, names.map { RedisArgument($0) }), promise: nil)
    }

    /// Waits until Redis confirmed `key`. Cancellation ends the wait: a group that stops while
    /// Redis is unreachable must not wait forever on a subscription that cannot come.
    private func waitForConfirmation(_ key: String) async {
        let id = state.withLockedValue { state in
            state.lastWaiterID += 1
            return state.lastWaiterID
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (waiter: CheckedContinuation<Void, Never>) in
                // Under the lock, so a cancellation either sees this waiter or is seen here.
                let done = state.withLockedValue { state -> Bool in
                    if state.stopped || Task.isCancelled || state.confirmed.contains(key) { return true }
                    state.waiters[key, default: []].append((id, waiter))
                    return false
                }
                if done { waiter.resume() }
            }
        } onCancel: {
            let waiter = state.withLockedValue { state -> CheckedContinuation<Void, Never>? in
                guard let index = state.waiters[key]?.firstIndex(where: { $0.id == id }) else { return nil }
                return state.waiters[key]?.remove(at: index).waiter
            }
            waiter?.resume()
        }
    }

    private func confirm(_ key: String) {
        let (waiters, handshake) = state.withLockedValue { state -> ([(id: UInt64, waiter: CheckedContinuation<Void, Never>)], CheckedContinuation<Void, any Error>?) in
            state.confirmed.insert(key)
            var finished: CheckedContinuation<Void, any Error>?
            if var handshake = state.handshake {
                handshake.missing.remove(key)
                if handshake.missing.isEmpty {
                    finished = handshake.waiter
                    state.handshake = nil
                } else {
                    state.handshake = handshake
                }
            }
            return (state.waiters.removeValue(forKey: key) ?? [], finished)
        }
        waiters.forEach { $0.waiter.resume() }
        handshake?.resume()
    }

    /// Called on the event loop for every reply the subscribe-mode connection receives.
    private func handle(_ reply: RESPValue) {
        switch reply {
        case .array(let parts):
            guard let kind = parts.first?.string?.lowercased() else { return }
            switch kind {
            case "message" where parts.count == 3:
                continuation.yield(.message(RedisPubSubMessage(channel: parts[1].string ?? "", payload: parts[2].bytes ?? [])))
            case "pmessage" where parts.count == 4:
                continuation.yield(.message(RedisPubSubMessage(channel: parts[2].string ?? "", pattern: parts[1].string, payload: parts[3].bytes ?? [])))
            case "subscribe":
                if let name = parts.dropFirst().first?.string { confirm("c:" + name) }
            case "psubscribe":
                if let name = parts.dropFirst().first?.string { confirm("p:" + name) }
            default:
                break
            }
        case .simpleString:
            // Only AUTH answers with a status before subscribe mode.
            confirm("auth")
        case .error(let message):
            if RedisConnection.isAuthenticationError(message) {
                state.withLockedValue { _ = $0.confirmed.insert("auth-failed") }
                confirm("auth")
            }
            logger.error("Redis refused a subscription command", metadata: ["error": "\(message)"])
        default:
            break
        }
    }
}
