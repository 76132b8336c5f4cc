/// Reads `RuntimeMetadataPrefixed` V14 and V15 from SCALE.
enum MetadataDecoder {
    static let magic: [UInt8] = Array("meta".utf8)

    static func decode(_ bytes: [UInt8]) throws(MetadataError) -> RuntimeMetadata {
        guard bytes.count > 5, bytes.starts(with: magic) else { throw .notMetadata }
        let version = bytes[4]
        guard version == 14 || version == 15 else { throw .unsupportedVersion(version) }
        var decoder = ScaleDecoder(bytes, offset: 5)
        do {
            let metadata = try decode(&decoder, version: version)
            try decoder.finish()
            return metadata
        } catch let error as ScaleError {
            throw .malformed(error)
        } catch let error as MetadataError {
            throw error
        } catch {
            throw .malformed(.valueMismatch("\(error)"))
        }
    }

    private static func decode(_ decoder: inout ScaleDecoder, version: UInt8) throws -> RuntimeMetadata {
        let types = try list(&decoder) { (d: inout ScaleDecoder) throws(ScaleError) in try portableType(&d) }
        let registry = TypeRegistry(types)
        let pallets = try list(&decoder) { (d: inout ScaleDecoder) throws(ScaleError) in try pallet(&d, version: version) }
        let extrinsic: ExtrinsicMetadata
        if version == 14 {
            let type = try compactID(&decoder)
            let extrinsicVersion = try decoder.readByte()
            let extensions = try list(&decoder) { (d: inout ScaleDecoder) throws(ScaleError) in try signedExtension(&d) }
            extrinsic = ExtrinsicMetadata(version: extrinsicVersion, type: type, addressType: nil, callType: nil, signatureType: nil, extraType: nil, signedExtensions: extensions)
        } else {
            let extrinsicVersion = try decoder.readByte()
            let address = try compactID(&decoder)
            let call = try compactID(&decoder)
            let signature = try compactID(&decoder)
            let extra = try compactID(&decoder)
            let extensions = try list(&decoder) { (d: inout ScaleDecoder) throws(ScaleError) in try signedExtension(&d) }
            extrinsic = ExtrinsicMetadata(version: extrinsicVersion, type: nil, addressType: address, callType: call, signatureType: signature, extraType: extra, signedExtensions: extensions)
        }
        let runtimeType = try compactID(&decoder)
        guard version == 15 else {
            return RuntimeMetadata(version: version, registry: registry, pallets: pallets, extrinsic: extrinsic, runtimeType: runtimeType, apis: [], outerEnums: nil, custom: [])
        }
        let apis = try list(&decoder) { (d: inout ScaleDecoder) throws(ScaleError) in try runtimeAPI(&d) }
        let outer = OuterEnums(callType: try compactID(&decoder), eventType: try compactID(&decoder), errorType: try compactID(&decoder))
        let custom = try list(&decoder) { (d: inout ScaleDecoder) throws(ScaleError) -> (name: String, type: UInt32, value: [UInt8]) in
            (try d.decodeString(), try compactID(&d), try d.decodeByteVector())
        }
        return RuntimeMetadata(version: version, registry: registry, pallets: pallets, extrinsic: extrinsic, runtimeType: runtimeType, apis: apis, outerEnums: outer, custom: custom)
    }

    // MARK: Pieces

    private static func list<T>(_ decoder: inout ScaleDecoder, _ element: (inout ScaleDecoder) throws(ScaleError) -> T) throws(ScaleError) -> [T] {
        let count = try decoder.decodeLength()
        var items: [T] = []
        items.reserveCapacity(count)
        for _ in 0..<count { items.append(try element(&decoder)) }
        return items
    }

    private static func strings(_ decoder: inout ScaleDecoder) throws(ScaleError) -> [String] {
        try list(&decoder) { (d: inout ScaleDecoder) throws(ScaleError) in try d.decodeString() }
    }

    private static func optionalString(_ decoder: inout ScaleDecoder) throws(ScaleError) -> String? {
        try decoder.decodeOptionTag() ? try decoder.decodeString() : nil
    }

    private static func compactID(_ decoder: inout ScaleDecoder) throws(ScaleError) -> UInt32 {
        try decoder.decodeCompact(as: UInt32.self)
    }

    private static func optionalID(_ decoder: inout ScaleDecoder) throws(ScaleError) -> UInt32? {
        try decoder.decodeOptionTag() ? try compactID(&decoder) : nil
    }

    private static func portableType(_ decoder: inout ScaleDecoder) throws(ScaleError) -> PortableType {
        let id = try compactID(&decoder)
        let path = try strings(&decoder)
        let parameters = try list(&decoder) { (d: inout ScaleDecoder) throws(ScaleError) in
            TypeParameter(name: try d.decodeString(), type: try optionalID(&d))
        }
        let definition = try typeDefinition(&decoder)
        return PortableType(id: id, path: path, parameters: parameters, definition: definition, docs: try strings(&decoder))
    }

