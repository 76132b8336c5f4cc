import Model
import SubstrateCore

/// The JSON-RPC methods: what Substrate nodes answer, for what the SDKs and TaoStream call.
struct RPCMethods {
    let connection: RPCConnection
    var chain: DevChain { connection.chain }

    static let names = [
        "system_chain", "system_name", "system_version", "system_properties", "system_health", "rpc_methods",
        "chain_getHead", "chain_getBlockHash", "chain_getHeader", "chain_getBlock", "chain_getFinalizedHead", "chain_getFinalisedHead",
        "chain_subscribeNewHeads", "chain_unsubscribeNewHeads", "chain_subscribeFinalizedHeads", "chain_unsubscribeFinalizedHeads",
        "chain_subscribeAllHeads", "chain_unsubscribeAllHeads",
        "state_getRuntimeVersion", "state_subscribeRuntimeVersion", "state_unsubscribeRuntimeVersion", "state_getMetadata", "state_call",
        "state_getStorage", "state_getStorageAt", "state_getKeys", "state_getKeysPaged", "state_getKeysPagedAt", "state_queryStorageAt",
        "state_subscribeStorage", "state_unsubscribeStorage",
        "system_accountNextIndex", "account_nextIndex",
        "author_submitExtrinsic", "author_submitAndWatchExtrinsic", "author_unwatchExtrinsic",
    ] + aliases.keys.sorted()

    /// Keys one `state_getKeys` answer may hold.
    static let maximumKeys = 100_000

    /// Older names Substrate nodes still answer to (the recorded node's rpc_methods lists them).
    static let aliases = [
        "chain_subscribeFinalisedHeads": "chain_subscribeFinalizedHeads", "chain_unsubscribeFinalisedHeads": "chain_unsubscribeFinalizedHeads",
        "chain_subscribeNewHead": "chain_subscribeNewHeads", "chain_unsubscribeNewHead": "chain_unsubscribeNewHeads",
        "subscribe_newHead": "chain_subscribeNewHeads", "unsubscribe_newHead": "chain_unsubscribeNewHeads",
    ]

