import Model

/// Decides, for a batch of firings, which go into the outbox: pure, from what the database said
/// before the batch, applied in order (a firing counts against the cool-down and the hourly cap
/// of the ones after it in the same batch).
public struct OutboxPlan: Sendable, Equatable {
    /// One firing to store.
    public struct Firing: Sendable, Hashable {
        public var deliveryID: String
        public var ruleID: String
        public var tokenID: String
        public var key: DividendKey
        /// The event JSON (a `DividendChange`).
        public var event: String
        public var cooldown: UInt32

        public init(deliveryID: String, ruleID: String, tokenID: String, key: DividendKey, event: String, cooldown: UInt32) {
            self.deliveryID = deliveryID
            self.ruleID = ruleID
            self.tokenID = tokenID
            self.key = key
            self.event = event
            self.cooldown = cooldown
        }
    }

    /// What the database holds that the decisions depend on.
    public struct Known: Sendable, Equatable {
        /// Delivery ids already stored.
        public var stored: Set<String> = []
        /// When each rule last fired for each entry.
        public var lastFired: [Mark: Double] = [:]
        /// Deliveries (not suppressed) per token in the last hour.
        public var sentLastHour: [String: Int] = [:]
        /// Rules with a `suppressed` row in the last hour.
        public var suppressedRules: Set<String> = []
        /// Rules of the batch that no longer deliver (disabled, or their token lost alerts).
        public var disabledRules: Set<String> = []

        public init() {}
    }

    public struct Mark: Sendable, Hashable {
        public var ruleID: String
        public var key: DividendKey

        public init(ruleID: String, key: DividendKey) {
            self.ruleID = ruleID
            self.key = key
        }
    }

    public enum Decision: Sendable, Equatable {
        /// Insert as `pending`.
        case queue
        /// Insert as `suppressed` (the first over the cap for its rule this hour).
        case suppress
        /// Nothing to write.
        case skip(AlertStore.EnqueueOutcome)

        public var outcome: AlertStore.EnqueueOutcome {
            switch self {
            case .queue: return .queued
            case .suppress: return .suppressed
            case .skip(let outcome): return outcome
            }
        }
    }

    public private(set) var decisions: [Decision] = []

    public init(_ firings: [Firing], known: Known, perHour: Int, now: Double) {
        var known = known
        for firing in firings {
            let mark = Mark(ruleID: firing.ruleID, key: firing.key)
            if known.stored.contains(firing.deliveryID) {
                decisions.append(.skip(.duplicate))
                continue
            }
            if known.disabledRules.contains(firing.ruleID) {
                decisions.append(.skip(.ruleDisabled))
                continue
            }
            if firing.cooldown > 0, let last = known.lastFired[mark], now - last < Double(firing.cooldown) {
                decisions.append(.skip(.coolingDown))
                continue
            }
            known.stored.insert(firing.deliveryID)
            if known.sentLastHour[firing.tokenID, default: 0] >= perHour {
                guard known.suppressedRules.insert(firing.ruleID).inserted else {
                    decisions.append(.skip(.suppressed))
                    continue
                }
                decisions.append(.suppress)
            } else {
                known.sentLastHour[firing.tokenID, default: 0] += 1
                decisions.append(.queue)
                // Only a firing that is sent starts a cool-down.
                known.lastFired[mark] = now
            }
        }
    }
}
