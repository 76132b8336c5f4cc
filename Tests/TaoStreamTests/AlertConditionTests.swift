#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Foundation
import TestHarness
import Testing

/// Every alert condition on real epochs: a DevChain (new random dividends each epoch, about one
/// validator in ten dropped and back later), `taostream watch`, `serve` and `notify` as
/// processes, rules made over REST. After some epochs the change log is read back and, for each
/// rule, the changes that meet its condition (worked out here, from the numbers) must be exactly
/// the deliveries it made.
@Suite("Alert conditions on DevChain epochs", .serialized, .timeLimit(.minutes(3)))
struct AlertConditionTests {
    struct Change {
        let hotkey: String
        let old: UInt64?
        let new: UInt64?
        let block: UInt64
        let offset: String
    }

    @Test func eachConditionFiresOnExactlyTheChangesThatMeetIt() async throws {
        let keys = try TemporaryDirectory.make("condition-keys")
        _ = try await TaoStreamBinary.run(["notify-keys", "--dir", keys])
        let receiver = try await AlertReceiver.start()
        let system = try await OperatorSystem.start("alert-conditions", blockMilliseconds: 300, settings: [
            "TAOSTREAM_ALERT_KEY_FILE": keys + "/alert.key", "TAOSTREAM_WEBHOOK_ALLOW_PRIVATE": "true",
            "TAOSTREAM_MAX_ALERT_DELIVERIES_PER_HOUR": "100000",
        ])
        defer { Task { await system.stop(); await receiver.stop() } }
        let token = try await system.token(scopes: "read,alerts")
        let port = Network.freePort()
        let server = try await system.spawn(["serve"], log: "serve.log", httpPort: port)
        defer { Task { await server.stop() } }
        let notifier = try await system.spawn(["notify"], log: "notify.log")
        defer { Task { await notifier.stop() } }
        try await waitForGroup(system)

        func create(_ condition: String, _ hook: String) async throws -> String {
            let body = #"{"netuid": 1, "condition": \#(condition), "webhook": {"url": "\#(receiver.url("hook/\(hook)"))"}}"#
            let (status, json) = try await call("POST", "http://127.0.0.1:\(port)/api/v1/alerts", token: token, body: body)
            #expect(status == 201, "\(json)")
            return try #require((json["alert"] as? [String: Any])?["alert_id"] as? String)
        }
        let newEntry = try await create(#"{"type": "new_entry"}"#, "new")
        let removed = try await create(#"{"type": "removed_entry"}"#, "removed")
        let drop = try await create(#"{"type": "relative_change", "percent": 30, "direction": "drop"}"#, "drop")
        let stalled = try await create(#"{"type": "stalled", "blocks": 2}"#, "stall")

        let watcher = try await system.spawn(["watch"], log: "watch.log")
        // The threshold rule comes after the first epoch, at its median value: crossings then happen both ways.
        var first: [Change] = []
        while first.isEmpty { first = try await changeLog(system).filter { $0.new != nil }; try await Task.sleep(for: .milliseconds(100)) }
        let values = first.compactMap(\.new).sorted()
        let threshold = values[values.count / 2]
        let crosses = try await create(#"{"type": "crosses", "side": "below", "threshold": "\#(Self.decimal(threshold))"}"#, "cross")
        let createdAfter = try await changeLog(system).last?.offset ?? "0-0"

        // Eight epochs or so, then the chain is left alone and the notifier catches up.
        while (try await changeLog(system).last?.block ?? 0) < 45 { try await Task.sleep(for: .milliseconds(200)) }
        await watcher.stop()
        try await waitUntilEvaluated(system)
        let log = try await changeLog(system)

        // Every firing is stored before the log entry is acknowledged; deliveries then follow.
        func delivered(_ alert: String) async throws -> [[String: Any]] {
            let deadline = ContinuousClock.now + .seconds(30)
            while true {
                let (_, json) = try await call("GET", "http://127.0.0.1:\(port)/api/v1/alerts/\(alert)/deliveries", token: token)
                let list = json["deliveries"] as? [[String: Any]] ?? []
                if list.allSatisfy({ $0["state"] as? String == "delivered" }) || ContinuousClock.now > deadline { return list }
                try await Task.sleep(for: .milliseconds(100))
            }
        }
        func offsets(_ list: [[String: Any]]) -> Set<String> { Set(list.compactMap { ($0["event"] as? [String: Any])?["offset"] as? String }) }
        let isAfter = { (offset: String) in Self.order(offset) > Self.order(createdAfter) }

        let expectedNew = Set(log.filter { $0.old == nil && $0.new != nil }.map(\.offset))
        let expectedRemoved = Set(log.filter { $0.old != nil && $0.new == nil }.map(\.offset))
        let expectedDrop = Set(log.filter { change in
            guard let old = change.old, old > 0 else { return false }
            return Double(change.new ?? 0) <= Double(old) * 0.7
        }.map(\.offset))
        let expectedCross = Set(log.filter { isAfter($0.offset) && ($0.old ?? 0) >= threshold && ($0.new ?? 0) < threshold }.map(\.offset))
        #expect(!expectedNew.isEmpty && !expectedDrop.isEmpty && !expectedCross.isEmpty, "the epochs gave every condition something to fire on")
        #expect(offsets(try await delivered(newEntry)) == expectedNew)
        #expect(offsets(try await delivered(removed)) == expectedRemoved)
        #expect(offsets(try await delivered(drop)) == expectedDrop)
        #expect(offsets(try await delivered(crosses)) == expectedCross)

        // Stalled: values change each epoch (five blocks), so each fires when two blocks passed
        // without a change, once per value, while the value still stood.
        let stalls = try await delivered(stalled)
        #expect(!stalls.isEmpty, "\(system.log("notify.log").suffix(800))")
        var seenValues = Set<String>()
        for stall in stalls {
            let event = try #require(stall["event"] as? [String: Any])
            let hotkey = try #require(event["hotkey"] as? String), setAt = try #require(event["offset"] as? String)
            let firedAt = try #require(event["block"] as? Int)
            let setBlock = Self.order(setAt).block
            let next = log.first { $0.hotkey == hotkey && Self.order($0.offset) > Self.order(setAt) }
            #expect(UInt64(firedAt) >= setBlock + 2, "fired at \(firedAt) for a value set at \(setAt)")
            #expect(next.map { UInt64(firedAt) < $0.block } ?? true, "the value had changed at \(next?.block ?? 0) before the stall at \(firedAt)")
            #expect(seenValues.insert("\(hotkey)@\(setAt)").inserted, "one stall per value")
        }
        let received = try await receiver.wait("new", count: expectedNew.count)
        #expect(received.count == expectedNew.count)
    }

    static func decimal(_ units: UInt64) -> String {
        let fraction = String(units % 1_000_000_000)
        return "\(units / 1_000_000_000).\(String(repeating: "0", count: 9 - fraction.count))\(fraction)"
    }

    static func order(_ offset: String) -> (block: UInt64, sequence: UInt64) {
        let parts = offset.split(separator: "-").compactMap { UInt64($0) }
        return (parts.first ?? 0, parts.count > 1 ? parts[1] : 0)
    }

    /// Subnet 1's changes from the change log, oldest first.
    func changeLog(_ system: OperatorSystem) async throws -> [Change] {
        let dump = try await redis(system, ["--raw", "XRANGE", "taostream:changes", "-", "+"])
        var changes: [Change] = []
        for line in dump.split(separator: "\n") where line.hasPrefix("{") {
            guard let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], object["netuid"] as? Int == 1 else { continue }
            changes.append(Change(hotkey: object["hotkey"] as? String ?? "", old: (object["old"] as? String).flatMap(UInt64.init),
                                  new: (object["new"] as? String).flatMap(UInt64.init), block: UInt64(object["block"] as? Int ?? 0),
                                  offset: object["offset"] as? String ?? ""))
        }
        return changes
    }

    func redis(_ system: OperatorSystem, _ arguments: [String]) async throws -> String {
        let port = URL(string: system.redis.url)?.port ?? 6379
        return try await ChildProcess.run("redis-cli", ["-p", "\(port)"] + arguments).output
    }

    func waitForGroup(_ system: OperatorSystem) async throws {
        for _ in 0..<300 {
            if try await redis(system, ["XINFO", "GROUPS", "taostream:changes"]).contains("notifiers") { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        Issue.record("the notifier never joined the change log: \(system.log("notify.log").suffix(800))")
    }

    /// Until the notifiers' group has read and acknowledged the whole log.
    func waitUntilEvaluated(_ system: OperatorSystem) async throws {
        for _ in 0..<600 {
            let last = try await redis(system, ["--raw", "XREVRANGE", "taostream:changes", "+", "-", "COUNT", "1"]).split(separator: "\n").first.map(String.init)
            let groups = try await redis(system, ["--raw", "XINFO", "GROUPS", "taostream:changes"]).split(separator: "\n").map(String.init)
            if let index = groups.firstIndex(of: "last-delivered-id"), let pending = groups.firstIndex(of: "pending"),
               index + 1 < groups.count, groups[index + 1] == last, groups[pending + 1] == "0" { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        Issue.record("the notifier did not catch up: \(system.log("notify.log").suffix(800))")
    }

    func call(_ method: String, _ url: String, token: String, body: String? = nil) async throws -> (Int, [String: Any]) {
        var request = URLRequest(url: URL(string: url)!)
        request.httpMethod = method
        request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
        if let body { request.httpBody = Data(body.utf8) }
        let (data, response) = try await URLSession.shared.data(for: request)
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:])
    }
}
