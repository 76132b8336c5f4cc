import Logging
import TaoRedis
import TestHarness
import Testing

@Suite("Redis client against a real redis-server")
struct RedisClientTests {
    @Test func setGetHashesAndSets() async throws {
        let server = try await RedisServer.start()
        defer { Task { await server.shutdown() } }
        let client = RedisClient(configuration: try RedisConfiguration(url: server.url))

        try await client.ping()
        try await client.set("greeting", to: Array("hello".utf8))
        #expect(try await client.get("greeting") == Array("hello".utf8))
        #expect(try await client.get("missing") == nil)
        #expect(try await client.set("greeting", to: [1], onlyIfAbsent: true) == false)

        try await client.hset("h", [("a", [1, 2]), ("b", [])])
        #expect(try await client.hgetall("h") == ["a": [1, 2], "b": []])
        #expect(try await client.hget("h", "a") == [1, 2])
        #expect(try await client.hdel("h", ["a"]) == 1)

        #expect(try await client.sadd("s", ["1", "2", "2"]) == 2)
        #expect(try await client.smembers("s") == ["1", "2"])
        await client.close()
    }

    @Test func binaryAndLargeValuesSurviveTheRoundTrip() async throws {
        let server = try await RedisServer.start()
        defer { Task { await server.shutdown() } }
        let client = RedisClient(configuration: try RedisConfiguration(url: server.url))
        var generator = SystemRandomNumberGenerator()
        let large = (0..<3_000_000).map { _ in UInt8.random(in: 0...255, using: &generator) }
        try await client.set("large", to: large)
        #expect(try await client.get("large") == large)
        let binary: [UInt8] = [0, 13, 10, 36, 42, 255, 0]
        try await client.set("bin\r\nkey", to: binary)
        #expect(try await client.get("bin\r\nkey") == binary)
        await client.close()
    }

    @Test func pipelinedRepliesComeBackInOrder() async throws {
        let server = try await RedisServer.start()
        defer { Task { await server.shutdown() } }
        let client = RedisClient(configuration: try RedisConfiguration(url: server.url))
        let replies = try await client.pipeline((0..<2000).map { _ in RedisCommand("INCR", "counter") })
        #expect(replies.map(\.integer) == (1...2000).map { Int64($0) })

        // Many tasks at once share the connection; each must get its own reply.
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<200 {
                group.addTask {
                    try await client.set("k\(index)", to: Array("v\(index)".utf8))
                    let value = try await client.get("k\(index)")
                    #expect(value == Array("v\(index)".utf8))
                }
            }
            try await group.waitForAll()
        }
        await client.close()
    }

    @Test func serverErrorsCarryRedisText() async throws {
        let server = try await RedisServer.start()
        defer { Task { await server.shutdown() } }
        let client = RedisClient(configuration: try RedisConfiguration(url: server.url))
        await #expect(throws: RedisError.self) { _ = try await client.send("NOSUCHCOMMAND") }
        do {
            _ = try await client.send("NOSUCHCOMMAND")
        } catch {
            guard case .server(let message) = error else { Issue.record("expected a server error, got \(error)"); return }
            #expect(message.contains("unknown command"))
        }
        // An error reply in a pipeline doesn't desynchronise the connection.
        try await client.set("n", to: Array("1".utf8))
        await #expect(throws: RedisError.self) {
            _ = try await client.pipeline([RedisCommand("INCR", "n"), RedisCommand("HGET", "n", "x"), RedisCommand("INCR", "n")])
        }
        #expect(try await client.get("n") == Array("3".utf8))
        await client.close()
    }

    @Test func refusedConnectionNamesTheURL() async throws {
        let port = Network.freePort()
        let client = RedisClient(configuration: try RedisConfiguration(url: "redis://127.0.0.1:\(port)/2"))
        do {
            try await client.ping()
            Issue.record("ping to a closed port succeeded")
        } catch {
            #expect(error == .connectionFailed(url: "redis://127.0.0.1:\(port)/2", reason: "connection refused"))
            #expect(error.description.contains("redis://127.0.0.1:\(port)/2"))
        }
    }

    @Test func authenticationFailuresAreClearAndHidePasswords() async throws {
        let server = try await RedisServer.start(password: "s3cret-pass")
        defer { Task { await server.shutdown() } }

        let good = RedisClient(configuration: try RedisConfiguration(url: server.url))
        try await good.ping()
        await good.close()

        for url in ["redis://:wrong-pass@127.0.0.1:\(server.port)/0", "redis://127.0.0.1:\(server.port)/0"] {
            let bad = RedisClient(configuration: try RedisConfiguration(url: url))
            do {
                try await bad.ping()
                Issue.record("\(url) was accepted")
            } catch {
                guard case .authenticationFailed = error else { Issue.record("expected auth failure, got \(error)"); continue }
                #expect(!error.description.contains("wrong-pass"))
            }
        }
    }

    @Test func selectsTheDatabaseFromTheURL() async throws {
        let server = try await RedisServer.start()
        defer { Task { await server.shutdown() } }
        let db3 = RedisClient(configuration: try RedisConfiguration(url: "redis://127.0.0.1:\(server.port)/3"))
        let db0 = RedisClient(configuration: try RedisConfiguration(url: "redis://127.0.0.1:\(server.port)/0"))
        try await db3.set("where", to: Array("three".utf8))
        #expect(try await db0.get("where") == nil)
        #expect(try await db3.get("where") == Array("three".utf8))
    }

    @Test func aCommandThatOutlivesItsTimeoutFailsAndTheClientRecovers() async throws {
        let server = try await RedisServer.start()
        defer { Task { await server.shutdown() } }
        var configuration = try RedisConfiguration(url: server.url)
        configuration.commandTimeout = .milliseconds(200)
        let client = RedisClient(configuration: configuration)
        do {
            _ = try await client.send(RedisCommand("BLPOP", "never-filled", "5"))
            Issue.record("BLPOP returned before its timeout")
        } catch {
            #expect(error == .timeout(command: "BLPOP", seconds: 0.2))
        }
        try await client.ping()
        await client.close()
    }

    @Test func aRestartedServerIsReconnectedOnNextUse() async throws {
        let server = try await RedisServer.start()
        defer { Task { await server.shutdown() } }
        let client = RedisClient(configuration: try RedisConfiguration(url: server.url))
        try await client.ping()
        await server.stop()
        await #expect(throws: RedisError.self) { try await client.ping() }
        try await server.start()
        try await client.ping()
        await client.close()
    }
}
