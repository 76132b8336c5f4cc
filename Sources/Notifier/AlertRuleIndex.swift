import Model

/// The active rules arranged by what their filters name, so a change is checked against the rules
/// that can match it (those on its subnet and hotkey, its subnet, its hotkey, or everything)
/// instead of every rule: 10 000 rules over a 2 000-entry epoch stay a fraction of a block.
public struct AlertRuleIndex: Sendable {
    private var bySubnetAndHotkey: [UInt16: [String: [AlertRule]]] = [:]
    private var bySubnet: [UInt16: [AlertRule]] = [:]
    private var byHotkey: [String: [AlertRule]] = [:]
    private var everywhere: [AlertRule] = []
    public private(set) var count = 0

    public init(_ rules: [AlertRule]) {
        for rule in rules where rule.disabledReason == nil {
            count += 1
            switch (rule.spec.filter.netuid, rule.spec.filter.hotkey) {
            case (let netuid?, let hotkey?): bySubnetAndHotkey[netuid, default: [:]][hotkey, default: []].append(rule)
            case (let netuid?, nil): bySubnet[netuid, default: []].append(rule)
            case (nil, let hotkey?): byHotkey[hotkey, default: []].append(rule)
            case (nil, nil): everywhere.append(rule)
            }
        }
    }

    /// The rules whose filter matches `key` (kinds included).
    public func matching(_ key: DividendKey) -> [AlertRule] {
        var found: [AlertRule] = []
        for list in [bySubnetAndHotkey[key.netuid]?[key.hotkey], bySubnet[key.netuid], byHotkey[key.hotkey], everywhere] {
            guard let list else { continue }
            for rule in list where rule.spec.filter.kinds?.contains(key.kind) ?? true { found.append(rule) }
        }
        return found
    }
}
