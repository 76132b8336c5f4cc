/// What a subscription or query selects: any combination of one netuid, one hotkey and a set of
/// dividend kinds; an absent part matches everything, so `{}` is every value of every subnet.
public struct DividendFilter: Sendable, Hashable, Codable {
    public var netuid: UInt16?
    public var hotkey: String?
    public var kinds: Set<DividendKind>?

    public init(netuid: UInt16? = nil, hotkey: String? = nil, kinds: Set<DividendKind>? = nil) {
        self.netuid = netuid
        self.hotkey = hotkey
        self.kinds = kinds
    }

    public func matches(_ key: DividendKey) -> Bool {
        if let netuid, netuid != key.netuid { return false }
        if let hotkey, hotkey != key.hotkey { return false }
        if let kinds, !kinds.contains(key.kind) { return false }
        return true
    }

    enum CodingKeys: String, CodingKey { case netuid, hotkey, kinds }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeIfPresent(netuid, forKey: .netuid)
        try container.encodeIfPresent(hotkey, forKey: .hotkey)
        try container.encodeIfPresent(kinds.map { $0.sorted() }, forKey: .kinds)
    }
}
