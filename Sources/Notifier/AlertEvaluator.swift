import Crypto
import Model

/// Decides which rules fire for a change, and which entries a `stalled` rule finds stuck. Pure:
/// cool-downs and deduplication are the store's, by the delivery id this derives from the event.
public enum AlertEvaluator {
    /// One rule firing for one entry.
    public struct Firing: Sendable, Hashable {
        public var rule: AlertRule
        public var key: DividendKey
        /// The `webhook-id`: the same for the same rule and event, however often it is evaluated.
        public var deliveryID: String
        /// What the receiver is told happened.
        public var event: DividendChange
    }

    /// The rules among `rules` that `change` fires.
    public static func firings(for change: DividendChange, rules: [AlertRule]) -> [Firing] {
        firings(for: change, index: AlertRuleIndex(rules))
    }

    /// The rules of `index` that `change` fires.
    public static func firings(for change: DividendChange, index: AlertRuleIndex) -> [Firing] {
        index.matching(change.key).compactMap { rule in
            guard fires(rule.spec.condition, old: change.old, new: change.new) else { return nil }
            return Firing(rule: rule, key: change.key, deliveryID: deliveryID(rule: rule.id, event: "change:\(change.offset)"), event: change)
        }
    }

    /// Whether a change from `old` to `new` (decimal strings of the smallest unit; nil = absent) meets the condition.
    public static func fires(_ condition: AlertCondition, old: String?, new: String?) -> Bool {
        let before = old.flatMap(UInt64.init)
        let after = new.flatMap(UInt64.init)
        switch condition {
        case .anyChange: return true
        case .newEntry: return old == nil && new != nil
        case .removedEntry: return old != nil && new == nil
        case .crosses(let side, let threshold):
            // An entry that appears or disappears crosses from or to nothing, which counts as 0.
            let from = before ?? 0, to = after ?? 0
            switch side {
            case .above: return from <= threshold && to > threshold
            case .below: return from >= threshold && to < threshold
            }
        case .relativeChange(let percent, let direction):
            guard let from = before, from > 0 else { return false }
            let to = after ?? 0
            let change = (Double(to) - Double(from)) / Double(from) * 100
            switch direction {
            case .drop: return -change >= percent
            case .rise: return change >= percent
            case .either: return abs(change) >= percent
            }
        case .stalled: return false
        }
    }

    /// The entries of a `stalled` rule that have not changed for its number of blocks at `block`.
    /// Each stall fires once: the id names the block the value was set in.
    public static func stalls(rule: AlertRule, entries: [DividendEntry], at block: UInt64, blockHash: String) -> [Firing] {
        guard rule.disabledReason == nil, case .stalled(let blocks) = rule.spec.condition else { return [] }
        return entries.compactMap { entry in
            guard rule.spec.filter.matches(entry.key), block >= entry.block, block - entry.block >= blocks else { return nil }
            var event = DividendChange(kind: entry.kind, netuid: entry.netuid, hotkey: entry.hotkey, old: nil, new: nil, block: block, blockHash: blockHash, offset: entry.offset)
            event.old = entry.amount
            event.new = entry.amount
            return Firing(rule: rule, key: entry.key, deliveryID: deliveryID(rule: rule.id, event: "stall:\(entry.key.kind.rawValue):\(entry.netuid):\(entry.hotkey):\(entry.block)"), event: event)
        }
    }

    /// `msg_` and 26 base32 characters of SHA-256(rule, event): stable across notifiers and restarts.
    static func deliveryID(rule: String, event: String) -> String {
        let digest = Array(SHA256.hash(data: Array("\(rule)\u{0}\(event)".utf8)))
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz234567")
        var text = "msg_"
        var buffer: UInt32 = 0, bits = 0
        for byte in digest.prefix(17) {
            buffer = (buffer << 8) | UInt32(byte)
            bits += 8
            while bits >= 5, text.count < 30 {
                bits -= 5
                text.append(alphabet[Int((buffer >> UInt32(bits)) & 31)])
            }
        }
        return text
    }
}
