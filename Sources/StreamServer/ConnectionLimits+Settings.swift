import TaoConfiguration

extension ConnectionLimits {
    /// The limits an operator set through TAOSTREAM_* variables or `.env`, defaults elsewhere.
    public init(_ source: SettingsSource) throws(ConfigurationError) {
        self.init()
        connectionsPerToken = try source.integer("TAOSTREAM_MAX_CONNECTIONS_PER_TOKEN", default: connectionsPerToken, range: 1...100_000)
        subscriptionsPerConnection = try source.integer("TAOSTREAM_MAX_SUBSCRIPTIONS", default: subscriptionsPerConnection, range: 1...10_000)
        messagesPerSecond = try source.integer("TAOSTREAM_MESSAGES_PER_SECOND", default: messagesPerSecond, range: 1...10_000)
        maxMessageBytes = try source.integer("TAOSTREAM_MAX_MESSAGE_BYTES", default: maxMessageBytes, range: 256...(1 << 20))
        queueLimit = try source.integer("TAOSTREAM_QUEUE_LIMIT", default: queueLimit, range: 1...1_000_000)
        replayEntriesPerSecond = try source.integer("TAOSTREAM_REPLAY_ENTRIES_PER_SECOND", default: replayEntriesPerSecond, range: 1...10_000_000)
        replayBurst = max(replayBurst, replayEntriesPerSecond)
        maxConnections = try source.integer("TAOSTREAM_MAX_CONNECTIONS", default: maxConnections, range: 0...10_000_000)
        authFailuresPerAddress = try source.integer("TAOSTREAM_AUTH_FAILURES_PER_ADDRESS", default: authFailuresPerAddress, range: 0...1_000_000)
        pendingPerAddress = try source.integer("TAOSTREAM_MAX_PENDING_PER_ADDRESS", default: pendingPerAddress, range: 0...1_000_000)
        queueBytes = try source.integer("TAOSTREAM_QUEUE_BYTES", default: queueBytes, range: 4096...(1 << 30))
        authenticationTimeout = try source.duration("TAOSTREAM_AUTH_TIMEOUT", default: authenticationTimeout, range: .milliseconds(100) ... .seconds(300))
        idleTimeout = try source.duration("TAOSTREAM_IDLE_TIMEOUT", default: idleTimeout, range: .seconds(1) ... .seconds(86_400))
        pingInterval = try source.duration("TAOSTREAM_PING_INTERVAL", default: pingInterval, range: .seconds(1) ... .seconds(3600))
        drainTimeout = try source.duration("TAOSTREAM_DRAIN_TIMEOUT", default: drainTimeout, range: .zero ... .seconds(600))
        tokenRecheckInterval = try source.duration("TAOSTREAM_TOKEN_RECHECK_INTERVAL", default: tokenRecheckInterval, range: .milliseconds(100) ... .seconds(3600))
        if let found = source.lookup("TAOSTREAM_SLOW_CLIENT_POLICY") {
            guard let policy = SlowClientPolicy(rawValue: found.value.lowercased()) else {
                throw ConfigurationError(
                    setting: "TAOSTREAM_SLOW_CLIENT_POLICY", origin: found.origin,
                    problem: "'\(found.value)' is not a policy", fix: "Use conflate or close."
                )
            }
            slowClientPolicy = policy
        }
    }
}
