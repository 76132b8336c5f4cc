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
