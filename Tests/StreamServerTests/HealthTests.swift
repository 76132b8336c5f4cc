import Foundation
import StreamServer
import Synchronization
import Testing

@Suite("GET /health and /metrics", .timeLimit(.minutes(3)))
struct HealthTests {
    @Test func readyOnlyWhileRedisAnswers() async throws {
        let fixture = try await ServerFixture.start()
        defer { Task { await fixture.shutdown() } }
        let url = "http://127.0.0.1:\(fixture.port)/health"
        #expect(try await status(url, token: nil) == 200)
        #expect(try await fetch(url).contains("\"status\":\"ok\""))
        await fixture.redisServer.stop()
        #expect(try await status(url, token: nil) == 503)
        #expect(try await fetch(url).contains("connection refused"))
        try await fixture.redisServer.start()
        #expect(try await status(url, token: nil) == 200)
    }

    /// With a watcher in the process (`taostream run`), a watcher that stopped publishing blocks
    /// makes the process unhealthy: a stall must not look like a quiet chain.
    @Test func unavailableWhileTheWatcherPublishesNoBlock() async throws {
        let since = Mutex(Duration.seconds(1))
        let chain = ChainProgress(staleAfter: .seconds(60), lastBlock: { 111 }, sinceLastBlock: { since.withLock { $0 } })
        let fixture = try await ServerFixture.start(chain: chain)
        defer { Task { await fixture.shutdown() } }
        let url = "http://127.0.0.1:\(fixture.port)/health"
        #expect(try await status(url, token: nil) == 200)
        #expect(try await fetch(url).contains("\"last_block\":\"111\""))
        since.withLock { $0 = .seconds(61) }
        #expect(try await status(url, token: nil) == 503)
        #expect(try await fetch(url).contains("no block published for 61 s"))
    }

    @Test func metricsAreExposedForPrometheus() async throws {
        let fixture = try await ServerFixture.start()
        defer { Task { await fixture.shutdown() } }
        let socket = try await fixture.connect()
        _ = try await socket.next(type: "welcome")
        let text = try await fetch("http://127.0.0.1:\(fixture.port)/metrics")
        #expect(text.contains("taostream_connections 1"))
        #expect(text.contains("# TYPE taostream_update_latency_seconds histogram"))
    }
}
