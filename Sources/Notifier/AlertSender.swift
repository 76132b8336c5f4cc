import Crypto
import Foundation
import Logging
import Model
import TaoStore

/// Makes one attempt of one delivery: builds the body for the rule's destination, signs or
/// encrypts it, and POSTs it through the address-checked client.
struct AlertSender: Sendable {
    enum Outcome: Sendable, Equatable {
        case delivered(status: Int)
        /// A push subscription the push service no longer knows (404/410).
        case gone(status: Int)
        case failed(status: Int?, reason: String)
        /// Failed in a way no retry can mend (no VAPID key, keys that cannot be unsealed).
        case failedForGood(reason: String)
    }

    let client: OutboundHTTPClient
    let alertKey: AlertKey
    let vapid: VAPIDKey?
    var now: @Sendable () -> Date = { Date() }

    func send(_ delivery: AlertStore.DueDelivery, rule stored: AlertStore.StoredRule) async -> Outcome {
        guard let event = try? JSONDecoder().decode(DividendChange.self, from: Data(delivery.event.utf8)) else {
            return .failedForGood(reason: "the stored event cannot be read")
        }
        switch stored.rule.spec.destination {
        case .webhook(let url, let format):
            return await webhook(url: url, format: format, delivery: delivery, rule: stored.rule, event: event)
        case .webPush(let subscription):
            return await push(endpoint: subscription.endpoint, delivery: delivery, stored: stored, event: event)
        }
    }

    private func webhook(url: String, format: WebhookFormat, delivery: AlertStore.DueDelivery, rule: AlertRule, event: DividendChange) async -> Outcome {
        // The body's time is the event's (the same on every attempt); the header's is the attempt's.
        let body = WebhookPayload.body(format: format, rule: rule, event: event, at: Date(timeIntervalSince1970: delivery.createdAt))
        let signed = WebhookSignature.headers(id: delivery.id, timestamp: Int(now().timeIntervalSince1970), body: body, secret: alertKey.webhookSecret(ruleID: rule.id))
        return await post(url, headers: [("Content-Type", "application/json")] + signed, body: body, push: false)
    }

    private func push(endpoint: String, delivery: AlertStore.DueDelivery, stored: AlertStore.StoredRule, event: DividendChange) async -> Outcome {
        guard let vapid else { return .failedForGood(reason: "this notifier has no VAPID key (TAOSTREAM_VAPID_KEY_FILE)") }
        guard let sealed = stored.sealedPushKeys, let keys = try? alertKey.unseal(sealed, ruleID: stored.rule.id), keys.count == 81 else {
            return .failedForGood(reason: "the subscription's keys cannot be unsealed: was TAOSTREAM_ALERT_KEY_FILE replaced?")
        }
        let message = PushMessage(title: "TaoStream alert", body: WebhookPayload.summary(rule: stored.rule, event: event), alertID: stored.rule.id, deliveryID: delivery.id, change: event)
        do {
            let plaintext = Array(try JSONEncoder().encode(message))
            let body = try WebPushEncryption.encrypt(plaintext, to: (p256dh: Array(keys.prefix(65)), auth: Array(keys.suffix(16))))
            let headers = [("Content-Type", "application/octet-stream"), ("Content-Encoding", "aes128gcm"), ("TTL", "86400"), ("Urgency", "normal"),
                           ("Authorization", try vapid.authorization(endpoint: endpoint, now: now()))]
            return await post(endpoint, headers: headers, body: body, push: true)
        } catch {
            return .failedForGood(reason: "the push message cannot be built: \(error)")
        }
    }

    private func post(_ url: String, headers: [(String, String)], body: [UInt8], push: Bool) async -> Outcome {
        do {
            let response = try await client.post(url, headers: headers, body: body)
            switch response.status {
            case 200..<300: return .delivered(status: response.status)
            case 404 where push, 410 where push: return .gone(status: response.status)
            default:
                // A receiver's bytes, shown to the rule's owner: no NULs (PostgreSQL text refuses
                // them, and the outcome would never be recorded) and no control characters.
                let excerpt = AlertStore.printable(String(decoding: response.body.prefix(200), as: UTF8.self))
                return .failed(status: response.status, reason: "HTTP \(response.status)" + (excerpt.isEmpty ? "" : ": \(excerpt)"))
            }
        } catch {
            return .failed(status: nil, reason: error.description)
        }
    }

    /// What a service worker receives in its `push` event.
    struct PushMessage: Encodable {
        var title: String
        var body: String
        var alertID: String
        var deliveryID: String
        var change: DividendChange

        enum CodingKeys: String, CodingKey {
            case title, body, change
            case alertID = "alert_id"
            case deliveryID = "delivery_id"
        }
    }
}
