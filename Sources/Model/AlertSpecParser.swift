import Foundation
import SubstrateCore

/// `alert_create`'s fields, shared by the WebSocket message and `POST /api/v1/alerts`:
/// the filter (`netuid`, `hotkey`, `kinds`, as `subscribe`), `condition`, `cooldown_seconds`,
/// `label`, and exactly one destination, `webhook` or `web_push`.
extension MessageFields {
    mutating func alertSpec() throws(ProtocolError) -> AlertSpec {
        let filter = try filter()
        let condition = try alertCondition()
        var cooldown: UInt32 = 0
        if let value = take("cooldown_seconds") {
            guard case .integer(let seconds) = value, (0...Int64(AlertSpec.maximumCooldown)).contains(seconds) else {
                throw ProtocolError(.invalidField, "'cooldown_seconds' must be an integer from 0 to \(AlertSpec.maximumCooldown)")
            }
            cooldown = UInt32(seconds)
        }
        var label: String?
        if let value = peek("label"), value != .null { label = try key("label", maximumLength: 100) } else { _ = remove("label") }
        let destination: AlertDestination
        switch (take("webhook"), take("web_push")) {
        case (let webhook?, nil): destination = try Self.webhook(webhook)
        case (nil, let push?): destination = try Self.webPush(push)
        case (nil, nil): throw ProtocolError(.invalidField, "give a destination: 'webhook' ({\"url\": \"https://…\", \"format\": \"standard\"}) or 'web_push' (a browser's PushSubscription JSON)")
        default: throw ProtocolError(.invalidField, "give one destination, 'webhook' or 'web_push', not both")
        }
        if case .stalled = condition, filter.netuid == nil {
            throw ProtocolError(.invalidNetuid, "a 'stalled' alert needs a 'netuid': it watches the entries of one subnet")
        }
        return AlertSpec(filter: filter, condition: condition, cooldownSeconds: cooldown, destination: destination, label: label)
    }

    /// Removes and returns a field, nil when it is absent or null.
    private mutating func take(_ name: String) -> JSONValue? {
        guard let value = remove(name), value != .null else { return nil }
        return value
    }

    private mutating func alertCondition() throws(ProtocolError) -> AlertCondition {
        let usage = "'condition' must be an object whose 'type' is one of \(AlertCondition.types.joined(separator: ", "))"
        guard case .object(let object)? = take("condition") else { throw ProtocolError(.invalidField, usage) }
        var fields = MessageFields(object)
        guard case .string(let type)? = fields.take("type") else { throw ProtocolError(.invalidField, usage) }
        if let plain = AlertCondition.plain(type) {
            try fields.rejectUnknown(type: "condition")
            return plain
        }
        let condition: AlertCondition
        switch type {
        case "crosses":
            guard case .string(let sideName)? = fields.take("side"), let side = AlertCondition.Side(rawValue: sideName) else {
                throw ProtocolError(.invalidField, "'crosses' needs 'side': \"above\" or \"below\"")
            }
            guard case .string(let text)? = fields.take("threshold") else {
                throw ProtocolError(.invalidAmount, "'crosses' needs 'threshold': a decimal string in the entry's unit (α or TAO), e.g. \"0.5\"")
            }
            let threshold: UInt64
            do { threshold = try TokenAmount(decimal: text).units } catch { throw ProtocolError(.invalidAmount, "'threshold' \(error)") }
            condition = .crosses(side: side, threshold: threshold)
        case "relative_change":
            let percent: Double
            switch fields.take("percent") {
            case .integer(let value)?: percent = Double(value)
            case .double(let value)?: percent = value
            default: percent = .nan
            }
            guard percent.isFinite, percent > 0, percent <= 1_000_000 else {
                throw ProtocolError(.invalidField, "'relative_change' needs 'percent': a number above 0, e.g. 30")
            }
            var direction = AlertCondition.Direction.either
            if let value = fields.take("direction") {
                guard case .string(let name) = value, let parsed = AlertCondition.Direction(rawValue: name) else {
                    throw ProtocolError(.invalidField, "'direction' must be \"drop\", \"rise\" or \"either\"")
                }
                direction = parsed
            }
            condition = .relativeChange(percent: percent, direction: direction)
        case "stalled":
            guard case .integer(let blocks)? = fields.take("blocks"), (1...1_000_000).contains(blocks) else {
                throw ProtocolError(.invalidField, "'stalled' needs 'blocks': how many blocks without a change, from 1 to 1000000")
            }
            condition = .stalled(blocks: UInt64(blocks))
        default:
            throw ProtocolError(.invalidField, usage)
        }
        try fields.rejectUnknown(type: "condition")
        return condition
    }

