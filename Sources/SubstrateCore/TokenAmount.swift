/// An exact amount with 9 decimals: TAO in rao (1 TAO = 10^9 rao), or a subnet's alpha in its
/// smallest unit. Never a floating-point number: stake and dividends are money.
public struct TokenAmount: Hashable, Comparable, Sendable, CustomStringConvertible {
    public static let decimals = 9
    public static let unitsPerToken: UInt64 = 1_000_000_000

    /// The amount in the smallest unit (rao for TAO).
    public let units: UInt64

    public init(units: UInt64) { self.units = units }

    /// Parses a decimal token amount such as `"1.5"`, `"0.01"` or `"42"` exactly.
    public init(decimal text: String) throws(AmountError) {
        let trimmed = text.trimmingWhitespace
        guard !trimmed.isEmpty else { throw .notANumber(text) }
        if trimmed.hasPrefix("-") { throw .negative(text) }
        let parts = trimmed.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        let whole = parts[0]
        let fraction = parts.count == 2 ? parts[1] : ""
        guard !(whole.isEmpty && fraction.isEmpty),
              whole.allSatisfy({ $0.isASCII && $0.isNumber }), fraction.allSatisfy({ $0.isASCII && $0.isNumber })
        else { throw .notANumber(text) }
        guard fraction.count <= Self.decimals else { throw .tooPrecise(text) }
        let padded = fraction + String(repeating: "0", count: Self.decimals - fraction.count)
        guard let wholeUnits = UInt64(whole.isEmpty ? "0" : String(whole)), let fractionUnits = UInt64(padded) else {
            throw .tooLarge(text)
        }
        let (scaled, overflow) = wholeUnits.multipliedReportingOverflow(by: Self.unitsPerToken)
        let (total, overflow2) = scaled.addingReportingOverflow(fractionUnits)
        guard !overflow, !overflow2 else { throw .tooLarge(text) }
        units = total
    }

    /// All nine decimals: `"1.500000000"`.
    public var fixed: String {
        let fraction = String(units % Self.unitsPerToken)
        return "\(units / Self.unitsPerToken).\(String(repeating: "0", count: Self.decimals - fraction.count))\(fraction)"
    }

    /// Without trailing zeros: `"1.5"`, `"42"`.
    public var description: String {
        var text = fixed
        while text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }
        return text
    }

    public static func < (lhs: TokenAmount, rhs: TokenAmount) -> Bool { lhs.units < rhs.units }
}

public enum AmountError: Error, Equatable, CustomStringConvertible {
    case notANumber(String)
    case negative(String)
    case tooPrecise(String)
    case tooLarge(String)

    public var description: String {
        switch self {
        case .notANumber(let text): "'\(text)' is not a decimal amount; write it like 1.5 or 0.01"
        case .negative(let text): "'\(text)' is negative; amounts are positive (use unstake to take stake away)"
        case .tooPrecise(let text): "'\(text)' has more than 9 decimals; 1 rao (0.000000001) is the smallest amount"
        case .tooLarge(let text): "'\(text)' is larger than the chain can hold (at most 18446744073.709551615)"
        }
    }
}

extension StringProtocol {
    var trimmingWhitespace: Substring {
        let scalars = self[...]
        let start = scalars.firstIndex { !$0.isWhitespace } ?? scalars.endIndex
        let end = scalars.lastIndex { !$0.isWhitespace }.map { scalars.index(after: $0) } ?? start
        return Substring(scalars[start..<end])
    }
}
