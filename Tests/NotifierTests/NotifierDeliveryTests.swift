#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Foundation
import Model
import Notifier
import TaoStore
import TestHarness
import Testing

/// The notifier end to end: changes published into a real Redis, rules and the outbox in a real
/// PostgreSQL, deliveries to a receiver that checks them with independent implementations.
@Suite("Alert delivery", .serialized)
struct NotifierDeliveryTests {
    static let alice = NotifierSystem.hotkey
    static let bob = "5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty"

    @Test func aWebhookIsSignedAsStandardWebhooksSaysAndRetriedWithTheSameID() async throws {
        try await NotifierSystem.with { system in
            let rule = try await system.rule(.relativeChange(percent: 30, direction: .drop), to: .webhook(url: system.receiver.url("hook/a"), format: .standard))
            try await system.receiver.configureHook("a", secret: system.key.webhookSecret(ruleID: rule.id).text, fail: 2, status: 500)
            // Bob's 10 % drop does not fire; Alice's 50 % drop does.
            try await system.publish(block: 10, [(Self.alice, 2_000, 1_000), (Self.bob, 1_000, 900)])
            let received = try await system.receiver.wait("a", count: 3)
            #expect(received.count == 3)
            let errors = received.compactMap(\.error)
            #expect(received.allSatisfy { $0.verified }, "\(errors)")
            #expect(received.map(\.status) == [500, 500, 204])
            #expect(Set(received.compactMap { $0.headers["webhook-id"] }).count == 1)
            let body = try JSONSerialization.jsonObject(with: Data((received.last?.body ?? "").utf8)) as? [String: Any]
            let change = (body?["data"] as? [String: Any])?["change"] as? [String: Any]
            #expect(change?["hotkey"] as? String == Self.alice && change?["new"] as? String == "1000")
            let log = try await system.deliveries(of: rule.id) { $0.first?.state == .delivered }
            #expect(log.count == 1)
            #expect(log.first?.attempts == 3 && log.first?.lastStatus == 204 && log.first?.id == received.first?.headers["webhook-id"])
            // What the receiver got and what the owner reads are what the spec says.
            let contract = try await ContractValidator.shared()
            let webhookProblem = await contract.problem(in: received.last?.body ?? "", as: .definition("WebhookPayload"))
            #expect(webhookProblem == nil, "\(webhookProblem ?? "")")
            let reply = String(decoding: try JSONEncoder().encode(ServerMessage.alertDeliveries(id: .string("d"), alertID: rule.id, log)), as: UTF8.self)
            let replyProblem = await contract.problem(in: reply)
            #expect(replyProblem == nil, "\(replyProblem ?? "")")
            // Another token cannot read the log.
            #expect(try await system.store.deliveries(alertID: rule.id, tokenID: "tok_other", logger: system.logger) == nil)
        }
    }

    @Test func aTimeoutIsAFailedAttemptAndTheNextOneDelivers() async throws {
        try await NotifierSystem.with(settings: { $0.timeout = .milliseconds(500) }) { system in
            let rule = try await system.rule(.anyChange, to: .webhook(url: system.receiver.url("hook/slow"), format: .slack))
            try await system.receiver.configureHook("slow", secret: system.key.webhookSecret(ruleID: rule.id).text, fail: 1, hang: 3)
            try await system.publish(block: 10, [(Self.alice, nil, 5)])
            let received = try await system.receiver.wait("slow", count: 2)
            #expect(received.count == 2 && received.allSatisfy(\.verified))
            #expect(received[0].headers["webhook-id"] == received[1].headers["webhook-id"])
            let body = try JSONSerialization.jsonObject(with: Data((received[1].body ?? "").utf8)) as? [String: String]
            #expect(body?["text"]?.contains("none → 0.000000005 α") == true, "\(body ?? [:])")
            let log = try await system.deliveries(of: rule.id) { $0.first?.state == .delivered }
            #expect(log.first?.attempts == 2)
        }
    }

