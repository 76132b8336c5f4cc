/// How the runtime's extrinsics are built.
public struct ExtrinsicMetadata: Sendable {
    public let version: UInt8
    /// V14: the type of the whole extrinsic.
    public let type: UInt32?
    /// V15: the types of the address, call, signature and extra parts.
    public let addressType: UInt32?
    public let callType: UInt32?
    public let signatureType: UInt32?
    public let extraType: UInt32?
    public let signedExtensions: [SignedExtensionMetadata]
}

/// A signed extension: `type` is what the extrinsic carries, `additionalSigned` what is only signed.
public struct SignedExtensionMetadata: Sendable, Equatable {
    public let identifier: String
    public let type: UInt32
    public let additionalSigned: UInt32

    public init(identifier: String, type: UInt32, additionalSigned: UInt32) {
        self.identifier = identifier
        self.type = type
        self.additionalSigned = additionalSigned
    }
}

/// V15: a runtime API and its methods, callable through `state_call`.
public struct RuntimeAPIMetadata: Sendable {
    public struct Method: Sendable {
        public let name: String
        public let inputs: [(name: String, type: UInt32)]
        public let output: UInt32
        public let docs: [String]
    }

    public let name: String
    public let methods: [Method]
    public let docs: [String]
}

/// V15: the runtime's aggregate call, event and error enums.
public struct OuterEnums: Sendable {
    public let callType: UInt32
    public let eventType: UInt32
    public let errorType: UInt32
}
