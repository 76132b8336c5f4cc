/// A runtime's metadata (V14 or V15), decoded into one model: everything TaoStream knows about
/// pallets, storage, calls and types comes from here, never from hard-coded layouts.
public struct RuntimeMetadata: Sendable {
    public let version: UInt8
    public let registry: TypeRegistry
    public let pallets: [PalletMetadata]
    public let extrinsic: ExtrinsicMetadata
    public let runtimeType: UInt32?
    /// V15 only.
    public let apis: [RuntimeAPIMetadata]
    public let outerEnums: OuterEnums?
    public let custom: [(name: String, type: UInt32, value: [UInt8])]

    private let palletsByName: [String: Int]

    init(version: UInt8, registry: TypeRegistry, pallets: [PalletMetadata], extrinsic: ExtrinsicMetadata, runtimeType: UInt32?, apis: [RuntimeAPIMetadata], outerEnums: OuterEnums?, custom: [(name: String, type: UInt32, value: [UInt8])]) {
        self.version = version
        self.registry = registry
        self.pallets = pallets
        self.extrinsic = extrinsic
        self.runtimeType = runtimeType
        self.apis = apis
        self.outerEnums = outerEnums
        self.custom = custom
        var byName: [String: Int] = [:]
        for (position, pallet) in pallets.enumerated() { byName[pallet.name] = position }
        palletsByName = byName
    }

    /// Decodes `RuntimeMetadataPrefixed` bytes (`meta` + version + metadata).
    public init(prefixed bytes: [UInt8]) throws(MetadataError) {
        self = try MetadataDecoder.decode(bytes)
    }

    /// Decodes the hex `result` of `state_getMetadata`, or of `state_call` to
    /// `Metadata_metadata_at_version` (an `Option<Vec<u8>>` around the prefixed bytes).
    public init(rpcResult hex: String) throws(MetadataError) {
        let bytes: [UInt8]
        do { bytes = try Hex.decode(hex) } catch { throw .notMetadata }
        if bytes.starts(with: MetadataDecoder.magic) {
            self = try MetadataDecoder.decode(bytes)
            return
        }
        var decoder = ScaleDecoder(bytes)
        do {
            guard try decoder.decodeOptionTag() else { throw MetadataError.notMetadata }
            let inner = try decoder.decodeByteVector()
            try decoder.finish()
            self = try MetadataDecoder.decode(inner)
        } catch let error as MetadataError {
            throw error
        } catch {
            throw .notMetadata
        }
    }

    public func pallet(named name: String) throws(MetadataError) -> PalletMetadata {
        guard let position = palletsByName[name] else { throw .unknownPallet(name) }
        return pallets[position]
    }

    public func pallet(index: UInt8) -> PalletMetadata? {
        pallets.first { $0.index == index }
    }

    public func storageEntry(pallet: String, item: String) throws(MetadataError) -> StorageItem {
        let palletMetadata = try self.pallet(named: pallet)
        guard let storage = palletMetadata.storage, let entry = palletMetadata.storageEntry(item) else {
            throw .unknownStorageItem(pallet: pallet, item: item)
        }
        return StorageItem(pallet: palletMetadata.name, palletPrefix: storage.prefix, entry: entry)
    }

    /// Whether the runtime has this storage item (e.g. which dividend maps exist).
    public func hasStorageEntry(pallet: String, item: String) -> Bool {
        (try? storageEntry(pallet: pallet, item: item)) != nil
    }

    /// A call's pallet index and variant (its index and argument fields).
    public func call(pallet: String, name: String) throws(MetadataError) -> (palletIndex: UInt8, variant: Variant) {
        let palletMetadata = try self.pallet(named: pallet)
        guard let callType = palletMetadata.callType, case .variant(let variants) = try registry.type(callType).definition,
              let variant = variants.first(where: { $0.name == name })
        else { throw .unknownCall(pallet: pallet, call: name) }
        return (palletMetadata.index, variant)
    }

    /// The names of a pallet's calls, events or errors, from their variant type.
    public func variantNames(of type: UInt32?) -> [String] {
        guard let type, let definition = try? registry.type(type).definition, case .variant(let variants) = definition else { return [] }
        return variants.map(\.name)
    }

    /// A module error's name and docs, as `ExtrinsicFailed` reports it (pallet index, error index).
    public func moduleError(palletIndex: UInt8, errorIndex: UInt8) -> (pallet: String, name: String, docs: [String])? {
        guard let pallet = pallet(index: palletIndex), let errorType = pallet.errorType,
              let definition = try? registry.type(errorType).definition, case .variant(let variants) = definition,
              let variant = variants.first(where: { $0.index == errorIndex })
        else { return nil }
        return (pallet.name, variant.name, variant.docs)
    }

    public func constant(pallet: String, name: String) throws(MetadataError) -> ConstantMetadata {
        guard let constant = try self.pallet(named: pallet).constants.first(where: { $0.name == name }) else {
            throw .unknownConstant(pallet: pallet, constant: name)
        }
        return constant
    }
}

/// A storage entry with the pallet prefix its keys start with.
public struct StorageItem: Sendable {
    public let pallet: String
    public let palletPrefix: String
    public let entry: StorageEntryMetadata

    /// Twox128(pallet prefix) ++ Twox128(item name): the first 32 bytes of every key of the item.
    public var prefix: [UInt8] {
        Twox.hash128(Array(palletPrefix.utf8)) + Twox.hash128(Array(entry.name.utf8))
    }
}
