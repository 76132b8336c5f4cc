/// A stake or unstake a client asks for. Amounts are exact integers in the chain's smallest unit:
/// for `stake`, rao of TAO taken from the coldkey's free balance (1 TAO = 10^9 rao); for `unstake`,
/// the subnet's alpha in its smallest unit (1 alpha = 10^9), which `remove_stake` takes.
public struct StakeCommand: Sendable, Hashable, Codable {
    public enum Action: String, Sendable, Codable { case stake, unstake }

    public var action: Action
    public var netuid: UInt16
    public var hotkey: String
    public var amount: UInt64
    /// With a limit, `add_stake_limit` / `remove_stake_limit` are used: the price in rao per alpha
    /// beyond which the swap stops.
    public var limitPrice: UInt64?
    /// Client-chosen; the same key never executes twice for the same token.
    public var idempotencyKey: String

    public init(action: Action, netuid: UInt16, hotkey: String, amount: UInt64, limitPrice: UInt64? = nil, idempotencyKey: String) {
        self.action = action
        self.netuid = netuid
        self.hotkey = hotkey
        self.amount = amount
        self.limitPrice = limitPrice
        self.idempotencyKey = idempotencyKey
    }

    enum CodingKeys: String, CodingKey {
        case action, netuid, hotkey, amount
        case limitPrice = "limit_price"
        case idempotencyKey = "idempotency_key"
    }
}

/// A command accepted by a server, as it travels to the executor on the Redis stream.
public struct CommandRecord: Sendable, Hashable, Codable {
    public var id: String
    public var tokenID: String
    public var command: StakeCommand

    public init(id: String, tokenID: String, command: StakeCommand) {
        self.id = id
        self.tokenID = tokenID
        self.command = command
    }

    enum CodingKeys: String, CodingKey {
        case id, command
        case tokenID = "token_id"
    }
}

/// Where a command is, as the executor reports it (published on the command's status channel and
/// stored in PostgreSQL).
public struct CommandStatus: Sendable, Hashable, Codable {
    public enum State: String, Sendable, Codable {
        case queued, signed, submitted
        case inBlock = "in_block"
        case finalized, failed, rejected
        /// A `trade` whose sentiment score was 0: nothing to stake or unstake.
        case skipped

        /// No later status follows.
        public var isFinal: Bool { self == .finalized || self == .failed || self == .rejected || self == .skipped }
    }

    public var commandID: String
    public var state: State
    public var extrinsicHash: String?
    public var blockHash: String?
    /// For `failed`: the module error's name (e.g. `NotEnoughStakeToWithdraw`); for `rejected`: why.
    public var error: String?
    /// Human-readable detail: the error's docs, or what happened.
    public var detail: String?

    public init(commandID: String, state: State, extrinsicHash: String? = nil, blockHash: String? = nil, error: String? = nil, detail: String? = nil) {
        self.commandID = commandID
        self.state = state
        self.extrinsicHash = extrinsicHash
        self.blockHash = blockHash
        self.error = error
        self.detail = detail
    }

    enum CodingKeys: String, CodingKey {
        case state, error, detail
        case commandID = "command_id"
        case extrinsicHash = "extrinsic_hash"
        case blockHash = "block_hash"
    }
}