    private static func field(_ decoder: inout ScaleDecoder) throws(ScaleError) -> Field {
        Field(name: try optionalString(&decoder), type: try compactID(&decoder), typeName: try optionalString(&decoder), docs: try strings(&decoder))
    }

    private static func typeDefinition(_ decoder: inout ScaleDecoder) throws(ScaleError) -> TypeDefinition {
        let start = decoder.offset
        switch try decoder.readByte() {
        case 0:
            return .composite(try list(&decoder) { (d: inout ScaleDecoder) throws(ScaleError) in try field(&d) })
        case 1:
            return .variant(try list(&decoder) { (d: inout ScaleDecoder) throws(ScaleError) in
                Variant(
                    name: try d.decodeString(),
                    fields: try list(&d) { (d: inout ScaleDecoder) throws(ScaleError) in try field(&d) },
                    index: try d.readByte(), docs: try strings(&d)
                )
            })
        case 2:
            return .sequence(try compactID(&decoder))
        case 3:
            return .array(length: try decoder.decode(UInt32.self), element: try compactID(&decoder))
        case 4:
            return .tuple(try list(&decoder) { (d: inout ScaleDecoder) throws(ScaleError) in try compactID(&d) })
        case 5:
            let primitiveStart = decoder.offset
            let raw = try decoder.readByte()
            guard let primitive = Primitive(rawValue: raw) else {
                throw .unknownVariant(offset: primitiveStart, index: raw, type: "TypeDefPrimitive")
            }
            return .primitive(primitive)
        case 6:
            return .compact(try compactID(&decoder))
        case 7:
            return .bitSequence(store: try compactID(&decoder), order: try compactID(&decoder))
        case let other:
            throw .unknownVariant(offset: start, index: other, type: "TypeDef")
        }
    }

    private static func pallet(_ decoder: inout ScaleDecoder, version: UInt8) throws(ScaleError) -> PalletMetadata {
        let name = try decoder.decodeString()
        let storage: PalletStorageMetadata? = try decoder.decodeOptionTag()
            ? PalletStorageMetadata(prefix: try decoder.decodeString(), entries: try list(&decoder) { (d: inout ScaleDecoder) throws(ScaleError) in try storageEntry(&d) })
            : nil
        let calls = try optionalID(&decoder)
        let events = try optionalID(&decoder)
        let constants = try list(&decoder) { (d: inout ScaleDecoder) throws(ScaleError) in
            ConstantMetadata(name: try d.decodeString(), type: try compactID(&d), value: try d.decodeByteVector(), docs: try strings(&d))
        }
        let errors = try optionalID(&decoder)
        let index = try decoder.readByte()
        let docs = version >= 15 ? try strings(&decoder) : []
        return PalletMetadata(name: name, index: index, storage: storage, callType: calls, eventType: events, constants: constants, errorType: errors, docs: docs)
    }

    private static func storageEntry(_ decoder: inout ScaleDecoder) throws(ScaleError) -> StorageEntryMetadata {
        let name = try decoder.decodeString()
        let modifierStart = decoder.offset
        let rawModifier = try decoder.readByte()
        guard let modifier = StorageEntryMetadata.Modifier(rawValue: rawModifier) else {
            throw .unknownVariant(offset: modifierStart, index: rawModifier, type: "StorageEntryModifier")
        }
        let shapeStart = decoder.offset
        let shape: StorageEntryMetadata.Shape
        switch try decoder.readByte() {
        case 0:
            shape = .plain(value: try compactID(&decoder))
        case 1:
            let hashers = try list(&decoder) { (d: inout ScaleDecoder) throws(ScaleError) -> StorageHasher in
                let at = d.offset
                let raw = try d.readByte()
                guard let hasher = StorageHasher(rawValue: raw) else { throw .unknownVariant(offset: at, index: raw, type: "StorageHasher") }
                return hasher
            }
            shape = .map(hashers: hashers, key: try compactID(&decoder), value: try compactID(&decoder))
        case let other:
            throw .unknownVariant(offset: shapeStart, index: other, type: "StorageEntryType")
        }
        return StorageEntryMetadata(name: name, modifier: modifier, shape: shape, defaultValue: try decoder.decodeByteVector(), docs: try strings(&decoder))
    }

    private static func signedExtension(_ decoder: inout ScaleDecoder) throws(ScaleError) -> SignedExtensionMetadata {
        SignedExtensionMetadata(identifier: try decoder.decodeString(), type: try compactID(&decoder), additionalSigned: try compactID(&decoder))
    }

    private static func runtimeAPI(_ decoder: inout ScaleDecoder) throws(ScaleError) -> RuntimeAPIMetadata {
        let name = try decoder.decodeString()
        let methods = try list(&decoder) { (d: inout ScaleDecoder) throws(ScaleError) in
            RuntimeAPIMetadata.Method(
                name: try d.decodeString(),
                inputs: try list(&d) { (d: inout ScaleDecoder) throws(ScaleError) -> (name: String, type: UInt32) in (try d.decodeString(), try compactID(&d)) },
                output: try compactID(&d), docs: try strings(&d)
            )
        }
        return RuntimeAPIMetadata(name: name, methods: methods, docs: try strings(&decoder))
    }
}
