/// Why bytes could not be read as SCALE (or a value could not be written).
public enum ScaleError: Error, Equatable, CustomStringConvertible {
    /// The input ended `needed` bytes short, at `offset`.
    case truncated(offset: Int, needed: Int)
    /// Bytes were left after a complete value.
    case trailingBytes(offset: Int, count: Int)
    /// A compact integer used more bytes than its value needs (SCALE allows one encoding only).
    case nonCanonicalCompact(offset: Int)
    /// A compact integer does not fit the type asked for.
    case compactOverflow(offset: Int, bits: Int)
    /// A byte that must be 0 or 1 (bool, Option tag, Result tag) was something else.
    case invalidTag(offset: Int, value: UInt8, what: String)
    /// A string is not UTF-8.
    case invalidUTF8(offset: Int)
    /// A length prefix is larger than the input could hold.
    case implausibleLength(offset: Int, length: UInt64)
    /// An enum variant index the type does not define.
    case unknownVariant(offset: Int, index: UInt8, type: String)
    /// A value does not fit the type it is encoded as.
    case valueMismatch(String)

    public var description: String {
        switch self {
        case .truncated(let offset, let needed):
            "SCALE input ends early: \(needed) more byte(s) needed at offset \(offset)"
        case .trailingBytes(let offset, let count):
            "SCALE input has \(count) byte(s) left over after the value, at offset \(offset)"
        case .nonCanonicalCompact(let offset):
            "compact integer at offset \(offset) is not in its shortest form"
        case .compactOverflow(let offset, let bits):
            "compact integer at offset \(offset) does not fit in \(bits) bits"
        case .invalidTag(let offset, let value, let what):
            "byte \(value) at offset \(offset) is not a valid \(what)"
        case .invalidUTF8(let offset):
            "string at offset \(offset) is not valid UTF-8"
        case .implausibleLength(let offset, let length):
            "length \(length) at offset \(offset) is larger than the remaining input"
        case .unknownVariant(let offset, let index, let type):
            "variant index \(index) at offset \(offset) is not defined by \(type)"
        case .valueMismatch(let message):
            message
        }
    }
}
