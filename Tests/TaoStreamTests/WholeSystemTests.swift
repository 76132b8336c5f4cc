import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Hummingbird
import HummingbirdWSClient
import Logging
import TestHarness
import Testing

/// `taostream run --network devnet` as an operator starts it: a real process with its own DevChain,
/// watcher and server, on a real Redis and PostgreSQL; a WebSocket client sees dividends move.
@Suite("The whole system, end to end", .timeLimit(.minutes(2)))
struct WholeSystemTests {
    @Test func dividendsFlowFromTheChainToAWebSocketClient() async throws {
        let redis = try await RedisServer.start()
        defer { Task { await redis.shutdown() } }
        let databaseURL = try await PostgresServer.shared().createDatabase("system")
        let httpPort = Network.freePort()
        let chainPort = Network.freePort()
        let cache = try TemporaryDirectory.make("system-cache")
        let environment = [
            "TAOSTREAM_REDIS_URL": redis.url, "TAOSTREAM_DATABASE_URL": databaseURL, "TAOSTREAM_HTTP_PORT": "\(httpPort)",
            "TAOSTREAM_NETWORK": "devnet", "TAOSTREAM_DEVNET_PORT": "\(chainPort)", "TAOSTREAM_DEVNET_BLOCK_MS": "150",
            "TAOSTREAM_METADATA_CACHE": cache, "TAOSTREAM_LOG_LEVEL": "warning", "TAOSTREAM_COMMANDS": "true",
        ]
        let created = try await TaoStreamBinary.run(["token", "create", "--label", "e2e", "--scopes", "read,trade"], environment: environment)
        let token = try #require(created.output.split(separator: "\n").first { $0.hasPrefix("tst_") }.map(String.init), "\(created.output)")
        let log = cache + "/taostream.log"
        let process = try ChildProcess.spawn(try TaoStreamBinary.path, ["run"], environment: TaoStreamBinary.cleanEnvironment.merging(environment) { $1 }, logFile: log)
        defer { Task { await process.stop() } }
        try await Network.waitUntilListening(port: httpPort, what: "taostream run")

        let received = Locked<[String]>([])
        var headers = HTTPFields()
        headers[.authorization] = "Bearer \(token)"
        var logger = Logger(label: "test.e2e")
        logger.logLevel = .critical
        let client = Task {
            try await WebSocketClient.connect(url: "ws://127.0.0.1:\(httpPort)/ws", configuration: .init(additionalHeaders: headers), logger: logger) { inbound, outbound, _ in
                try await outbound.write(.text(#"{"type":"subscribe","id":"all","netuid":1}"#))
                // A devnet hotkey (validator 0 of subnet 1 is derived, so stake to //Bob's key).
                try await outbound.write(.text(#"{"type":"stake","id":"st","netuid":1,"hotkey":"5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty","amount":"0.25","idempotency_key":"e2e"}"#))
                for try await message in inbound.messages(maxSize: 1 << 22) {
                    if case .text(let text) = message { received.withLock { $0.append(text) } }
                }
            }
        }
        defer { client.cancel() }
        // The first epoch of subnet 1 after subscribing arrives as live updates.
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline,
              !(received.value.contains(where: { $0.contains(#""type":"update""#) }) && received.value.contains(where: { $0.contains(#""state":"finalized""#) })) {
            try await Task.sleep(for: .milliseconds(100))
        }
        let messages = received.value
        let output = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        #expect(messages.contains { $0.contains(#""type":"subscribed""#) }, "\(messages.prefix(3)) / \(output.suffix(2000))")
        let update = try #require(messages.first { $0.contains(#""type":"update""#) }, "no update; log: \(output.suffix(2000))")
        #expect(update.contains(#""netuid":1"#))
        #expect(update.contains(#""kind":"AlphaDividendsPerSubnet""#))
        #expect(!output.contains(token), "the token must never be logged")
        // The stake went through the executor in the same process, signed by //Alice on the devnet.
        #expect(messages.contains { $0.contains(#""type":"accepted""#) }, "\(messages.suffix(5))")
        #expect(messages.contains { $0.contains(#""state":"finalized""#) }, "\(messages.suffix(5)) / \(output.suffix(1500))")
        // One /metrics shows the watcher's figures next to the server's.
        let (data, _) = try await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(httpPort)/metrics")!)
        let metrics = String(decoding: data, as: UTF8.self)
        #expect(metrics.contains("taostream_watcher_blocks_processed_total"))
        #expect(metrics.contains("taostream_connections"))
    }
}