    private static func webhook(_ value: JSONValue) throws(ProtocolError) -> AlertDestination {
        guard case .object(let object) = value else { throw ProtocolError(.invalidField, "'webhook' must be an object with 'url' and optional 'format'") }
        var fields = MessageFields(object)
        let url = try fields.url("url")
        var format = WebhookFormat.standard
        if let value = fields.take("format") {
            guard case .string(let name) = value, let parsed = WebhookFormat(rawValue: name) else {
                throw ProtocolError(.invalidField, "'format' must be one of \(WebhookFormat.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            format = parsed
        }
        try fields.rejectUnknown(type: "webhook")
        return .webhook(url: url, format: format)
    }

    /// A PushSubscription as the browser's `toJSON()` gives it; `expirationTime` is accepted and ignored.
    private static func webPush(_ value: JSONValue) throws(ProtocolError) -> AlertDestination {
        guard case .object(let object) = value else { throw ProtocolError(.invalidField, "'web_push' must be a PushSubscription object: endpoint and keys") }
        var fields = MessageFields(object)
        let endpoint = try fields.url("endpoint")
        guard endpoint.hasPrefix("https://") || endpoint.hasPrefix("http://") else { throw ProtocolError(.invalidField, "'endpoint' must be an http(s) URL") }
        _ = fields.take("expirationTime")
        guard case .object(let keyObject)? = fields.take("keys") else { throw ProtocolError(.invalidField, "'web_push' needs 'keys' with 'p256dh' and 'auth'") }
        var keys = MessageFields(keyObject)
        guard case .string(let p256dhText)? = keys.take("p256dh"), let p256dh = Base64URL.decode(p256dhText), p256dh.count == 65, p256dh.first == 4 else {
            throw ProtocolError(.invalidField, "'keys.p256dh' must be the base64url of a 65-byte uncompressed P-256 public key")
        }
        guard case .string(let authText)? = keys.take("auth"), let auth = Base64URL.decode(authText), auth.count == 16 else {
            throw ProtocolError(.invalidField, "'keys.auth' must be the base64url of 16 bytes")
        }
        try keys.rejectUnknown(type: "keys")
        try fields.rejectUnknown(type: "web_push")
        return .webPush(PushSubscription(endpoint: endpoint, p256dh: p256dh, auth: auth))
    }

    /// An absolute http(s) URL with a host, bounded.
    mutating func url(_ name: String) throws(ProtocolError) -> String {
        let text = try key(name, maximumLength: AlertSpec.maximumURLLength)
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased(),
              scheme == "https" || scheme == "http", let host = components.host, !host.isEmpty, components.user == nil else {
            throw ProtocolError(.invalidField, "'\(name)' must be an absolute http:// or https:// URL with a host and no user info")
        }
        return text
    }
}

/// Base64url without padding (RFC 4648 §5), as Web Push keys and JWTs use it.
public enum Base64URL {
    public static func encode(_ bytes: some Sequence<UInt8>) -> String {
        Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    public static func decode(_ text: String) -> [UInt8]? {
        guard text.count <= 1_024 else { return nil }
        var standard = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        standard = standard.replacingOccurrences(of: "=", with: "")
        while standard.count % 4 != 0 { standard.append("=") }
        return Data(base64Encoded: standard).map(Array.init)
    }
}