    @Test func aDestinationThatNeverAnswersFailsOnceTheScheduleIsSpent() async throws {
        try await NotifierSystem.with { system in
            let closed = "http://127.0.0.1:\(Network.freePortForTests())/nobody"
            let rule = try await system.rule(.anyChange, to: .webhook(url: closed, format: .standard))
            try await system.publish(block: 10, [(Self.alice, 1, 2)])
            let log = try await system.deliveries(of: rule.id) { $0.first?.state == .failed }
            #expect(log.first?.state == .failed)
            #expect(log.first?.attempts == 4, "the first attempt and three retries")
            #expect(log.first?.lastError?.contains("connect") == true, "\(log.first?.lastError ?? "")")
            #expect(try await system.store.rules(tokenID: try await system.tokenID("tok_a"), logger: system.logger).first?.disabledReason == nil)
        }
    }

    @Test func aReceiverThatIsDownForAWhileGetsTheDeliveryOnceItIsBack() async throws {
        try await NotifierSystem.with(settings: { $0.retries = RetrySchedule(delays: Array(repeating: 0.3, count: 30), jitter: 0) }) { system in
            let port = Network.freePortForTests()
            let rule = try await system.rule(.anyChange, to: .webhook(url: "http://127.0.0.1:\(port)/hook/late", format: .standard))
            try await system.publish(block: 10, [(Self.alice, 1, 2)])
            let failing = try await system.deliveries(of: rule.id) { ($0.first?.attempts ?? 0) >= 2 }
            #expect(failing.first?.state == .pending && failing.first?.lastError?.contains("connect") == true)
            let late = try await AlertReceiver.start(port: port)
            defer { Task { await late.stop() } }
            try await late.configureHook("late", secret: system.key.webhookSecret(ruleID: rule.id).text)
            let received = try await late.wait("late", count: 1)
            #expect(received.count == 1 && received.first?.status == 204)
            let log = try await system.deliveries(of: rule.id) { $0.first?.state == .delivered }
            #expect(log.first?.state == .delivered && (log.first?.attempts ?? 0) >= 3)
            #expect(log.first?.id == received.first?.headers["webhook-id"])
        }
    }

