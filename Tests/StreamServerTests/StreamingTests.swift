import ChainWatcher
import Foundation
import Model
import StreamServer
import TaoRedis
import TestHarness
import Testing

@Suite("WebSocket streaming over real sockets", .serialized, .timeLimit(.minutes(3)))
struct StreamingTests {
    @Test func headerAuthIsAcceptedOrRefusedWithHTTP401() async throws {
        let fixture = try await ServerFixture.start()
        defer { Task { await fixture.shutdown() } }
        let socket = try await fixture.connect()
        let welcome = try await socket.next(type: "welcome")
        #expect(welcome["scopes"] == .array([.string("read")]))
        await socket.close()

        await #expect(throws: (any Error).self) { _ = try await fixture.connect(token: "tst_000000000000_" + String(repeating: "x", count: 43)) }
        await #expect(throws: (any Error).self) { _ = try await fixture.connect(token: "not a token") }
    }

    @Test func messageAuthIsAcceptedOrRefusedWithClose4001() async throws {
        let fixture = try await ServerFixture.start()
        defer { Task { await fixture.shutdown() } }
        let good = try await fixture.connectWithAuthMessage(token: fixture.tradeToken)
        let welcome = try await good.messages.pending().isEmpty ? [:] : [:]
        _ = welcome
        try await good.send(["type": .string("ping"), "id": .integer(7)])
        #expect(try await good.next(type: "pong")["id"] == .integer(7))
        await good.close()

        let bad = try await fixture.connect(header: false)
        try await bad.send(["type": .string("ping"), "id": .string("early")])
        let early = try await bad.next(type: "error")
        #expect(early["code"] == .string("not_authenticated"))
        #expect(early["id"] == .string("early"))
        try await bad.send(["type": .string("auth"), "id": .string("x"), "token": .string("tst_aaaaaaaaaaaa_" + String(repeating: "b", count: 43))])
        let refused = try await bad.next(type: "error")
        #expect(refused["code"] == .string("unauthorized"))
        #expect(try await bad.closeFrame()?.closeCode == .unknown(CloseCode.authenticationFailed.rawValue))
    }

    @Test func silenceAfterConnectingClosesWith4000() async throws {
        var limits = ConnectionLimits()
        limits.authenticationTimeout = .milliseconds(300)
        let fixture = try await ServerFixture.start(limits: limits)
        defer { Task { await fixture.shutdown() } }
        let socket = try await fixture.connect(header: false)
        #expect(try await socket.closeFrame()?.closeCode == .unknown(CloseCode.authenticationTimeout.rawValue))
    }

    /// A connection that authenticated but subscribes to nothing and says nothing is closed with
    /// 4005 after the idle timeout; one with a subscription is waiting for updates, not idle.
    @Test func anIdleConnectionClosesWith4005ButASubscribedOneStays() async throws {
        var limits = ConnectionLimits()
        limits.idleTimeout = .seconds(1)
        let fixture = try await ServerFixture.start(limits: limits)
        defer { Task { await fixture.shutdown() } }
        let idle = try await fixture.connect()
        _ = try await idle.next(type: "welcome")
        let listening = try await fixture.connect()
        try await listening.send(["type": .string("subscribe"), "netuid": .integer(7)])
        _ = try await listening.next(type: "subscribed")
        #expect(try await idle.closeFrame()?.closeCode == .unknown(CloseCode.idleTimeout.rawValue))
        try await Task.sleep(for: .seconds(1))
        try await ChangeScript(fixture.publisher).publish([(key(7, Hotkeys.alice), 3)])
        #expect(try await listening.next(type: "update").change?["new"] == .string("3"))
    }

