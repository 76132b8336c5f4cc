/// A message from the server. Replies carry the `id` of the message they answer.
public enum ServerMessage: Sendable, Equatable, Encodable {
    case welcome(Welcome)
    case subscribed(Subscribed)
    case unsubscribed(id: MessageID?, subscription: String)
    case snapshot(id: MessageID?, entries: [DividendEntry], offset: StreamOffset?)
    /// A page of history, newest first; `nextCursor` asks for the next older page (nil: none).
    case history(id: MessageID?, netuid: UInt16, hotkey: String?, changes: [DividendChange], nextCursor: String?)
    case update(DividendChange)
    case pong(id: MessageID?)
    case error(ProtocolError)
    /// A command was taken (or, with `duplicate`, its idempotency key was seen before: this is the
    /// earlier command, not a second one).
    case accepted(id: MessageID?, commandID: String, duplicate: Bool)
    /// A command's progress; `id` only when it answers `command_status`.
    case commandStatus(id: MessageID?, CommandStatus)
    /// A rule was stored. `webhookSecret` (`whsec_…`) verifies its deliveries and is shown only here.
    case alertCreated(id: MessageID?, AlertRule, webhookSecret: String?)
    case alerts(id: MessageID?, [AlertRule])
    case alertDeleted(id: MessageID?, alertID: String)
    case alertDeliveries(id: MessageID?, alertID: String, [AlertDelivery])

    public struct Welcome: Sendable, Equatable, Encodable {
        public var id: MessageID?
        public var tokenID: String
        public var scopes: [Scope]
        public var limits: Limits
        /// Whether this server takes stake, unstake and trade commands (TAOSTREAM_COMMANDS): a
        /// client offers them only then, whatever the token's scopes.
        public var commands: Bool

        public init(id: MessageID?, tokenID: String, scopes: [Scope], limits: Limits, commands: Bool = false) {
            self.id = id
            self.tokenID = tokenID
            self.scopes = scopes
            self.limits = limits
            self.commands = commands
        }

        enum CodingKeys: String, CodingKey {
            case id, scopes, limits, commands
            case tokenID = "token_id"
        }
    }

    /// The limits a connection lives under, so clients can stay inside them.
    public struct Limits: Sendable, Equatable, Encodable {
        public var maxSubscriptions: Int
        public var maxMessageBytes: Int
        public var messagesPerSecond: Int
        /// Bad messages tolerated per minute before the connection closes with 4004 (messages
        /// over the rate do not count).
        public var errorsPerMinute: Int
        /// Open connections per token; more close with 4002.
        public var maxConnectionsPerToken: Int
        /// Change-log entries this token's replays may read a second.
        public var replayEntriesPerSecond: Int

        public init(maxSubscriptions: Int, maxMessageBytes: Int, messagesPerSecond: Int, errorsPerMinute: Int, maxConnectionsPerToken: Int, replayEntriesPerSecond: Int) {
            self.maxSubscriptions = maxSubscriptions
            self.maxMessageBytes = maxMessageBytes
            self.messagesPerSecond = messagesPerSecond
            self.errorsPerMinute = errorsPerMinute
            self.maxConnectionsPerToken = maxConnectionsPerToken
            self.replayEntriesPerSecond = replayEntriesPerSecond
        }

        enum CodingKeys: String, CodingKey {
            case maxSubscriptions = "max_subscriptions"
            case maxMessageBytes = "max_message_bytes"
            case messagesPerSecond = "messages_per_second"
            case errorsPerMinute = "errors_per_minute"
            case maxConnectionsPerToken = "max_connections_per_token"
            case replayEntriesPerSecond = "replay_entries_per_second"
        }
    }

    public struct Subscribed: Sendable, Equatable, Encodable {
        public var id: MessageID?
        public var subscription: String
        public var filter: DividendFilter
        /// Current values; empty when the subscription resumed with a replay.
        public var snapshot: [DividendEntry]
        /// Set when the subscribe asked `since`: true if every missed update follows as `update`
        /// messages, false if the log no longer reached back that far and `snapshot` is fresh instead.
        public var recovered: Bool?
        /// The log position the snapshot or replay is consistent with.
        public var offset: StreamOffset?

        public init(id: MessageID?, subscription: String, filter: DividendFilter, snapshot: [DividendEntry], recovered: Bool?, offset: StreamOffset?) {
            self.id = id
            self.subscription = subscription
            self.filter = filter
            self.snapshot = snapshot
            self.recovered = recovered
            self.offset = offset
        }
    }

