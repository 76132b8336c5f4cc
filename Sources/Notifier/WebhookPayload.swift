import Foundation
import Model
import SubstrateCore

/// The body of one alert delivery, in the format its rule asked for.
///
/// - `standard`: `{"type": "dividend.alert", "timestamp": …, "data": {"alert_id", "label",
///   "condition", "change"}}`, the Standard Webhooks envelope.
/// - `discord`: `{"content": "…"}` for a Discord incoming webhook.
/// - `slack`: `{"text": "…"}` for a Slack incoming webhook.
public enum WebhookPayload {
    public static let eventType = "dividend.alert"

    public static func body(format: WebhookFormat, rule: AlertRule, event: DividendChange, at timestamp: Date) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data: Data?
        switch format {
        case .standard:
            data = try? encoder.encode(Envelope(type: eventType, timestamp: ISO8601DateFormatter().string(from: timestamp),
                                                data: .init(alertID: rule.id, label: rule.spec.label, condition: rule.spec.condition, change: event)))
        case .discord:
            data = try? encoder.encode(["content": summary(rule: rule, event: event)])
        case .slack:
            data = try? encoder.encode(["text": summary(rule: rule, event: event)])
        }
        return data.map(Array.init) ?? []
    }

    /// One line a person reads in a channel or a notification.
    public static func summary(rule: AlertRule, event: DividendChange) -> String {
        let unit = event.unit == .rao ? "TAO" : "α"
        func amount(_ text: String?) -> String { text.flatMap(UInt64.init).map { "\(TokenAmount(units: $0)) \(unit)" } ?? "none" }
        let name = rule.spec.label.map { "\($0): " } ?? ""
        let what: String
        switch rule.spec.condition {
        case .stalled(let blocks): what = "unchanged for \(blocks)+ blocks at \(amount(event.new))"
        default: what = "\(amount(event.old)) → \(amount(event.new))"
        }
        return "\(name)\(event.kind.rawValue) on subnet \(event.netuid) for \(event.hotkey): \(what) (block \(event.block))"
    }

    struct Envelope: Encodable {
        var type: String
        var timestamp: String
        var data: Payload

        struct Payload: Encodable {
            var alertID: String
            var label: String?
            var condition: AlertCondition
            var change: DividendChange

            enum CodingKeys: String, CodingKey {
                case alertID = "alert_id"
                case label, condition, change
            }
        }
    }
}
