/// A 32-byte account id (`AccountId32`): an sr25519 or ed25519 public key.
public struct AccountID: Hashable, Sendable, CustomStringConvertible, ScaleCodable {
    public let bytes: [UInt8]

    public init(bytes: [UInt8]) throws(SS58Error) {
        guard bytes.count == 32 else { throw .badLength(bytes: bytes.count) }
        self.bytes = bytes
    }

    /// From an SS58 address of the Bittensor network (prefix 42).
    public init(ss58 text: String) throws(SS58Error) {
        let address = try SS58Address(text, expectedPrefix: SS58Address.bittensorPrefix)
        guard address.publicKey.count == 32 else { throw .badLength(bytes: address.publicKey.count) }
        bytes = address.publicKey
    }

    public var ss58: String { SS58Address(publicKey: bytes).description }
    public var description: String { ss58 }

    public func encode(to encoder: inout ScaleEncoder) { encoder.append(bytes) }
    public init(from decoder: inout ScaleDecoder) throws(ScaleError) { bytes = Array(try decoder.readBytes(32)) }
}