    enum CodingKeys: String, CodingKey {
        case type, id, subscription, filter, snapshot, recovered, offset, entries, change, code, message
        case netuid, hotkey, changes
        case nextCursor = "next_cursor"
        case tokenID = "token_id"
        case scopes, limits, commands
        case commandID = "command_id"
        case duplicate, status
        case alert, alerts, deliveries
        case alertID = "alert_id"
        case webhookSecret = "webhook_secret"
    }

    public var type: String {
        switch self {
        case .welcome: return "welcome"
        case .subscribed: return "subscribed"
        case .unsubscribed: return "unsubscribed"
        case .snapshot: return "snapshot"
        case .history: return "history"
        case .update: return "update"
        case .pong: return "pong"
        case .error: return "error"
        case .accepted: return "accepted"
        case .commandStatus: return "command_status"
        case .alertCreated: return "alert_created"
        case .alerts: return "alerts"
        case .alertDeleted: return "alert_deleted"
        case .alertDeliveries: return "alert_deliveries"
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(type, forKey: .type)
        switch self {
        case .welcome(let welcome):
            try container.encodeIfPresent(welcome.id, forKey: .id)
            try container.encode(welcome.tokenID, forKey: .tokenID)
            try container.encode(welcome.scopes, forKey: .scopes)
            try container.encode(welcome.limits, forKey: .limits)
            try container.encode(welcome.commands, forKey: .commands)
        case .subscribed(let subscribed):
            try container.encodeIfPresent(subscribed.id, forKey: .id)
            try container.encode(subscribed.subscription, forKey: .subscription)
            try container.encode(subscribed.filter, forKey: .filter)
            try container.encode(subscribed.snapshot, forKey: .snapshot)
            try container.encodeIfPresent(subscribed.recovered, forKey: .recovered)
            try container.encodeIfPresent(subscribed.offset, forKey: .offset)
        case .unsubscribed(let id, let subscription):
            try container.encodeIfPresent(id, forKey: .id)
            try container.encode(subscription, forKey: .subscription)
        case .snapshot(let id, let entries, let offset):
            try container.encodeIfPresent(id, forKey: .id)
            try container.encode(entries, forKey: .entries)
            try container.encodeIfPresent(offset, forKey: .offset)
        case .history(let id, let netuid, let hotkey, let changes, let nextCursor):
            try container.encodeIfPresent(id, forKey: .id)
            try container.encode(netuid, forKey: .netuid)
            try container.encodeIfPresent(hotkey, forKey: .hotkey)
            try container.encode(changes, forKey: .changes)
            // Always present: null says there is no older page.
            try container.encode(nextCursor, forKey: .nextCursor)
        case .update(let change):
            try container.encode(change, forKey: .change)
        case .pong(let id):
            try container.encodeIfPresent(id, forKey: .id)
        case .error(let error):
            try container.encodeIfPresent(error.id, forKey: .id)
            try container.encode(error.code, forKey: .code)
            try container.encode(error.message, forKey: .message)
        case .accepted(let id, let commandID, let duplicate):
            try container.encodeIfPresent(id, forKey: .id)
            try container.encode(commandID, forKey: .commandID)
            try container.encode(duplicate, forKey: .duplicate)
        case .commandStatus(let id, let status):
            try container.encodeIfPresent(id, forKey: .id)
            try container.encode(status.commandID, forKey: .commandID)
            try container.encode(status, forKey: .status)
        case .alertCreated(let id, let rule, let secret):
            try container.encodeIfPresent(id, forKey: .id)
            try container.encode(rule, forKey: .alert)
            try container.encodeIfPresent(secret, forKey: .webhookSecret)
        case .alerts(let id, let rules):
            try container.encodeIfPresent(id, forKey: .id)
            try container.encode(rules, forKey: .alerts)
        case .alertDeleted(let id, let alertID):
            try container.encodeIfPresent(id, forKey: .id)
            try container.encode(alertID, forKey: .alertID)
        case .alertDeliveries(let id, let alertID, let deliveries):
            try container.encodeIfPresent(id, forKey: .id)
            try container.encode(alertID, forKey: .alertID)
            try container.encode(deliveries, forKey: .deliveries)
        }
    }
}