    @Test func eachFilterGetsExactlyItsUpdates() async throws {
        let fixture = try await ServerFixture.start()
        defer { Task { await fixture.shutdown() } }
        let script = ChangeScript(fixture.publisher)
        try await fixture.publisher.register(kinds: [.alpha, .rootAlpha])
        // Initial state, for the snapshots.
        try await script.publish([(key(1, Hotkeys.alice), 10), (key(1, Hotkeys.bob), 20), (key(2, Hotkeys.alice), 30), (key(2, Hotkeys.bob), 40)])

        let filters: [(String, [String: JSONValue], Set<String>)] = [
            ("all", [:], ["1/A", "1/B", "2/A", "2/B"]),
            ("netuid", ["netuid": .integer(1)], ["1/A", "1/B"]),
            ("hotkey", ["hotkey": .string(Hotkeys.alice)], ["1/A", "2/A"]),
            ("both", ["netuid": .integer(2), "hotkey": .string(Hotkeys.bob)], ["2/B"]),
        ]
        func short(_ netuid: Int64?, _ hotkey: String?) -> String {
            "\(netuid ?? -1)/\(hotkey == Hotkeys.alice ? "A" : hotkey == Hotkeys.bob ? "B" : "?")"
        }
        var sockets: [(String, TestWebSocket, Set<String>)] = []
        for (name, filter, expected) in filters {
            let socket = try await fixture.connect()
            try await socket.send(["type": .string("subscribe"), "id": .string(name)].merging(filter) { $1 })
            let subscribed = try await socket.next(type: "subscribed")
            #expect(subscribed["id"] == .string(name))
            let snapshot = subscribed["snapshot"]?.arrayValue ?? []
            let seen = Set(snapshot.compactMap(\.objectValue).map { short($0["netuid"]?.intValue, $0["hotkey"]?.stringValue) })
            #expect(seen == expected, "snapshot of \(name)")
            sockets.append((name, socket, expected))
        }

        // Change every value twice; each subscriber must see exactly its keys' changes, in order.
        try await script.publish([(key(1, Hotkeys.alice), 11), (key(1, Hotkeys.bob), 21), (key(2, Hotkeys.alice), 31), (key(2, Hotkeys.bob), 41)])
        try await script.publish([(key(1, Hotkeys.alice), 12), (key(1, Hotkeys.bob), nil), (key(2, Hotkeys.alice), 32), (key(2, Hotkeys.bob), 42)])
        for (name, socket, expected) in sockets {
            var received: [String] = []
            for _ in 0..<(expected.count * 2) {
                let update = try await socket.next(type: "update")
                received.append(short(update.change?["netuid"]?.intValue, update.change?["hotkey"]?.stringValue) + "@" + (update.change?["offset"]?.stringValue ?? ""))
            }
            #expect(Set(received.map { String($0.prefix(3)) }) == expected, "\(name) got \(received)")
            let offsets = received.map { StreamOffset(String($0.split(separator: "@")[1]))! }
            #expect(offsets == offsets.sorted(), "\(name) out of order: \(received)")
            // Nothing beyond its own updates arrives.
            try await Task.sleep(for: .milliseconds(100))
            #expect(await socket.messages.pending().filter { $0["type"] == .string("update") }.isEmpty, "\(name) got extra updates")
        }
        // A removed value says so explicitly.
        let removed = try await { () async throws -> TestWebSocket.Message in
            let socket = try await fixture.connect()
            try await socket.send(["type": .string("query"), "id": .integer(1), "netuid": .integer(1)])
            return try await socket.next(type: "snapshot")
        }()
        #expect(removed["entries"]?.arrayValue?.count == 1)
        for (_, socket, _) in sockets { await socket.close() }
    }

    @Test func kindsNarrowTheSubscription() async throws {
        let fixture = try await ServerFixture.start()
        defer { Task { await fixture.shutdown() } }
        let script = ChangeScript(fixture.publisher)
        let socket = try await fixture.connect()
        try await socket.send(["type": .string("subscribe"), "kinds": .array([.string("RootAlphaDividendsPerSubnet")])])
        _ = try await socket.next(type: "subscribed")
        try await script.publish([(key(3, Hotkeys.alice, .alpha), 5), (key(3, Hotkeys.alice, .rootAlpha), 6)])
        let update = try await socket.next(type: "update")
        #expect(update.change?["kind"] == .string("RootAlphaDividendsPerSubnet"))
        #expect(update.change?["unit"] == .string("alpha_rao"))
        #expect(update.change?["new"] == .string("6"))
    }

