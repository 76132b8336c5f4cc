#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Foundation
import TestHarness
import Testing

/// Alerts as an operator runs them: `taostream watch`, `serve` and `notify` as separate
/// processes on a DevChain, the rule created over REST, the webhook checked by the `standardwebhooks`
/// package with the secret the server showed. `notify` is killed with SIGKILL while a delivery is
/// in flight; a new one delivers it again with the same `webhook-id`.
@Suite("A notifier killed mid-delivery", .serialized, .timeLimit(.minutes(3)))
struct NotifierCrashTests {
    @Test func aDeliveryInFlightWhenTheNotifierIsKilledIsDeliveredAgainWithTheSameID() async throws {
        let keys = try TemporaryDirectory.make("notify-keys")
        let made = try await TaoStreamBinary.run(["notify-keys", "--dir", keys])
        #expect(made.status == 0 && made.output.contains("created \(keys)/alert.key"), "\(made.output)")
        let again = try await TaoStreamBinary.run(["notify-keys", "--dir", keys])
        #expect(again.output.contains("kept \(keys)/alert.key") && again.output.contains("kept \(keys)/vapid.pem"), "keys are never replaced: \(again.output)")

        let receiver = try await AlertReceiver.start()
        let system = try await OperatorSystem.start("notifier-crash", blockMilliseconds: 500, settings: [
            "TAOSTREAM_ALERT_KEY_FILE": keys + "/alert.key", "TAOSTREAM_VAPID_KEY_FILE": keys + "/vapid.pem",
            "TAOSTREAM_WEBHOOK_ALLOW_PRIVATE": "true", "TAOSTREAM_ALERT_LEASE": "3s", "TAOSTREAM_WEBHOOK_TIMEOUT": "1500ms",
            "TAOSTREAM_NOTIFIER_NAME": "crash-test",
        ])
        defer { Task { await system.stop(); await receiver.stop() } }
        let token = try await system.token(scopes: "read,alerts")
        let httpPort = Network.freePort()
        let server = try await system.spawn(["serve"], log: "serve.log", httpPort: httpPort)
        defer { Task { await server.stop() } }
        // The notifier's group starts at the end of the change log, so it starts before the watcher.
        let first = try await system.spawn(["notify"], log: "notify-1.log")
        defer { Task { await first.stop() } }

        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(httpPort)/api/v1/alerts")!)
        request.httpMethod = "POST"
        request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
        request.httpBody = Data(#"{"netuid": 1, "condition": {"type": "any_change"}, "webhook": {"url": "\#(receiver.url("hook/crash"))"}}"#.utf8)
        let (data, response) = try await URLSession.shared.data(for: request)
        #expect((response as? HTTPURLResponse)?.statusCode == 201, "\(String(decoding: data, as: UTF8.self))")
        let created = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let secret = try #require(created["webhook_secret"] as? String)
        // The first delivery is held until the notifier is gone.
        try await receiver.configureHook("crash", secret: secret, fail: 1, status: 500, hang: 60)

        let watcher = try await system.spawn(["watch"], log: "watch.log")
        defer { Task { await watcher.stop() } }
        let held = try await receiver.wait("crash", count: 1, timeout: 90)
        let heldID = try #require(held.first?.headers["webhook-id"], "nothing delivered; \(system.log("notify-1.log").suffix(1500))")
        first.signal(SIGKILL)
        _ = await first.waitForExit(timeout: .seconds(10))

        let second = try await system.spawn(["notify"], log: "notify-2.log")
        defer { Task { await second.stop() } }
        var seen: [AlertReceiver.Received] = held
        while !seen.dropFirst().contains(where: { $0.headers["webhook-id"] == heldID }) {
            let next = try await receiver.wait("crash", count: seen.count + 1, timeout: 60)
            guard next.count > seen.count else { break }
            seen = next
        }
        let redelivered = seen.dropFirst().filter { $0.headers["webhook-id"] == heldID }
        #expect(redelivered.count == 1, "the held delivery again, once; \(system.log("notify-2.log").suffix(1500))")
        #expect(redelivered.first?.status == 204)
        let problems = seen.compactMap(\.error)
        #expect(seen.allSatisfy { $0.verified }, "\(problems)")
        let body = try #require(try JSONSerialization.jsonObject(with: Data((redelivered.first?.body ?? "").utf8)) as? [String: Any])
        #expect(body["type"] as? String == "dividend.alert")
        #expect(((body["data"] as? [String: Any])?["change"] as? [String: Any])?["netuid"] as? Int == 1)
        // The notifier's own /metrics counted the delivery; /health says nothing waits.
        let metricsPort = try #require(system.environment["TAOSTREAM_NOTIFIER_HTTP_PORT"])
        let (metrics, _) = try await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(metricsPort)/metrics")!)
        let text = String(decoding: metrics, as: UTF8.self)
        #expect(text.contains(#"taostream_alert_deliveries_total{outcome="delivered"}"#), "\(text.prefix(1500))")
        #expect(text.contains("taostream_alert_outbox_oldest_seconds"))
        let (health, healthResponse) = try await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(metricsPort)/health")!)
        #expect((healthResponse as? HTTPURLResponse)?.statusCode == 200, "\(String(decoding: health, as: UTF8.self))")
        #expect(!system.log("notify-1.log").contains(secret) && !system.log("notify-2.log").contains(secret) && !system.log("serve.log").contains(secret))
    }
}