    func call(_ requested: String, _ params: RPCParameters) async throws(RPCError) -> JSONValue {
        let method = Self.aliases[requested] ?? requested
        switch method {
        case "system_chain": return "TaoStream DevChain"
        case "system_name": return "taostream-devchain"
        case "system_version": return "1.0.0"
        case "system_properties": return .object(["ss58Format": .integer(42), "tokenDecimals": .integer(9), "tokenSymbol": "TAO"])
        case "system_health": return .object(["peers": .integer(0), "isSyncing": false, "shouldHavePeers": false])
        case "rpc_methods": return .object(["version": .integer(1), "methods": .array(Self.names.map { .string($0) })])
        case "chain_getHead": return await chain.bestHash.hexJSON
        case "chain_getFinalizedHead", "chain_getFinalisedHead": return await chain.finalizedHash.hexJSON
        case "chain_getBlockHash":
            let number = try params.integer(0)
            guard let number else { return await chain.bestHash.hexJSON }
            return await chain.blockHash(number)?.hexJSON ?? .null
        case "chain_getHeader":
            return await chain.header(try params.bytes(0))?.json ?? .null
        case "chain_getBlock":
            let hash = try params.bytes(0)
            guard let header = await chain.header(hash) else { return .null }
            let extrinsics = await chain.extrinsics(header.hash) ?? []
            return .object(["block": .object(["header": header.json, "extrinsics": .array(extrinsics.map(\.hexJSON))]), "justifications": .null])
        case "chain_subscribeNewHeads", "chain_subscribeAllHeads":
            // Substrate names the notifications after the subscription: chain_newHead, chain_allHead.
            let all = method == "chain_subscribeAllHeads"
            let id = connection.subscribe(all ? .allHeads : .newHeads)
            let header = await chain.best
            Task { await connection.notify(all ? "chain_allHead" : "chain_newHead", id, header.json) }
            return .string(id)
        case "chain_subscribeFinalizedHeads":
            let id = connection.subscribe(.finalizedHeads)
            let header = await chain.finalized
            Task { await connection.notify("chain_finalizedHead", id, header.json) }
            return .string(id)
        case "state_subscribeRuntimeVersion":
            let id = connection.subscribe(.runtimeVersion)
            let version = runtimeVersion(spec: await chain.specVersion())
            Task { await connection.notify("state_runtimeVersion", id, version) }
            return .string(id)
        case "chain_unsubscribeNewHeads", "chain_unsubscribeFinalizedHeads", "chain_unsubscribeAllHeads",
             "state_unsubscribeRuntimeVersion", "state_unsubscribeStorage", "author_unwatchExtrinsic":
            guard let id = params.string(0) else { throw .invalidParams("a subscription id is required") }
            return .bool(connection.unsubscribe(id, method: method))
        case "state_getRuntimeVersion":
            let hash = try params.bytes(0)
            if let hash, await chain.header(hash) == nil { throw .unknownBlock(Hex.encode(hash, prefixed: true)) }
            return runtimeVersion(spec: await chain.specVersion(at: hash))
        case "state_getMetadata":
            chain.metadataServed.add(1, ordering: .relaxed)
            return chain.metadataV14.hexJSON
        case "state_call":
            return try await stateCall(params)
        case "state_getStorage", "state_getStorageAt":
            let key = try params.requiredBytes(0)
            let hash = try params.bytes(1)
            if let hash, await chain.header(hash) == nil { throw .unknownBlock(Hex.encode(hash, prefixed: true)) }
            if let hash, await !chain.hasState(at: hash) { throw .statePruned(Hex.encode(hash, prefixed: true)) }
            return await chain.storage(key, at: hash)?.hexJSON ?? .null
        case "state_getKeys":
            // Every key under the prefix, as the deprecated call answers; bounded, since one
            // request must not make the node list its whole state.
            let prefix = try params.bytes(0) ?? []
            let hash = try params.bytes(1)
            guard let keys = await chain.keys(prefix: prefix, count: Self.maximumKeys + 1, after: nil, at: hash) else {
                throw .unknownBlock(hash.map { Hex.encode($0, prefixed: true) } ?? "best")
            }
            guard keys.count <= Self.maximumKeys else {
                throw .invalidParams("more than \(Self.maximumKeys) keys under this prefix; page through them with state_getKeysPaged")
            }
            return .array(keys.map(\.hexJSON))
        case "state_getKeysPaged", "state_getKeysPagedAt":
            let prefix = try params.bytes(0) ?? []
            // Compared as sent: a client's number may not fit an Int (a conversion would trap).
            let requested = try params.integer(1) ?? 1000
            guard requested <= 1000 else { throw .invalidParams("count \(requested) exceeds the maximum of 1000") }
            let count = Int(requested)
            let start = try params.bytes(2)
            let hash = try params.bytes(3)
            guard let keys = await chain.keys(prefix: prefix, count: count, after: start, at: hash) else {
                throw .unknownBlock(hash.map { Hex.encode($0, prefixed: true) } ?? "best")
            }
            return .array(keys.map(\.hexJSON))
        case "state_queryStorageAt":
            guard case .array(let list)? = params[0] else { throw .invalidParams("parameter 1 must be a list of keys") }
            let hash = try params.bytes(1)
            let bestHash = await chain.bestHash
            let block = hash ?? bestHash
            guard await chain.header(block) != nil else { throw .unknownBlock(Hex.encode(block, prefixed: true)) }
            guard await chain.hasState(at: block) else { throw .statePruned(Hex.encode(block, prefixed: true)) }
            var changes: [JSONValue] = []
            for item in list {
                guard case .string(let text) = item, let key = try? Hex.decode(text) else { throw .invalidParams("keys must be hex") }
                changes.append(.array([key.hexJSON, await chain.storage(key, at: block)?.hexJSON ?? .null]))
            }
            return .array([.object(["block": block.hexJSON, "changes": .array(changes)])])
        case "state_subscribeStorage":
            guard case .array(let list)? = params[0] else { throw .invalidParams("state_subscribeStorage needs a list of keys") }
            let keys = list.compactMap { item -> [UInt8]? in
                if case .string(let text) = item { return try? Hex.decode(text) }
                return nil
            }
            let id = connection.subscribe(.storage(keys: keys))
            let block = await chain.bestHash
            var changes: [JSONValue] = []
            for key in keys { changes.append(.array([key.hexJSON, await chain.storage(key, at: block)?.hexJSON ?? .null])) }
            let initial = JSONValue.object(["block": block.hexJSON, "changes": .array(changes)])
            Task { await connection.notify("state_storage", id, initial) }
            return .string(id)
        case "system_accountNextIndex", "account_nextIndex":
            guard let address = params.string(0), let account = try? AccountID(ss58: address) else {
                throw .invalidParams("parameter 1 must be an SS58 address")
            }
            return .unsigned(await chain.nextNonce(account.bytes))
        case "author_submitExtrinsic":
            let bytes = try params.requiredBytes(0)
            do { return try await chain.submit(bytes).hexJSON } catch { throw .invalidTransaction(error) }
        case "author_submitAndWatchExtrinsic":
            let bytes = try params.requiredBytes(0)
            // Watch before submitting, so the "ready" status cannot be missed.
            let id = connection.subscribe(.extrinsic(hash: Blake2b.hash256(bytes)))
            do {
                _ = try await chain.submit(bytes)
            } catch {
                _ = connection.unsubscribe(id)
                throw .invalidTransaction(error)
            }
            return .string(id)
        default:
            throw .methodNotFound(method)
        }
    }

