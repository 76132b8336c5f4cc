import DevChain
import Model
import SubstrateCore
import Testing

@Suite("DevChain JSON-RPC over a real WebSocket", .timeLimit(.minutes(3)))
struct DevChainRPCTests {
    @Test func systemMethods() async throws {
        let fixture = try await DevChainFixture.start()
        defer { Task { await fixture.stop() } }
        let rpc = try await fixture.connect()
        #expect(try await rpc.call("system_chain") == "TaoStream DevChain")
        #expect(try await rpc.call("system_properties")["ss58Format"] == .integer(42))
        #expect(try await rpc.call("system_health")["isSyncing"] == false)
        let methods = try await rpc.call("rpc_methods")["methods"]?.array?.compactMap(\.string) ?? []
        for method in ["chain_getHead", "state_getKeysPaged", "state_queryStorageAt", "author_submitAndWatchExtrinsic", "account_nextIndex"] {
            #expect(methods.contains(method))
        }
    }

    @Test func unknownMethodsAndMalformedFramesGetStandardErrorsNotAHang() async throws {
        let fixture = try await DevChainFixture.start()
        defer { Task { await fixture.stop() } }
        let rpc = try await fixture.connect()
        await #expect(throws: RPCTestClient.RPCFailure.self) { try await rpc.call("chain_doesNotExist") }
        let answer = try await rpc.response("chain_doesNotExist")
        #expect(answer["error"]?["code"] == .integer(-32601))
        try await rpc.sendRaw("{not json")
        let parseError = try await rpc.frames.next(timeout: .seconds(20)) { $0["error"]?["code"] == .integer(-32700) }
        #expect(parseError["id"] == .null)
        let badParams = try await rpc.response("state_getStorage", [.integer(7)])
        #expect(badParams["error"]?["code"] == .integer(-32602))
    }

    /// Numbers beyond Int's range once trapped in a conversion and took the whole process down.
    @Test func numbersTooLargeForTheNodeAreRefusedAndItStaysUp() async throws {
        let fixture = try await DevChainFixture.start()
        defer { Task { await fixture.stop() } }
        let rpc = try await fixture.connect()
        for count: JSONValue in [.unsigned(18_446_744_073_709_551_615), .string("9223372036854775808"), .string("0xffffffffffffffff")] {
            let answer = try await rpc.response("state_getKeysPaged", [.string("0x"), count])
            #expect(answer["error"]?["code"] == .integer(-32602))
        }
        let number = try await rpc.response("chain_getBlockHash", [.string("0xffffffffffffffff")])
        #expect(number["error"] != nil || number["result"] == .null)
        #expect(try await rpc.call("system_chain") == "TaoStream DevChain")
    }

    @Test func blocksHeadersAndFinality() async throws {
        let fixture = try await DevChainFixture.start { $0.finalityLag = 2 }
        defer { Task { await fixture.stop() } }
        let rpc = try await fixture.connect()
        let genesis = try await rpc.call("chain_getBlockHash", [.integer(0)])
        try await fixture.produce(5)
        let head = try await rpc.call("chain_getHead")
        let header = try await rpc.call("chain_getHeader", [head])
        #expect(header["number"] == "0x5")
        let finalized = try await rpc.call("chain_getFinalizedHead")
        #expect(try await rpc.call("chain_getHeader", [finalized])["number"] == "0x3")
        // Parent links lead back to genesis.
        var hash = head
        for _ in 0..<5 { hash = try await rpc.call("chain_getHeader", [hash])["parentHash"] ?? .null }
        #expect(hash == genesis)
        let block = try await rpc.call("chain_getBlock", [head])
        #expect(block["block"]?["header"] == header)
        #expect(try await rpc.call("chain_getBlockHash", [.integer(99)]) == .null)
    }

    @Test func runtimeVersionAndMetadataAreTheRecordedOnes() async throws {
        let fixture = try await DevChainFixture.start()
        defer { Task { await fixture.stop() } }
        let rpc = try await fixture.connect()
        let version = try await rpc.call("state_getRuntimeVersion")
        #expect(version["specVersion"] == .integer(343))
        #expect(version["transactionVersion"] == .integer(1))
        #expect(version["specName"] == "node-subtensor")
        #expect((version["apis"]?.array?.count ?? 0) > 5)
        let v14 = try RuntimeMetadata(rpcResult: try await rpc.call("state_getMetadata").string ?? "")
        #expect(v14.version == 14)
        let v15 = try RuntimeMetadata(rpcResult: try await rpc.call("state_call", ["Metadata_metadata_at_version", "0x0f000000"]).string ?? "")
        #expect(v15.version == 15)
        #expect(try await rpc.call("state_call", ["Metadata_metadata_versions", "0x"]) == .string("0x" + Hex.encode([UInt32(14), 15].scaleEncoded)))
        #expect(try await rpc.call("state_call", ["Metadata_metadata_at_version", "0x10000000"]) == "0x00")
        let unknown = try await rpc.response("state_call", ["NoSuchApi_method", "0x"])
        #expect(unknown["error"]?["message"]?.string?.contains("NoSuchApi_method") == true)
    }

