import SubstrateCore
import Crypto

/// Ed25519 (RFC 8032) as Substrate's `sp_core::ed25519` uses it: the 32-byte seed is the same
/// mini secret an sr25519 key would use, signatures are plain 64-byte Ed25519 signatures.
/// The curve arithmetic is swift-crypto's (BoringSSL on Linux, deterministic signing).
public enum Ed25519 {
    public static let publicKeyLength = 32
    public static let signatureLength = 64

    static func privateKey(seed: SecretBuffer) throws(KeypairError) -> Curve25519.Signing.PrivateKey {
        guard seed.count == 32 else { throw .invalidSeedLength(seed.count) }
        do {
            return try seed.withUnsafeBytes { try Curve25519.Signing.PrivateKey(rawRepresentation: $0) }
        } catch {
            throw .invalidPrivateKey("swift-crypto rejected the Ed25519 seed")
        }
    }

    static func publicKey(seed: SecretBuffer) throws(KeypairError) -> [UInt8] {
        Array(try privateKey(seed: seed).publicKey.rawRepresentation)
    }

    static func sign(message: [UInt8], seed: SecretBuffer) throws(KeypairError) -> [UInt8] {
        let key = try privateKey(seed: seed)
        do {
            return Array(try key.signature(for: message))
        } catch {
            throw .signingFailed("Ed25519 signing failed in swift-crypto")
        }
    }

    /// Plain RFC 8032 verification of a 64-byte signature under a 32-byte public key.
    public static func verify(signature: [UInt8], message: [UInt8], publicKey: [UInt8]) -> Bool {
        guard signature.count == signatureLength, publicKey.count == publicKeyLength,
            let key = try? Curve25519.Signing.PublicKey(rawRepresentation: publicKey)
        else { return false }
        return key.isValidSignature(signature, for: message)
    }

    /// Hard junction (`sp_core::ed25519::derive_hard_junction`):
    /// blake2_256(SCALE(("Ed25519HDKD", seed, chainCode))). Ed25519 has no soft derivation.
    static func hardDeriveSeed(_ seed: SecretBuffer, chainCode: [UInt8]) -> [UInt8] {
        precondition(chainCode.count == 32)
        var encoded = "Ed25519HDKD".scaleEncoded
        seed.withUnsafeBytes { encoded.append(contentsOf: $0) }
        encoded.append(contentsOf: chainCode)
        defer { Sodium.wipe(&encoded) }
        return Blake2b.hash256(encoded)
    }
}
