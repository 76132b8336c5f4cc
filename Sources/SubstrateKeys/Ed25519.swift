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
        var encoded = SCALE.encodeString("Ed25519HDKD")
        seed.withUnsafeBytes { encoded.append(contentsOf: $0) }
        encoded.append(contentsOf: chainCode)
        defer { Sodium.wipe(&encoded) }
        return Blake2b.hash256(encoded)
    }
}

/// The two bits of SCALE encoding that key derivation needs (compact lengths and strings).
/// The full codec lives elsewhere; this stays private to key derivation.
enum SCALE {
    static func encodeCompact(_ value: UInt64) -> [UInt8] {
        switch value {
        case 0..<(1 << 6):
            return [UInt8(value << 2)]
        case (1 << 6)..<(1 << 14):
            let v = UInt16(value << 2) | 0b01
            return [UInt8(v & 0xFF), UInt8(v >> 8)]
        case (1 << 14)..<(1 << 30):
            let v = UInt32(value << 2) | 0b10
            return (0..<4).map { UInt8((v >> (8 * $0)) & 0xFF) }
        default:
            var bytes: [UInt8] = []
            var v = value
            while v > 0 {
                bytes.append(UInt8(v & 0xFF))
                v >>= 8
            }
            return [UInt8(((bytes.count - 4) << 2) | 0b11)] + bytes
        }
    }

    static func encodeString(_ string: String) -> [UInt8] {
        let utf8 = Array(string.utf8)
        return encodeCompact(UInt64(utf8.count)) + utf8
    }

    static func encodeU64(_ value: UInt64) -> [UInt8] {
        (0..<8).map { UInt8((value >> (8 * UInt64($0))) & 0xFF) }
    }
}
