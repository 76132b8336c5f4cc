import DevChain
import SubstrateKeys
import Foundation
import Logging
import Model
import ServiceLifecycle
import SubstrateCore
import SubstrateExtrinsics
import TestHarness
import Testing

/// The official SDK (bittensor 11.3) against a running DevChain: it connects, reads, and stakes.
@Suite("The Bittensor SDK against the DevChain", .timeLimit(.minutes(2)))
struct SDKInteropTests {
    func runSDK(port: Int, netuid: Int, _ extra: [String] = []) throws -> [String: Any] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: ReferenceOracle.python)
        guard FileManager.default.isExecutableFile(atPath: ReferenceOracle.python) else {
            throw ReferenceOracle.Unavailable(description: "the reference SDK is not installed; run `bash scripts/setup-python.sh`")
        }
        process.arguments = [ReferenceOracle.repositoryRoot.appendingPathComponent("Tests/Oracle/devchain_sdk.py").path, "\(port)", "\(netuid)"] + extra
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        let stderr = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0, let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw ReferenceOracle.Unavailable(description: "the SDK script failed: \(String(decoding: stderr.suffix(3000), as: UTF8.self))")
        }
        return object
    }

    /// Block times and the issuance as the SDK reads them (issue 17): block n is the genesis time
    /// plus n block intervals, and the issuance is what the accounts hold, not 0 and not 1970.
    @Test func theSDKSeesBlockTimesAndTheIssuanceTheAccountsHold() async throws {
        let fixture = try await DevChainFixture.start(producing: true) { configuration in
            configuration.subnets = 2
            configuration.validatorsPerSubnet = 4
            configuration.blockInterval = .milliseconds(200)
            configuration.finalityLag = 1
        }
        defer { Task { await fixture.stop() } }
        let seen = try runSDK(port: fixture.port, netuid: 1, ["facts"])
        let block = try #require(seen["block"] as? Int)
        let configuration = fixture.chain.configuration
        #expect(seen["timestamp_ms"] as? Int == Int(configuration.genesisTimestamp) + block * 200, "\(seen)")
        let accounts = try DevAccounts.keypairs().count
        #expect((seen["total_issuance"] as? NSNumber)?.uint64Value == UInt64(accounts) * configuration.devBalance, "\(seen)")
    }

    /// The genesis world has stake: each validator's owner staked to it. The SDK's runtime-API
    /// calls (decoded by the SDK through the metadata's API types) see it as the stake maps say.
    @Test func theSDKReadsGenesisStakeThroughTheStakeInfoAPI() async throws {
        let fixture = try await DevChainFixture.start { configuration in
            configuration.subnets = 2
            configuration.validatorsPerSubnet = 4
        }
        defer { Task { await fixture.stop() } }
        let chain = fixture.chain
        guard case .string(let hotkey)? = try await chain.value("SubtensorModule", "Keys", [.unsigned(2), .unsigned(1)]),
              case .string(let owner)? = try await chain.value("SubtensorModule", "Owner", [.string(hotkey)]) else {
            Issue.record("validator 1 of subnet 2 has no hotkey or owner")
            return
        }
        let alpha = try #require(try await chain.value("SubtensorModule", "Alpha", [.string(hotkey), .string(owner), .unsigned(2)])?.unsignedValue) >> 64
        #expect(alpha >= 1_000_000_000_000, "at least 1 000 TAO of self-stake")
        #expect(try await chain.value("SubtensorModule", "TotalHotkeyAlpha", [.string(hotkey), .unsigned(2)])?.unsignedValue == alpha)
        var subnetTotal: UInt128 = 0
        for uid in 0..<4 {
            guard case .string(let validator)? = try await chain.value("SubtensorModule", "Keys", [.unsigned(2), .unsigned(UInt128(uid))]) else { continue }
            subnetTotal += try await chain.value("SubtensorModule", "TotalHotkeyAlpha", [.string(validator), .unsigned(2)])?.unsignedValue ?? 0
        }
        #expect(try await chain.value("SubtensorModule", "SubnetTAO", [.unsigned(2)])?.unsignedValue == subnetTotal)

        let seen = try runSDK(port: fixture.port, netuid: 2, ["stake-info", hotkey, owner])
        let one = try #require(seen["one"] as? [String: Any], "\(seen)")
        #expect(one["hotkey"] as? String == hotkey && one["coldkey"] as? String == owner, "\(one)")
        #expect((one["stake"] as? NSNumber)?.stringValue == String(alpha), "\(one)")
        #expect(one["is_registered"] as? Bool == true)
        let every = try #require(seen["every"] as? [[String: Any]], "\(seen)")
        #expect(every.count == 1 && (every.first?["netuid"] as? Int) == 2, "\(every)")
    }

    /// The SDK's own flow (prepare, sign, submit) at a nonce already used: the node refuses it,
    /// and the SDK understands the refusal as a stale nonce; nothing is applied twice.
    @Test func theSDKsOwnSubmissionAtAUsedNonceIsRefused() async throws {
        let fixture = try await DevChainFixture.start(producing: true) { configuration in
            configuration.blockInterval = .milliseconds(200)
            configuration.finalityLag = 1
        }
        defer { Task { await fixture.stop() } }
        let seen = try runSDK(port: fixture.port, netuid: 1, ["stale-nonce"])
        let first = try #require(seen["first"] as? [String: Any], "\(seen)")
        let again = try #require(seen["again"] as? [String: Any], "\(seen)")
        #expect(first["success"] as? Bool == true, "\(first)")
        #expect(again["success"] as? Bool == false, "\(again)")
        #expect((again["message"] as? String)?.contains("nonce") == true, "\(again)")
        let alice = try SubstrateKeys.Keypair(uri: "//Alice")
        #expect(await fixture.chain.nextNonce(alice.publicKey) == 1)
    }

    /// A fee estimate (what wallets show before signing) is the fee the chain then charges.
    @Test func queryInfoEstimatesTheFeeTheChainCharges() async throws {
        let fixture = try await DevChainFixture.start()
        defer { Task { await fixture.stop() } }
        let rpc = try await fixture.connect()
        let answer = try await rpc.call("state_call", ["TransactionPaymentApi_query_info", "0x00000000", .null])
        let metadata = fixture.chain.metadata
        let method = try #require(metadata.apis.first { $0.name == "TransactionPaymentApi" }?.methods.first { $0.name == "query_info" })
        let info = try DynamicValueDecoder(registry: metadata.registry).decode(try Hex.decode(try #require(answer.string)), as: method.output)
        #expect(info[field: "partial_fee"]?.unsignedValue == UInt128(fixture.chain.configuration.transactionFee))
        guard case .variant("Normal", _, _)? = info[field: "class"] else {
            Issue.record("dispatch class \(String(describing: info[field: "class"]))")
            return
        }
        await rpc.close()
    }

    @Test func theSDKReadsDividendsAndStakes() async throws {
        let fixture = try await DevChainFixture.start(producing: true) { configuration in
            configuration.subnets = 3
            configuration.validatorsPerSubnet = 12
            configuration.tempo = 10
            configuration.blockInterval = .milliseconds(200)
            configuration.finalityLag = 1
        }
        defer { Task { await fixture.stop() } }
        let chain = fixture.chain
        let port = fixture.port

        let alice = try SubstrateKeys.Keypair(uri: "//Alice")
        let seen = try runSDK(port: port, netuid: 2)
        #expect((seen["netuids"] as? [Int]) == [0, 1, 2, 3])
        #expect(seen["tempo"] as? Int == 10)
        // query_map's dividends equal the chain's own state at the block the SDK read.
        let dividends = seen["dividends"] as? [String: Int] ?? [:]
        let block = try #require(await chain.blockHash(UInt64(seen["block"] as? Int ?? -1)))
        let dividendKey = try StorageKey(metadata: chain.metadata, pallet: "SubtensorModule", item: "AlphaDividendsPerSubnet")
        let ours = try #require(await chain.keys(prefix: try dividendKey.key([.unsigned(2)]), count: 1000, after: nil, at: block))
        #expect(ours.count == dividends.count)
        #expect(!dividends.isEmpty)
        for (hotkey, value) in dividends {
            let mine = try await chain.value("SubtensorModule", "AlphaDividendsPerSubnet", [.unsigned(2), .string(hotkey)], at: block)
            #expect(mine?.unsignedValue == UInt128(value), "\(hotkey)")
        }
        let stake = seen["stake"] as? [String: Any] ?? [:]
        #expect(stake["success"] as? Bool == true, "\(stake)")
        #expect((stake["events"] as? [String])?.contains("StakeAdded") == true)
        let hotkey = try #require(seen["hotkey"] as? String)
        let alpha = try await chain.value("SubtensorModule", "Alpha", [.string(hotkey), .bytes(alice.publicKey), .unsigned(2)])
        #expect(alpha?.unsignedValue == UInt128(1_000_000_000) << 64)

        // The SDK's own signed extrinsic with a used nonce is refused as a node refuses it; with
        // the right nonce it is accepted.
        let rpc = try await RPCTestClient.connect(port: port)
        let best = await chain.best.number
        let era = SubstrateExtrinsics.Era(period: 128, current: best)
        let birth = try #require(await chain.blockHash(era.birth(current: best)))
        let call = "0702" + Hex.encode(try AccountID(ss58: hotkey).bytes) + "0200" + Hex.encode(UInt64(1_000_000).scaleEncoded)
        var requests: [[String: Any]] = [["cmd": "load_metadata", "path": ReferenceOracle.fixture("spec343-metadata_at_version_15.hex")]]
        for nonce in [0, 1] {
            requests.append(["cmd": "encode_signed_extrinsic", "call": call, "uri": "//Alice", "scheme": "sr25519", "nonce": nonce, "tip": 0,
                             "era": ["period": 128, "current": Int(best)], "genesis_hash": Hex.encode(chain.genesisHash), "block_hash": Hex.encode(birth)])
        }
        let built = try ReferenceOracle.run(requests)
        let stale = try await rpc.response("author_submitExtrinsic", [.string("0x" + (built[1].string ?? ""))])
        #expect(stale["error"]?["code"] == .integer(1010))
        #expect(stale["error"]?["data"] == "Transaction is outdated")
        let accepted = try await rpc.response("author_submitExtrinsic", [.string("0x" + (built[2].string ?? ""))])
        #expect(accepted["error"] == nil, "\(accepted)")
        await rpc.close()
    }
}
