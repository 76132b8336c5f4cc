import ChainWatcher
import Foundation
import Model
import StreamServer
import TaoRedis
import TestHarness
import Testing

/// Slow clients and long recoveries: conflation keeps offsets in order on the wire, a replay longer
/// than the queue reaches a client that reads, and a replay the change log cannot give whole is
/// answered with a snapshot.
@Suite("Backpressure and recovery over real sockets", .serialized, .timeLimit(.minutes(3)))
struct BackpressureTests {
    struct Stalled: Error, CustomStringConvertible { var description: String }

    /// With two keys changing alternately, conflating a key where its update stood would send it
    /// ahead of the other key's earlier update; the client reads strictly increasing offsets, so
    /// the last one it read is always a safe `since`, and it ends at the latest values.
    @Test func conflationKeepsOffsetsIncreasingAndEndsAtTheLatestValues() async throws {
        var limits = ConnectionLimits()
        limits.queueLimit = 8
        limits.slowClientPolicy = .conflate
        let fixture = try await ServerFixture.start(limits: limits)
        defer { Task { await fixture.shutdown() } }
        let script = ChangeScript(fixture.publisher)
        let a = key(1, Hotkeys.alice)
        let b = key(1, Hotkeys.bob)
        // Uncompressed, so the socket buffers fill with fewer updates and the queue backs up sooner.
        let slow = try await TestWebSocket.connect(url: fixture.url, bearer: fixture.readToken, compression: false)
        try await slow.send(["type": .string("subscribe"), "netuid": .integer(1)])
        _ = try await slow.next(type: "subscribed")
        slow.pauseReading()

        // A and B change alternately, 32 changes a block, until the server has conflated plenty.
        var value: UInt64 = 0
        var published = 0
        var conflated = 0
        var rounds = 0
        while conflated < 200 && rounds < 5000 {
            var block: [(DividendKey, UInt64?)] = []
            for index in 0..<32 {
                value += 1
                let amount: UInt64? = value
                block.append((index % 2 == 0 ? a : b, amount))
            }
            try await script.publish(block)
            published += block.count
            rounds += 1
            if rounds % 10 == 0 {
                conflated = try await counter("taostream_queue_conflated_total", port: fixture.port)
            }
        }
        try #require(conflated >= 200, "only \(conflated) updates were conflated after \(rounds) blocks")
        let finalA = try #require(await script.value(a))
        let finalB = try #require(await script.value(b))
        slow.resumeReading()

        let received = try await receivedChanges(on: slow) { latest in
            latest[Hotkeys.alice] == String(finalA) && latest[Hotkeys.bob] == String(finalB)
        }
        let offsets = received.compactMap { change in change["offset"]?.stringValue.flatMap { StreamOffset($0) } }
        #expect(offsets.count == received.count)
        let backwards = zip(offsets, offsets.dropFirst()).first { pair in !(pair.0 < pair.1) }
        let inOrder = backwards == nil
        let order = backwards.map { "\($0.1) came after \($0.0)" } ?? ""
        #expect(inOrder, "offsets out of order: \(order)")
        let lastOfA = received.last { $0["hotkey"] == .string(Hotkeys.alice) }
        let lastOfB = received.last { $0["hotkey"] == .string(Hotkeys.bob) }
        #expect(lastOfA?["new"] == .string(String(finalA)))
        #expect(lastOfB?["new"] == .string(String(finalB)))
        #expect(received.count < published, "\(received.count) updates for \(published) changes: nothing was conflated")
    }

    /// Under `close`, a reconnecting client 25 times the queue limit behind gets the whole replay
    /// (paced to its reading), in order, and stays connected: no 4003.
    @Test func aReplayLongerThanTheQueueReachesAReadingClientUnderTheClosePolicy() async throws {
        var limits = ConnectionLimits()
        limits.queueLimit = 8
        limits.slowClientPolicy = .close
        let fixture = try await ServerFixture.start(limits: limits)
        defer { Task { await fixture.shutdown() } }
        let script = ChangeScript(fixture.publisher)
        let a = key(1, Hotkeys.alice)
        let b = key(1, Hotkeys.bob)
        let elsewhere = key(9, Hotkeys.charlie)
        try await script.publish([(a, 1), (b, 1)])
        let first = try await fixture.connect()
        try await first.send(["type": .string("subscribe"), "netuid": .integer(1)])
        _ = try await first.next(type: "subscribed")
        let seen = try await script.publish([(a, 2)])
        #expect(try await first.next(type: "update").change?["offset"] == .string(seen[0].offset.description))
        await first.close()

        // While away: 200 updates for the subscription, with other subnets' updates between them.
        var missed: [DividendChange] = []
        for value in UInt64(3)...UInt64(102) {
            missed += try await script.publish([(a, value), (elsewhere, value), (b, value)])
        }
        let expected = missed.filter { $0.netuid == 1 }.map { $0.offset.description }
        #expect(expected.count == 25 * limits.queueLimit)
        let last = try #require(missed.last)

        let second = try await fixture.connect()
        try await second.send(["type": .string("subscribe"), "id": .string("again"), "netuid": .integer(1), "since": .string(seen[0].offset.description)])
        let subscribed = try await second.next(type: "subscribed")
        #expect(subscribed["recovered"] == .bool(true))
        #expect(subscribed["snapshot"] == .array([]))
        #expect(subscribed["offset"] == .string(last.offset.description))
        var replayed: [String] = []
        for _ in expected {
            replayed.append(try await second.next(type: "update").change?["offset"]?.stringValue ?? "")
        }
        #expect(replayed == expected)

        // Then live, without a duplicate, and the connection is still open.
        let live = try await script.publish([(a, 500)])
        #expect(try await second.next(type: "update").change?["offset"] == .string(live[0].offset.description))
        try await second.send(["type": .string("ping"), "id": .string("still open")])
        #expect(try await second.next(type: "pong")["id"] == .string("still open"))
        #expect(try await counter("taostream_slow_clients_closed_total", port: fixture.port) == 0)
    }

