import SubstrateCore

/// The data each signed extension of the runtime adds: `explicit` travels in the extrinsic,
/// `implicit` ("additional signed") is only signed. The list and its order come from the
/// metadata; an extension that carries data TaoStream does not know is an error, never a guess.
public struct SignedExtensions: Sendable {
    public let explicit: [UInt8]
    public let implicit: [UInt8]

    public init(metadata: RuntimeMetadata, parameters: TransactionParameters) throws(ExtrinsicError) {
        try self.init(extensions: metadata.extrinsic.signedExtensions, registry: metadata.registry, parameters: parameters)
    }

    public init(extensions: [SignedExtensionMetadata], registry: TypeRegistry, parameters: TransactionParameters) throws(ExtrinsicError) {
        var explicit = ScaleEncoder()
        var implicit = ScaleEncoder()
        for extension_ in extensions {
            let name = extension_.identifier
            try Self.checkShape(extension_, in: registry)
            switch name {
            case "CheckMortality", "CheckEra":
                explicit.append(parameters.era.encoded)
            case "CheckNonce":
                explicit.encodeCompact(parameters.nonce)
            case "ChargeTransactionPayment":
                explicit.encodeCompact(parameters.tip)
            case "ChargeAssetTxPayment":
                explicit.encodeCompact(parameters.tip)
                explicit.append([0])  // no asset id: pay in the native token
            case "CheckMetadataHash":
                explicit.append([0])  // mode: disabled
            default:
                guard Self.isEmpty(extension_.type, in: registry) else { throw .unknownSignedExtension(name) }
            }
            switch name {
            case "CheckSpecVersion":
                implicit.encode(parameters.specVersion)
            case "CheckTxVersion":
                implicit.encode(parameters.transactionVersion)
            case "CheckGenesis":
                implicit.append(parameters.genesisHash)
            case "CheckMortality", "CheckEra":
                implicit.append(parameters.birthBlockHash)
            case "CheckMetadataHash":
                implicit.append([0])  // no metadata hash, as the disabled mode requires
            default:
                guard Self.isEmpty(extension_.additionalSigned, in: registry) else { throw .unknownSignedExtension(name) }
            }
        }
        self.explicit = explicit.bytes
        self.implicit = implicit.bytes
    }

    /// What the bytes written for a known extension assume of its types. A runtime that changed
    /// one (a u64 nonce, a tip in another form) must stop signing, not sign bytes it would reject.
    enum Shape: Equatable, CustomStringConvertible {
        case compact, fixed(Int)

        var description: String {
            switch self {
            case .compact: "a compact integer"
            case .fixed(let size): "\(size) fixed bytes"
            }
        }
    }

    static let expectedShapes: [String: (explicit: Shape?, implicit: Shape?)] = [
        "CheckNonce": (.compact, nil), "ChargeTransactionPayment": (.compact, nil),
        "CheckSpecVersion": (nil, .fixed(4)), "CheckTxVersion": (nil, .fixed(4)),
        "CheckGenesis": (nil, .fixed(32)), "CheckMortality": (nil, .fixed(32)), "CheckEra": (nil, .fixed(32)),
        "CheckMetadataHash": (.fixed(1), nil),
    ]

    static func checkShape(_ extension_: SignedExtensionMetadata, in registry: TypeRegistry) throws(ExtrinsicError) {
        guard let expected = expectedShapes[extension_.identifier] else { return }
        for (side, id, shape) in [("data", extension_.type, expected.explicit), ("signed data", extension_.additionalSigned, expected.implicit)] {
            guard let shape else { continue }
            let found = Self.shape(of: id, in: registry)
            guard found == shape else {
                throw .unexpectedSignedExtension(extension_.identifier, "its \(side) is \(found.map(\.description) ?? "of another shape") in this runtime, where TaoStream writes \(shape)")
            }
        }
    }

    /// The shape of values of a type, when it is a compact integer or a fixed number of bytes
    /// (a composite of them, an array, a unit-only enum); nil otherwise.
    static func shape(of id: UInt32, in registry: TypeRegistry, depth: Int = 0) -> Shape? {
        guard depth < 32, let type = try? registry.type(id) else { return nil }
        switch type.definition {
        case .compact: return .compact
        case .primitive(let primitive): return primitive.size.map(Shape.fixed)
        case .array(let length, let element):
            guard case .fixed(let size)? = shape(of: element, in: registry, depth: depth + 1) else { return nil }
            return .fixed(size * Int(length))
        case .composite(let fields):
            if fields.count == 1 { return shape(of: fields[0].type, in: registry, depth: depth + 1) }
            var total = 0
            for field in fields {
                guard case .fixed(let size)? = shape(of: field.type, in: registry, depth: depth + 1) else { return nil }
                total += size
            }
            return .fixed(total)
        case .variant(let variants):
            return variants.allSatisfy({ $0.fields.isEmpty }) ? .fixed(1) : nil
        default:
            return nil
        }
    }

    /// Whether values of the type take no bytes (unit structs, empty tuples, PhantomData).
    static func isEmpty(_ id: UInt32, in registry: TypeRegistry, depth: Int = 0) -> Bool {
        guard depth < 32, let type = try? registry.type(id) else { return false }
        switch type.definition {
        case .composite(let fields): return fields.allSatisfy { isEmpty($0.type, in: registry, depth: depth + 1) }
        case .tuple(let elements): return elements.allSatisfy { isEmpty($0, in: registry, depth: depth + 1) }
        case .array(let length, let element): return length == 0 || isEmpty(element, in: registry, depth: depth + 1)
        default: return false
        }
    }
}