    /// A well-formed but untracked map name (a typo, or a map this runtime lacks) is refused with
    /// the names that are tracked, instead of a subscription that never receives anything.
    @Test func anUntrackedKindIsRefusedWithTheTrackedNames() async throws {
        let fixture = try await ServerFixture.start()
        defer { Task { await fixture.shutdown() } }
        try await fixture.publisher.register(kinds: [.alpha, .rootAlpha])
        let socket = try await fixture.connect()
        try await socket.send(["type": .string("subscribe"), "id": "typo", "kinds": .array([.string("AlphaDividendPerSubnet")])])
        let error = try await socket.next(type: "error")
        #expect(error["code"] == "invalid_kind" && error["id"] == "typo")
        let message = error["message"]?.stringValue ?? ""
        #expect(message.contains("AlphaDividendPerSubnet") && message.contains("AlphaDividendsPerSubnet") && message.contains("RootAlphaDividendsPerSubnet"), "\(message)")
        try await socket.send(["type": .string("query"), "id": "q", "kinds": .array([.string("TaoDividendsPerSubnet")])])
        #expect(try await socket.next(type: "error")["code"] == "invalid_kind")
        try await socket.send(["type": .string("subscribe"), "id": "ok", "kinds": .array([.string("AlphaDividendsPerSubnet")])])
        #expect(try await socket.next(type: "subscribed")["id"] == "ok")
    }

    @Test func twoServersOnOneRedisBothDeliver() async throws {
        let first = try await ServerFixture.start()
        defer { Task { await first.shutdown() } }
        let second = try await ServerFixture.start(sharing: first)
        defer { Task { await second.stop() } }
        let script = ChangeScript(first.publisher)
        let a = try await first.connect()
        let b = try await second.connect()
        for socket in [a, b] {
            try await socket.send(["type": .string("subscribe"), "netuid": .integer(7)])
            _ = try await socket.next(type: "subscribed")
        }
        try await script.publish([(key(7, Hotkeys.charlie), 99)])
        for socket in [a, b] {
            #expect(try await socket.next(type: "update").change?["new"] == .string("99"))
        }
    }

    @Test func reconnectingWithSinceReplaysEveryMissedUpdateInOrder() async throws {
        let fixture = try await ServerFixture.start()
        defer { Task { await fixture.shutdown() } }
        let script = ChangeScript(fixture.publisher)
        try await script.publish([(key(1, Hotkeys.alice), 1)])
        let first = try await fixture.connect()
        try await first.send(["type": .string("subscribe"), "netuid": .integer(1)])
        _ = try await first.next(type: "subscribed")
        try await script.publish([(key(1, Hotkeys.alice), 2)])
        let seen = try await first.next(type: "update")
        let offset = try #require(seen.change?["offset"]?.stringValue)
        await first.close()

        // While away: five blocks, some for other subnets.
        var missed: [DividendChange] = []
        for value in 3...7 {
            missed += try await script.publish([(key(1, Hotkeys.alice), UInt64(value)), (key(2, Hotkeys.bob), UInt64(value))])
        }
        let second = try await fixture.connect()
        try await second.send(["type": .string("subscribe"), "id": .string("again"), "netuid": .integer(1), "since": .string(offset)])
        let subscribed = try await second.next(type: "subscribed")
        #expect(subscribed["recovered"] == .bool(true))
        #expect(subscribed["snapshot"] == .array([]))
        let expected = missed.filter { $0.netuid == 1 }.map { $0.offset.description }
        var replayed: [String] = []
        for _ in expected { replayed.append(try await second.next(type: "update").change?["offset"]?.stringValue ?? "") }
        #expect(replayed == expected)
        // And then live, without a duplicate.
        let live = try await script.publish([(key(1, Hotkeys.alice), 8)])
        #expect(try await second.next(type: "update").change?["offset"] == .string(live[0].offset.description))
    }

    /// A replay costs what it reads, matched or not (issue 14.7): `since:"0-0"` on a subnet with
    /// no changes used to decode the whole log for free, again and again.
    @Test func replaysSpendTheirTokensBudgetOfLogEntriesRead() async throws {
        var limits = ConnectionLimits()
        limits.replayEntriesPerSecond = 1
        limits.replayBurst = 20
        let fixture = try await ServerFixture.start(limits: limits)
        defer { Task { await fixture.shutdown() } }
        let script = ChangeScript(fixture.publisher)
        for value in 1...30 { try await script.publish([(key(1, Hotkeys.alice), UInt64(value))]) }
        let socket = try await fixture.connect()
        // Matches nothing, reads all 30 entries: allowed (the budget was whole), and overdrawn.
        try await socket.send(["type": .string("subscribe"), "id": .string("first"), "netuid": .integer(9), "since": .string("0-0")])
        let first = try await socket.next(type: "subscribed") { $0["id"] == .string("first") }
        #expect(first["recovered"] == .bool(true))
        // Another connection of the same token shares the debt.
        let other = try await fixture.connect()
        try await other.send(["type": .string("subscribe"), "id": .string("again"), "netuid": .integer(9), "since": .string("0-0")])
        let refused = try await other.next(type: "error") { $0["id"] == .string("again") }
        #expect(refused["code"] == .string("rate_limited"))
        #expect(refused["message"]?.stringValue?.contains("without it for a snapshot") == true)
        // A snapshot reads no log: still served.
        try await other.send(["type": .string("subscribe"), "id": .string("plain"), "netuid": .integer(1)])
        let plain = try await other.next(type: "subscribed") { $0["id"] == .string("plain") }
        #expect(plain["snapshot"]?.arrayValue?.count == 1)
    }

