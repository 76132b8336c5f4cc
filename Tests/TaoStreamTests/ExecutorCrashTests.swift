import Foundation
import SubstrateCore
import SubstrateKeys
import TestHarness
import Testing

/// `taostream watch` (the only process with the coldkey) killed with SIGKILL while it executes a
/// stake, then started again: the command still ends finalized, and the chain saw one extrinsic.
/// The node, the server and the watcher are separate processes, as an operator runs them.
@Suite("An executor killed mid-command", .serialized, .timeLimit(.minutes(3)))
struct ExecutorCrashTests {
    @Test func aWatcherKilledAfterSigningStakesExactlyOnceAfterItsRestart() async throws {
        // //Alice's key as a btcli wallet on disk: the DevChain funds her at genesis.
        let wallets = try TemporaryDirectory.make("crash-wallets")
        let alice = try Keypair(uri: "//Alice")
        let aliceAddress = SS58Address(publicKey: alice.publicKey).description
        try Wallet(name: "alice", root: wallets).writeColdkey(alice, ss58Address: aliceAddress, password: nil)
        let system = try await OperatorSystem.start("executor-crash", blockMilliseconds: 1000, settings: [
            "TAOSTREAM_COMMANDS": "true", "TAOSTREAM_WALLET_PATH": wallets, "TAOSTREAM_WALLET_NAME": "alice",
            "TAOSTREAM_EXECUTOR_NAME": "executor-crash-test",
        ])
        defer { Task { await system.stop() } }
        let token = try await system.token(scopes: "read,trade")
        let httpPort = Network.freePort()
        let server = try await system.spawn(["serve"], log: "serve.log", httpPort: httpPort)
        defer { Task { await server.stop() } }
        let first = try await system.spawn(["watch"], log: "watch-1.log")
        defer { Task { await first.stop() } }

        let client = RecordingClient(port: httpPort, token: token, sending: [
            #"{"type":"stake","id":"st","netuid":1,"hotkey":"5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty","amount":"0.25","idempotency_key":"crash-1"}"#,
        ])
        defer { client.close() }

        // The moment the watcher reports the signature, it dies without a chance to clean up.
        try await client.wait(seconds: 60, for: "the first watcher to sign; \(system.log("watch-1.log").suffix(1500))") {
            $0.contains { $0.contains(#""state":"signed""#) }
        }
        first.signal(SIGKILL)
        _ = await first.waitForExit(timeout: .seconds(10))

        let second = try await system.spawn(["watch"], log: "watch-2.log")
        defer { Task { await second.stop() } }
        try await client.wait(seconds: 90, for: "the command to finish; \(system.log("watch-2.log").suffix(1500))") {
            $0.contains { $0.contains(#""state":"finalized""#) || $0.contains(#""state":"failed""#) }
        }
        let statuses = client.received.value.filter { $0.contains(#""type":"command_status""#) }
        #expect(statuses.contains { $0.contains(#""state":"finalized""#) }, "\(statuses)")
        #expect(!statuses.contains { $0.contains(#""state":"failed""#) }, "\(statuses)")
        // One signature: every status names the same extrinsic.
        let hashes = Set(statuses.compactMap { status -> String? in
            guard let range = status.range(of: #""extrinsic_hash":"0x[0-9a-f]+""#, options: .regularExpression) else { return nil }
            return String(status[range])
        })
        #expect(hashes.count == 1, "\(hashes)")
        #expect(system.log("watch-2.log").contains("resuming a command signed before"), "\(system.log("watch-2.log").suffix(1500))")

        // The chain included exactly one extrinsic of //Alice's: her next nonce is 1.
        let nonce = try await system.rpc("system_accountNextIndex", #"["\#(aliceAddress)"]"#)
        #expect(nonce == "1", "the chain holds \(nonce) extrinsics of the coldkey")
    }
}
