/// A message from a client, after validation.
public enum ClientMessage: Sendable, Equatable {
    /// Authenticate with a bearer token (browsers cannot set the upgrade's Authorization header).
    case auth(token: String)
    /// Start receiving updates that match the filter, after a snapshot (or a replay `since` an offset).
    /// One subscription per filter: one filter, or several from the `netuids`/`hotkeys` lists
    /// (their every combination), all answered under the message's id.
    case subscribe([DividendFilter], since: StreamOffset?)
    case unsubscribe(subscription: String)
    /// A one-off snapshot, without subscribing.
    case query(DividendFilter)
    /// A page of the recorded history of a subnet or of one hotkey on it, newest first.
    case history(HistoryQuery)
    case ping
    /// Stake or unstake (needs the `trade` scope).
    case command(StakeCommand)
    /// The original service's sentiment trade: score recent tweets about the subnet, then stake
    /// (positive) or unstake (negative) 0.01 TAO per point on the hotkey (needs `trade`).
    case trade(netuid: UInt16, hotkey: String, idempotencyKey: String)
    /// The current status of a command this token sent (e.g. after reconnecting).
    case commandStatus(commandID: String)
    /// Create an alert rule: a filter, a condition and a destination (needs `alerts`).
    case alertCreate(AlertSpec)
    /// This token's alert rules.
    case alertList
    case alertDelete(alertID: String)
    /// The latest deliveries of one of this token's rules, newest first.
    case alertDeliveries(alertID: String)

    /// The `type` value of each message.
    public var type: String {
        switch self {
        case .auth: return "auth"
        case .subscribe: return "subscribe"
        case .unsubscribe: return "unsubscribe"
        case .query: return "query"
        case .history: return "history"
        case .ping: return "ping"
        case .command(let command): return command.action.rawValue
        case .commandStatus: return "command_status"
        case .trade: return "trade"
        case .alertCreate: return "alert_create"
        case .alertList: return "alert_list"
        case .alertDelete: return "alert_delete"
        case .alertDeliveries: return "alert_deliveries"
        }
    }
}

/// A client message with the `id` its reply echoes.
public struct ClientRequest: Sendable, Equatable {
    public var id: MessageID?
    public var message: ClientMessage

    public init(id: MessageID?, message: ClientMessage) {
        self.id = id
        self.message = message
    }
}
