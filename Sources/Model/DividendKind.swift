/// Which storage map a dividend value comes from, named exactly as the runtime names the item
/// (`SubtensorModule::<name>`).
///
/// Not a closed enum: runtimes add maps (`RootAlphaDividendsPerSubnet`) and retire them
/// (`TaoDividendsPerSubnet`); the watcher tracks whichever the metadata in force has.
public struct DividendKind: RawRepresentable, Sendable, Hashable, Codable, Comparable, CustomStringConvertible {
    public let rawValue: String

    public init(rawValue: String) { self.rawValue = rawValue }

    public static let alpha = DividendKind(rawValue: "AlphaDividendsPerSubnet")
    public static let rootAlpha = DividendKind(rawValue: "RootAlphaDividendsPerSubnet")
    /// The legacy map the original service read; absent from current runtimes.
    public static let tao = DividendKind(rawValue: "TaoDividendsPerSubnet")

    /// The maps TaoStream knows, in the order it prefers them.
    public static let known: [DividendKind] = [.alpha, .rootAlpha, .tao]

    /// TAO-denominated maps count rao; alpha maps count the subnet's alpha in the same 1e-9 steps.
    public var unit: AmountUnit { self == .tao ? .rao : .alphaRao }

    /// Kind names go into Redis keys and channels, so they must not contain the separator.
    public var isValidName: Bool {
        !rawValue.isEmpty && rawValue.count <= 64 && rawValue.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) }
    }

    public var description: String { rawValue }

    public static func < (lhs: DividendKind, rhs: DividendKind) -> Bool { lhs.rawValue < rhs.rawValue }

    public init(from decoder: any Decoder) throws {
        self.init(rawValue: try decoder.singleValueContainer().decode(String.self))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}

/// The unit of an integer amount on the wire.
public enum AmountUnit: String, Sendable, Codable, Hashable {
    /// 1 TAO = 1_000_000_000 rao.
    case rao
    /// 1 alpha of the subnet = 1_000_000_000 alpha_rao.
    case alphaRao = "alpha_rao"
}
