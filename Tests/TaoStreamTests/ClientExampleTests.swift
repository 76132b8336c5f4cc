import Foundation
import TestHarness
import Testing

/// The client examples in web-client-spec/examples, run as a bot author would run them against
/// `taostream watch` + `serve` on a DevChain: Python with `websockets`, Node with its built-in
/// WebSocket. Each prints the snapshot, then live updates in offset order.
@Suite("The client examples", .serialized, .timeLimit(.minutes(3)))
struct ClientExampleTests {
    static let examples = ReferenceOracle.repositoryRoot.appendingPathComponent("web-client-spec/examples")

    struct Printed {
        var snapshot: [(netuid: Int, hotkey: String)] = []
        var updates: [(netuid: Int, hotkey: String, offset: StreamOffsetText)] = []

        init(_ output: String) {
            for line in output.split(separator: "\n") {
                let words = line.split(separator: " ")
                if words.first == "snapshot", words.count >= 3, let netuid = Int(words[1]) { snapshot.append((netuid, String(words[2]))) }
                if words.first == "update", words.count >= 3, let netuid = Int(words[1]), let offset = words.last, offset.hasPrefix("@") {
                    updates.append((netuid, String(words[2]), StreamOffsetText(String(offset.dropFirst()))))
                }
            }
        }
    }

    /// `block-sequence`, ordered as numbers.
    struct StreamOffsetText: Comparable {
        let block: Int, sequence: Int
        init(_ text: String) {
            let parts = text.split(separator: "-").map { Int($0) ?? -1 }
            block = parts.first ?? -1
            sequence = parts.count > 1 ? parts[1] : -1
        }
        static func < (a: Self, b: Self) -> Bool { (a.block, a.sequence) < (b.block, b.sequence) }
    }

    @Test func pythonAndNodeFollowASubnetAndSeveralHotkeys() async throws {
        let system = try await OperatorSystem.start("examples", blockMilliseconds: 300)
        defer { Task { await system.stop() } }
        let token = try await system.token(scopes: "read")
        let watcher = try await system.spawn(["watch"], log: "watch.log")
        defer { Task { await watcher.stop() } }
        let httpPort = Network.freePort()
        let server = try await system.spawn(["serve"], log: "serve.log", httpPort: httpPort)
        defer { Task { await server.stop() } }
        let url = "ws://127.0.0.1:\(httpPort)/ws"
        // Once subnet 1 has values, so the examples' snapshots hold some.
        let ready = RecordingClient(port: httpPort, token: token, sending: [#"{"type":"subscribe","netuid":1}"#])
        try await ready.wait(seconds: 60, for: "subnet 1's first values") { $0.contains { $0.contains(#""type":"update""#) } }
        ready.close()
        let environment = ProcessInfo.processInfo.environment.merging(["TAOSTREAM_TOKEN": token]) { $1 }

        let python = try await ChildProcess.run(ReferenceOracle.python, [Self.examples.appendingPathComponent("follow.py").path,
                                                                         "--url", url, "--netuid", "1", "--updates", "3"], environment: environment)
        #expect(python.status == 0, "\(python.output.suffix(2000))")
        let followed = Printed(python.output)
        #expect(!followed.snapshot.isEmpty && followed.snapshot.allSatisfy { $0.netuid == 1 }, "\(python.output.suffix(2000))")
        #expect(followed.updates.count == 3 && followed.updates.allSatisfy { $0.netuid == 1 }, "\(python.output.suffix(2000))")
        #expect(followed.updates.map(\.offset) == followed.updates.map(\.offset).sorted())

        // Two hotkeys of that subnet, in one subscribe.
        let hotkeys = Array(Set(followed.snapshot.map(\.hotkey))).sorted().prefix(2)
        #expect(hotkeys.count == 2)
        let node = try await ChildProcess.run("/usr/bin/env", ["node", "--experimental-websocket", Self.examples.appendingPathComponent("follow.mjs").path,
                                                              "--url", url, "--netuid", "1", "--updates", "2"] + hotkeys.flatMap { ["--hotkey", $0] },
                                              environment: environment)
        #expect(node.status == 0, "\(node.output.suffix(2000))")
        let nodeFollowed = Printed(node.output)
        #expect(Set(nodeFollowed.snapshot.map(\.hotkey)) == Set(hotkeys), "\(node.output.suffix(2000))")
        #expect(nodeFollowed.updates.count == 2 && nodeFollowed.updates.allSatisfy { hotkeys.contains($0.hotkey) }, "\(node.output.suffix(2000))")

        // A bad token ends the example with the reason instead of retrying for ever.
        let refused = try await ChildProcess.run(ReferenceOracle.python, [Self.examples.appendingPathComponent("follow.py").path, "--url", url, "--netuid", "1"],
                                                 environment: environment.merging(["TAOSTREAM_TOKEN": "tst_000000000000_not-a-real-token"]) { $1 })
        #expect(refused.status != 0 && refused.output.contains("401") || refused.output.contains("4001"), "\(refused.output.suffix(1000))")
    }
}
