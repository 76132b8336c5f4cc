import SubstrateCore
import SubstrateKeys

/// Builds signed extrinsics (version 4) for the runtime the metadata describes.
public struct ExtrinsicBuilder: Sendable {
    public let metadata: RuntimeMetadata

    public init(metadata: RuntimeMetadata) throws(ExtrinsicError) {
        guard metadata.extrinsic.version == 4 else { throw .unsupportedExtrinsicVersion(metadata.extrinsic.version) }
        self.metadata = metadata
    }

    /// The bytes a signer signs: call ++ explicit ++ implicit data, BLAKE2b-256 hashed when
    /// longer than 256 bytes (Substrate's rule).
    public func signingPayload(call: [UInt8], parameters: TransactionParameters) throws(ExtrinsicError) -> [UInt8] {
        let extensions = try SignedExtensions(metadata: metadata, parameters: parameters)
        let payload = call + extensions.explicit + extensions.implicit
        return payload.count > 256 ? Blake2b.hash256(payload) : payload
    }

    public func sign(call: Call, signer: any Signer, parameters: TransactionParameters) throws(ExtrinsicError) -> SignedExtrinsic {
        try sign(call: call.bytes, signer: signer, parameters: parameters)
    }

    public func sign(call: [UInt8], signer: any Signer, parameters: TransactionParameters) throws(ExtrinsicError) -> SignedExtrinsic {
        let extensions = try SignedExtensions(metadata: metadata, parameters: parameters)
        let payload = call + extensions.explicit + extensions.implicit
        let signature: [UInt8]
        do { signature = try signer.sign(payload.count > 256 ? Blake2b.hash256(payload) : payload) } catch {
            throw .signingFailed("\(error)")
        }
        var body = ScaleEncoder(capacity: 160 + call.count)
        body.append([0x84])  // signed, version 4
        body.append([0x00])  // MultiAddress::Id
        body.append(signer.publicKey)
        body.append([signer.scheme == .ed25519 ? 0x00 : 0x01])  // MultiSignature variant
        body.append(signature)
        body.append(extensions.explicit)
        body.append(call)
        var encoder = ScaleEncoder(capacity: body.bytes.count + 4)
        encoder.encodeBytes(body.bytes)
        return SignedExtrinsic(bytes: encoder.bytes)
    }
}

/// A signed extrinsic as submitted (`author_submitExtrinsic` takes its hex).
public struct SignedExtrinsic: Sendable, Equatable {
    public let bytes: [UInt8]
    /// BLAKE2b-256 of the bytes: the hash nodes report for it.
    public var hash: [UInt8] { Blake2b.hash256(bytes) }
    public var hex: String { Hex.encode(bytes, prefixed: true) }
}

/// The runtime's spec and transaction versions, read from `System::Version` in the metadata.
public struct RuntimeVersion: Sendable, Equatable {
    public let specName: String
    public let specVersion: UInt32
    public let transactionVersion: UInt32

    public init(metadata: RuntimeMetadata) throws(ExtrinsicError) {
        do {
            let constant = try metadata.constant(pallet: "System", name: "Version")
            let value = try DynamicValueDecoder(registry: metadata.registry).decode(constant.value, as: constant.type)
            guard let spec = value[field: "spec_version"]?.unsignedValue, let transaction = value[field: "transaction_version"]?.unsignedValue else {
                throw ExtrinsicError.metadata(.unknownConstant(pallet: "System", constant: "Version.spec_version"))
            }
            specName = value[field: "spec_name"]?.stringValue ?? ""
            specVersion = UInt32(truncatingIfNeeded: spec)
            transactionVersion = UInt32(truncatingIfNeeded: transaction)
        } catch let error as ExtrinsicError {
            throw error
        } catch let error as MetadataError {
            throw .metadata(error)
        } catch {
            throw .metadata(.unknownConstant(pallet: "System", constant: "Version"))
        }
    }
}
