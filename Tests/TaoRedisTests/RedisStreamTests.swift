import TaoRedis
import TestHarness
import Testing

@Suite("Streams and consumer groups against a real redis-server")
struct RedisStreamTests {
    @Test func boundedLogWithRanges() async throws {
        let server = try await RedisServer.start()
        defer { Task { await server.shutdown() } }
        let client = RedisClient(configuration: try RedisConfiguration(url: server.url))
        var ids: [String] = []
        for index in 0..<5 {
            ids.append(try await client.xadd("log", fields: [("n", Array("\(index)".utf8))]))
        }
        let all = try await client.xrange("log")
        #expect(all.map(\.id) == ids)
        #expect(all.map { $0.string("n") } == ["0", "1", "2", "3", "4"])
        let after = try await client.xrange("log", from: "(" + ids[2])
        #expect(after.map(\.id) == Array(ids[3...]))
        #expect(try await client.xrange("log", count: 2).count == 2)

        // MAXLEN ~ trims in whole nodes; the log stays bounded near the cap.
        let commands = (0..<3000).map { RedisClient.xaddCommand("capped", maxLength: 100, fields: [("n", Array("\($0)".utf8))]) }
        _ = try await client.pipeline(commands)
        let length = try await client.xlen("capped")
        #expect(length >= 100 && length < 300)
        await client.close()
    }

    @Test func consumerGroupDeliversAcknowledgesAndReclaims() async throws {
        let server = try await RedisServer.start()
        defer { Task { await server.shutdown() } }
        let client = RedisClient(configuration: try RedisConfiguration(url: server.url))
        try await client.xgroupCreate("commands", group: "executors", startingAt: "0")
        try await client.xgroupCreate("commands", group: "executors", startingAt: "0")  // existing group is fine
        for name in ["stake", "unstake", "trade"] {
            try await client.xadd("commands", fields: [("type", Array(name.utf8))])
        }

        let first = try await client.xreadgroup(group: "executors", consumer: "a", stream: "commands")
        #expect(first.map { $0.string("type") } == ["stake", "unstake", "trade"])
        #expect(try await client.xack("commands", group: "executors", ids: [first[0].id]) == 1)
        #expect(try await client.xreadgroup(group: "executors", consumer: "a", stream: "commands").isEmpty)

        // Consumer "a" died holding two entries: "b" takes them over.
        let (next, claimed) = try await client.xautoclaim("commands", group: "executors", consumer: "b", minIdle: .zero)
        #expect(next == "0-0")
        #expect(claimed.map { $0.string("type") } == ["unstake", "trade"])
        let pendingForB = try await client.xreadgroup(group: "executors", consumer: "b", stream: "commands", id: "0")
        #expect(pendingForB.map(\.id) == claimed.map(\.id))
        #expect(try await client.xack("commands", group: "executors", ids: claimed.map(\.id)) == 2)
        #expect(try await client.xreadgroup(group: "executors", consumer: "b", stream: "commands", id: "0").isEmpty)
        await client.close()
    }

    @Test func blockingReadWakesOnNewEntries() async throws {
        let server = try await RedisServer.start()
        defer { Task { await server.shutdown() } }
        let configuration = try RedisConfiguration(url: server.url)
        let reader = RedisClient(configuration: configuration)
        let writer = RedisClient(configuration: configuration)
        try await reader.xgroupCreate("q", group: "g")
        #expect(try await reader.xreadgroup(group: "g", consumer: "c", stream: "q", block: .milliseconds(100)).isEmpty)

        async let woken = reader.xreadgroup(group: "g", consumer: "c", stream: "q", block: .seconds(10))
        try await Task.sleep(for: .milliseconds(100))
        try await writer.xadd("q", fields: [("x", [1])])
        let entries = try await woken
        #expect(entries.count == 1)
        #expect(entries.first?.fields["x"] == [1])
    }
}
