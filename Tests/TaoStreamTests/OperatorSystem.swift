import Foundation
import Hummingbird
import HummingbirdWSClient
import Logging
import TestHarness
import Testing

/// TaoStream as an operator runs it: a real Redis and PostgreSQL, a standalone `taostream devnet`
/// node, and whichever `taostream` processes a test spawns against them, each with its own log.
struct OperatorSystem {
    let redis: RedisServer
    let directory: String
    let chainPort: Int
    let chain: ChildProcess
    /// TAOSTREAM_* settings every process of this system shares.
    let environment: [String: String]

    static func start(_ label: String, blockMilliseconds: Int, settings: [String: String] = [:]) async throws -> OperatorSystem {
        let redis = try await RedisServer.start()
        let databaseURL = try await PostgresServer.shared().createDatabase(label)
        let directory = try TemporaryDirectory.make(label)
        let chainPort = Network.freePort()
        let chain = try ChildProcess.spawn(try TaoStreamBinary.path, [
            "devnet", "--port", "\(chainPort)", "--block-milliseconds", "\(blockMilliseconds)", "--subnets", "2", "--validators", "4", "--tempo", "4",
        ], environment: TaoStreamBinary.cleanEnvironment, logFile: directory + "/devnet.log")
        try await Network.waitUntilListening(port: chainPort, what: "taostream devnet")
        let environment = TaoStreamBinary.cleanEnvironment.merging([
            "TAOSTREAM_REDIS_URL": redis.url, "TAOSTREAM_DATABASE_URL": databaseURL,
            "TAOSTREAM_NETWORK": "ws://127.0.0.1:\(chainPort)", "TAOSTREAM_LOG_LEVEL": "notice",
            "TAOSTREAM_METADATA_CACHE": directory + "/cache", "TAOSTREAM_WATCHER_HTTP_PORT": "\(Network.freePort())",
            "TAOSTREAM_NOTIFIER_HTTP_PORT": "\(Network.freePort())",
        ].merging(settings) { $1 }) { $1 }
        return OperatorSystem(redis: redis, directory: directory, chainPort: chainPort, chain: chain, environment: environment)
    }

    /// A new API token's secret, from `taostream token create`.
    func token(scopes: String) async throws -> String {
        let created = try await TaoStreamBinary.run(["token", "create", "--label", "test", "--scopes", scopes], environment: environment)
        return try #require(created.output.split(separator: "\n").first { $0.hasPrefix("tst_") }.map(String.init), "\(created.output)")
    }

    /// Starts `taostream ARGUMENTS`, logging to `LOG` in the system's directory; with `httpPort`,
    /// waits until it listens there.
    func spawn(_ arguments: [String], log: String, httpPort: Int? = nil) async throws -> ChildProcess {
        var environment = self.environment
        if let httpPort { environment["TAOSTREAM_HTTP_PORT"] = "\(httpPort)" }
        let process = try ChildProcess.spawn(try TaoStreamBinary.path, arguments, environment: environment, logFile: directory + "/" + log)
        if let httpPort { try await Network.waitUntilListening(port: httpPort, what: "taostream \(arguments.joined(separator: " "))") }
        return process
    }

    func log(_ name: String) -> String {
        (try? String(contentsOfFile: directory + "/" + name, encoding: .utf8)) ?? ""
    }

    func stop() async {
        await chain.stop()
        await redis.shutdown()
    }

    /// One JSON-RPC call to the node; the `result` as text.
    func rpc(_ method: String, _ params: String) async throws -> String {
        let answer = Locked<String?>(nil)
        try await WebSocketClient.connect(url: "ws://127.0.0.1:\(chainPort)", logger: Self.quiet) { inbound, outbound, _ in
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

    static var quiet: Logger {
        var logger = Logger(label: "test.system")
        logger.logLevel = .critical
        return logger
    }
}

/// A WebSocket client of a `taostream` server that sends `messages` and records every text frame.
final class RecordingClient: Sendable {
    let received = Locked<[String]>([])
    private let task: Task<Void, any Error>

    init(port: Int, token: String, sending messages: [String]) {
        var headers = HTTPFields()
        headers[.authorization] = "Bearer \(token)"
        let received = self.received
        task = Task {
            try await WebSocketClient.connect(url: "ws://127.0.0.1:\(port)/ws", configuration: .init(additionalHeaders: headers), logger: OperatorSystem.quiet) { inbound, outbound, _ in
                for message in messages { try await outbound.write(.text(message)) }
                for try await message in inbound.messages(maxSize: 1 << 22) {
                    if case .text(let text) = message { received.withLock { $0.append(text) } }
                }
            }
        }
    }

    /// Waits until `condition` holds for what was received.
    func wait(seconds: Int, for what: @autoclosure () -> String, _ condition: ([String]) -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(seconds)
        while ContinuousClock.now < deadline {
            if condition(received.value) { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw StreamRecorder<Int>.Timeout(description: "timed out waiting for \(what())")
    }

    func close() { task.cancel() }
}