    @Test func aRuleFailingForTooLongIsDisabledWithTheReasonAndFiresNoMore() async throws {
        try await NotifierSystem.with(settings: { $0.disableAfter = .milliseconds(300); $0.retries = RetrySchedule(delays: Array(repeating: 0.2, count: 20), jitter: 0) }) { system in
            let closed = "http://127.0.0.1:\(Network.freePortForTests())/nobody"
            let rule = try await system.rule(.anyChange, to: .webhook(url: closed, format: .standard))
            try await system.publish(block: 10, [(Self.alice, 1, 2)])
            let log = try await system.deliveries(of: rule.id) { $0.first?.state == .failed }
            #expect(log.first?.lastError == "the alert was disabled")
            let stored = try await system.store.rules(tokenID: try await system.tokenID("tok_a"), logger: system.logger)
            #expect(stored.first?.disabledReason?.hasPrefix("disabled after failing for 0.3 s without a success; last error: connection failed") == true,
                    "\(stored.first?.disabledReason ?? "")")
            try await system.publish(block: 11, [(Self.alice, 2, 3)])
            try await system.publish(block: 12, [(Self.bob, nil, 3)])
            // Evaluated (the group acknowledged both blocks) and not queued.
            try await system.waitUntilEvaluated()
            #expect(try await system.store.deliveries(alertID: rule.id, tokenID: try await system.tokenID("tok_a"), logger: system.logger)?.count == 1)
        }
    }

    @Test func privateAddressesAreRefusedUnlessTheOperatorAllowsThem() async throws {
        try await NotifierSystem.with(settings: { $0.allowPrivate = false; $0.retries = RetrySchedule(delays: []) }) { system in
            let rule = try await system.rule(.anyChange, to: .webhook(url: system.receiver.url("hook/private"), format: .standard))
            let named = try await system.rule(.anyChange, to: .webhook(url: "http://localhost:\(system.receiver.port)/hook/private", format: .standard))
            try await system.publish(block: 10, [(Self.alice, 1, 2)])
            for id in [rule.id, named.id] {
                let log = try await system.deliveries(of: id) { $0.first?.state == .failed }
                #expect(log.first?.lastError?.contains("private, loopback or link-local") == true, "\(log.first?.lastError ?? "")")
            }
            // Both attempts were recorded after they were refused: had either been sent, it would be here.
            #expect(try await system.receiver.wait("private", count: 0).isEmpty)
        }
    }

    @Test func webPushIsEncryptedToTheBrowserAndSignedWithVAPIDAndAGoneSubscriptionDisablesTheAlert() async throws {
        try await NotifierSystem.with { system in
            let subscription = try await system.receiver.pushSubscription("browser")
            let rule = try await system.rule(.newEntry, to: .webPush(subscription))
            try await system.publish(block: 10, [(Self.alice, nil, 7_000_000_000)])
            let received = try await system.receiver.wait("browser", count: 1)
            #expect(received.first?.verified == true, "\(received.first?.error ?? "")")
            #expect(received.first?.vapid?["sub"] == "mailto:test@example.com")
            let message = try JSONSerialization.jsonObject(with: Data((received.first?.body ?? "").utf8)) as? [String: Any]
            #expect(message?["alert_id"] as? String == rule.id)
            #expect((message?["body"] as? String)?.contains("none → 7 α") == true)
            #expect(try await system.deliveries(of: rule.id) { $0.first?.state == .delivered }.first?.state == .delivered)

            _ = try await system.receiver.pushSubscription("browser", gone: true)
            try await system.publish(block: 11, [(Self.bob, nil, 1)])
            _ = try await system.receiver.wait("browser", count: 2)
            let stored = try await system.store.rule(rule.id, logger: system.logger)
            #expect(stored?.rule.disabledReason?.contains("gone (HTTP 410)") == true)
            #expect(stored?.sealedPushKeys == nil)
        }
    }

    @Test func coolDownsAndTheHourlyCapHoldBackFirings() async throws {
        try await NotifierSystem.with(settings: { $0.deliveriesPerHour = 2 }) { system in
            let quiet = try await system.rule(.anyChange, to: .webhook(url: system.receiver.url("hook/quiet"), format: .standard),
                                              filter: DividendFilter(netuid: 7, hotkey: Self.alice), cooldown: 3_600, token: "tok_q")
            let busy = try await system.rule(.anyChange, to: .webhook(url: system.receiver.url("hook/busy"), format: .standard),
                                             filter: DividendFilter(netuid: 7, hotkey: Self.bob), token: "tok_b")
            for block in UInt64(10)...12 {
                try await system.publish(block: block, [(Self.alice, block, block + 1), (Self.bob, block, block + 1)])
            }
            _ = try await system.receiver.wait("busy", count: 2)
            let busyLog = try await system.deliveries(of: busy.id, token: "tok_b") { $0.count == 3 && $0.filter { $0.state == .delivered }.count == 2 }
            #expect(busyLog.map(\.state).sorted { $0.rawValue < $1.rawValue } == [.delivered, .delivered, .suppressed])
            #expect(busyLog.first { $0.state == .suppressed }?.lastError?.contains("2 deliveries per hour") == true)
            let quietLog = try await system.deliveries(of: quiet.id, token: "tok_q") { $0.first?.state == .delivered }
            #expect(quietLog.count == 1, "the cool-down keeps the 2nd and 3rd changes back")
        }
    }

    @Test func aStalledEntryFiresOnceWhenItsBlocksHavePassed() async throws {
        try await NotifierSystem.with { system in
            let rule = try await system.rule(.stalled(blocks: 3), to: .webhook(url: system.receiver.url("hook/stall"), format: .discord))
            try await system.receiver.configureHook("stall", secret: system.key.webhookSecret(ruleID: rule.id).text)
            try await system.publish(block: 10, [(Self.alice, nil, 42)])
            // Blocks with no changes still advance time for the rule.
            for block in UInt64(11)...15 { try await system.publish(block: block, []) }
            let received = try await system.receiver.wait("stall", count: 1)
            #expect(received.count == 1 && received.first?.verified == true)
            #expect(received.first?.body?.contains("unchanged for 3+ blocks") == true)
            try await system.publish(block: 16, [(Self.bob, nil, 1)])
            let log = try await system.deliveries(of: rule.id) { $0.count >= 1 && $0.allSatisfy { $0.state == .delivered } }
            #expect(log.count == 1, "the same stalled value fires once, however many blocks pass")
        }
    }

    @Test func aStaleAttemptCannotRecordOverTheOneThatTookItsDeliveryOver() async throws {
        try await NotifierSystem.with(notifying: false) { system in
            let rule = try await system.rule(.anyChange, to: .webhook(url: "https://example.com/h", format: .standard), token: "tok_r")
            #expect(try await system.store.secondsUntilNextDue(logger: system.logger) == nil, "nothing pending: nothing to wake for")
            let key = DividendKey(kind: DividendKind(rawValue: "AlphaDividendsPerSubnet"), netuid: 7, hotkey: Self.alice)
            let event = #"{"kind":"AlphaDividendsPerSubnet","netuid":7,"hotkey":"\#(Self.alice)","old":null,"new":"1","unit":"alpha_rao","block":5,"block_hash":"0x","offset":"5-0"}"#
            let token = try await system.tokenID("tok_r")
            _ = try await system.store.enqueue(deliveryID: "msg_lease", ruleID: rule.id, tokenID: token, key: key, event: event, cooldown: 0, perHour: 10, now: 0, logger: system.logger)
            // Two attempts: the first outlives its lease (0 s) and the second takes the delivery over.
            let first = try #require(try await system.store.claimDue(limit: 10, leaseSeconds: 0, logger: system.logger).first)
            var fresh: AlertStore.DueDelivery?
            // A lease of 0 s ends as soon as the clock moves past the claim.
            for _ in 0..<200 where fresh == nil { fresh = try await system.store.claimDue(limit: 10, leaseSeconds: 60, logger: system.logger).first }
            let second = try #require(fresh)
            #expect(second.attempt == 2)
            #expect(first.leaseID != second.leaseID)
            #expect(try await system.store.recordDelivered(second, status: 204, logger: system.logger))
            let late = try await system.store.recordFailure(first, status: 500, error: "late", retryIn: 1, disableAfter: 0, streakGap: 10, logger: system.logger)
            #expect(late == nil)
            let log = try await system.deliveries(of: rule.id, token: "tok_r") { _ in true }
            #expect(log.first { $0.id == "msg_lease" }?.state == .delivered, "the stale attempt's failure was not recorded")
            #expect(try await system.store.rules(tokenID: token, logger: system.logger).first?.disabledReason == nil)
            // Finished deliveries leave the log after the retention period (here: none).
            #expect(try await system.store.prune(olderThanDays: 1, logger: system.logger) == 0)
            #expect(try await system.store.prune(olderThanDays: 0, logger: system.logger) == 1)
            #expect(try await system.store.deliveries(alertID: rule.id, tokenID: token, logger: system.logger)?.isEmpty == true)
        }
    }

    @Test func aRevokedTokensAlertsFireNoMore() async throws {
        try await NotifierSystem.with { system in
            let rule = try await system.rule(.anyChange, to: .webhook(url: system.receiver.url("hook/revoked"), format: .standard), token: "tok_r")
            let token = try await system.tokenID("tok_r")
            #expect(try await TokenStore(database: system.database).revoke(id: token))
            try await system.publish(block: 10, [(Self.alice, 1, 2)])
            try await system.waitUntilEvaluated()
            #expect(try await system.store.deliveries(alertID: rule.id, tokenID: token, logger: system.logger)?.isEmpty == true)
        }
    }

    @Test func anEventStoredTwiceIsQueuedOnce() async throws {
        try await NotifierSystem.with { system in
            let rule = try await system.rule(.anyChange, to: .webhook(url: "https://example.com/h", format: .standard), token: "tok_x")
            let key = DividendKey(kind: DividendKind(rawValue: "AlphaDividendsPerSubnet"), netuid: 7, hotkey: Self.alice)
            let event = #"{"kind":"AlphaDividendsPerSubnet","netuid":7,"hotkey":"\#(Self.alice)","old":null,"new":"1","unit":"alpha_rao","block":5,"block_hash":"0x","offset":"5-0"}"#
            let first = try await system.store.enqueue(deliveryID: "msg_same", ruleID: rule.id, tokenID: try await system.tokenID("tok_x"), key: key, event: event, cooldown: 0, perHour: 10, now: 0, logger: system.logger)
            let again = try await system.store.enqueue(deliveryID: "msg_same", ruleID: rule.id, tokenID: try await system.tokenID("tok_x"), key: key, event: event, cooldown: 0, perHour: 10, now: 0, logger: system.logger)
            #expect(first == .queued && again == .duplicate)
        }
    }
}

import TestHarness

extension Network {
    /// A port nothing listens on (taken and released at once).
    static func freePortForTests() -> Int { freePort() }
}
