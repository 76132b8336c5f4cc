/// One type of the runtime's type registry (scale-info's `PortableType`).
public struct PortableType: Sendable {
    public let id: UInt32
    /// The Rust path, e.g. `["sp_core", "crypto", "AccountId32"]`; empty for built-in types.
    public let path: [String]
    public let parameters: [TypeParameter]
    public let definition: TypeDefinition
    public let docs: [String]

    public var pathName: String { path.joined(separator: "::") }
}

public struct TypeParameter: Sendable, Equatable {
    public let name: String
    public let type: UInt32?
}

/// The shape of a type.
public enum TypeDefinition: Sendable {
    case composite([Field])
    case variant([Variant])
    case sequence(UInt32)
    case array(length: UInt32, element: UInt32)
    case tuple([UInt32])
    case primitive(Primitive)
    case compact(UInt32)
    case bitSequence(store: UInt32, order: UInt32)
}

public struct Field: Sendable {
    public let name: String?
    public let type: UInt32
    public let typeName: String?
    public let docs: [String]
}

public struct Variant: Sendable {
    public let name: String
    public let fields: [Field]
    public let index: UInt8
    public let docs: [String]
}

public enum Primitive: UInt8, Sendable, CaseIterable {
    case bool, char, str, u8, u16, u32, u64, u128, u256, i8, i16, i32, i64, i128, i256

    /// Size in bytes of the fixed-width encodings (nil for `str`).
    public var size: Int? {
        switch self {
        case .bool, .u8, .i8: 1
        case .u16, .i16: 2
        case .char, .u32, .i32: 4
        case .u64, .i64: 8
        case .u128, .i128: 16
        case .u256, .i256: 32
        case .str: nil
        }
    }
}