    @Test func anOffsetTheLogNoLongerHoldsGetsAFreshSnapshot() async throws {
        let fixture = try await ServerFixture.start()
        defer { Task { await fixture.shutdown() } }
        let script = ChangeScript(fixture.publisher)
        let old = try await script.publish([(key(4, Hotkeys.dave), 1)])
        for value in 2...5 { try await script.publish([(key(4, Hotkeys.dave), UInt64(value))]) }
        // The log is trimmed past the client's offset.
        _ = try await fixture.redis.send(RedisCommand("XTRIM", RedisArgument(RedisLayout().changeLogKey), "MAXLEN", "1"))
        let socket = try await fixture.connect()
        try await socket.send(["type": .string("subscribe"), "since": .string(old[0].offset.description)])
        let subscribed = try await socket.next(type: "subscribed")
        #expect(subscribed["recovered"] == .bool(false))
        let snapshot = subscribed["snapshot"]?.arrayValue?.compactMap(\.objectValue) ?? []
        #expect(snapshot.map { $0["amount"] } == [.string("5")])
    }

    /// After the watcher puts back a Redis that lost its data, live clients get a fresh snapshot
    /// of the restored values, and a client recovering from before the loss is told it cannot.
    @Test func aRestoredRedisSendsFreshSnapshotsAndRefusesOlderReplays() async throws {
        let fixture = try await ServerFixture.start()
        defer { Task { await fixture.shutdown() } }
        let script = ChangeScript(fixture.publisher)
        let before = try await script.publish([(key(6, Hotkeys.alice), 10), (key(6, Hotkeys.bob), 20)])
        let socket = try await fixture.connect()
        try await socket.send(["type": .string("subscribe"), "id": "live", "netuid": .integer(6)])
        _ = try await socket.next(type: "subscribed")

        _ = try await fixture.redis.send(RedisCommand("FLUSHALL"))
        let restored = before.compactMap(\.entry)
        try await fixture.publisher.restore(entries: restored, block: before[0].block, blockHash: before[0].blockHash)
        let fresh = try await socket.next(type: "subscribed")
        #expect(fresh["recovered"] == .bool(false))
        let amounts = (fresh["snapshot"]?.arrayValue ?? []).compactMap { $0.objectValue?["amount"]?.stringValue }.sorted()
        #expect(amounts == ["10", "20"])

        // Changes after the restore are replayable; from before it, only a snapshot is honest.
        let after = try await script.publish([(key(6, Hotkeys.alice), 11)])
        #expect(try await socket.next(type: "update").change?["offset"] == .string(after[0].offset.description))
        let late = try await fixture.connect()
        try await late.send(["type": .string("subscribe"), "netuid": .integer(6), "since": .string(before[0].offset.description)])
        let answer = try await late.next(type: "subscribed")
        #expect(answer["recovered"] == .bool(false))
        let replay = try await fixture.connect()
        try await replay.send(["type": .string("subscribe"), "netuid": .integer(6), "since": .string(StreamOffset(block: before[0].block, sequence: 99).description)])
        #expect(try await replay.next(type: "subscribed")["recovered"] == .bool(false))
    }

