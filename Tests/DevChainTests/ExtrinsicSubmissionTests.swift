import DevChain
import Model
import SubstrateCore
import SubstrateExtrinsics
import SubstrateKeys
import Testing

@Suite("Signed extrinsics on the DevChain", .timeLimit(.minutes(3)))
struct ExtrinsicSubmissionTests {
    /// Signs `call` as a wallet would: nonce from the node, a mortal era from the best block.
    func sign(_ call: Call, with keypair: Keypair, rpc: RPCTestClient, chain: DevChain, nonce: UInt64? = nil) async throws -> SignedExtrinsic {
        let address = SS58Address(publicKey: keypair.publicKey).description
        let next: UInt64
        if let nonce { next = nonce } else {
            switch try await rpc.call("account_nextIndex", [.string(address)]) {
            case .integer(let value): next = UInt64(value)
            case .unsigned(let value): next = value
            default: next = 0
            }
        }
        let head = try await rpc.call("chain_getHeader")
        let best = UInt64(head["number"]?.string?.dropFirst(2) ?? "0", radix: 16) ?? 0
        let era = Era(period: 64, current: best)
        let birthHash = try Hex.decode(try await rpc.call("chain_getBlockHash", [.unsigned(era.birth(current: best))]).string ?? "")
        let genesis = try Hex.decode(try await rpc.call("chain_getBlockHash", [.integer(0)]).string ?? "")
        let runtime = try RuntimeVersion(metadata: chain.metadata)
        let parameters = TransactionParameters(nonce: next, era: era, genesisHash: genesis, birthBlockHash: birthHash,
                                               specVersion: runtime.specVersion, transactionVersion: runtime.transactionVersion)
        return try ExtrinsicBuilder(metadata: chain.metadata).sign(call: call, signer: keypair, parameters: parameters)
    }

    func events(at block: JSONValue, rpc: RPCTestClient, metadata: RuntimeMetadata) async throws -> [(pallet: String, name: String, fields: DynamicValue)] {
        let key = try StorageKey(metadata: metadata, pallet: "System", item: "Events")
        let raw = try await rpc.call("state_getStorageAt", [.string(Hex.encode(try key.key([]), prefixed: true)), block])
        guard case .sequence(let records)? = try key.value(try Hex.decode(raw.string ?? "0x00")) else { return [] }
        return records.compactMap { record in
            guard case .variant(let pallet, _, .tuple(let inner))? = record[field: "event"], inner.count == 1,
                  case .variant(let name, _, let fields) = inner[0] else { return nil }
            return (pallet, name, fields)
        }
    }

    @Test func addStakeIsIncludedFinalizedAndMovesExactlyTheAmount() async throws {
        let fixture = try await DevChainFixture.start { $0.finalityLag = 2 }
        defer { Task { await fixture.stop() } }
        let rpc = try await fixture.connect()
        let chain = fixture.chain
        try await fixture.produce(3)
        let alice = try Keypair(uri: "//Alice")
        let hotkey = try #require(try await chain.value("SubtensorModule", "Keys", [.unsigned(1), .unsigned(0)]))
        let amount: UInt64 = 5_000_000_000
        let before = try await chain.value("System", "Account", [.bytes(alice.publicKey)])
        let call = try Call(metadata: chain.metadata, pallet: "SubtensorModule", name: "add_stake",
                            arguments: ["hotkey": hotkey, "netuid": .unsigned(1), "amount_staked": .unsigned(UInt128(amount))])
        let extrinsic = try await sign(call, with: alice, rpc: rpc, chain: chain)
        let watch = try await rpc.call("author_submitAndWatchExtrinsic", [.string(extrinsic.hex)])
        #expect(try await rpc.notification("author_extrinsicUpdate", subscription: watch) == "ready")
        try await fixture.produce()
        let inBlock = try await rpc.notification("author_extrinsicUpdate", subscription: watch)["inBlock"] ?? .null
        try await fixture.produce(2)
        #expect(try await rpc.notification("author_extrinsicUpdate", subscription: watch)["finalized"] == inBlock)
        let block = try await rpc.call("chain_getBlock", [inBlock])
        #expect(block["block"]?["extrinsics"]?.array == [.string(extrinsic.hex)])

        let after = try await chain.value("System", "Account", [.bytes(alice.publicKey)])
        let fee = UInt128(chain.configuration.transactionFee)
        #expect(after?[field: "data"]?[field: "free"]?.unsignedValue == before![field: "data"]![field: "free"]!.unsignedValue! - UInt128(amount) - fee)
        #expect(after?[field: "nonce"]?.unsignedValue == 1)
        let alpha = try await chain.value("SubtensorModule", "Alpha", [hotkey, .bytes(alice.publicKey), .unsigned(1)])
        #expect(alpha?.unsignedValue == UInt128(amount) << 64)
        let events = try await events(at: inBlock, rpc: rpc, metadata: chain.metadata)
        #expect(events.map { "\($0.pallet).\($0.name)" } == ["SubtensorModule.StakeAdded", "TransactionPayment.TransactionFeePaid", "System.ExtrinsicSuccess"])
        #expect(events[1].fields[field: "actual_fee"]?.unsignedValue == UInt128(chain.configuration.transactionFee))

        // The same nonce again is stale; a tampered signature is refused.
        let again = try await sign(call, with: alice, rpc: rpc, chain: chain, nonce: 0)
        let stale = try await rpc.response("author_submitExtrinsic", [.string(again.hex)])
        #expect(stale["error"]?["code"] == .integer(1010))
        #expect(stale["error"]?["data"] == "Transaction is outdated")
        var tampered = try await sign(call, with: alice, rpc: rpc, chain: chain).bytes
        tampered[tampered.count - 1] ^= 1
        let bad = try await rpc.response("author_submitExtrinsic", [.string(Hex.encode(tampered, prefixed: true))])
        #expect(bad["error"]?["data"] == "Transaction has a bad signature")
        let future = try await sign(call, with: alice, rpc: rpc, chain: chain, nonce: 9)
        #expect(try await rpc.response("author_submitExtrinsic", [.string(future.hex)])["error"]?["data"] == "Transaction will be valid in the future")
    }

