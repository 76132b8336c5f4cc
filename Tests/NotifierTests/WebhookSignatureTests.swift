import Foundation
import Model
import Testing
@testable import Notifier

@Suite("Webhook signatures, payloads and keys")
struct WebhookSignatureTests {
    /// The Standard Webhooks specification's published example.
    @Test func signingMatchesTheSpecificationsTestVector() throws {
        let secret = try #require(WebhookSecret(text: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"))
        let signature = WebhookSignature.sign(id: "msg_p5jXN8AQM9LWM0D4loKWxJek", timestamp: 1_614_265_330, body: Array(#"{"test": 2432232314}"#.utf8), secret: secret)
        #expect(signature == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
    }

    @Test func eachRuleHasItsOwnSecretFromTheKeyAndPushKeysUnsealOnlyForTheirRule() throws {
        let key = try AlertKey(bytes: Array(repeating: 7, count: 32))
        let other = try AlertKey(bytes: Array(repeating: 8, count: 32))
        #expect(key.webhookSecret(ruleID: "alr_a").text == key.webhookSecret(ruleID: "alr_a").text)
        #expect(key.webhookSecret(ruleID: "alr_a").text != key.webhookSecret(ruleID: "alr_b").text)
        #expect(key.webhookSecret(ruleID: "alr_a").text != other.webhookSecret(ruleID: "alr_a").text)
        #expect(key.webhookSecret(ruleID: "alr_a").text.hasPrefix("whsec_"))
        #expect("\(key.webhookSecret(ruleID: "alr_a"))" == "whsec_[redacted]")
        let sealed = try key.seal(pushKeys: Array(0..<81), ruleID: "alr_a")
        #expect(try key.unseal(sealed, ruleID: "alr_a") == Array(0..<81))
        #expect(throws: (any Error).self) { try key.unseal(sealed, ruleID: "alr_b") }
        #expect(throws: (any Error).self) { try other.unseal(sealed, ruleID: "alr_a") }
    }

    @Test func discordAndSlackBodiesAreWhatTheirIncomingWebhooksTake() throws {
        let rule = AlertRule(id: "alr_1", tokenID: "t", spec: AlertSpec(filter: DividendFilter(netuid: 7), condition: .relativeChange(percent: 30, direction: .drop),
                                                                         destination: .webhook(url: "https://x", format: .discord), label: "my validator"), createdAt: 0)
        let change = AlertEvaluatorTests.change(old: 2_000_000_000, new: 1_000_000_000)
        let discord = try JSONSerialization.jsonObject(with: Data(WebhookPayload.body(format: .discord, rule: rule, event: change, at: Date()))) as? [String: String]
        let slack = try JSONSerialization.jsonObject(with: Data(WebhookPayload.body(format: .slack, rule: rule, event: change, at: Date()))) as? [String: String]
        #expect(discord?.keys.sorted() == ["content"])
        #expect(slack?.keys.sorted() == ["text"])
        #expect(discord?["content"] == "my validator: AlphaDividendsPerSubnet on subnet 7 for \(AlertEvaluatorTests.hotkey): 2 α → 1 α (block 100)")
        let standard = try JSONSerialization.jsonObject(with: Data(WebhookPayload.body(format: .standard, rule: rule, event: change, at: Date(timeIntervalSince1970: 0)))) as? [String: Any]
        #expect(standard?["type"] as? String == "dividend.alert")
        #expect(standard?["timestamp"] as? String == "1970-01-01T00:00:00Z")
        let data = standard?["data"] as? [String: Any]
        #expect(data?["alert_id"] as? String == "alr_1")
        #expect((data?["condition"] as? [String: Any])?["type"] as? String == "relative_change")
        #expect((data?["change"] as? [String: Any])?["new"] as? String == "1000000000")
    }

    @Test func aPushMessageIsSizedForOneRecord() throws {
        let receiver = P256Receiver()
        #expect(throws: WebPushEncryption.Failure.tooLarge(3_994)) {
            try WebPushEncryption.encrypt(Array(repeating: 1, count: 3_994), to: (receiver.publicKey, Array(repeating: 0, count: 16)))
        }
        let body = try WebPushEncryption.encrypt(Array(repeating: 1, count: 3_993), to: (receiver.publicKey, Array(repeating: 0, count: 16)))
        #expect(body.count == 4_096)
        #expect(throws: WebPushEncryption.Failure.invalidSubscriptionKey) {
            try WebPushEncryption.encrypt([1], to: (Array(repeating: 4, count: 65), Array(repeating: 0, count: 16)))
        }
    }
}

import Crypto

struct P256Receiver {
    let key = P256.KeyAgreement.PrivateKey()
    var publicKey: [UInt8] { Array(key.publicKey.x963Representation) }
}
