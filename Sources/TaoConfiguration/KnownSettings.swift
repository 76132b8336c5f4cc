/// Every `TAOSTREAM_*` variable TaoStream reads, so a misspelt one (`TAOSTREAM_HTTP_PROT`) is
/// reported at start instead of silently leaving the default in force. A test keeps this list,
/// the sources and the README's table in step.
public enum KnownSettings {
    /// What the `taostream` binary reads.
    public static let read: Set<String> = [
        "TAOSTREAM_ALERT_KEY_FILE", "TAOSTREAM_ALERT_LEASE", "TAOSTREAM_ALERT_RETENTION_DAYS", "TAOSTREAM_MAX_ALERTS_PER_TOKEN", "TAOSTREAM_MAX_ALERT_DELIVERIES_PER_HOUR",
        "TAOSTREAM_NOTIFIER_HTTP_HOST", "TAOSTREAM_NOTIFIER_HTTP_PORT", "TAOSTREAM_NOTIFIER_NAME", "TAOSTREAM_VAPID_KEY_FILE", "TAOSTREAM_VAPID_SUBJECT", "TAOSTREAM_WEBHOOK_ALLOW_PRIVATE",
        "TAOSTREAM_WEBHOOK_DISABLE_AFTER", "TAOSTREAM_WEBHOOK_RETRY_DELAYS", "TAOSTREAM_WEBHOOK_TIMEOUT",
        "TAOSTREAM_ALLOWED_NETUIDS", "TAOSTREAM_AUTH_FAILURES_PER_ADDRESS", "TAOSTREAM_AUTH_TIMEOUT", "TAOSTREAM_CHUTES_KEY", "TAOSTREAM_CHUTES_MODEL", "TAOSTREAM_CHUTES_URL",
        "TAOSTREAM_COLDKEY_PASSWORD", "TAOSTREAM_COLDKEY_PASSWORD_FILE", "TAOSTREAM_COMMANDS", "TAOSTREAM_COMMAND_RECLAIM_AFTER",
        "TAOSTREAM_DASHBOARD_TOKEN_FILE", "TAOSTREAM_DATABASE_URL", "TAOSTREAM_DATURA_KEY", "TAOSTREAM_DATURA_URL", "TAOSTREAM_DEVNET_BLOCK_MS", "TAOSTREAM_DEVNET_HOST",
        "TAOSTREAM_DEVNET_PORT", "TAOSTREAM_DEVNET_SEED", "TAOSTREAM_DEVNET_SUBNETS", "TAOSTREAM_DEVNET_TEMPO", "TAOSTREAM_DEVNET_VALIDATORS",
        "TAOSTREAM_DIVIDEND_KINDS", "TAOSTREAM_DRAIN_TIMEOUT", "TAOSTREAM_ENV_FILE", "TAOSTREAM_EXECUTOR_NAME", "TAOSTREAM_HTTP_HOST",
        "TAOSTREAM_HTTP_PORT", "TAOSTREAM_IDLE_TIMEOUT", "TAOSTREAM_LOG_LEVEL", "TAOSTREAM_MAX_COMMANDS_PER_DAY", "TAOSTREAM_MAX_CONNECTIONS",
        "TAOSTREAM_MAX_CONNECTIONS_PER_TOKEN", "TAOSTREAM_MAX_MESSAGE_BYTES", "TAOSTREAM_MAX_PENDING_PER_ADDRESS",
        "TAOSTREAM_MAX_STAKE_PER_COMMAND", "TAOSTREAM_MAX_STAKE_PER_DAY", "TAOSTREAM_MAX_SUBSCRIPTIONS", "TAOSTREAM_MESSAGES_PER_SECOND",
        "TAOSTREAM_METADATA_CACHE", "TAOSTREAM_MIN_STAKE_PER_COMMAND", "TAOSTREAM_NETWORK", "TAOSTREAM_PING_INTERVAL", "TAOSTREAM_QUEUE_BYTES",
        "TAOSTREAM_QUEUE_LIMIT", "TAOSTREAM_RECONCILE_BLOCKS", "TAOSTREAM_REDIS_PREFIX", "TAOSTREAM_REDIS_URL",
        "TAOSTREAM_REPLAY_ENTRIES_PER_SECOND", "TAOSTREAM_SLOW_CLIENT_POLICY", "TAOSTREAM_TOKEN_RECHECK_INTERVAL", "TAOSTREAM_TRADE_QUERY",
        "TAOSTREAM_TRADE_TWEETS", "TAOSTREAM_WALLET_HOTKEY", "TAOSTREAM_WALLET_NAME", "TAOSTREAM_WALLET_PATH", "TAOSTREAM_WATCHER_HTTP_HOST",
        "TAOSTREAM_WATCHER_HTTP_PORT", "TAOSTREAM_WEB_CLIENT_DIR",
    ]

    /// What only `scripts/run.sh` and `docker-compose.yml` read: not the binary's, but no typo either.
    public static let scripts: Set<String> = [
        "TAOSTREAM_COLDKEY_PASSWORD_SECRET", "TAOSTREAM_LOCAL_DATA", "TAOSTREAM_LOCAL_PG_PORT", "TAOSTREAM_LOCAL_REDIS_PORT", "TAOSTREAM_WALLETS_DIR",
    ]

    /// A `TAOSTREAM_*` name set in the environment or the `.env` file that nothing reads.
    public struct Unknown: Sendable, Equatable, CustomStringConvertible {
        public let name: String
        public let origin: SettingOrigin
        /// The known name it most likely meant, if one is close.
        public let suggestion: String?

        public var description: String {
            let meant = suggestion.map { "; did you mean \($0)?" } ?? "; it is ignored"
            return "\(name) (from \(origin)) is not a TaoStream setting\(meant)"
        }
    }

    public static func unknown(in source: SettingsSource) -> [Unknown] {
        var found: [String: SettingOrigin] = [:]
        for name in source.environment.keys where name.hasPrefix("TAOSTREAM_") { found[name] = .environment }
        for (name, entry) in source.file?.entries ?? [:] where name.hasPrefix("TAOSTREAM_") && found[name] == nil {
            found[name] = .file(path: source.file!.path, line: entry.line)
        }
        let known = read.union(scripts)
        return found.keys.sorted().filter { !known.contains($0) }.map { Unknown(name: $0, origin: found[$0]!, suggestion: closest(to: $0, in: known)) }
    }

    /// The known name fewest edits away, within three.
    static func closest(to name: String, in known: Set<String>) -> String? {
        let candidates = known.map { ($0, distance(Array(name.utf8), Array($0.utf8))) }.filter { $0.1 <= 3 }
        return candidates.min { $0.1 != $1.1 ? $0.1 < $1.1 : $0.0 < $1.0 }?.0
    }

    /// Levenshtein distance, one row at a time.
    static func distance(_ a: [UInt8], _ b: [UInt8]) -> Int {
        var previous = Array(0...b.count)
        for (i, x) in a.enumerated() {
            var current = [i + 1] + Array(repeating: 0, count: b.count)
            for (j, y) in b.enumerated() {
                current[j + 1] = min(previous[j + 1] + 1, current[j] + 1, previous[j] + (x == y ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }
}
