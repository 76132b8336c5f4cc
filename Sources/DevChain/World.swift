import SubstrateCore

/// The generated genesis state and each block's epochs: subnets with validators, dev balances,
/// and dividend maps that epochs rewrite.
struct World: Sendable {
    let configuration: DevChainConfiguration
    let codec: StorageCodec

    /// The hotkey of validator `uid` on `netuid`: 32 bytes derived from the seed (only an account
    /// id, never used to sign).
    func hotkey(netuid: UInt16, uid: UInt16) -> [UInt8] {
        Blake2b.hash256(Array("taostream-devchain-hotkey".utf8) + configuration.seed.scaleEncoded + netuid.scaleEncoded + uid.scaleEncoded)
    }

    /// The coldkey that owns validator `uid` on `netuid` and holds its self-stake: derived like
    /// the hotkey, never used to sign.
    func coldkey(netuid: UInt16, uid: UInt16) -> [UInt8] {
        Blake2b.hash256(Array("taostream-devchain-coldkey".utf8) + configuration.seed.scaleEncoded + netuid.scaleEncoded + uid.scaleEncoded)
    }

    var netuids: [UInt16] { (0...UInt16(configuration.subnets)).map { $0 } }

    func genesis(devAccounts: [[UInt8]]) throws -> [StateKey: [UInt8]] {
        var state: [StateKey: [UInt8]] = [:]
        for account in devAccounts {
            try codec.set(&state, "System", "Account", [.bytes(account)], accountInfo(nonce: 0, free: configuration.devBalance))
        }
        try codec.set(&state, "Balances", "TotalIssuance", [], .unsigned(try totalIssuance(in: state)))
        try codec.set(&state, "SubtensorModule", "TotalNetworks", [], .unsigned(UInt128(netuids.count)))
        for netuid in netuids {
            let key = DynamicValue.unsigned(UInt128(netuid))
            try codec.set(&state, "SubtensorModule", "NetworksAdded", [key], .bool(true))
            try codec.set(&state, "SubtensorModule", "Tempo", [key], .unsigned(UInt128(configuration.tempo)))
            try codec.set(&state, "SubtensorModule", "SubnetworkN", [key], .unsigned(UInt128(configuration.validatorsPerSubnet)))
            try codec.set(&state, "SubtensorModule", "LastMechansimStepBlock", [key], .unsigned(0))
            try codec.set(&state, "SubtensorModule", "BlocksSinceLastStep", [key], .unsigned(0))
            // Each validator's owner has staked to it: alpha per (hotkey, coldkey, subnet) as a
            // U64F64, the hotkey's total, the TAO the subnet holds.
            var random = DeterministicRandom(seed: configuration.seed, UInt64(netuid), UInt64.max)
            var subnetTAO: UInt128 = 0
            for uid in 0..<UInt16(configuration.validatorsPerSubnet) {
                let hotkey = self.hotkey(netuid: netuid, uid: uid)
                let owner = coldkey(netuid: netuid, uid: uid)
                try codec.set(&state, "SubtensorModule", "Keys", [key, .unsigned(UInt128(uid))], .bytes(hotkey))
                try codec.set(&state, "SubtensorModule", "Uids", [key, .bytes(hotkey)], .unsigned(UInt128(uid)))
                let stake = UInt128(1_000 + random.next() % 99_000) * 1_000_000_000
                try codec.set(&state, "SubtensorModule", "Owner", [.bytes(hotkey)], .bytes(owner))
                try codec.set(&state, "SubtensorModule", "Alpha", [.bytes(hotkey), .bytes(owner), key], .unsigned(stake << 64))
                try codec.set(&state, "SubtensorModule", "TotalHotkeyAlpha", [.bytes(hotkey), key], .unsigned(stake))
                try codec.set(&state, "SubtensorModule", "StakingHotkeys", [.bytes(owner)], .sequence([.bytes(hotkey)]))
                subnetTAO += stake
            }
            try codec.set(&state, "SubtensorModule", "SubnetTAO", [key], .unsigned(subnetTAO))
            if netuid > 0 { try runEpoch(netuid: netuid, block: 0, state: &state) }
        }
        return state
    }

