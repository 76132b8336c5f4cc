/// One storage item: a plain value or a map with hashed keys.
public struct StorageEntryMetadata: Sendable {
    public enum Modifier: UInt8, Sendable {
        /// Absent keys read as nothing.
        case optional = 0
        /// Absent keys read as `defaultValue`.
        case `default` = 1
    }

    public enum Shape: Sendable {
        case plain(value: UInt32)
        /// With several hashers, `key` is a tuple with one field per hasher.
        case map(hashers: [StorageHasher], key: UInt32, value: UInt32)
    }

    public let name: String
    public let modifier: Modifier
    public let shape: Shape
    public let defaultValue: [UInt8]
    public let docs: [String]

    public var valueType: UInt32 {
        switch shape {
        case .plain(let value), .map(_, _, let value): value
        }
    }

    public var hashers: [StorageHasher] {
        if case .map(let hashers, _, _) = shape { hashers } else { [] }
    }
}
