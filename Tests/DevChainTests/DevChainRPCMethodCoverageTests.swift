import DevChain
import Model
import SubstrateCore
import SubstrateExtrinsics
import SubstrateKeys
import Testing

/// The methods and cases `DevChainRPCTests` leaves out: every unsubscribe (it answers true once,
/// false after, and nothing more arrives while blocks go on), reads at an older or unknown block,
/// both spellings of the next-index method, and a watched extrinsic that ends `invalid`.
///
/// "Nothing more arrives" is checked behind a barrier: a `chain_subscribeNewHeads` subscription on
/// the same connection. The DevChain forwards events to a connection one at a time, in order, so
/// once the barrier's head N has arrived, every notification of earlier blocks has been sent.
@Suite("DevChain JSON-RPC: unsubscribes, older blocks and every method", .timeLimit(.minutes(3)))
struct DevChainRPCMethodCoverageTests {
    /// What `RPCMethods.names` serves (checked against `rpc_methods`).
    static let served = [
        "system_chain", "system_name", "system_version", "system_properties", "system_health", "rpc_methods",
        "chain_getHead", "chain_getBlockHash", "chain_getHeader", "chain_getBlock", "chain_getFinalizedHead", "chain_getFinalisedHead",
        "chain_subscribeNewHeads", "chain_unsubscribeNewHeads", "chain_subscribeFinalizedHeads", "chain_unsubscribeFinalizedHeads",
        "chain_subscribeAllHeads", "chain_unsubscribeAllHeads",
        "state_getRuntimeVersion", "state_subscribeRuntimeVersion", "state_unsubscribeRuntimeVersion", "state_getMetadata", "state_call",
        "state_getStorage", "state_getStorageAt", "state_getKeys", "state_getKeysPaged", "state_getKeysPagedAt", "state_queryStorageAt",
        "state_subscribeStorage", "state_unsubscribeStorage",
        "system_accountNextIndex", "account_nextIndex",
        "author_submitExtrinsic", "author_submitAndWatchExtrinsic", "author_unwatchExtrinsic",
    ]

    static let unsubscribes = [
        "chain_unsubscribeNewHeads", "chain_unsubscribeFinalizedHeads", "chain_unsubscribeAllHeads",
        "state_unsubscribeRuntimeVersion", "state_unsubscribeStorage", "author_unwatchExtrinsic",
    ]

    /// A block hash no chain has.
    static let unknownHash = "0x" + String(repeating: "ab", count: 32)

    // MARK: Helpers

    /// Takes the barrier's heads up to and including `number` ("0x3").
    func waitForHead(_ number: String, barrier: JSONValue, rpc: RPCTestClient) async throws {
        while true {
            let head = try await rpc.notification("chain_newHead", subscription: barrier)
            if head["number"] == .string(number) { return }
        }
    }

    /// The next notification for `subscription`, whatever its method.
    func nextNotification(for subscription: JSONValue, rpc: RPCTestClient, timeout: Duration = .seconds(10)) async throws -> (method: JSONValue?, result: JSONValue?) {
        let frame = try await rpc.notifications.take(timeout: timeout, "a notification for subscription \(subscription)") { frame in
            frame["params"]?["subscription"] == subscription
        }
        return (frame["method"], frame["params"]?["result"])
    }

