/// What one dividend value is of: a map, a subnet and a hotkey.
public struct DividendKey: Sendable, Hashable, Codable, CustomStringConvertible {
    public var kind: DividendKind
    public var netuid: UInt16
    /// SS58 address (prefix 42) of the hotkey.
    public var hotkey: String

    public init(kind: DividendKind, netuid: UInt16, hotkey: String) {
        self.kind = kind
        self.netuid = netuid
        self.hotkey = hotkey
    }

    public var description: String { "\(kind)[\(netuid)][\(hotkey)]" }
}
