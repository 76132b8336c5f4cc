import Model

/// The changes that turn `old` into `new` for the keys in `scope`, in (kind, netuid, hotkey)
/// order, numbered as offsets of `block`.
enum DividendDiff {
    static func changes(
        from old: [DividendKey: UInt64], to new: [DividendKey: UInt64], scope: (DividendKey) -> Bool,
        block: UInt64, blockHash: String
    ) -> [DividendChange] {
        var keys = Set(new.keys.filter(scope))
        keys.formUnion(old.keys.filter(scope))
        var changes: [DividendChange] = []
        for key in keys.sorted(by: { ($0.kind, $0.netuid, $0.hotkey) < ($1.kind, $1.netuid, $1.hotkey) }) where old[key] != new[key] {
            changes.append(DividendChange(
                kind: key.kind, netuid: key.netuid, hotkey: key.hotkey, old: old[key], new: new[key],
                block: block, blockHash: blockHash, offset: StreamOffset(block: block, sequence: UInt64(changes.count))
            ))
        }
        return changes
    }
}
