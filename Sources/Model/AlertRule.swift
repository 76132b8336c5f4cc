/// What an alert watches for, in the values of the entries its filter matches.
public enum AlertCondition: Sendable, Hashable {
    public enum Side: String, Sendable, Hashable, CaseIterable { case above, below }
    public enum Direction: String, Sendable, Hashable, CaseIterable { case drop, rise, either }

    /// Every change of a matching entry.
    case anyChange
    /// An entry appears (a hotkey starts earning).
    case newEntry
    /// An entry disappears.
    case removedEntry
    /// The value moves from one side of `threshold` (in the entry's smallest unit) to `side`.
    case crosses(side: Side, threshold: UInt64)
    /// The value moves by at least `percent` % of the value before it, in `direction`.
    case relativeChange(percent: Double, direction: Direction)
    /// A matching entry has not changed for `blocks` blocks (a validator that stopped earning).
    case stalled(blocks: UInt64)

    public var type: String {
        switch self {
        case .anyChange: return "any_change"
        case .newEntry: return "new_entry"
        case .removedEntry: return "removed_entry"
        case .crosses: return "crosses"
        case .relativeChange: return "relative_change"
        case .stalled: return "stalled"
        }
    }

    public static let types = ["any_change", "new_entry", "removed_entry", "crosses", "relative_change", "stalled"]

    /// The conditions that take no parameter, by their type name.
    public static func plain(_ type: String) -> AlertCondition? {
        [AlertCondition.anyChange, .newEntry, .removedEntry].first { $0.type == type }
    }
}

/// How a webhook's body is shaped: the Standard Webhooks JSON, or what a Discord or Slack
/// incoming webhook takes, so an alert can point at a channel with no code in between.
public enum WebhookFormat: String, Sendable, Hashable, CaseIterable {
    case standard, discord, slack
}

/// A browser's push subscription (the `PushSubscription` JSON): where to POST, and the keys the
/// payload is encrypted to (RFC 8291).
public struct PushSubscription: Sendable, Hashable {
    public var endpoint: String
    /// The browser's P-256 public key, 65 bytes uncompressed.
    public var p256dh: [UInt8]
    /// The 16-byte authentication secret.
    public var auth: [UInt8]

    public init(endpoint: String, p256dh: [UInt8], auth: [UInt8]) {
        self.endpoint = endpoint
        self.p256dh = p256dh
        self.auth = auth
    }
}

/// Where an alert goes.
public enum AlertDestination: Sendable, Hashable {
    case webhook(url: String, format: WebhookFormat)
    case webPush(PushSubscription)

    /// The URL requests go to.
    public var url: String {
        switch self {
        case .webhook(let url, _): return url
        case .webPush(let subscription): return subscription.endpoint
        }
    }
}

/// An alert rule as a client asks for it.
public struct AlertSpec: Sendable, Hashable {
    public var filter: DividendFilter
    public var condition: AlertCondition
    /// After firing for an entry, stay quiet for that entry this long.
    public var cooldownSeconds: UInt32
    public var destination: AlertDestination
    public var label: String?

    public init(filter: DividendFilter, condition: AlertCondition, cooldownSeconds: UInt32 = 0, destination: AlertDestination, label: String? = nil) {
        self.filter = filter
        self.condition = condition
        self.cooldownSeconds = cooldownSeconds
        self.destination = destination
        self.label = label
    }

    /// The longest cool-down: a day.
    public static let maximumCooldown: UInt32 = 86_400
    /// The longest URL an alert may name.
    public static let maximumURLLength = 2_048
}

/// A stored rule: the spec with its identity, owner and state.
public struct AlertRule: Sendable, Hashable {
    public var id: String
    public var tokenID: String
    public var spec: AlertSpec
    /// Why deliveries stopped (a failure streak, a push subscription gone), or nil while active.
    public var disabledReason: String?
    public var createdAt: Double

    public init(id: String, tokenID: String, spec: AlertSpec, disabledReason: String? = nil, createdAt: Double) {
        self.id = id
        self.tokenID = tokenID
        self.spec = spec
        self.disabledReason = disabledReason
        self.createdAt = createdAt
    }
}
