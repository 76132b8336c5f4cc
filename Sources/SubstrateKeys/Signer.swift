/// The signature schemes Substrate accounts use here. The raw values are btcli's `cryptoType`.
public enum SignatureScheme: Int, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    case ed25519 = 0
    case sr25519 = 1

    public var description: String {
        switch self {
        case .ed25519: "ed25519"
        case .sr25519: "sr25519"
        }
    }
}

/// What an extrinsic builder needs from a key: the scheme (for the `MultiSignature` variant),
/// the 32-byte public key (the `AccountId32`) and a 64-byte signature over the payload.
///
/// The payload is signed as given: Substrate's rule that signing payloads longer than 256 bytes
/// are replaced by their BLAKE2b-256 hash belongs to the caller that builds the payload.
public protocol Signer: Sendable {
    var scheme: SignatureScheme { get }
    var publicKey: [UInt8] { get }
    func sign(_ payload: [UInt8]) throws -> [UInt8]
}
