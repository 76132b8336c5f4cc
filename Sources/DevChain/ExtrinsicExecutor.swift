import SubstrateCore
import SubstrateExtrinsics
import SubstrateKeys

/// Checks and applies extrinsics against a state, the way the runtime would for the calls the
/// DevChain supports: the signature over the payload rebuilt from this chain's own parameters
/// (so a wrong genesis, spec version or era fails as a bad signature, as on a real node), the
/// nonce, the fee, then the call, with `System::Events` recording the outcome.
struct ExtrinsicExecutor: Sendable {
    let metadata: RuntimeMetadata
    let codec: StorageCodec
    let world: World
    let runtime: RuntimeVersion
    let genesisHash: [UInt8]

    /// Decodes and validates `bytes` for inclusion in the block after `best`.
    func validate(_ bytes: [UInt8], state: [StateKey: [UInt8]], best: UInt64, specVersion: UInt32, blockHash: (UInt64) -> [UInt8]?) throws(TransactionInvalid) -> DecodedExtrinsic {
        let extrinsic = try DecodedExtrinsic(bytes, metadata: metadata)
        let birth = extrinsic.era.birth(current: best)
        if case .mortal(let period, _) = extrinsic.era, best >= birth + period { throw .ancientBirthBlock }
        guard let birthHash = extrinsic.era == .immortal ? genesisHash : blockHash(birth) else { throw .ancientBirthBlock }
        let parameters = TransactionParameters(
            nonce: extrinsic.nonce, tip: extrinsic.tip, era: extrinsic.era, genesisHash: genesisHash, birthBlockHash: birthHash,
            specVersion: specVersion, transactionVersion: runtime.transactionVersion
        )
        let extensions: SignedExtensions
        do { extensions = try SignedExtensions(metadata: metadata, parameters: parameters) } catch { throw .undecodable("\(error)") }
        // The explicit part sent must be what this chain would have built from the same values.
        guard extensions.explicit == extrinsic.extra else { throw .badProof }
        let payload = extrinsic.call + extensions.explicit + extensions.implicit
        let signed = payload.count > 256 ? Blake2b.hash256(payload) : payload
        guard Keypair.verify(signature: extrinsic.signature, message: signed, publicKey: extrinsic.signer, scheme: extrinsic.scheme) else {
            throw .badProof
        }
        let account = self.account(extrinsic.signer, in: state)
        if extrinsic.nonce < account.nonce { throw .stale }
        if extrinsic.nonce > account.nonce { throw .future }
        guard UInt128(account.free) >= UInt128(world.configuration.transactionFee) + extrinsic.tip else { throw .payment }
        return extrinsic
    }

    struct Account {
        var nonce: UInt64
        var free: UInt64
    }

    func account(_ id: [UInt8], in state: [StateKey: [UInt8]]) -> Account {
        let info = try? codec.get(state, "System", "Account", [.bytes(id)])
        return Account(
            nonce: UInt64(clamping: info?[field: "nonce"]?.unsignedValue ?? 0),
            free: UInt64(clamping: info?[field: "data"]?[field: "free"]?.unsignedValue ?? 0)
        )
    }

    func setAccount(_ id: [UInt8], _ account: Account, in state: inout [StateKey: [UInt8]]) throws {
        try codec.set(&state, "System", "Account", [.bytes(id)], world.accountInfo(nonce: UInt32(truncatingIfNeeded: account.nonce), free: account.free))
    }