    @Test func removingMoreThanStakedFailsWithTheModuleError() async throws {
        let fixture = try await DevChainFixture.start()
        defer { Task { await fixture.stop() } }
        let rpc = try await fixture.connect()
        let chain = fixture.chain
        let bob = try Keypair(uri: "//Bob")
        let hotkey = try #require(try await chain.value("SubtensorModule", "Keys", [.unsigned(2), .unsigned(1)]))
        let call = try Call(metadata: chain.metadata, pallet: "SubtensorModule", name: "remove_stake",
                            arguments: ["hotkey": hotkey, "netuid": .unsigned(2), "amount_unstaked": .unsigned(1_000)])
        let extrinsic = try await sign(call, with: bob, rpc: rpc, chain: chain)
        _ = try await rpc.call("author_submitExtrinsic", [.string(extrinsic.hex)])
        try await fixture.produce()
        let head = try await rpc.call("chain_getHead")
        let events = try await events(at: head, rpc: rpc, metadata: chain.metadata)
        let failed = try #require(events.first { $0.name == "ExtrinsicFailed" })
        guard case .variant("Module", _, .tuple(let inner))? = failed.fields[field: "dispatch_error"],
              let index = inner.first?[field: "index"]?.unsignedValue, case .bytes(let error)? = inner.first?[field: "error"]
        else {
            Issue.record("not a module error: \(failed.fields)")
            return
        }
        let decoded = chain.metadata.moduleError(palletIndex: UInt8(index), errorIndex: error[0])
        #expect(decoded?.name == "NotEnoughStakeToWithdraw")
        // The fee was still paid and the nonce used.
        #expect(try await chain.value("System", "Account", [.bytes(bob.publicKey)])?[field: "nonce"]?.unsignedValue == 1)
    }

    @Test func ed25519SignersAndTransfersWork() async throws {
        let fixture = try await DevChainFixture.start()
        defer { Task { await fixture.stop() } }
        let rpc = try await fixture.connect()
        let chain = fixture.chain
        let alice = try Keypair(uri: "//Alice")
        let edKey = try Keypair(uri: "//Carol", scheme: .ed25519)
        let fund = try Call(metadata: chain.metadata, pallet: "Balances", name: "transfer_keep_alive",
                            arguments: ["dest": .variant(name: "Id", index: 0, fields: .tuple([.bytes(edKey.publicKey)])), "value": .unsigned(10_000_000_000)])
        _ = try await rpc.call("author_submitExtrinsic", [.string(try await sign(fund, with: alice, rpc: rpc, chain: chain).hex)])
        try await fixture.produce()
        let back = try Call(metadata: chain.metadata, pallet: "Balances", name: "transfer_keep_alive",
                            arguments: ["dest": .variant(name: "Id", index: 0, fields: .tuple([.bytes(alice.publicKey)])), "value": .unsigned(1_000_000_000)])
        _ = try await rpc.call("author_submitExtrinsic", [.string(try await sign(back, with: edKey, rpc: rpc, chain: chain).hex)])
        try await fixture.produce()
        let carol = try await chain.value("System", "Account", [.bytes(edKey.publicKey)])
        #expect(carol?[field: "data"]?[field: "free"]?.unsignedValue == 10_000_000_000 - 1_000_000_000 - UInt128(chain.configuration.transactionFee))
    }
}

@Suite("DevChain determinism")
struct DevChainDeterminismTests {
    @Test func sameSeedSameChainDifferentSeedDifferentChain() async throws {
        let (v14, v15) = try RecordedRuntime.metadata()
        var configuration = DevChainConfiguration()
        configuration.subnets = 4
        configuration.tempo = 3
        let first = try DevChain(configuration: configuration, metadataV14: v14, metadataV15: v15)
        let second = try DevChain(configuration: configuration, metadataV14: v14, metadataV15: v15)
        #expect(first.genesisHash == second.genesisHash)
        for _ in 0..<12 {
            let a = try await first.produceBlock()
            let b = try await second.produceBlock()
            #expect(a == b)
        }
        configuration.seed = 43
        let other = try DevChain(configuration: configuration, metadataV14: v14, metadataV15: v15)
        #expect(other.genesisHash != first.genesisHash)
    }
}