    @Test func badInputGetsTheRightErrorAndTheConnectionStaysUsable() async throws {
        let fixture = try await ServerFixture.start()
        defer { Task { await fixture.shutdown() } }
        let socket = try await fixture.connect()
        _ = try await socket.next(type: "welcome")
        let cases: [(String, String)] = [
            ("{not json", "malformed_json"),
            ("[1,2]", "malformed_json"),
            (#"{"type":"dance"}"#, "unknown_type"),
            (#"{"id":1}"#, "unknown_type"),
            (#"{"type":"subscribe","hotkey":"5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHG0utQY"}"#, "invalid_hotkey"),
            (#"{"type":"subscribe","hotkey":"hello"}"#, "invalid_hotkey"),
            (#"{"type":"subscribe","netuid":70000}"#, "invalid_netuid"),
            (#"{"type":"subscribe","netuid":-1}"#, "invalid_netuid"),
            (#"{"type":"subscribe","netuid":"1"}"#, "invalid_netuid"),
            (#"{"type":"subscribe","kinds":["Not:AMap"]}"#, "invalid_kind"),
            (#"{"type":"subscribe","since":"yesterday"}"#, "invalid_offset"),
            (#"{"type":"subscribe","netUid":1}"#, "invalid_field"),
            (#"{"type":"unsubscribe","subscription":"s999"}"#, "unknown_subscription"),
            ("{\"type\":\"ping\",\"pad\":\"" + String(repeating: "x", count: 20_000) + "\"}", "frame_too_large"),
        ]
        for (index, (text, code)) in cases.enumerated() {
            try await socket.sendText(text)
            let error = try await socket.next(type: "error")
            #expect(error["code"] == .string(code), "case \(index): \(text.prefix(60)) → \(error)")
            #expect((error["message"]?.stringValue?.count ?? 0) > 10)
        }
        try await socket.sendBinary(Array("{}".utf8))
        #expect(try await socket.next(type: "error")["code"] == .string("malformed_json"))
        try await socket.send(["type": .string("ping"), "id": .string("still here")])
        #expect(try await socket.next(type: "pong")["id"] == .string("still here"))
    }

    @Test func abuseThatContinuesIsClosedWith4004() async throws {
        var limits = ConnectionLimits()
        limits.errorsPerMinute = 5
        let fixture = try await ServerFixture.start(limits: limits)
        defer { Task { await fixture.shutdown() } }
        let socket = try await fixture.connect()
        for _ in 0..<10 { try? await socket.sendText("garbage") }
        #expect(try await socket.closeFrame()?.closeCode == .unknown(CloseCode.policyViolation.rawValue))
    }

    @Test func floodingIsRateLimited() async throws {
        var limits = ConnectionLimits()
        limits.messagesPerSecond = 5
        let fixture = try await ServerFixture.start(limits: limits)
        defer { Task { await fixture.shutdown() } }
        let socket = try await fixture.connect()
        for index in 0..<15 { try await socket.send(["type": .string("ping"), "id": .integer(Int64(index))]) }
        let limited = try await socket.next(type: "error")
        #expect(limited["code"] == .string("rate_limited"))
    }

    /// Sending too fast is not sending something bad (issue 15): over the rate, messages are
    /// dropped, the client is told once a second, and its error budget is untouched; only a flood
    /// that goes on (ten seconds' worth over the rate) closes with 4004.
    @Test func tooFastIsToldOnceASecondWithoutSpendingTheErrorBudgetButAFloodCloses() async throws {
        var limits = ConnectionLimits()
        limits.messagesPerSecond = 5
        limits.errorsPerMinute = 3
        let fixture = try await ServerFixture.start(limits: limits)
        defer { Task { await fixture.shutdown() } }
        let socket = try await fixture.connect()
        // Twenty at once: ten pass (bursts of twice the rate), ten are dropped: more than the
        // error budget, less than the flood allowance.
        for index in 0..<20 { try await socket.send(["type": .string("ping"), "id": .integer(Int64(index))]) }
        for index in 0..<10 { _ = try await socket.next(type: "pong") { $0["id"] == .integer(Int64(index)) } }
        // Still open: once the rate allows again, a ping is answered.
        var answered = false
        for attempt in 0..<30 where !answered {
            try await socket.send(["type": .string("ping"), "id": .string("later-\(attempt)")])
            answered = (try? await socket.next(type: "pong", timeout: .milliseconds(400)) { $0["id"] == .string("later-\(attempt)") }) != nil
        }
        #expect(answered)
        let notices = await socket.messages.all().filter { $0["code"] == .string("rate_limited") }.count
        #expect(notices >= 1 && notices <= 3, "one notice a second, not one per dropped message: \(notices)")
        // A flood closes.
        for index in 0..<300 { try? await socket.send(["type": .string("ping"), "id": .integer(Int64(1000 + index))]) }
        #expect(try await socket.closeFrame()?.closeCode == .unknown(CloseCode.policyViolation.rawValue))
    }

    @Test func subscriptionLimitAndUnsubscribe() async throws {
        var limits = ConnectionLimits()
        limits.subscriptionsPerConnection = 2
        let fixture = try await ServerFixture.start(limits: limits)
        defer { Task { await fixture.shutdown() } }
        let script = ChangeScript(fixture.publisher)
        let socket = try await fixture.connect()
        try await socket.send(["type": .string("subscribe"), "netuid": .integer(1)])
        let first = try await socket.next(type: "subscribed")
        try await socket.send(["type": .string("subscribe"), "netuid": .integer(2)])
        _ = try await socket.next(type: "subscribed")
        try await socket.send(["type": .string("subscribe"), "netuid": .integer(3)])
        #expect(try await socket.next(type: "error")["code"] == .string("too_many_subscriptions"))

        try await socket.send(["type": .string("unsubscribe"), "id": .integer(9), "subscription": first["subscription"]!])
        #expect(try await socket.next(type: "unsubscribed")["id"] == .integer(9))
        try await script.publish([(key(1, Hotkeys.alice), 1), (key(2, Hotkeys.alice), 2)])
        #expect(try await socket.next(type: "update").change?["netuid"] == .integer(2))
        try await Task.sleep(for: .milliseconds(100))
        #expect(await socket.messages.pending().contains { $0["type"] == .string("update") } == false)
    }

    @Test func oneSubscribeWithListsMakesASubscriptionPerKeyOrNoneOverTheLimit() async throws {
        var limits = ConnectionLimits()
        limits.subscriptionsPerConnection = 3
        let fixture = try await ServerFixture.start(limits: limits)
        defer { Task { await fixture.shutdown() } }
        let script = ChangeScript(fixture.publisher)
        try await script.publish([(key(1, Hotkeys.alice), 10), (key(1, Hotkeys.bob), 20), (key(2, Hotkeys.alice), 30)])
        let socket = try await fixture.connect()
        // Over the limit (2 × 2 = 4 > 3): refused whole, nothing subscribed.
        try await socket.send(["type": .string("subscribe"), "id": .string("big"), "netuids": .array([.integer(1), .integer(2)]),
                               "hotkeys": .array([.string(Hotkeys.alice), .string(Hotkeys.bob)])])
        let refused = try await socket.next(type: "error")
        #expect(refused["code"] == .string("too_many_subscriptions") && refused["id"] == .string("big"))
        #expect(refused["message"]?.stringValue?.contains("asks for 4") == true, "\(refused)")
        // A bot's hotkeys on one subnet: a `subscribed` each, under the one id, each with its own snapshot.
        try await socket.send(["type": .string("subscribe"), "id": .string("bot"), "netuid": .integer(1),
                               "hotkeys": .array([.string(Hotkeys.alice), .string(Hotkeys.bob)])])
        var snapshots: [String: JSONValue] = [:]
        for _ in 0..<2 {
            let subscribed = try await socket.next(type: "subscribed")
            #expect(subscribed["id"] == .string("bot"))
            let hotkey = try #require(subscribed["filter"]?.objectValue?["hotkey"]?.stringValue)
            #expect(subscribed["filter"]?.objectValue?["netuid"] == .integer(1))
            snapshots[hotkey] = subscribed["snapshot"]?.arrayValue?.first?.objectValue?["hotkey"]
        }
        #expect(snapshots == [Hotkeys.alice: .string(Hotkeys.alice), Hotkeys.bob: .string(Hotkeys.bob)])
        // Each key's changes arrive, the other subnet's do not.
        try await script.publish([(key(1, Hotkeys.alice), 11), (key(2, Hotkeys.alice), 31), (key(1, Hotkeys.bob), 21)])
        var updated: Set<String> = []
        for _ in 0..<2 {
            let change = try await socket.next(type: "update").change
            #expect(change?["netuid"] == .integer(1))
            updated.insert(change?["hotkey"]?.stringValue ?? "")
        }
        #expect(updated == [Hotkeys.alice, Hotkeys.bob])
        // One place left: a list of two no longer fits.
        try await socket.send(["type": .string("subscribe"), "netuids": .array([.integer(2), .integer(3)])])
        #expect(try await socket.next(type: "error")["code"] == .string("too_many_subscriptions"))
        await socket.close()
    }

    @Test func revokingATokenClosesItsOpenConnectionsWith4006() async throws {
        var limits = ConnectionLimits()
        limits.tokenRecheckInterval = .milliseconds(200)
        let fixture = try await ServerFixture.start(limits: limits)
        defer { Task { await fixture.shutdown() } }
        let doomed = try await fixture.tokens.create(label: "doomed", scopes: [.read])
        let revoked = try await fixture.connect(token: doomed.token)
        let kept = try await fixture.connect()
        _ = try await revoked.next(type: "welcome")
        _ = try await kept.next(type: "welcome")
        #expect(try await fixture.tokens.revoke(id: doomed.record.id))
        #expect(try await revoked.closeFrame()?.closeCode == .unknown(CloseCode.tokenRevoked.rawValue))
        // Other tokens' connections stay open and working.
        try await kept.send(["type": .string("ping"), "id": .string("still-here")])
        #expect(try await kept.next(type: "pong")["id"] == .string("still-here"))
    }

    @Test func connectionsPerTokenAreCapped() async throws {
        var limits = ConnectionLimits()
        limits.connectionsPerToken = 2
        let fixture = try await ServerFixture.start(limits: limits)
        defer { Task { await fixture.shutdown() } }
        let a = try await fixture.connect()
        let b = try await fixture.connect()
        _ = try await a.next(type: "welcome")
        _ = try await b.next(type: "welcome")
        let c = try await fixture.connect()
        #expect(try await c.closeFrame()?.closeCode == .unknown(CloseCode.tooManyConnections.rawValue))
        await a.close()
        try await Task.sleep(for: .milliseconds(100))
        let d = try await fixture.connect()
        _ = try await d.next(type: "welcome")
    }

    @Test func aClientThatStopsReadingIsClosedWhileOthersKeepReceiving() async throws {
        var limits = ConnectionLimits()
        limits.queueLimit = 64
        limits.slowClientPolicy = .close
        let fixture = try await ServerFixture.start(limits: limits)
        defer { Task { await fixture.shutdown() } }
        let script = ChangeScript(fixture.publisher)
        // Uncompressed, so the slow client's socket buffers fill with fewer updates.
        let slow = try await TestWebSocket.connect(url: fixture.url, bearer: fixture.readToken, compression: false)
        let healthy = try await fixture.connect()
        for socket in [slow, healthy] {
            try await socket.send(["type": .string("subscribe")])
            _ = try await socket.next(type: "subscribed")
        }
        slow.pauseReading()
        // Publish until the server gives up on the slow client, while the healthy one keeps up.
        let hotkeys = [Hotkeys.alice, Hotkeys.bob, Hotkeys.charlie, Hotkeys.dave]
        var closed = false
        var round = 0
        while !closed && round < 5000 {
            try await script.publish((0..<32).map { (key(UInt16($0), hotkeys[$0 % 4]), UInt64(round * 100 + $0)) })
            let last = String(round * 100 + 31)
            try await healthy.next(type: "update") { $0.change?["new"] == .string(last) }
            if round % 20 == 0 {
                closed = try await fetch("http://127.0.0.1:\(fixture.port)/metrics").contains("taostream_slow_clients_closed_total 1")
            }
            round += 1
        }
        #expect(closed, "the slow client was never closed after \(round) blocks")
        // The healthy client is unaffected.
        try await script.publish([(key(7, Hotkeys.bob), 1)])
        let after = try await healthy.next(type: "update") { $0.change?["netuid"] == .integer(7) && $0.change?["new"] == .string("1") }
        #expect(after.change?["hotkey"] == .string(Hotkeys.bob))
        // Once it reads again, the slow client finds its connection closed as "slow" (or simply
        // cut, when the close frame could not get through its full buffers).
        slow.resumeReading()
        let frame = try await slow.closeFrame(timeout: .seconds(20))
        #expect(frame == nil || frame?.closeCode == .unknown(CloseCode.slowConsumer.rawValue))
    }

    @Test func aSlowClientIsConflatedToTheLatestValues() async throws {
        var limits = ConnectionLimits()
        limits.queueLimit = 8
        limits.slowClientPolicy = .conflate
        let fixture = try await ServerFixture.start(limits: limits)
        defer { Task { await fixture.shutdown() } }
        let script = ChangeScript(fixture.publisher)
        let slow = try await fixture.connect()
        try await slow.send(["type": .string("subscribe")])
        _ = try await slow.next(type: "subscribed")
        slow.pauseReading()
        let hotkeys = [Hotkeys.alice, Hotkeys.bob, Hotkeys.charlie, Hotkeys.dave]
        let rounds = 400
        for round in 0..<rounds {
            try await script.publish((0..<32).map { (key(UInt16($0), hotkeys[$0 % 4]), UInt64(round * 100 + $0)) })
        }
        slow.resumeReading()
        // Every key ends at its final value, and fewer messages than updates were needed.
        var latest: [Int64: String] = [:]
        var received = 0
        while latest.count < 32 || latest.values.contains(where: { Int($0)! < (rounds - 1) * 100 }) {
            let update = try await slow.next(type: "update", timeout: .seconds(30))
            received += 1
            latest[update.change!["netuid"]!.intValue!] = update.change!["new"]!.stringValue!
        }
        #expect(latest.count == 32)
        #expect(received < rounds * 32)
        let metrics = try await fetch("http://127.0.0.1:\(fixture.port)/metrics")
        #expect(metrics.contains("taostream_queue_conflated_total"))
    }

    @Test func lostRedisSubscriptionIsCaughtUpFromTheLog() async throws {
        let fixture = try await ServerFixture.start()
        defer { Task { await fixture.shutdown() } }
        let script = ChangeScript(fixture.publisher)
        let socket = try await fixture.connect()
        try await socket.send(["type": .string("subscribe"), "netuid": .integer(5)])
        _ = try await socket.next(type: "subscribed")
        // Cut the server's subscription and publish before it can come back.
        _ = try await fixture.redis.send(RedisCommand("CLIENT", "KILL", "TYPE", "pubsub"))
        let published = try await script.publish([(key(5, Hotkeys.alice), 42)])
        let update = try await socket.next(type: "update")
        #expect(update.change?["offset"] == .string(published[0].offset.description))
    }

    @Test func gracefulShutdownClosesWith1001() async throws {
        let fixture = try await ServerFixture.start()
        defer { Task { await fixture.redisServer.shutdown() } }
        let socket = try await fixture.connect()
        _ = try await socket.next(type: "welcome")
        Task { await fixture.stop() }
        #expect(try await socket.closeFrame()?.closeCode == .goingAway)
    }

    @Test func legacyRESTEndpointAnswersFromTheSnapshot() async throws {
        let fixture = try await ServerFixture.start()
        defer { Task { await fixture.shutdown() } }
        let script = ChangeScript(fixture.publisher)
        try await script.publish([(key(1, Hotkeys.alice), 10), (key(2, Hotkeys.alice), 20), (key(2, Hotkeys.bob), 30)])
        let base = "http://127.0.0.1:\(fixture.port)/api/v1/tao_dividends"
        #expect(try await status(base, token: nil) == 401)
        #expect(try await status(base, token: "tst_wrong") == 401)
        #expect(try await status(base + "?netuid=abc", token: fixture.readToken) == 400)
        #expect(try await status(base + "?hotkey=nope", token: fixture.readToken) == 400)
        let body = try await fetch(base + "?netuid=2&hotkey=\(Hotkeys.bob)", token: fixture.readToken)
        let json = try JSONDecoder().decode(JSONValue.self, from: Data(body.utf8)).objectValue ?? [:]
        let dividends = json["dividends"]?.arrayValue?.compactMap(\.objectValue) ?? []
        #expect(dividends.count == 1)
        #expect(dividends.first?["amount"] == .string("30"))
        let all = try await fetch(base, token: fixture.readToken)
        #expect(all.components(separatedBy: "\"amount\"").count - 1 == 3)
        // The shape web-client-spec documents, for the answer and for a refusal.
        let contract = try await ContractValidator.shared()
        for text in [body, all] { #expect(await contract.problem(in: text, as: .definition("TaoDividendsResponse")) == nil, "\(text)") }
        let refusal = try await fetch(base + "?netuid=abc", token: fixture.readToken)
        #expect(await contract.problem(in: refusal, as: .definition("RestError")) == nil, "\(refusal)")
    }
}

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

func fetch(_ url: String, token: String? = nil) async throws -> String {
    var request = URLRequest(url: URL(string: url)!)
    if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
    let (data, _) = try await URLSession.shared.data(for: request)
    return String(decoding: data, as: UTF8.self)
}

func status(_ url: String, token: String?) async throws -> Int {
    var request = URLRequest(url: URL(string: url)!)
    if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
    let (_, response) = try await URLSession.shared.data(for: request)
    return (response as? HTTPURLResponse)?.statusCode ?? 0
}
