import SubstrateCore

/// Reads and writes typed storage values in a key/value map, with keys and values encoded
/// exactly as the runtime's metadata says, so any client decoding through the metadata agrees.
struct StorageCodec: Sendable {
    let metadata: RuntimeMetadata

    func storage(_ pallet: String, _ item: String) throws -> StorageKey {
        try StorageKey(metadata: metadata, pallet: pallet, item: item)
    }

    func key(_ pallet: String, _ item: String, _ arguments: [DynamicValue]) throws -> [UInt8] {
        try storage(pallet, item).key(arguments)
    }

    func encode(_ pallet: String, _ item: String, _ value: DynamicValue) throws -> [UInt8] {
        let entry = try metadata.storageEntry(pallet: pallet, item: item).entry
        return try DynamicValueEncoder(registry: metadata.registry).encode(value, as: entry.valueType)
    }

    func set(_ state: inout [StateKey: [UInt8]], _ pallet: String, _ item: String, _ arguments: [DynamicValue], _ value: DynamicValue) throws {
        state[StateKey(try key(pallet, item, arguments))] = try encode(pallet, item, value)
    }

    func get(_ state: [StateKey: [UInt8]], _ pallet: String, _ item: String, _ arguments: [DynamicValue]) throws -> DynamicValue? {
        let storage = try storage(pallet, item)
        return try storage.value(state[StateKey(try storage.key(arguments))])
    }
}

/// A storage key, hashable and ordered bytewise as nodes order keys for paging.
public struct StateKey: Hashable, Comparable, Sendable {
    public let bytes: [UInt8]
    public init(_ bytes: [UInt8]) { self.bytes = bytes }
    public static func < (lhs: StateKey, rhs: StateKey) -> Bool { lhs.bytes.lexicographicallyPrecedes(rhs.bytes) }
}