    /// More changes after `since` than the change log reads at once (100 000): the replay would be
    /// cut short, so the answer is a fresh snapshot, never `recovered: true`.
    @Test func aReplayLongerThanTheReadBoundGetsAFreshSnapshot() async throws {
        let fixture = try await ServerFixture.start()
        defer { Task { await fixture.shutdown() } }
        let a = key(1, Hotkeys.alice)
        let b = key(1, Hotkeys.bob)
        let hash = "0x" + String(repeating: "ab", count: 32)
        // A cap far above the usual, so nothing is trimmed and only the read bound applies.
        let logLength = 1_000_000
        var block: UInt64 = 1000
        let since = StreamOffset(block: block, sequence: 0)
        let start = DividendChange(kind: a.kind, netuid: a.netuid, hotkey: a.hotkey, old: nil, new: 1, block: block, blockHash: hash, offset: since)
        try await fixture.publisher.publish(block: block, blockHash: hash, changes: [start], logLength: logLength)
        var values: [DividendKey: UInt64] = [a: 1]
        for _ in 0..<101 {
            block += 1
            var changes: [DividendChange] = []
            changes.reserveCapacity(1000)
            for sequence in 0..<1000 {
                let changed = sequence % 2 == 0 ? a : b
                let amount = block * 10_000 + UInt64(sequence)
                changes.append(DividendChange(
                    kind: changed.kind, netuid: changed.netuid, hotkey: changed.hotkey, old: values[changed], new: amount,
                    block: block, blockHash: hash, offset: StreamOffset(block: block, sequence: UInt64(sequence))
                ))
                values[changed] = amount
            }
            try await fixture.publisher.publish(block: block, blockHash: hash, changes: changes, logLength: logLength)
        }

        let socket = try await fixture.connect()
        try await socket.send(["type": .string("subscribe"), "netuid": .integer(1), "since": .string(since.description)])
        let subscribed = try await socket.next(type: "subscribed", timeout: .seconds(60))
        #expect(subscribed["recovered"] == .bool(false))
        var amounts: [String: String] = [:]
        for entry in subscribed["snapshot"]?.arrayValue ?? [] {
            if let object = entry.objectValue, let hotkey = object["hotkey"]?.stringValue, let amount = object["amount"]?.stringValue {
                amounts[hotkey] = amount
            }
        }
        let finalA = try #require(values[a])
        let finalB = try #require(values[b])
        // The snapshot is this server's state at its offset (it may still be routing the burst);
        // the updates after it bring the client to the final values, or, if the burst overran the
        // server's Redis subscription (Redis cuts a subscriber 32 MB behind), a fresh snapshot does.
        let expected = [Hotkeys.alice: String(finalA), Hotkeys.bob: String(finalB)]
        var received = 0
        while amounts != expected {
            let message = try await socket.messages.next(timeout: .seconds(60), "an update or a fresh snapshot (snapshot at \(subscribed["offset"].map { "\($0)" } ?? "nil"), \(received) messages since, amounts \(amounts), expected \(expected))") {
                $0["type"] == .string("update") || $0["type"] == .string("subscribed")
            }
            if message["type"] == .string("subscribed") {
                amounts = [:]
                for entry in message["snapshot"]?.arrayValue ?? [] {
                    if let object = entry.objectValue, let hotkey = object["hotkey"]?.stringValue, let amount = object["amount"]?.stringValue {
                        amounts[hotkey] = amount
                    }
                }
            } else if let hotkey = message.change?["hotkey"]?.stringValue, let amount = message.change?["new"]?.stringValue {
                amounts[hotkey] = amount
            }
            received += 1
        }
        #expect(amounts == expected)
    }

    // MARK: Helpers

    /// The changes of every update `socket` received, once `done` holds for the newest value of
    /// each hotkey, and a moment later, so whatever would still follow is included too.
    private func receivedChanges(on socket: TestWebSocket, until done: ([String: String]) -> Bool) async throws -> [[String: JSONValue]] {
        let deadline = ContinuousClock.now + .seconds(60)
        while true {
            let messages = await socket.messages.pending()
            var latest: [String: String] = [:]
            for change in Self.changes(in: messages) {
                if let hotkey = change["hotkey"]?.stringValue, let amount = change["new"]?.stringValue {
                    latest[hotkey] = amount
                }
            }
            if done(latest) {
                try await Task.sleep(for: .milliseconds(300))
                let settled = await socket.messages.pending()
                return Self.changes(in: settled)
            }
            guard ContinuousClock.now < deadline else {
                throw Stalled(description: "the awaited values did not arrive within 60 s; the newest seen: \(latest)")
            }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    private static func changes(in messages: [TestWebSocket.Message]) -> [[String: JSONValue]] {
        messages.compactMap { $0["type"] == .string("update") ? $0.change : nil }
    }

    /// A counter on the server's /metrics (0 before it counted anything).
    private func counter(_ name: String, port: Int) async throws -> Int {
        let text = try await fetch("http://127.0.0.1:\(port)/metrics")
        for line in text.split(separator: "\n") where line.hasPrefix(name + " ") {
            return Int(Double(line.dropFirst(name.count + 1).trimmingCharacters(in: .whitespaces)) ?? 0)
        }
        return 0
    }
}