    func runtimeVersion(spec: UInt32) -> JSONValue {
        let metadata = chain.metadata
        guard let constant = try? metadata.constant(pallet: "System", name: "Version"),
              let value = try? DynamicValueDecoder(registry: metadata.registry).decode(constant.value, as: constant.type)
        else { return .null }
        func number(_ field: String) -> JSONValue { .unsigned(UInt64(clamping: value[field: field]?.unsignedValue ?? 0)) }
        var apis: [JSONValue] = []
        var list = value[field: "apis"]
        if case .tuple(let inner)? = list, inner.count == 1 { list = inner[0] }
        if case .sequence(let items)? = list {
            for item in items {
                if case .tuple(let pair) = item, pair.count == 2, case .bytes(let id) = pair[0] {
                    apis.append(.array([id.hexJSON, .unsigned(UInt64(clamping: pair[1].unsignedValue ?? 0))]))
                }
            }
        }
        return .object([
            "specName": .string(value[field: "spec_name"]?.stringValue ?? ""), "implName": .string(value[field: "impl_name"]?.stringValue ?? ""),
            "authoringVersion": number("authoring_version"), "specVersion": .unsigned(UInt64(spec)), "implVersion": number("impl_version"),
            "apis": .array(apis), "transactionVersion": number("transaction_version"), "stateVersion": number("system_version"),
        ])
    }

    /// A runtime API answer encoded as the metadata says the method's output is.
    /// A `StakeInfo` from the stake maps at the best block.
    func stakeInfo(hotkey: [UInt8], coldkey: [UInt8], netuid: UInt16) async throws(RPCError) -> DynamicValue {
        let alpha = (try? await chain.value("SubtensorModule", "Alpha", [.bytes(hotkey), .bytes(coldkey), .unsigned(UInt128(netuid))]))?.unsignedValue ?? 0
        let registered = try? await chain.value("SubtensorModule", "Uids", [.unsigned(UInt128(netuid)), .bytes(hotkey)])
        return .composite([
            ("hotkey", .bytes(hotkey)), ("coldkey", .bytes(coldkey)), ("netuid", .unsigned(UInt128(netuid))),
            ("stake", .unsigned(alpha >> 64)), ("locked", .unsigned(0)), ("emission", .unsigned(0)), ("tao_emission", .unsigned(0)),
            ("drain", .unsigned(0)), ("is_registered", .bool(registered != nil)),
        ])
    }

    static func accountBytes(_ value: DynamicValue) -> [UInt8]? {
        switch value {
        case .bytes(let bytes) where bytes.count == 32: bytes
        case .string(let address): try? AccountID(ss58: address).bytes
        default: nil
        }
    }

