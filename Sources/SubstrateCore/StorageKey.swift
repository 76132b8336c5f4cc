/// Builds and reads storage keys of one item, as the metadata describes them.
public struct StorageKey: Sendable {
    public let item: StorageItem
    public let registry: TypeRegistry

    public init(_ item: StorageItem, registry: TypeRegistry) {
        self.item = item
        self.registry = registry
    }

    public init(metadata: RuntimeMetadata, pallet: String, item: String) throws(MetadataError) {
        self.init(try metadata.storageEntry(pallet: pallet, item: item), registry: metadata.registry)
    }

    /// The types of the key parts, one per hasher.
    public func keyTypes() throws(MetadataError) -> [UInt32] {
        guard case .map(let hashers, let key, _) = item.entry.shape else { return [] }
        if hashers.count == 1 { return [key] }
        guard case .tuple(let elements) = try registry.type(key).definition, elements.count == hashers.count else {
            return [key]
        }
        return elements
    }

    /// The key for `arguments` (one per hasher; fewer give an iteration prefix).
    public func key(_ arguments: [DynamicValue]) throws(StorageKeyError) -> [UInt8] {
        let hashers = item.entry.hashers
        guard arguments.count <= hashers.count else {
            throw .wrongArgumentCount(item: item.entry.name, expected: hashers.count, given: arguments.count)
        }
        let types: [UInt32]
        do { types = try keyTypes() } catch { throw .metadata(error) }
        let encoder = DynamicValueEncoder(registry: registry)
        var key = item.prefix
        for (index, argument) in arguments.enumerated() {
            let encoded: [UInt8]
            do { encoded = try encoder.encode(argument, as: types[index]) } catch {
                throw .badArgument(item: item.entry.name, position: index, reason: error)
            }
            key += hashers[index].hash(encoded)
        }
        return key
    }

    /// The key for arguments already SCALE-encoded (the fast path for known shapes).
    public func key(encodedArguments: [[UInt8]]) throws(StorageKeyError) -> [UInt8] {
        let hashers = item.entry.hashers
        guard encodedArguments.count <= hashers.count else {
            throw .wrongArgumentCount(item: item.entry.name, expected: hashers.count, given: encodedArguments.count)
        }
        var key = item.prefix
        for (argument, hasher) in zip(encodedArguments, hashers) { key += hasher.hash(argument) }
        return key
    }

    /// The arguments a full key was built from. Parts hashed without their key (Blake2_128,
    /// Twox128, …) come back as nil: they cannot be recovered.
    public func arguments(of key: [UInt8]) throws(StorageKeyError) -> [DynamicValue?] {
        let prefix = item.prefix
        guard key.starts(with: prefix) else { throw .notThisItem(item: item.entry.name) }
        let types: [UInt32]
        do { types = try keyTypes() } catch { throw .metadata(error) }
        let decoder = DynamicValueDecoder(registry: registry)
        var reader = ScaleDecoder(key, offset: prefix.count)
        var values: [DynamicValue?] = []
        do {
            for (hasher, type) in zip(item.entry.hashers, types) {
                if let skip = hasher.prefixLength {
                    try reader.skip(skip)
                    values.append(try decoder.decode(&reader, as: type))
                } else {
                    try reader.skip(hasher.opaqueLength!)
                    values.append(nil)
                }
            }
            try reader.finish()
        } catch let error as DynamicValueError {
            throw .badKey(item: item.entry.name, reason: "\(error)")
        } catch {
            throw .badKey(item: item.entry.name, reason: "\(error)")
        }
        return values
    }

    /// Decodes a value of the item; an absent value of a `Default` item is its default.
    public func value(_ bytes: [UInt8]?) throws(DynamicValueError) -> DynamicValue? {
        guard let bytes = bytes ?? (item.entry.modifier == .default ? item.entry.defaultValue : nil) else { return nil }
        return try DynamicValueDecoder(registry: registry).decode(bytes, as: item.entry.valueType)
    }
}

public enum StorageKeyError: Error, Equatable, CustomStringConvertible {
    case wrongArgumentCount(item: String, expected: Int, given: Int)
    case badArgument(item: String, position: Int, reason: DynamicValueError)
    case notThisItem(item: String)
    case badKey(item: String, reason: String)
    case metadata(MetadataError)

    public var description: String {
        switch self {
        case .wrongArgumentCount(let item, let expected, let given):
            "\(item) takes \(expected) key argument(s); \(given) given"
        case .badArgument(let item, let position, let reason):
            "key argument \(position + 1) of \(item) does not fit its type: \(reason)"
        case .notThisItem(let item):
            "the key does not start with the prefix of \(item)"
        case .badKey(let item, let reason):
            "the key of \(item) could not be read: \(reason)"
        case .metadata(let error):
            "\(error)"
        }
    }
}
