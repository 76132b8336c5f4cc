import TaoRedis
import TestHarness
import Testing

@Suite("Pub/sub against a real redis-server")
struct RedisSubscriberTests {
    @Test func deliversChannelAndPatternMessagesAndResubscribesAfterARestart() async throws {
        let server = try await RedisServer.start(password: "pw")
        defer { Task { await server.shutdown() } }
        let configuration = try RedisConfiguration(url: server.url)
        let subscriber = RedisSubscriber(configuration: configuration, backoff: .init(initial: .milliseconds(20), maximum: .milliseconds(200)))
        let publisher = RedisClient(configuration: configuration)
        let events = StreamRecorder(subscriber.events)
        let running = Task { try await subscriber.run() }
        defer { running.cancel() }

        await subscriber.subscribe(channels: ["div:1"])
        await subscriber.subscribe(patterns: ["div:*"])
        _ = try await events.next("first connect") { $0 == .connected(isReconnect: false) }

        #expect(try await publisher.publish(Array("a".utf8), to: "div:1") == 2)
        #expect(try await publisher.publish(Array("ignored".utf8), to: "other") == 0)
        let direct = try await events.next("channel message") { if case .message(let m) = $0 { m.pattern == nil } else { false } }
        #expect(direct == .message(RedisPubSubMessage(channel: "div:1", payload: Array("a".utf8))))
        let matched = try await events.next("pattern message") { if case .message(let m) = $0 { m.pattern != nil } else { false } }
        #expect(matched == .message(RedisPubSubMessage(channel: "div:1", pattern: "div:*", payload: Array("a".utf8))))

        await server.stop()
        _ = try await events.next("disconnect") { if case .disconnected = $0 { true } else { false } }
        try await server.start()
        _ = try await events.next(timeout: .seconds(15), "reconnect") { $0 == .connected(isReconnect: true) }

        // Both subscriptions are back without the caller doing anything.
        #expect(try await publisher.publish(Array("b".utf8), to: "div:1") == 2)
        let again = try await events.next("message after restart") { if case .message(let m) = $0 { m.pattern == nil } else { false } }
        #expect(again == .message(RedisPubSubMessage(channel: "div:1", payload: Array("b".utf8))))
        await publisher.close()
    }

    @Test func unsubscribeStopsDelivery() async throws {
        let server = try await RedisServer.start()
        defer { Task { await server.shutdown() } }
        let configuration = try RedisConfiguration(url: server.url)
        let subscriber = RedisSubscriber(configuration: configuration)
        let publisher = RedisClient(configuration: configuration)
        let events = StreamRecorder(subscriber.events)
        let running = Task { try await subscriber.run() }
        defer { running.cancel() }

        await subscriber.subscribe(channels: ["a", "b"])
        #expect(try await publisher.publish([1], to: "a") == 1)
        _ = try await events.next("message on a") { if case .message(let m) = $0 { m.channel == "a" } else { false } }
        subscriber.unsubscribe(channels: ["a"])
        // The unsubscribe is in flight; once "b" still works and "a" has no listener, it is done.
        var receivers = 1
        for _ in 0..<200 where receivers != 0 {
            receivers = try await publisher.publish([2], to: "a")
            try await Task.sleep(for: .milliseconds(5))
        }
        #expect(receivers == 0)
        #expect(try await publisher.publish([3], to: "b") == 1)
        _ = try await events.next("message on b") { if case .message(let m) = $0 { m.channel == "b" } else { false } }
        #expect(await events.pending().contains { if case .message(let m) = $0 { m.payload == [2] } else { false } } == false)
    }

    @Test func cancellationEndsTheEventStream() async throws {
        let server = try await RedisServer.start()
        defer { Task { await server.shutdown() } }
        let subscriber = RedisSubscriber(configuration: try RedisConfiguration(url: server.url))
        let running = Task { try await subscriber.run() }
        await subscriber.subscribe(channels: ["x"])
        running.cancel()
        var count = 0
        for await _ in subscriber.events { count += 1 }
        #expect(count >= 1)
    }

    /// A service group that stops while Redis is unreachable must not wait forever on a
    /// subscription that cannot come (it hung `serve` on a port in use, issue 14.16).
    @Test(.timeLimit(.minutes(1))) func aSubscribeWaitingForRedisEndsWhenCancelledOrWhenTheSubscriberStops() async throws {
        // A port nothing listens on: connecting is refused again and again.
        let subscriber = RedisSubscriber(configuration: RedisConfiguration(host: "127.0.0.1", port: 1), backoff: .init(initial: .milliseconds(10), maximum: .milliseconds(50)))
        let running = Task { try await subscriber.run() }
        let waiting = Task { await subscriber.subscribe(channels: ["never"]) }
        let alsoWaiting = Task { await subscriber.subscribe(patterns: ["never:*"]) }
        waiting.cancel()
        await waiting.value
        running.cancel()
        try await running.value
        await alsoWaiting.value
        // Once stopped, a new subscribe does not wait either.
        await subscriber.subscribe(channels: ["later"])
    }
}