    /// `Timestamp.Now` of block `number`, in milliseconds.
    func timestamp(block number: UInt64) -> UInt64 {
        let (seconds, attoseconds) = configuration.blockInterval.components
        let interval = UInt64(seconds) * 1000 + UInt64(attoseconds / 1_000_000_000_000_000)
        return configuration.genesisTimestamp &+ number &* interval
    }

    /// `Balances.TotalIssuance` as the balances pallet keeps it: every account's free and reserved
    /// balance together, so it moves with fees, transfers and stakes.
    func totalIssuance(in state: [StateKey: [UInt8]]) throws -> UInt128 {
        let accounts = try codec.storage("System", "Account")
        let prefix = try accounts.key([])
        var total: UInt128 = 0
        for (key, bytes) in state where key.bytes.starts(with: prefix) {
            let data = try accounts.value(bytes)?[field: "data"]
            total += (data?[field: "free"]?.unsignedValue ?? 0) + (data?[field: "reserved"]?.unsignedValue ?? 0)
        }
        return total
    }

    func accountInfo(nonce: UInt32, free: UInt64) -> DynamicValue {
        .composite([
            ("nonce", .unsigned(UInt128(nonce))), ("consumers", .unsigned(0)), ("providers", .unsigned(1)), ("sufficients", .unsigned(0)),
            ("data", .composite([("free", .unsigned(UInt128(free))), ("reserved", .unsigned(0)), ("frozen", .unsigned(0)), ("flags", .unsigned(1 << 127))])),
        ])
    }

    /// Subtensor runs a subnet's epoch when `(block + netuid + 1) % (tempo + 1) == 0`.
    func epochDue(netuid: UInt16, block: UInt64) -> Bool {
        netuid > 0 && (block + UInt64(netuid) + 1) % (UInt64(configuration.tempo) + 1) == 0
    }

    /// Advances every subnet by one block; runs the epochs due. Returns the netuids that ran one.
    func advance(to block: UInt64, state: inout [StateKey: [UInt8]]) throws -> [UInt16] {
        var ran: [UInt16] = []
        for netuid in netuids where netuid > 0 {
            let key = DynamicValue.unsigned(UInt128(netuid))
            if epochDue(netuid: netuid, block: block) {
                try runEpoch(netuid: netuid, block: block, state: &state)
                try codec.set(&state, "SubtensorModule", "LastMechansimStepBlock", [key], .unsigned(UInt128(block)))
                try codec.set(&state, "SubtensorModule", "BlocksSinceLastStep", [key], .unsigned(0))
                ran.append(netuid)
            } else {
                let since = try codec.get(state, "SubtensorModule", "BlocksSinceLastStep", [key])?.unsignedValue ?? 0
                try codec.set(&state, "SubtensorModule", "BlocksSinceLastStep", [key], .unsigned(since + 1))
            }
        }
        return ran
    }

    /// Rewrites the subnet's dividends: new values, and about one validator in ten without any.
    func runEpoch(netuid: UInt16, block: UInt64, state: inout [StateKey: [UInt8]]) throws {
        var random = DeterministicRandom(seed: configuration.seed, UInt64(netuid), block)
        let dividends = try codec.storage("SubtensorModule", "AlphaDividendsPerSubnet")
        for uid in 0..<UInt16(configuration.validatorsPerSubnet) {
            let key = StateKey(try dividends.key([.unsigned(UInt128(netuid)), .bytes(hotkey(netuid: netuid, uid: uid))]))
            if random.next() % 10 == 0 {
                state[key] = nil
            } else {
                state[key] = (1_000_000 + random.next() % 10_000_000_000).scaleEncoded
            }
        }
    }
}