    func runtimeAPIResult(_ api: String, _ method: String, _ value: DynamicValue) throws(RPCError) -> JSONValue {
        let metadata = chain.metadata
        guard let output = metadata.apis.first(where: { $0.name == api })?.methods.first(where: { $0.name == method })?.output,
              let bytes = try? DynamicValueEncoder(registry: metadata.registry).encode(value, as: output)
        else { throw RPCError(code: 4003, message: "Client error: Execution failed: Other: Exported method \(api)_\(method) is not found", data: nil) }
        return bytes.hexJSON
    }

    func stateCall(_ params: RPCParameters) async throws(RPCError) -> JSONValue {
        guard let method = params.string(0) else { throw .invalidParams("parameter 1 must be the runtime API method") }
        let data = try params.bytes(1) ?? []
        var encoder = ScaleEncoder()
        switch method {
        case "Metadata_metadata_versions":
            [UInt32(14), 15].encode(to: &encoder)
        case "Metadata_metadata_at_version":
            let version = data.count == 4 ? UInt32(data[0]) | UInt32(data[1]) << 8 | UInt32(data[2]) << 16 | UInt32(data[3]) << 24 : 0
            if version == 14 || version == 15 { chain.metadataServed.add(1, ordering: .relaxed) }
            switch version {
            case 14: encoder.append([1]); encoder.encodeBytes(chain.metadataV14)
            case 15: encoder.append([1]); encoder.encodeBytes(chain.metadataV15)
            default: encoder.append([0])
            }
        case "Metadata_metadata":
            chain.metadataServed.add(1, ordering: .relaxed)
            encoder.encodeBytes(chain.metadataV14)
        case "SwapRuntimeApi_current_alpha_price":
            // The DevChain has no AMM: one alpha always costs one TAO (10^9 rao), as staking moves it.
            return try runtimeAPIResult("SwapRuntimeApi", "current_alpha_price", .unsigned(1_000_000_000))
        case "TransactionPaymentApi_query_info":
            // The flat fee every extrinsic pays here (the tip comes on top, as on a real chain).
            let info = DynamicValue.composite([
                ("weight", .composite([("ref_time", .unsigned(200_000_000)), ("proof_size", .unsigned(4_000))])),
                ("class", .variant(name: "Normal", index: 0, fields: .tuple([]))),
                ("partial_fee", .unsigned(UInt128(chain.configuration.transactionFee))),
            ])
            return try runtimeAPIResult("TransactionPaymentApi", "query_info", info)
        case "StakeInfoRuntimeApi_get_stake_info_for_hotkey_coldkey_netuid":
            // (hotkey: AccountId, coldkey: AccountId, netuid: u16)
            guard data.count == 66 else { throw .invalidParams("get_stake_info_for_hotkey_coldkey_netuid takes a hotkey, a coldkey and a netuid (66 bytes)") }
            let netuid = UInt16(data[64]) | UInt16(data[65]) << 8
            let info = try await stakeInfo(hotkey: Array(data[0..<32]), coldkey: Array(data[32..<64]), netuid: netuid)
            return try runtimeAPIResult("StakeInfoRuntimeApi", "get_stake_info_for_hotkey_coldkey_netuid", .variant(name: "Some", index: 1, fields: .tuple([info])))
        case "StakeInfoRuntimeApi_get_stake_info_for_coldkey":
            guard data.count == 32 else { throw .invalidParams("get_stake_info_for_coldkey takes a coldkey (32 bytes)") }
            var infos: [DynamicValue] = []
            let staked = (try? await chain.value("SubtensorModule", "StakingHotkeys", [.bytes(data)])).flatMap { value -> [DynamicValue]? in
                if case .sequence(let hotkeys) = value { hotkeys } else { nil }
            } ?? []
            for hotkey in staked {
                guard let bytes = Self.accountBytes(hotkey) else { continue }
                for netuid in 0...UInt16(chain.configuration.subnets) {
                    let info = try await stakeInfo(hotkey: bytes, coldkey: data, netuid: netuid)
                    if info[field: "stake"]?.unsignedValue != 0 { infos.append(info) }
                }
            }
            return try runtimeAPIResult("StakeInfoRuntimeApi", "get_stake_info_for_coldkey", .sequence(infos))
        default:
            throw RPCError(code: 4003, message: "Client error: Execution failed: Other: Exported method \(method) is not found", data: nil)
        }
        return encoder.bytes.hexJSON
    }
}
