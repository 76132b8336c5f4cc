import Foundation
import TestHarness
import Testing

/// Servers are stateless and scale out: two `taostream serve` processes on one Redis, fed by one
/// `taostream watch`, deliver the same updates with the same offsets to their clients.
@Suite("Two servers on one Redis", .serialized, .timeLimit(.minutes(2)))
struct ScaleOutTests {
    @Test func twoServerProcessesDeliverTheSameUpdates() async throws {
        let system = try await OperatorSystem.start("scale-out", blockMilliseconds: 250)
        defer { Task { await system.stop() } }
        let token = try await system.token(scopes: "read")
        let ports = [Network.freePort(), Network.freePort()]
        let servers = [
            try await system.spawn(["serve"], log: "serve-a.log", httpPort: ports[0]),
            try await system.spawn(["serve"], log: "serve-b.log", httpPort: ports[1]),
        ]
        defer { for server in servers { Task { await server.stop() } } }
        let watcher = try await system.spawn(["watch"], log: "watch.log")
        defer { Task { await watcher.stop() } }

        let clients = ports.map { RecordingClient(port: $0, token: token, sending: [#"{"type":"subscribe","id":"one","netuid":1}"#]) }
        defer { for client in clients { client.close() } }
        func offsets(_ client: RecordingClient) -> [String] {
            client.received.value.filter { $0.contains(#""type":"update""#) }.compactMap { update in
                update.range(of: #""offset":"[0-9]+-[0-9]+""#, options: .regularExpression).map { String(update[$0]) }
            }
        }
        // Several epochs of subnet 1, seen by both.
        for client in clients {
            try await client.wait(seconds: 60, for: "updates on both servers; \(system.log("watch.log").suffix(1000))") { _ in
                Set(offsets(clients[0])).intersection(offsets(clients[1])).count >= 8
            }
        }
        let (a, b) = (offsets(clients[0]), offsets(clients[1]))
        // Over the stretch both were subscribed, the same updates in the same order.
        let common = Set(a).intersection(b)
        let windowA = try #require(a.firstIndex(where: common.contains).flatMap { start in a.lastIndex(where: common.contains).map { a[start...$0] } })
        let windowB = try #require(b.firstIndex(where: common.contains).flatMap { start in b.lastIndex(where: common.contains).map { b[start...$0] } })
        #expect(Array(windowA) == Array(windowB), "server A: \(a.count) updates, B: \(b.count)")
        #expect(Set(a).count == a.count && Set(b).count == b.count, "an update delivered twice")
        #expect(clients.allSatisfy { $0.received.value.contains { $0.contains(#""type":"subscribed""#) } })
    }
}
