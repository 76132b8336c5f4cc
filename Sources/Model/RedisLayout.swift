/// The names of everything TaoStream keeps in Redis. The watcher writes them, servers read them,
/// and third parties may do either, so they are defined once, here, and documented in
/// web-client-spec/.
///
/// - `{prefix}:div:{kind}:{netuid}:{hotkey}` — pub/sub channel; each message is one
///   ``DividendChange`` as JSON. Servers PSUBSCRIBE ``changePattern`` and route by the channel name
///   alone, without parsing the payload.
/// - `{prefix}:latest:{kind}:{netuid}` — hash: hotkey → ``DividendEntry`` JSON; the always-fresh
///   snapshot.
/// - `{prefix}:netuids` — set of the netuids that have entries.
/// - `{prefix}:kinds` — set of the dividend kinds the watcher tracks.
/// - `{prefix}:changes` — stream, capped near ``changeLogLength``; entry id = the change's offset,
///   field `change` = the ``DividendChange`` JSON.
/// - `{prefix}:watcher` — hash: `block`, `block_hash` of the last block fully published; `log_from`,
///   when Redis lost its data and the watcher put the state back: the change log holds every
///   change after that block only.
/// - `{prefix}:blocks` — pub/sub channel; each message is the number of a block just published
///   (with or without changes), for consumers that act on time passing in blocks (stalled alerts).
/// - `{prefix}:resync` — pub/sub channel; a message (the block number) says the latest-value
///   hashes were put back after a data loss: consumers should take a fresh snapshot.
public struct RedisLayout: Sendable, Equatable {
    public var prefix: String

    public init(prefix: String = "taostream") {
        self.prefix = prefix
    }

    public func changeChannel(_ key: DividendKey) -> String {
        "\(prefix):div:\(key.kind.rawValue):\(key.netuid):\(key.hotkey)"
    }

    public var changePattern: String { "\(prefix):div:*" }

    /// The key a change channel names, or nil for anything else.
    public func parseChangeChannel(_ channel: String) -> DividendKey? {
        let expected = prefix + ":div:"
        guard channel.hasPrefix(expected) else { return nil }
        let parts = channel.dropFirst(expected.count).split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 3, let netuid = UInt16(parts[1]), !parts[0].isEmpty, !parts[2].isEmpty else { return nil }
        return DividendKey(kind: DividendKind(rawValue: String(parts[0])), netuid: netuid, hotkey: String(parts[2]))
    }

    public func latestKey(kind: DividendKind, netuid: UInt16) -> String {
        "\(latestKeyPrefix)\(kind.rawValue):\(netuid)"
    }

    /// What every latest-value hash's name starts with (followed by `{kind}:{netuid}`).
    public var latestKeyPrefix: String {
        "\(prefix):latest:"
    }

    public var netuidsKey: String { "\(prefix):netuids" }
    public var kindsKey: String { "\(prefix):kinds" }
    public var changeLogKey: String { "\(prefix):changes" }
    public var watcherKey: String { "\(prefix):watcher" }
    public var resyncChannel: String { "\(prefix):resync" }
    public var blockChannel: String { "\(prefix):blocks" }
    /// The consumer group of notifiers on the change log: each change is evaluated by one of them.
    public static let notifierGroup = "notifiers"

    /// Stream of accepted commands (field `command`: ``CommandRecord`` JSON), read by executors in
    /// the consumer group ``commandGroup``.
    public var commandStreamKey: String { "\(prefix):commands" }
    public static let commandGroup = "executors"
    /// Pub/sub channel of one command's ``CommandStatus`` messages.
    public func commandStatusChannel(_ commandID: String) -> String { "\(prefix):status:\(commandID)" }
    public var commandStatusPattern: String { "\(prefix):status:*" }
    /// Per token and UTC day: rao staked so far, for the daily cap.
    public func dailyUsageKey(tokenID: String, day: String) -> String { "\(prefix):usage:\(tokenID):\(day)" }
    /// Per token and UTC day: commands queued so far, for the daily command cap.
    public func dailyCommandsKey(tokenID: String, day: String) -> String { "\(prefix):usage-count:\(tokenID):\(day)" }

    /// The field of a change-log entry that holds the change JSON.
    public static let changeField = "change"
    /// How many changes the log keeps for recovery, roughly (XADD MAXLEN ~).
    public static let changeLogLength = 100_000
}