    /// Applies a validated extrinsic at position `index`: fee and nonce always, the call if it can
    /// succeed. Returns the events it raised.
    func apply(_ extrinsic: DecodedExtrinsic, index: UInt32, state: inout [StateKey: [UInt8]]) throws -> [DynamicValue] {
        var payer = account(extrinsic.signer, in: state)
        payer.nonce += 1
        payer.free -= world.configuration.transactionFee + UInt64(clamping: extrinsic.tip)
        try setAccount(extrinsic.signer, payer, in: &state)
        var working = state
        let outcome: Result<[DynamicValue], DispatchFailure>
        do {
            outcome = .success(try dispatch(extrinsic, state: &working))
        } catch let failure as DispatchFailure {
            outcome = .failure(failure)
        }
        let info = DynamicValue.composite([
            ("weight", .composite([("ref_time", .unsigned(1_000_000)), ("proof_size", .unsigned(0))])),
            ("class", .string("Normal")), ("pays_fee", .string("Yes")),
        ])
        // As on a real chain: the fee event comes before the outcome, whether the call worked or not.
        let fee = record(event("TransactionPayment", "TransactionFeePaid", .composite([
            ("who", .bytes(extrinsic.signer)), ("actual_fee", .unsigned(UInt128(world.configuration.transactionFee))), ("tip", .unsigned(extrinsic.tip)),
        ])), index)
        switch outcome {
        case .success(let events):
            state = working
            return events.map { record($0, index) } + [fee, record(event("System", "ExtrinsicSuccess", .composite([("dispatch_info", info)])), index)]
        case .failure(let failure):
            let error: DynamicValue = .variant(name: "Module", index: 3, fields: .tuple([.composite([
                ("index", .unsigned(UInt128(failure.palletIndex))), ("error", .bytes([failure.errorIndex, 0, 0, 0])),
            ])]))
            return [fee, record(event("System", "ExtrinsicFailed", .composite([("dispatch_error", error), ("dispatch_info", info)])), index)]
        }
    }

    struct DispatchFailure: Error {
        let palletIndex: UInt8
        let errorIndex: UInt8
    }

    func moduleError(_ pallet: String, _ name: String) -> DispatchFailure {
        let palletMetadata = try? metadata.pallet(named: pallet)
        let names = metadata.variantNames(of: palletMetadata?.errorType)
        var index: UInt8 = 0
        if let errorType = palletMetadata?.errorType, case .variant(let variants)? = try? metadata.registry.type(errorType).definition {
            index = variants.first { $0.name == name }?.index ?? 0
        }
        precondition(names.contains(name), "the runtime has no error \(pallet)::\(name)")
        return DispatchFailure(palletIndex: palletMetadata?.index ?? 0, errorIndex: index)
    }

    private func dispatch(_ extrinsic: DecodedExtrinsic, state: inout [StateKey: [UInt8]]) throws -> [DynamicValue] {
        let arguments = extrinsic.arguments
        func account(_ field: String) throws -> [UInt8] {
            switch arguments[field: field] {
            case .string(let text)?: return try AccountID(ss58: text).bytes
            case .variant(_, _, .tuple(let items))? where items.count == 1:
                if case .string(let text) = items[0] { return try AccountID(ss58: text).bytes }
                if case .bytes(let bytes) = items[0] { return bytes }
                throw moduleError("SubtensorModule", "HotKeyAccountNotExists")
            case .bytes(let bytes)?: return bytes
            default: throw moduleError("SubtensorModule", "HotKeyAccountNotExists")
            }
        }
        func number(_ field: String) -> UInt64 { UInt64(clamping: arguments[field: field]?.unsignedValue ?? 0) }
        let coldkey = extrinsic.signer
        switch (extrinsic.pallet, extrinsic.callName) {
        case ("Balances", "transfer_keep_alive"), ("Balances", "transfer_allow_death"):
            let destination = try account("dest")
            let value = number("value")
            var from = self.account(coldkey, in: state)
            guard from.free >= value else { throw moduleError("Balances", "InsufficientBalance") }
            from.free -= value
            try setAccount(coldkey, from, in: &state)
            var to = self.account(destination, in: state)
            to.free += value
            try setAccount(destination, to, in: &state)
            return [event("Balances", "Transfer", .composite([("from", .bytes(coldkey)), ("to", .bytes(destination)), ("amount", .unsigned(UInt128(value)))]))]
        case ("SubtensorModule", "add_stake"), ("SubtensorModule", "add_stake_limit"):
            let hotkey = try account("hotkey")
            let netuid = UInt16(clamping: number("netuid"))
            let amount = number("amount_staked")
            guard try codec.get(state, "SubtensorModule", "NetworksAdded", [.unsigned(UInt128(netuid))]) == .bool(true) else {
                throw moduleError("SubtensorModule", "SubnetNotExists")
            }
            var from = self.account(coldkey, in: state)
            guard amount > 0, from.free >= amount else { throw moduleError("SubtensorModule", "NotEnoughBalanceToStake") }
            from.free -= amount
            try setAccount(coldkey, from, in: &state)
            try changeStake(hotkey: hotkey, coldkey: coldkey, netuid: netuid, by: Int128(amount), state: &state)
            return [event("SubtensorModule", "StakeAdded", .tuple([.bytes(coldkey), .bytes(hotkey), .unsigned(UInt128(amount)), .unsigned(UInt128(amount)), .unsigned(UInt128(netuid)), .unsigned(0)]))]
        case ("SubtensorModule", "remove_stake"), ("SubtensorModule", "remove_stake_limit"):
            let hotkey = try account("hotkey")
            let netuid = UInt16(clamping: number("netuid"))
            let amount = number("amount_unstaked")
            let staked = try stake(hotkey: hotkey, coldkey: coldkey, netuid: netuid, state: state)
            guard amount > 0, staked >= amount else { throw moduleError("SubtensorModule", "NotEnoughStakeToWithdraw") }
            try changeStake(hotkey: hotkey, coldkey: coldkey, netuid: netuid, by: -Int128(amount), state: &state)
            var to = self.account(coldkey, in: state)
            to.free += amount
            try setAccount(coldkey, to, in: &state)
            return [event("SubtensorModule", "StakeRemoved", .tuple([.bytes(coldkey), .bytes(hotkey), .unsigned(UInt128(amount)), .unsigned(UInt128(amount)), .unsigned(UInt128(netuid)), .unsigned(0)]))]
        default:
            throw DispatchFailure(palletIndex: 0, errorIndex: 0)
        }
    }

