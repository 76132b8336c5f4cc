import Foundation
import Model
import TestHarness
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Alert rules managed over the WebSocket and REST against a real server and PostgreSQL: scope,
/// per-token cap, destinations checked before storing, the secret shown once, owners kept apart.
/// (Deliveries themselves: NotifierTests.)
@Suite("Alert management", .serialized, .timeLimit(.minutes(2)))
struct AlertManagementTests {
    static let p256dh = "BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM"
    static let auth = "tBHItJI5svbpez7KI4CCXg"

    static let webhook: TestWebSocket.Message = [
        "type": "alert_create", "id": "c", "netuid": .integer(7), "hotkey": .string(Hotkeys.alice), "label": "mine",
        "condition": .object(["type": "relative_change", "percent": .integer(30), "direction": "drop"]),
        "webhook": .object(["url": "https://hooks.example.com/taostream", "format": "discord"]),
    ]

    @Test func rulesAreCreatedListedAndDeletedByTheirOwnerOnly() async throws {
        let fixture = try await ServerFixture.start(maximumAlerts: 2)
        defer { Task { await fixture.shutdown() } }
        let owner = try await fixture.tokens.create(label: "alerts", scopes: [.read, .alerts]).token
        let other = try await fixture.tokens.create(label: "other", scopes: [.read, .alerts]).token
        let alertsOnly = try await fixture.tokens.create(label: "alerts only", scopes: [.alerts]).token
        // Deliveries carry dividend data: without `read`, no alerts.
        let unread = try await fixture.connect(token: alertsOnly)
        _ = try await unread.next(type: "welcome")
        try await unread.send(["type": "alert_list"])
        #expect(try await unread.next(type: "error")["message"]?.stringValue?.contains("'read' and 'alerts'") == true)

        let reader = try await fixture.connect(token: fixture.readToken)
        _ = try await reader.next(type: "welcome")
        try await reader.send(Self.webhook)
        #expect(try await reader.next(type: "error")["code"] == "forbidden")

        let socket = try await fixture.connect(token: owner)
        _ = try await socket.next(type: "welcome")
        try await socket.send(Self.webhook)
        let created = try await socket.next(type: "alert_created")
        let alert = try #require(created["alert"]?.objectValue)
        let alertID = try #require(alert["alert_id"]?.stringValue)
        #expect(created["webhook_secret"]?.stringValue?.hasPrefix("whsec_") == true)
        #expect(alert["condition"]?.objectValue?["percent"] == .integer(30))
        #expect(alert["webhook"]?.objectValue?["format"] == "discord")

        var push = Self.webhook
        push["webhook"] = nil
        push["web_push"] = .object(["endpoint": "https://fcm.googleapis.com/fcm/send/abc", "expirationTime": .null,
                                    "keys": .object(["p256dh": .string(Self.p256dh), "auth": .string(Self.auth)])])
        push["id"] = "p"
        try await socket.send(push)
        let pushed = try await socket.next(type: "alert_created") { $0["id"] == "p" }
        #expect(pushed["webhook_secret"] == nil, "a push alert has no secret to show")
        #expect(pushed["alert"]?.objectValue?["web_push"]?.objectValue?.keys.sorted() == ["endpoint"], "the keys are never echoed")

        // The cap: a third is refused.
        try await socket.send(Self.webhook)
        #expect(try await socket.next(type: "error")["code"] == "over_limit")

        try await socket.send(["type": "alert_list", "id": "l"])
        let listed = try await socket.next(type: "alerts")
        #expect(listed["alerts"]?.arrayValue?.count == 2)
        #expect(!(String(describing: listed).contains("whsec_")), "the secret is shown once, at creation")

        // Another token sees none of it.
        let stranger = try await fixture.connect(token: other)
        _ = try await stranger.next(type: "welcome")
        try await stranger.send(["type": "alert_list"])
        #expect(try await stranger.next(type: "alerts")["alerts"]?.arrayValue?.isEmpty == true)
        try await stranger.send(["type": "alert_delete", "alert_id": .string(alertID)])
        #expect(try await stranger.next(type: "error")["code"] == "unknown_alert")
        try await stranger.send(["type": "alert_deliveries", "alert_id": .string(alertID)])
        #expect(try await stranger.next(type: "error")["code"] == "unknown_alert")

        try await socket.send(["type": "alert_deliveries", "id": "d", "alert_id": .string(alertID)])
        #expect(try await socket.next(type: "alert_deliveries")["deliveries"]?.arrayValue?.isEmpty == true)
        try await socket.send(["type": "alert_delete", "id": "x", "alert_id": .string(alertID)])
        #expect(try await socket.next(type: "alert_deleted")["alert_id"]?.stringValue == alertID)
        try await socket.send(["type": "alert_delete", "id": "y", "alert_id": .string(alertID)])
        #expect(try await socket.next(type: "error")["code"] == "unknown_alert")
    }