    /// No notification of any method for `subscription` (call it after a barrier).
    func expectNoMoreNotifications(for subscription: JSONValue, rpc: RPCTestClient, sourceLocation: SourceLocation = #_sourceLocation) async {
        await #expect(throws: (any Error).self, sourceLocation: sourceLocation) {
            try await self.nextNotification(for: subscription, rpc: rpc, timeout: .milliseconds(400))
        }
    }

    /// A signed `Balances.transfer_keep_alive`, mortal from the best block, built offline from the
    /// chain's own parameters (`specVersion` overrides the runtime's).
    func transfer(_ value: UInt64, from signer: Keypair, to destination: [UInt8], nonce: UInt64, specVersion: UInt32? = nil, on chain: DevChain) async throws -> SignedExtrinsic {
        let call = try Call(metadata: chain.metadata, pallet: "Balances", name: "transfer_keep_alive",
                            arguments: ["dest": .variant(name: "Id", index: 0, fields: .tuple([.bytes(destination)])), "value": .unsigned(UInt128(value))])
        let best = await chain.best.number
        let era = Era(period: 64, current: best)
        let birth = try #require(await chain.blockHash(era.birth(current: best)))
        let parameters = TransactionParameters(nonce: nonce, era: era, genesisHash: chain.genesisHash, birthBlockHash: birth,
                                               specVersion: specVersion ?? chain.runtime.specVersion, transactionVersion: chain.runtime.transactionVersion)
        return try ExtrinsicBuilder(metadata: chain.metadata).sign(call: call, signer: signer, parameters: parameters)
    }

    func hexOrNull(_ bytes: [UInt8]?) -> JSONValue {
        guard let bytes else { return .null }
        return JSONValue.string(Hex.encode(bytes, prefixed: true))
    }

    // MARK: Every method

    @Test func everyServedMethodIsAdvertisedAndDispatched() async throws {
        let fixture = try await DevChainFixture.start { $0.finalityLag = 2 }
        defer { Task { await fixture.stop() } }
        let rpc = try await fixture.connect()
        let advertised = try await rpc.call("rpc_methods")["methods"]?.array?.compactMap(\.string) ?? []
        #expect(Set(advertised).isSuperset(of: Self.served), "not advertised: \(Set(Self.served).subtracting(advertised).sorted())")
        // Without parameters each answers or refuses the parameters, never "method not found".
        for method in advertised {
            let answer = try await rpc.response(method, [])
            #expect(answer["error"]?["code"] != .integer(-32601), "\(method)")
        }
        for method in Self.unsubscribes {
            #expect(try await rpc.response(method, [])["error"]?["code"] == .integer(-32602), "\(method) without a subscription id")
        }
        #expect(try await rpc.call("system_name") == "taostream-devchain")
        #expect(try await rpc.call("system_version").string?.isEmpty == false)
        try await fixture.produce(4)
        let finalised = try await rpc.call("chain_getFinalisedHead")
        let finalized = try await rpc.call("chain_getFinalizedHead")
        #expect(finalised == finalized)
        #expect(try await rpc.call("chain_getHeader", [finalised])["number"] == "0x2")
    }

    // MARK: Unsubscribes

    @Test func unsubscribeAllHeadsStopsItsHeads() async throws {
        let fixture = try await DevChainFixture.start()
        defer { Task { await fixture.stop() } }
        let rpc = try await fixture.connect()
        let barrier = try await rpc.call("chain_subscribeNewHeads")
        try await waitForHead("0x0", barrier: barrier, rpc: rpc)
        let heads = try await rpc.call("chain_subscribeAllHeads")
        let (method, initial) = try await nextNotification(for: heads, rpc: rpc)
        #expect(initial?["number"] == "0x0")
        #expect(method == "chain_allHead")
        try await fixture.produce()
        #expect(try await nextNotification(for: heads, rpc: rpc).result?["number"] == "0x1")
        #expect(try await rpc.call("chain_unsubscribeAllHeads", [heads]) == true)
        #expect(try await rpc.call("chain_unsubscribeAllHeads", [heads]) == false)
        try await fixture.produce(2)
        try await waitForHead("0x3", barrier: barrier, rpc: rpc)
        await expectNoMoreNotifications(for: heads, rpc: rpc)
    }

    @Test func unsubscribeFinalizedHeadsStopsThemWhileFinalityMoves() async throws {
        let fixture = try await DevChainFixture.start { $0.finalityLag = 1 }
        defer { Task { await fixture.stop() } }
        let rpc = try await fixture.connect()
        let barrier = try await rpc.call("chain_subscribeNewHeads")
        try await waitForHead("0x0", barrier: barrier, rpc: rpc)
        let finalized = try await rpc.call("chain_subscribeFinalizedHeads")
        #expect(try await rpc.notification("chain_finalizedHead", subscription: finalized)["number"] == "0x0")
        try await fixture.produce(2)
        #expect(try await rpc.notification("chain_finalizedHead", subscription: finalized)["number"] == "0x1")
        #expect(try await rpc.call("chain_unsubscribeFinalizedHeads", [finalized]) == true)
        #expect(try await rpc.call("chain_unsubscribeFinalizedHeads", [finalized]) == false)
        try await fixture.produce(2)
        try await waitForHead("0x4", barrier: barrier, rpc: rpc)
        await expectNoMoreNotifications(for: finalized, rpc: rpc)
        // Finality did move on meanwhile: the silence is the unsubscribe's doing.
        let third = try await rpc.call("chain_getBlockHash", [.integer(3)])
        #expect(try await rpc.call("chain_getFinalizedHead") == third)
    }

    @Test func unsubscribeStorageStopsChangesOfAKeyThatKeepsChanging() async throws {
        let fixture = try await DevChainFixture.start()
        defer { Task { await fixture.stop() } }
        let rpc = try await fixture.connect()
        let chain = fixture.chain
        let barrier = try await rpc.call("chain_subscribeNewHeads")
        try await waitForHead("0x0", barrier: barrier, rpc: rpc)
        // System::Number is written by every block.
        let key = try StorageKey(metadata: chain.metadata, pallet: "System", item: "Number").key([])
        let keyJSON = JSONValue.string(Hex.encode(key, prefixed: true))
        let subscription = try await rpc.call("state_subscribeStorage", [.array([keyJSON])])
        let genesis = try await rpc.call("chain_getBlockHash", [.integer(0)])
        #expect(try await rpc.notification("state_storage", subscription: subscription)["block"] == genesis)
        try await fixture.produce()
        let change = try await rpc.notification("state_storage", subscription: subscription)
        let head = try await rpc.call("chain_getHead")
        let value = try #require(await chain.storage(key))
        #expect(change["block"] == head)
        #expect(change["changes"]?.array == [.array([keyJSON, .string(Hex.encode(value, prefixed: true))])])
        // Each unsubscribe method ends only its own kind of subscription.
        #expect(try await rpc.call("chain_unsubscribeNewHeads", [subscription]) == false)
        #expect(try await rpc.call("state_unsubscribeStorage", [subscription]) == true)
        #expect(try await rpc.call("state_unsubscribeStorage", [subscription]) == false)
        try await fixture.produce(2)
        try await waitForHead("0x3", barrier: barrier, rpc: rpc)
        await expectNoMoreNotifications(for: subscription, rpc: rpc)
        #expect(await chain.storage(key) != value)
    }

    /// The older spellings Substrate nodes still serve (the recorded node's rpc_methods lists
    /// them) subscribe and unsubscribe as the current ones do.
    @Test func olderMethodNamesAreServedToo() async throws {
        let fixture = try await DevChainFixture.start()
        defer { Task { await fixture.stop() } }
        let rpc = try await fixture.connect()
        let methods = try await rpc.call("rpc_methods")["methods"]?.array ?? []
        for alias in ["chain_subscribeFinalisedHeads", "chain_unsubscribeFinalisedHeads", "subscribe_newHead", "unsubscribe_newHead"] {
            #expect(methods.contains(.string(alias)), "\(alias) is not advertised")
        }
        let finalised = try await rpc.call("chain_subscribeFinalisedHeads")
        #expect(try await rpc.notification("chain_finalizedHead", subscription: finalised)["number"] == "0x0")
        #expect(try await rpc.call("chain_unsubscribeFinalisedHeads", [finalised]) == true)
        let heads = try await rpc.call("subscribe_newHead")
        #expect(try await rpc.notification("chain_newHead", subscription: heads)["number"] == "0x0")
        #expect(try await rpc.call("unsubscribe_newHead", [heads]) == true)
        await rpc.close()
    }

    /// A block old enough to have lost its state answers as a pruning node does: an error that
    /// says so, not values that look like "nothing stored".
    @Test func readsAtABlockWhoseStateWasDiscardedAreAnError() async throws {
        let fixture = try await DevChainFixture.start { $0.retainedBlocks = 2 }
        defer { Task { await fixture.stop() } }
        let rpc = try await fixture.connect()
        try await fixture.produce(5)
        let old = try await rpc.call("chain_getBlockHash", [.integer(1)])
        let key = try StorageKey(metadata: fixture.chain.metadata, pallet: "System", item: "Number").key([])
        let keyJSON = JSONValue.string(Hex.encode(key, prefixed: true))
        #expect(try await rpc.call("chain_getHeader", [old])["number"] == "0x1")
        for (method, params) in [("state_getStorageAt", [keyJSON, old]), ("state_queryStorageAt", [JSONValue.array([keyJSON]), old])] {
            let answer = try await rpc.response(method, params)
            #expect(answer["error"]?["code"] == .integer(4003), "\(method): \(answer)")
            #expect(answer["error"]?["message"]?.string?.contains("State already discarded") == true, "\(method): \(answer)")
        }
        #expect(try await rpc.response("state_getStorageAt", [keyJSON])["error"] == nil)
        await rpc.close()
    }

    @Test func unsubscribeRuntimeVersionStopsUpgradeAnnouncements() async throws {
        let fixture = try await DevChainFixture.start()
        defer { Task { await fixture.stop() } }
        let rpc = try await fixture.connect()
        let barrier = try await rpc.call("chain_subscribeNewHeads")
        try await waitForHead("0x0", barrier: barrier, rpc: rpc)
        let subscription = try await rpc.call("state_subscribeRuntimeVersion")
        #expect(try await rpc.notification("state_runtimeVersion", subscription: subscription)["specVersion"] == .integer(343))
        await fixture.chain.upgradeRuntime(to: 344)
        try await fixture.produce()
        #expect(try await rpc.notification("state_runtimeVersion", subscription: subscription)["specVersion"] == .integer(344))
        #expect(try await rpc.call("state_unsubscribeRuntimeVersion", [subscription]) == true)
        #expect(try await rpc.call("state_unsubscribeRuntimeVersion", [subscription]) == false)
        // Another upgrade, which a subscriber would be told of.
        await fixture.chain.upgradeRuntime(to: 345)
        try await fixture.produce()
        try await waitForHead("0x2", barrier: barrier, rpc: rpc)
        await expectNoMoreNotifications(for: subscription, rpc: rpc)
        #expect(try await rpc.call("state_getRuntimeVersion")["specVersion"] == .integer(345))
    }

    @Test func unwatchingAnExtrinsicStopsItsUpdatesButNotTheExtrinsic() async throws {
        let fixture = try await DevChainFixture.start { $0.finalityLag = 1 }
        defer { Task { await fixture.stop() } }
        let rpc = try await fixture.connect()
        let chain = fixture.chain
        let barrier = try await rpc.call("chain_subscribeNewHeads")
        try await waitForHead("0x0", barrier: barrier, rpc: rpc)
        let alice = try Keypair(uri: "//Alice")
        let address = JSONValue.string(DevAccounts.address(alice))
        #expect(try await rpc.call("system_accountNextIndex", [address]) == .integer(0))
        let destination = try Keypair(uri: "//Unwatched").publicKey
        let extrinsic = try await transfer(1_000_000_000, from: alice, to: destination, nonce: 0, on: chain)
        let watch = try await rpc.call("author_submitAndWatchExtrinsic", [.string(extrinsic.hex)])
        #expect(try await rpc.notification("author_extrinsicUpdate", subscription: watch) == "ready")
        // Both spellings count the pool.
        #expect(try await rpc.call("system_accountNextIndex", [address]) == .integer(1))
        #expect(try await rpc.call("account_nextIndex", [address]) == .integer(1))
        #expect(try await rpc.call("author_unwatchExtrinsic", [watch]) == true)
        #expect(try await rpc.call("author_unwatchExtrinsic", [watch]) == false)
        // In block 1, finalized as block 2 is made; block 3 comes after that finalized event.
        try await fixture.produce(3)
        try await waitForHead("0x3", barrier: barrier, rpc: rpc)
        await expectNoMoreNotifications(for: watch, rpc: rpc)
        let first = try await rpc.call("chain_getBlockHash", [.integer(1)])
        #expect(try await rpc.call("chain_getBlock", [first])["block"]?["extrinsics"]?.array == [.string(extrinsic.hex)])
        #expect(try await rpc.call("system_accountNextIndex", [address]) == .integer(1))
        #expect(try await chain.value("System", "Account", [.bytes(alice.publicKey)])?[field: "nonce"]?.unsignedValue == 1)
        #expect(try await rpc.response("system_accountNextIndex", ["not-an-address"])["error"]?["code"] == .integer(-32602))
    }

    // MARK: Invalid at block production

    /// The pool re-checks each extrinsic against the block being built: a transaction signed for
    /// the spec version the node reports, waiting while an upgrade takes effect in the next block,
    /// is no longer valid there and ends `invalid`, as on a real node across a runtime upgrade.
    @Test func anExtrinsicFailingTheRecheckAtBlockProductionEndsInvalid() async throws {
        let fixture = try await DevChainFixture.start()
        defer { Task { await fixture.stop() } }
        let rpc = try await fixture.connect()
        let chain = fixture.chain
        let barrier = try await rpc.call("chain_subscribeNewHeads")
        try await waitForHead("0x0", barrier: barrier, rpc: rpc)
        let alice = try Keypair(uri: "//Alice")
        let address = JSONValue.string(DevAccounts.address(alice))
        await chain.upgradeRuntime(to: 344)
        #expect(try await rpc.call("state_getRuntimeVersion")["specVersion"] == .integer(343))
        let destination = try Keypair(uri: "//NeverPaid").publicKey
        // Signed for the version the node reports; the upgrade takes effect in the block it would
        // have gone into, so the pool's re-check there finds it invalid.
        let extrinsic = try await transfer(1_000_000_000, from: alice, to: destination, nonce: 0, specVersion: 343, on: chain)
        let watch = try await rpc.call("author_submitAndWatchExtrinsic", [.string(extrinsic.hex)])
        #expect(try await rpc.notification("author_extrinsicUpdate", subscription: watch) == "ready")
        #expect(try await rpc.call("system_accountNextIndex", [address]) == .integer(1))
        try await fixture.produce()
        #expect(try await rpc.notification("author_extrinsicUpdate", subscription: watch) == "invalid")
        // The "invalid" event is handled before block 1's head: once that head is here, the
        // watch has ended on the node's side.
        try await waitForHead("0x1", barrier: barrier, rpc: rpc)
        #expect(try await rpc.call("author_unwatchExtrinsic", [watch]) == false)
        let head = try await rpc.call("chain_getHead")
        #expect(try await rpc.call("chain_getBlock", [head])["block"]?["extrinsics"]?.array?.isEmpty == true)
        // Dropped, not applied: no fee, the nonce is free again.
        #expect(try await rpc.call("system_accountNextIndex", [address]) == .integer(0))
        let account = try await chain.value("System", "Account", [.bytes(alice.publicKey)])
        #expect(account?[field: "nonce"]?.unsignedValue == 0)
        #expect(account?[field: "data"]?[field: "free"]?.unsignedValue == UInt128(chain.configuration.devBalance))
        try await fixture.produce(2)
        try await waitForHead("0x3", barrier: barrier, rpc: rpc)
        await expectNoMoreNotifications(for: watch, rpc: rpc)
    }

    // MARK: Reads at older and unknown blocks

    @Test func keysPagedAtAnOlderBlockReadsThatBlocksState() async throws {
        let fixture = try await DevChainFixture.start()
        defer { Task { await fixture.stop() } }
        let rpc = try await fixture.connect()
        let chain = fixture.chain
        // A transfer to a new account adds one System::Account key in block 1.
        let alice = try Keypair(uri: "//Alice")
        let fresh = try Keypair(uri: "//KeysPagedAt").publicKey
        let extrinsic = try await transfer(1_000_000_000, from: alice, to: fresh, nonce: 0, on: chain)
        _ = try await rpc.call("author_submitExtrinsic", [.string(extrinsic.hex)])
        try await fixture.produce()
        let prefixBytes = try StorageKey(metadata: chain.metadata, pallet: "System", item: "Account").key([])
        let prefix = JSONValue.string(Hex.encode(prefixBytes, prefixed: true))
        let genesis = try await rpc.call("chain_getBlockHash", [.integer(0)])
        let genesisBytes = try Hex.decode(genesis.string ?? "")

        let before = try await rpc.call("state_getKeysPaged", [prefix, .integer(1000), .null, genesis]).array?.compactMap(\.string) ?? []
        let after = try await rpc.call("state_getKeysPaged", [prefix, .integer(1000)]).array?.compactMap(\.string) ?? []
        #expect(before.count == DevAccounts.names.count)
        #expect(after.count == before.count + 1)
        #expect(Set(before).isSubset(of: after))
        let created = Set(after).subtracting(before)
        #expect(created.count == 1)
        #expect(created.first?.lowercased().hasSuffix(Hex.encode(fresh).lowercased()) == true)
        let ours = try #require(await chain.keys(prefix: prefixBytes, count: 1000, after: nil, at: genesisBytes))
        #expect(ours.map { Hex.encode($0, prefixed: true) } == before)

        // The older name takes the same parameters.
        #expect(try await rpc.call("state_getKeysPagedAt", [prefix, .integer(1000), .null, genesis]).array?.compactMap(\.string) == before)
        // Paging at the older block: 4 keys, then the rest after the last of them.
        let page = try await rpc.call("state_getKeysPaged", [prefix, .integer(4), .null, genesis]).array?.compactMap(\.string) ?? []
        #expect(page.count == 4)
        let last = try #require(page.last)
        let rest = try await rpc.call("state_getKeysPaged", [prefix, .integer(4), .string(last), genesis]).array?.compactMap(\.string) ?? []
        #expect(page + rest == before)

        let unknown = try await rpc.response("state_getKeysPaged", [prefix, .integer(10), .null, .string(Self.unknownHash)])
        #expect(unknown["error"]?["code"] == .integer(4003))

        // state_getKeys, which btcli calls (issue 17): every key at once, at a block or the best.
        #expect(try await rpc.call("state_getKeys", [prefix, genesis]).array?.compactMap(\.string) == before)
        #expect(try await rpc.call("state_getKeys", [prefix]).array?.compactMap(\.string) == after)
        // The issuance is what the accounts hold: the transfer moved TAO, its fee burned some.
        let issued = UInt128(DevAccounts.names.count) * UInt128(chain.configuration.devBalance)
        #expect(try await chain.value("Balances", "TotalIssuance", [], at: genesisBytes)?.unsignedValue == issued)
        #expect(try await chain.value("Balances", "TotalIssuance", [])?.unsignedValue == issued - UInt128(chain.configuration.transactionFee))
    }

    @Test func storageAtOlderBlocksAndAtAnUnknownOne() async throws {
        let fixture = try await DevChainFixture.start()
        defer { Task { await fixture.stop() } }
        let rpc = try await fixture.connect()
        let chain = fixture.chain
        try await fixture.produce(2)
        let key = try StorageKey(metadata: chain.metadata, pallet: "System", item: "Number").key([])
        let keyJSON = JSONValue.string(Hex.encode(key, prefixed: true))
        let genesis = try await rpc.call("chain_getBlockHash", [.integer(0)])
        let first = try await rpc.call("chain_getBlockHash", [.integer(1)])
        let genesisBytes = try Hex.decode(genesis.string ?? "")
        let firstBytes = try Hex.decode(first.string ?? "")
        let atGenesis = await chain.storage(key, at: genesisBytes)
        let atFirst = await chain.storage(key, at: firstBytes)
        let atBest = await chain.storage(key)
        #expect(atFirst != nil)
        #expect(atFirst != atBest)
        #expect(try await rpc.call("state_getStorageAt", [keyJSON, genesis]) == hexOrNull(atGenesis))
        #expect(try await rpc.call("state_getStorageAt", [keyJSON, first]) == hexOrNull(atFirst))
        #expect(try await rpc.call("state_getStorageAt", [keyJSON]) == hexOrNull(atBest))
        #expect(try await rpc.call("state_getStorage", [keyJSON, first]) == hexOrNull(atFirst))

        // An unknown block is an error naming it, not a null value.
        let unknown = try await rpc.response("state_getStorageAt", [keyJSON, .string(Self.unknownHash)])
        #expect(unknown["result"] == nil)
        #expect(unknown["error"]?["code"] == .integer(4003))
        #expect(unknown["error"]?["message"]?.string?.contains(Self.unknownHash) == true)

        // Block numbers: the next, not yet made block has no hash; a hex number is read as one.
        #expect(try await rpc.call("chain_getBlockHash", [.integer(3)]) == .null)
        let head = try await rpc.call("chain_getHead")
        #expect(try await rpc.call("chain_getBlockHash", ["0x2"]) == head)
    }
}