    /// Stake in alpha, at a price of one (the DevChain has no AMM): `Alpha(hotkey, coldkey, netuid)`
    /// holds it as FixedU128 shares, `TotalHotkeyAlpha(hotkey, netuid)` the hotkey's total.
    func stake(hotkey: [UInt8], coldkey: [UInt8], netuid: UInt16, state: [StateKey: [UInt8]]) throws -> UInt64 {
        let bits = try codec.get(state, "SubtensorModule", "Alpha", [.bytes(hotkey), .bytes(coldkey), .unsigned(UInt128(netuid))])?.unsignedValue ?? 0
        return UInt64(clamping: bits >> 64)
    }

    func changeStake(hotkey: [UInt8], coldkey: [UInt8], netuid: UInt16, by delta: Int128, state: inout [StateKey: [UInt8]]) throws {
        let current = try stake(hotkey: hotkey, coldkey: coldkey, netuid: netuid, state: state)
        let updated = UInt64(clamping: Int128(current) + delta)
        try codec.set(&state, "SubtensorModule", "Alpha", [.bytes(hotkey), .bytes(coldkey), .unsigned(UInt128(netuid))], .unsigned(UInt128(updated) << 64))
        let netKey = DynamicValue.unsigned(UInt128(netuid))
        let total = try codec.get(state, "SubtensorModule", "TotalHotkeyAlpha", [.bytes(hotkey), netKey])?.unsignedValue ?? 0
        try codec.set(&state, "SubtensorModule", "TotalHotkeyAlpha", [.bytes(hotkey), netKey], .unsigned(UInt128(Int128(total) + delta)))
        let subnetTAO = try codec.get(state, "SubtensorModule", "SubnetTAO", [netKey])?.unsignedValue ?? 0
        try codec.set(&state, "SubtensorModule", "SubnetTAO", [netKey], .unsigned(UInt128(max(0, Int128(subnetTAO) + delta))))
        var hotkeys = try codec.get(state, "SubtensorModule", "StakingHotkeys", [.bytes(coldkey)])
        if case .sequence(var list)? = hotkeys, !list.contains(.string(SS58Address(publicKey: hotkey).description)) {
            list.append(.bytes(hotkey))
            hotkeys = .sequence(list)
            try codec.set(&state, "SubtensorModule", "StakingHotkeys", [.bytes(coldkey)], hotkeys!)
        }
    }

    /// `RuntimeEvent::Pallet(pallet::Event::Name(fields))`.
    func event(_ pallet: String, _ name: String, _ fields: DynamicValue) -> DynamicValue {
        .variant(name: pallet, index: 0, fields: .tuple([.variant(name: name, index: 0, fields: fields)]))
    }

    func record(_ event: DynamicValue, _ index: UInt32) -> DynamicValue {
        .composite([("phase", .variant(name: "ApplyExtrinsic", index: 0, fields: .tuple([.unsigned(UInt128(index))]))), ("event", event), ("topics", .sequence([]))])
    }
}
