import ChainWatcher
import Foundation
import Model
import TaoRedis
import TestHarness
import Testing

@Suite("Publishing dividend changes to a real redis-server")
struct DividendPublisherTests {
    let alice = "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY"
    let bob = "5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty"

    func change(_ block: UInt64, _ sequence: UInt64, netuid: UInt16, hotkey: String, old: UInt64?, new: UInt64?) -> DividendChange {
        DividendChange(kind: .alpha, netuid: netuid, hotkey: hotkey, old: old, new: new, block: block,
                       blockHash: "0xabc\(block)", offset: StreamOffset(block: block, sequence: sequence))
    }

    @Test func aBlockLandsInHashesLogAndChannelsAtOnce() async throws {
        let server = try await RedisServer.start()
        defer { Task { await server.shutdown() } }
        let configuration = try RedisConfiguration(url: server.url)
        let redis = RedisClient(configuration: configuration)
        let layout = RedisLayout()
        let publisher = DividendPublisher(redis: redis, layout: layout)
        let subscriber = RedisSubscriber(configuration: configuration)
        let events = StreamRecorder(subscriber.events)
        let running = Task { try await subscriber.run() }
        defer { running.cancel() }
        await subscriber.subscribe(patterns: [layout.changePattern])

        let changes = [
            change(10, 0, netuid: 1, hotkey: alice, old: nil, new: 500),
            change(10, 1, netuid: 2, hotkey: bob, old: nil, new: 7),
        ]
        #expect(try await publisher.publish(block: 10, blockHash: "0xabc10", changes: changes))

        let latest = try await redis.hgetall(layout.latestKey(kind: .alpha, netuid: 1))
        let entry = try JSONDecoder().decode(DividendEntry.self, from: Data(latest[alice] ?? []))
        #expect(entry.amount == "500")
        #expect(entry.offset == StreamOffset(block: 10, sequence: 0))
        #expect(try await redis.smembers(layout.netuidsKey) == ["1", "2"])
        let log = try await redis.xrange(layout.changeLogKey)
        #expect(log.map(\.id) == ["10-0", "10-1"])
        let logged = try JSONDecoder().decode(DividendChange.self, from: Data(log[0].fields["change"] ?? []))
        #expect(logged == changes[0])

        let first = try await events.next("first message") { if case .message = $0 { true } else { false } }
        guard case .message(let message) = first else { return }
        #expect(message.channel == layout.changeChannel(changes[0].key))
        #expect(layout.parseChangeChannel(message.channel) == changes[0].key)
        #expect(try JSONDecoder().decode(DividendChange.self, from: Data(message.payload)) == changes[0])

        let last = try await publisher.lastPublishedBlock()
        #expect(last?.number == 10)
        #expect(last?.hash == "0xabc10")
    }

    @Test func republishingABlockChangesNothing() async throws {
        let server = try await RedisServer.start()
        defer { Task { await server.shutdown() } }
        let redis = RedisClient(configuration: try RedisConfiguration(url: server.url))
        let publisher = DividendPublisher(redis: redis)
        let block = [change(5, 0, netuid: 3, hotkey: alice, old: nil, new: 1)]
        #expect(try await publisher.publish(block: 5, blockHash: "0x5", changes: block))
        #expect(try await publisher.publish(block: 5, blockHash: "0x5", changes: block) == false)
        #expect(try await publisher.publish(block: 4, blockHash: "0x4", changes: [change(4, 0, netuid: 3, hotkey: alice, old: nil, new: 9)]) == false)
        #expect(try await redis.xlen(RedisLayout().changeLogKey) == 1)
    }

    @Test func aRemovedEntryLeavesTheSnapshotAndSaysNullInTheLog() async throws {
        let server = try await RedisServer.start()
        defer { Task { await server.shutdown() } }
        let redis = RedisClient(configuration: try RedisConfiguration(url: server.url))
        let layout = RedisLayout()
        let publisher = DividendPublisher(redis: redis, layout: layout)
        try await publisher.publish(block: 1, blockHash: "0x1", changes: [change(1, 0, netuid: 9, hotkey: bob, old: nil, new: 3)])
        try await publisher.publish(block: 2, blockHash: "0x2", changes: [change(2, 0, netuid: 9, hotkey: bob, old: 3, new: nil)])
        #expect(try await redis.hgetall(layout.latestKey(kind: .alpha, netuid: 9)).isEmpty)
        let log = try await redis.xrange(layout.changeLogKey)
        let text = String(decoding: log.last?.fields["change"] ?? [], as: UTF8.self)
        #expect(text.contains("\"new\":null"))
        #expect(text.contains("\"old\":\"3\""))
    }
}
