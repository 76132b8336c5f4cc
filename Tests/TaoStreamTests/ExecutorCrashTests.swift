import Foundation
import Hummingbird
import HummingbirdWSClient
import Logging
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
        let redis = try await RedisServer.start()
        defer { Task { await redis.shutdown() } }
        let databaseURL = try await PostgresServer.shared().createDatabase("crash")
        let directory = try TemporaryDirectory.make("executor-crash")
        let chainPort = Network.freePort()
        let httpPort = Network.freePort()

        // //Alice's key as a btcli wallet on disk: the DevChain funds her at genesis.
        let alice = try Keypair(uri: "//Alice")
        let wallet = try Wallet(name: "alice", root: directory + "/wallets")
        try wallet.writeColdkey(alice, ss58Address: SS58Address(publicKey: alice.publicKey).description, password: nil)

        let chain = try ChildProcess.spawn(try TaoStreamBinary.path, ["devnet", "--port", "\(chainPort)", "--block-milliseconds", "1000", "--subnets", "2", "--validators", "4"],
                                           environment: TaoStreamBinary.cleanEnvironment, logFile: directory + "/devnet.log")
        defer { Task { await chain.stop() } }
        try await Network.waitUntilListening(port: chainPort, what: "taostream devnet")

        let environment = TaoStreamBinary.cleanEnvironment.merging([
            "TAOSTREAM_REDIS_URL": redis.url, "TAOSTREAM_DATABASE_URL": databaseURL, "TAOSTREAM_HTTP_PORT": "\(httpPort)",
            "TAOSTREAM_NETWORK": "ws://127.0.0.1:\(chainPort)", "TAOSTREAM_COMMANDS": "true", "TAOSTREAM_LOG_LEVEL": "notice",
            "TAOSTREAM_WALLET_PATH": directory + "/wallets", "TAOSTREAM_WALLET_NAME": "alice",
            "TAOSTREAM_EXECUTOR_NAME": "executor-crash-test", "TAOSTREAM_METADATA_CACHE": directory + "/cache",
            "TAOSTREAM_WATCHER_HTTP_PORT": "\(Network.freePort())",
        ]) { $1 }
        let created = try await TaoStreamBinary.run(["token", "create", "--label", "crash", "--scopes", "read,trade"], environment: environment)
        let token = try #require(created.output.split(separator: "\n").first { $0.hasPrefix("tst_") }.map(String.init), "\(created.output)")
        let server = try ChildProcess.spawn(try TaoStreamBinary.path, ["serve"], environment: environment, logFile: directory + "/serve.log")
        defer { Task { await server.stop() } }
        try await Network.waitUntilListening(port: httpPort, what: "taostream serve")
        let first = try ChildProcess.spawn(try TaoStreamBinary.path, ["watch"], environment: environment, logFile: directory + "/watch-1.log")
        defer { Task { await first.stop() } }

        let received = Locked<[String]>([])
        var headers = HTTPFields()
        headers[.authorization] = "Bearer \(token)"
        var logger = Logger(label: "test.crash")
        logger.logLevel = .critical
        let client = Task {
            try await WebSocketClient.connect(url: "ws://127.0.0.1:\(httpPort)/ws", configuration: .init(additionalHeaders: headers), logger: logger) { inbound, outbound, _ in
                try await outbound.write(.text(#"{"type":"stake","id":"st","netuid":1,"hotkey":"5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty","amount":"0.25","idempotency_key":"crash-1"}"#))
                for try await message in inbound.messages(maxSize: 1 << 22) {
                    if case .text(let text) = message { received.withLock { $0.append(text) } }
                }
            }
        }
        defer { client.cancel() }

        // The moment the watcher reports the signature, it dies without a chance to clean up.
        try await waitFor(seconds: 60, "the first watcher to sign") { received.value.contains { $0.contains(#""state":"signed""#) } }
        first.signal(SIGKILL)
        _ = await first.waitForExit(timeout: .seconds(10))
        let log = { (name: String) in (try? String(contentsOfFile: directory + "/" + name, encoding: .utf8)) ?? "" }

        let second = try ChildProcess.spawn(try TaoStreamBinary.path, ["watch"], environment: environment, logFile: directory + "/watch-2.log")
        defer { Task { await second.stop() } }
        try await waitFor(seconds: 90, "the command to finish; \(log("watch-2.log").suffix(1500))") {
            received.value.contains { $0.contains(#""state":"finalized""#) || $0.contains(#""state":"failed""#) }
        }
        let statuses = received.value.filter { $0.contains(#""type":"command_status""#) }
        #expect(statuses.contains { $0.contains(#""state":"finalized""#) }, "\(statuses)")
        #expect(!statuses.contains { $0.contains(#""state":"failed""#) }, "\(statuses)")
        // One signature: every status names the same extrinsic.
        let hashes = Set(statuses.compactMap { status -> String? in
            guard let range = status.range(of: #""extrinsic_hash":"0x[0-9a-f]+""#, options: .regularExpression) else { return nil }
            return String(status[range])
        })
        #expect(hashes.count == 1, "\(hashes)")
        #expect(log("watch-2.log").contains("resuming a command signed before"), "\(log("watch-2.log").suffix(1500))")

        // The chain included exactly one extrinsic of //Alice's: her next nonce is 1.
        let nonce = try await rpc(port: chainPort, "system_accountNextIndex", #"["\#(SS58Address(publicKey: alice.publicKey).description)"]"#)
        #expect(nonce == "1", "the chain holds \(nonce) extrinsics of the coldkey")
    }

    private func waitFor(seconds: Int, _ what: @autoclosure () -> String, _ condition: () -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(seconds)
        while ContinuousClock.now < deadline {
            if condition() { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw StreamRecorder<Int>.Timeout(description: "timed out waiting for \(what())")
    }

    /// One JSON-RPC call to the node; the `result` as JSON text.
    private func rpc(port: Int, _ method: String, _ params: String) async throws -> String {
        let answer = Locked<String?>(nil)
        var logger = Logger(label: "test.rpc")
        logger.logLevel = .critical
        try await WebSocketClient.connect(url: "ws://127.0.0.1:\(port)", logger: logger) { inbound, outbound, _ in
            try await outbound.write(.text(#"{"jsonrpc":"2.0","id":1,"method":"\#(method)","params":\#(params)}"#))
            for try await message in inbound.messages(maxSize: 1 << 20) {
                guard case .text(let text) = message else { continue }
                answer.withLock { $0 = text }
                return
            }
        }
        let text = try #require(answer.value)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], "\(text)")
        return "\(object["result"] ?? "none")"
    }
}
