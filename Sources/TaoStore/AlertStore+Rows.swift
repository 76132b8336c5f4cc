import Foundation
import Logging
import Model
import PostgresNIO

/// How a rule maps onto `alert_rules`' columns, both ways.
extension AlertStore {
    struct Columns {
        var kinds: [String]?
        var netuid: Int32?
        var side: String?
        var threshold: String?
        var percent: Double?
        var direction: String?
        var blocks: Int64?
        var destination: String
        var format: String?

        init(_ spec: AlertSpec) {
            kinds = spec.filter.kinds.map { $0.map(\.rawValue).sorted() }
            netuid = spec.filter.netuid.map(Int32.init)
            switch spec.condition {
            case .anyChange, .newEntry, .removedEntry: break
            case .crosses(let side, let threshold):
                self.side = side.rawValue
                self.threshold = String(threshold)
            case .relativeChange(let percent, let direction):
                self.percent = percent
                self.direction = direction.rawValue
            case .stalled(let blocks):
                self.blocks = Int64(blocks)
            }
            switch spec.destination {
            case .webhook(_, let format):
                destination = "webhook"
                self.format = format.rawValue
            case .webPush:
                destination = "web_push"
            }
        }
    }

    func select(_ clause: String, _ binds: [String], logger: Logger) async throws(StoreError) -> [StoredRule] {
        var bindings = PostgresBindings()
        for bind in binds { bindings.append(bind) }
        let query = PostgresQuery(unsafeSQL: """
            SELECT id, token_id, label, kinds, netuid, hotkey, condition, side, threshold::TEXT, percent, direction, blocks,
                   cooldown_seconds, destination, url, format, push_keys, disabled_reason, extract(epoch FROM created_at)::DOUBLE PRECISION
            FROM alert_rules \(clause)
            """, binds: bindings)
        do {
            let rows = try await database.client.query(query, logger: logger)
            var rules: [StoredRule] = []
            for try await row in rows.decode((String, String, String?, [String]?, Int32?, String?, String, String?, String?, Double?, String?, Int64?,
                                              Int32, String, String, String?, ByteBuffer?, String?, Double).self) {
                guard let rule = Self.rule(row) else {
                    logger.warning("an alert rule cannot be read back and is skipped", metadata: ["alert": "\(row.0)"])
                    continue
                }
                rules.append(rule)
            }
            return rules
        } catch {
            throw .query("could not read alerts: \(String(reflecting: error).prefix(300))")
        }
    }

    static func rule(_ row: (String, String, String?, [String]?, Int32?, String?, String, String?, String?, Double?, String?, Int64?,
                             Int32, String, String, String?, ByteBuffer?, String?, Double)) -> StoredRule? {
        let (id, token, label, kinds, netuid, hotkey, type, side, threshold, percent, direction, blocks,
             cooldown, destination, url, format, pushKeys, disabled, created) = row
        var parsed = AlertCondition.plain(type)
        switch type {
        case _ where parsed != nil: break
        case "crosses":
            guard let side = side.flatMap(AlertCondition.Side.init), let threshold = threshold.flatMap(UInt64.init) else { return nil }
            parsed = .crosses(side: side, threshold: threshold)
        case "relative_change":
            guard let percent, let direction = direction.flatMap(AlertCondition.Direction.init) else { return nil }
            parsed = .relativeChange(percent: percent, direction: direction)
        case "stalled":
            guard let blocks, blocks > 0 else { return nil }
            parsed = .stalled(blocks: UInt64(blocks))
        default: return nil
        }
        guard let condition = parsed else { return nil }
        let target: AlertDestination
        let sealed = pushKeys.map { Array($0.readableBytesView) }
        switch destination {
        case "webhook":
            guard let format = format.flatMap(WebhookFormat.init) else { return nil }
            target = .webhook(url: url, format: format)
        case "web_push":
            // The owner's view has no keys; the notifier unseals `sealedPushKeys`.
            target = .webPush(PushSubscription(endpoint: url, p256dh: [], auth: []))
        default: return nil
        }
        let filter = DividendFilter(netuid: netuid.map { UInt16(clamping: $0) }, hotkey: hotkey, kinds: kinds.map { Set($0.map(DividendKind.init(rawValue:))) })
        let spec = AlertSpec(filter: filter, condition: condition, cooldownSeconds: UInt32(max(0, cooldown)), destination: target, label: label)
        return StoredRule(rule: AlertRule(id: id, tokenID: token, spec: spec, disabledReason: disabled, createdAt: created), sealedPushKeys: sealed)
    }
}
