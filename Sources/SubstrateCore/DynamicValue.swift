/// A value of any runtime type, decoded through the type registry.
public indirect enum DynamicValue: Sendable, Equatable {
    case bool(Bool)
    case unsigned(UInt128)
    case signed(Int128)
    /// u256/i256 and anything wider than 128 bits, little-endian.
    case wideInteger([UInt8], signed: Bool)
    case char(Unicode.Scalar)
    case string(String)
    /// Byte sequences and byte arrays (`Vec<u8>`, `[u8; N]`).
    case bytes([UInt8])
    case sequence([DynamicValue])
    /// Composites and tuples with unnamed fields.
    case tuple([DynamicValue])
    case composite([(String, DynamicValue)])
    case variant(name: String, index: UInt8, fields: DynamicValue)
    case bits([Bool])

    public static func == (lhs: DynamicValue, rhs: DynamicValue) -> Bool {
        switch (lhs, rhs) {
        case (.bool(let a), .bool(let b)): a == b
        case (.unsigned(let a), .unsigned(let b)): a == b
        case (.signed(let a), .signed(let b)): a == b
        case (.wideInteger(let a, let x), .wideInteger(let b, let y)): a == b && x == y
        case (.char(let a), .char(let b)): a == b
        case (.string(let a), .string(let b)): a == b
        case (.bytes(let a), .bytes(let b)): a == b
        case (.sequence(let a), .sequence(let b)), (.tuple(let a), .tuple(let b)): a == b
        case (.composite(let a), .composite(let b)): a.count == b.count && zip(a, b).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        case (.variant(let n, let i, let f), .variant(let m, let j, let g)): n == m && i == j && f == g
        case (.bits(let a), .bits(let b)): a == b
        default: false
        }
    }

    /// The unsigned integer inside (through newtypes and compacts), if there is one.
    public var unsignedValue: UInt128? {
        switch self {
        case .unsigned(let value): value
        case .tuple(let fields) where fields.count == 1: fields[0].unsignedValue
        case .composite(let fields) where fields.count == 1: fields[0].1.unsignedValue
        default: nil
        }
    }

    /// The string inside (through newtypes such as `RuntimeString`), if there is one.
    public var stringValue: String? {
        switch self {
        case .string(let text): text
        case .tuple(let fields) where fields.count == 1: fields[0].stringValue
        default: nil
        }
    }

    /// A named field of a composite.
    public subscript(field name: String) -> DynamicValue? {
        if case .composite(let fields) = self { return fields.first { $0.0 == name }?.1 }
        return nil
    }
}