    @Test func badRulesAreRefusedWithTheReasonAndStoreNothing() async throws {
        let fixture = try await ServerFixture.start(maximumAlerts: 5)
        defer { Task { await fixture.shutdown() } }
        let owner = try await fixture.tokens.create(label: "alerts", scopes: [.read, .alerts]).token
        let socket = try await fixture.connect(token: owner)
        _ = try await socket.next(type: "welcome")
        let cases: [(change: (inout TestWebSocket.Message) -> Void, code: String, says: String)] = [
            ({ $0["webhook"] = .object(["url": "http://127.0.0.1:8080/x"]) }, "invalid_field", "private, loopback"),
            ({ $0["webhook"] = .object(["url": "http://169.254.169.254/latest/meta-data"]) }, "invalid_field", "link-local"),
            ({ $0["webhook"] = .object(["url": "http://localhost/x"]) }, "invalid_field", "loopback"),
            ({ $0["webhook"] = .object(["url": "ftp://example.com/x"]) }, "invalid_field", "http:// or https://"),
            ({ $0["webhook"] = .object(["url": "https://user:pw@example.com/x"]) }, "invalid_field", "no user info"),
            ({ $0["webhook"] = .object(["url": "https://example.com", "format": "teams"]) }, "invalid_field", "standard, discord, slack"),
            ({ $0["web_push"] = .object(["endpoint": "https://push.example.com/1", "keys": .object(["p256dh": "AAAA", "auth": .string(Self.auth)])]) }, "invalid_field", "one destination"),
            ({ $0["webhook"] = nil }, "invalid_field", "give a destination"),
            ({ $0["condition"] = .object(["type": "explodes"]) }, "invalid_field", "any_change, new_entry"),
            ({ $0["condition"] = .object(["type": "crosses", "side": "below", "threshold": "-1"]) }, "invalid_amount", "threshold"),
            ({ $0["condition"] = .object(["type": "relative_change", "percent": .integer(0)]) }, "invalid_field", "above 0"),
            ({ $0["condition"] = .object(["type": "stalled", "blocks": .integer(10)]); $0["netuid"] = nil }, "invalid_netuid", "needs a 'netuid'"),
            ({ $0["condition"] = .object(["type": "any_change", "percent": .integer(3)]) }, "invalid_field", "'percent' is not a field of 'condition'"),
            ({ $0["cooldown_seconds"] = .integer(100_000) }, "invalid_field", "cooldown_seconds"),
            ({ $0["colour"] = "red" }, "invalid_field", "'colour' is not a field"),
        ]
        for (index, item) in cases.enumerated() {
            var message = Self.webhook
            item.change(&message)
            message["id"] = .integer(Int64(index))
            try await socket.send(message)
            let error = try await socket.next(type: "error") { $0["id"] == .integer(Int64(index)) }
            #expect(error["code"]?.stringValue == item.code, "case \(index): \(error)")
            #expect(error["message"]?.stringValue?.contains(item.says) == true, "case \(index): \(error)")
        }
        try await socket.send(["type": "alert_list", "id": "l"])
        #expect(try await socket.next(type: "alerts")["alerts"]?.arrayValue?.isEmpty == true)
    }

    @Test func restTakesTheSameRulesWithHTTPStatuses() async throws {
        let fixture = try await ServerFixture.start(maximumAlerts: 5)
        defer { Task { await fixture.shutdown() } }
        let owner = try await fixture.tokens.create(label: "alerts", scopes: [.read, .alerts]).token
        let base = "http://127.0.0.1:\(fixture.port)/api/v1"
        let body = #"{"netuid": 7, "condition": {"type": "new_entry"}, "webhook": {"url": "https://hooks.example.com/a"}}"#
        let (status, created) = try await call("POST", "\(base)/alerts", token: owner, body: body)
        #expect(status == 201)
        let alertID = try #require((created["alert"] as? [String: Any])?["alert_id"] as? String)
        #expect((created["webhook_secret"] as? String)?.hasPrefix("whsec_") == true)
        #expect(created["type"] == nil)
        #expect(try await call("POST", "\(base)/alerts", token: fixture.readToken, body: body).status == 403)
        #expect(try await call("POST", "\(base)/alerts", token: nil, body: body).status == 401)
        let (badStatus, bad) = try await call("POST", "\(base)/alerts", token: owner, body: #"{"condition": {"type": "new_entry"}, "webhook": {"url": "http://10.0.0.1/"}}"#)
        #expect(badStatus == 400 && bad["code"] as? String == "invalid_field")
        #expect(try await call("POST", "\(base)/alerts", token: owner, body: "[1]").status == 400)
        #expect(try await call("POST", "\(base)/alerts", token: owner, body: String(repeating: " ", count: 20_000) + body).status == 413)
        let (_, listed) = try await call("GET", "\(base)/alerts", token: owner)
        #expect((listed["alerts"] as? [[String: Any]])?.count == 1)
        let (deliveriesStatus, deliveries) = try await call("GET", "\(base)/alerts/\(alertID)/deliveries", token: owner)
        #expect(deliveriesStatus == 200 && (deliveries["deliveries"] as? [Any])?.isEmpty == true)
        #expect(try await call("DELETE", "\(base)/alerts/\(alertID)", token: owner).status == 200)
        #expect(try await call("DELETE", "\(base)/alerts/\(alertID)", token: owner).status == 404)
        let (keyStatus, key) = try await call("GET", "\(base)/push/key", token: nil)
        #expect(keyStatus == 200 && key["vapid_public_key"] as? String == ServerFixture.vapidPublicKey)
    }

    func call(_ method: String, _ url: String, token: String?, body: String? = nil) async throws -> (status: Int, json: [String: Any]) {
        var request = URLRequest(url: URL(string: url)!)
        request.httpMethod = method
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        if let body {
            request.httpBody = Data(body.utf8)
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        let (data, response) = try await URLSession.shared.data(for: request)
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:])
    }
}