    @Test func storageReadsPagingAndQueriesAgreeWithTheChainState() async throws {
        let fixture = try await DevChainFixture.start { $0.validatorsPerSubnet = 40 }
        defer { Task { await fixture.stop() } }
        let rpc = try await fixture.connect()
        let metadata = fixture.chain.metadata
        let dividends = try StorageKey(metadata: metadata, pallet: "SubtensorModule", item: "AlphaDividendsPerSubnet")
        let prefix = try dividends.key([.unsigned(2)])
        // Page through netuid 2's dividends, 7 keys at a time, as query_map does.
        var keys: [String] = []
        var start: JSONValue = .null
        while true {
            let page = try await rpc.call("state_getKeysPaged", [.string(Hex.encode(prefix, prefixed: true)), .integer(7), start])
            let items = page.array?.compactMap(\.string) ?? []
            keys += items
            guard items.count == 7 else { break }
            start = .string(items.last!)
        }
        #expect(keys == keys.sorted())
        #expect(Set(keys).count == keys.count)
        #expect(keys.count > 20 && keys.count <= 40)
        let answer = try await rpc.call("state_queryStorageAt", [.array(keys.map { .string($0) })])
        let changes = answer.array?.first?["changes"]?.array ?? []
        #expect(changes.count == keys.count)
        for change in changes {
            let pair = change.array ?? []
            let key = try Hex.decode(pair[0].string ?? "")
            let arguments = try dividends.arguments(of: key)
            let expected = try await fixture.chain.value("SubtensorModule", "AlphaDividendsPerSubnet", arguments.map { $0! })
            let value = try dividends.value(try Hex.decode(pair[1].string ?? ""))
            #expect(value == expected)
            #expect(try await rpc.call("state_getStorage", [pair[0]]) == pair[1])
        }
        // A key that is not there reads as null.
        #expect(try await rpc.call("state_getStorage", [.string(Hex.encode(prefix + [UInt8](repeating: 9, count: 48), prefixed: true))]) == .null)
    }

    @Test func subscriptionsDeliverAndUnsubscribeStops() async throws {
        let fixture = try await DevChainFixture.start { $0.finalityLag = 1 }
        defer { Task { await fixture.stop() } }
        let rpc = try await fixture.connect()
        let heads = try await rpc.call("chain_subscribeNewHeads")
        let finalized = try await rpc.call("chain_subscribeFinalizedHeads")
        #expect(try await rpc.notification("chain_newHead", subscription: heads)["number"] == "0x0")
        #expect(try await rpc.notification("chain_finalizedHead", subscription: finalized)["number"] == "0x0")
        try await fixture.produce()
        #expect(try await rpc.notification("chain_newHead", subscription: heads)["number"] == "0x1")
        try await fixture.produce()
        #expect(try await rpc.notification("chain_newHead", subscription: heads)["number"] == "0x2")
        #expect(try await rpc.notification("chain_finalizedHead", subscription: finalized)["number"] == "0x1")
        #expect(try await rpc.call("chain_unsubscribeNewHeads", [heads]) == true)
        #expect(try await rpc.call("chain_unsubscribeNewHeads", [heads]) == false)
        try await fixture.produce()
        await #expect(throws: (any Error).self) { try await rpc.notification("chain_newHead", subscription: heads, timeout: .milliseconds(300)) }
    }

    @Test func storageSubscriptionsSeeEpochsRewriteDividends() async throws {
        let fixture = try await DevChainFixture.start { $0.tempo = 4 }
        defer { Task { await fixture.stop() } }
        let rpc = try await fixture.connect()
        let metadata = fixture.chain.metadata
        let step = try StorageKey(metadata: metadata, pallet: "SubtensorModule", item: "LastMechansimStepBlock").key([.unsigned(1)])
        let subscription = try await rpc.call("state_subscribeStorage", [.array([.string(Hex.encode(step, prefixed: true))])])
        _ = try await rpc.notification("state_storage", subscription: subscription)  // the current value
        // Subnet 1 runs its epoch when (block + 2) % 5 == 0: block 3.
        try await fixture.produce(3)
        let change = try await rpc.notification("state_storage", subscription: subscription)
        let value = change["changes"]?.array?.first?.array?.last?.string ?? ""
        #expect(try UInt64(scaleEncoded: try Hex.decode(value)) == 3)
    }
}

@Suite("DevChain runtime-version subscription", .timeLimit(.minutes(3)))
struct RuntimeVersionSubscriptionTests {
    @Test func subscribersGetTheCurrentVersionAtOnce() async throws {
        let fixture = try await DevChainFixture.start()
        defer { Task { await fixture.stop() } }
        let rpc = try await fixture.connect()
        let subscription = try await rpc.call("state_subscribeRuntimeVersion")
        #expect(try await rpc.notification("state_runtimeVersion", subscription: subscription)["specVersion"] == .integer(343))
        // An upgrade is announced with the block it takes effect in, and old blocks keep their version.
        let before = try await rpc.call("chain_getHead")
        await fixture.chain.upgradeRuntime(to: 344)
        try await fixture.produce()
        #expect(try await rpc.notification("state_runtimeVersion", subscription: subscription)["specVersion"] == .integer(344))
        #expect(try await rpc.call("state_getRuntimeVersion")["specVersion"] == .integer(344))
        #expect(try await rpc.call("state_getRuntimeVersion", [before])["specVersion"] == .integer(343))
        #expect(try await rpc.call("state_unsubscribeRuntimeVersion", [subscription]) == true)
    }
}
