/// One change of one dividend value, as the watcher publishes it and clients receive it.
///
/// Amounts are decimal strings of exact integers in ``unit``: u64 values exceed what JSON numbers
/// carry exactly in JavaScript.
public struct DividendChange: Sendable, Hashable, Codable {
    public var kind: DividendKind
    public var netuid: UInt16
    public var hotkey: String
    /// The value before, or nil when the entry did not exist.
    public var old: String?
    /// The value now, or nil when the entry was removed.
    public var new: String?
    public var unit: AmountUnit
    public var block: UInt64
    public var blockHash: String
    public var offset: StreamOffset

    public init(kind: DividendKind, netuid: UInt16, hotkey: String, old: UInt64?, new: UInt64?, block: UInt64, blockHash: String, offset: StreamOffset) {
        self.kind = kind
        self.netuid = netuid
        self.hotkey = hotkey
        self.old = old.map(String.init)
        self.new = new.map(String.init)
        self.unit = kind.unit
        self.block = block
        self.blockHash = blockHash
        self.offset = offset
    }

    public var key: DividendKey { DividendKey(kind: kind, netuid: netuid, hotkey: hotkey) }

    /// The entry as it stands after this change, or nil when it was removed.
    public var entry: DividendEntry? {
        new.map { DividendEntry(kind: kind, netuid: netuid, hotkey: hotkey, amount: $0, unit: unit, block: block, offset: offset) }
    }

    enum CodingKeys: String, CodingKey {
        case kind, netuid, hotkey, old, new, unit, block
        case blockHash = "block_hash"
        case offset
    }

    /// Nil amounts are written as JSON null rather than left out: "removed" must be explicit.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(kind, forKey: .kind)
        try container.encode(netuid, forKey: .netuid)
        try container.encode(hotkey, forKey: .hotkey)
        try container.encode(old, forKey: .old)
        try container.encode(new, forKey: .new)
        try container.encode(unit, forKey: .unit)
        try container.encode(block, forKey: .block)
        try container.encode(blockHash, forKey: .blockHash)
        try container.encode(offset, forKey: .offset)
    }
}

/// The current value of one dividend entry, as snapshots carry it.
public struct DividendEntry: Sendable, Hashable, Codable {
    public var kind: DividendKind
    public var netuid: UInt16
    public var hotkey: String
    public var amount: String
    public var unit: AmountUnit
    /// The block the value was last seen changing in.
    public var block: UInt64
    /// The offset of the change that set it; a client recovering from here asks `since` it.
    public var offset: StreamOffset

    public init(kind: DividendKind, netuid: UInt16, hotkey: String, amount: String, unit: AmountUnit, block: UInt64, offset: StreamOffset) {
        self.kind = kind
        self.netuid = netuid
        self.hotkey = hotkey
        self.amount = amount
        self.unit = unit
        self.block = block
        self.offset = offset
    }

    public var key: DividendKey { DividendKey(kind: kind, netuid: netuid, hotkey: hotkey) }
}
