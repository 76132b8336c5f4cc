import Crypto

/// sr25519: schnorrkel's Schnorr signatures over ristretto255 with Merlin transcripts, exactly as
/// Substrate's `sp_core::sr25519` uses them (signing context `substrate`, Ed25519-mode expansion
/// of 32-byte mini secret keys, 64-byte signatures `R ‖ s` with the schnorrkel marker bit).
///
/// Transcript labels are those of schnorrkel 0.11 (`sign.rs`, `context.rs`, `derive.rs`,
/// `keys.rs`); a single differing byte in any of them yields signatures the chain rejects.
public enum Sr25519 {
    /// Substrate's signing context (`sp_core::sr25519::SIGNING_CTX`).
    static let substrateContext: [UInt8] = Array("substrate".utf8)

    public static let publicKeyLength = 32
    public static let signatureLength = 64

    /// Why a signature was rejected. Verification normally only needs a Bool; these tell
    /// malleated encodings (missing marker, non-canonical s) apart from plain forgeries.
    public enum VerificationFailure: Error, Sendable, Equatable, CustomStringConvertible {
        case wrongSignatureLength(Int)
        case wrongPublicKeyLength(Int)
        /// Byte 63's high bit is schnorrkel's marker; without it the bytes may be an Ed25519 signature.
        case notMarkedSchnorrkel
        /// `s` is not below the group order ℓ, i.e. a malleated copy of a valid signature.
        case nonCanonicalScalar
        /// The public key is not a canonical ristretto255 encoding.
        case invalidPublicKey
        /// The identity element as a public key would make every signature on every message valid.
        case identityPublicKey
        /// The Schnorr equation R = s·B − c·A does not hold: wrong key, message or signature.
        case equationFalse

        public var description: String {
            switch self {
            case .wrongSignatureLength(let n): "sr25519 signature must be 64 bytes, got \(n)"
            case .wrongPublicKeyLength(let n): "sr25519 public key must be 32 bytes, got \(n)"
            case .notMarkedSchnorrkel: "signature lacks the schnorrkel marker bit (byte 63, bit 7): not an sr25519 signature"
            case .nonCanonicalScalar: "signature scalar s is not reduced mod ℓ (malleated signature)"
            case .invalidPublicKey: "public key is not a valid ristretto255 point"
            case .identityPublicKey: "public key is the identity point, which no honest key can be"
            case .equationFalse: "signature does not match this message and public key"
            }
        }
    }

    // MARK: - Secret keys

    /// A schnorrkel `SecretKey`: the secret scalar (mod ℓ) and the 32-byte nonce seed.
    struct SecretKey: Sendable {
        let key: SecretBuffer
        let nonce: SecretBuffer

        private init(key: [UInt8], nonce: [UInt8]) {
            var key = key
            var nonce = nonce
            self.key = SecretBuffer(consuming: &key)
            self.nonce = SecretBuffer(consuming: &nonce)
        }

        var scalar: Ristretto255.Scalar {
            // Stored keys are canonical by construction.
            Ristretto255.Scalar(canonical: key.bytes)!
        }

        /// `MiniSecretKey::expand(ExpansionMode::Ed25519)`: SHA-512, clamp like Ed25519, then divide
        /// the clamped integer by the cofactor 8 so the scalar is a clean value mod ℓ.
        static func expandingMiniSecret(_ miniSecret: [UInt8]) -> SecretKey {
            precondition(miniSecret.count == 32)
            var digest = Array(SHA512.hash(data: miniSecret))
            var key = Array(digest[0..<32])
            key[0] &= 248
            key[31] &= 63
            key[31] |= 64
            divideByCofactor(&key)  // now in [2^251, 2^252) < ℓ: canonical
            let secret = SecretKey(key: key, nonce: Array(digest[32..<64]))
            Sodium.wipe(&key)
            Sodium.wipe(&digest)
            return secret
        }

        /// `SecretKey::from_bytes`: canonical scalar ‖ nonce (what `SecretKey::to_bytes` writes).
        init(schnorrkelBytes bytes: [UInt8]) throws(KeypairError) {
            guard bytes.count == 64 else { throw .invalidPrivateKeyLength(bytes.count) }
            let keyPart = Array(bytes[0..<32])
            guard Ristretto255.Scalar.isCanonical(keyPart) else {
                throw .invalidPrivateKey("the first 32 bytes are not a canonical sr25519 scalar")
            }
            self.init(key: keyPart, nonce: Array(bytes[32..<64]))
        }

        /// `SecretKey::from_ed25519_bytes`: 8·scalar ‖ nonce (what `to_ed25519_bytes` writes).
        init(ed25519Bytes bytes: [UInt8]) throws(KeypairError) {
            guard bytes.count == 64 else { throw .invalidPrivateKeyLength(bytes.count) }
            var keyPart = Array(bytes[0..<32])
            divideByCofactor(&keyPart)
            guard Ristretto255.Scalar.isCanonical(keyPart) else {
                throw .invalidPrivateKey("the first 32 bytes are not 8 times a canonical sr25519 scalar")
            }
            self.init(key: keyPart, nonce: Array(bytes[32..<64]))
        }

        init(scalar: Ristretto255.Scalar, nonce: [UInt8]) {
            self.init(key: scalar.bytes, nonce: nonce)
        }

        /// `SecretKey::to_bytes`: scalar ‖ nonce.
        var schnorrkelBytes: [UInt8] { key.bytes + nonce.bytes }

        /// `SecretKey::to_ed25519_bytes`: (8·scalar as a 256-bit integer) ‖ nonce.
        var ed25519Bytes: [UInt8] {
            var k = key.bytes
            multiplyByCofactor(&k)
            return k + nonce.bytes
        }

        var publicKey: [UInt8] { Ristretto255.Point.base(times: scalar).encoded }
    }

    /// Shifts a little-endian 256-bit integer right by 3 bits (schnorrkel `divide_scalar_bytes_by_cofactor`).
    static func divideByCofactor(_ bytes: inout [UInt8]) {
        var carry: UInt8 = 0
        for i in stride(from: 31, through: 0, by: -1) {
            let remainder = bytes[i] & 0b111
            bytes[i] = (bytes[i] >> 3) | carry
            carry = remainder << 5
        }
    }

    /// Shifts a little-endian 256-bit integer left by 3 bits (schnorrkel `multiply_scalar_bytes_by_cofactor`).
    static func multiplyByCofactor(_ bytes: inout [UInt8]) {
        var carry: UInt8 = 0
        for i in 0..<32 {
            let high = bytes[i] >> 5
            bytes[i] = (bytes[i] << 3) | carry
            carry = high
        }
    }

    // MARK: - Signing

    /// schnorrkel's `signing_context(ctx).bytes(message)`.
    static func signingTranscript(message: [UInt8], context: [UInt8] = substrateContext) -> MerlinTranscript {
        var t = MerlinTranscript(label: "SigningContext")
        t.appendMessage(label: [], message: context)
        t.appendMessage(label: "sign-bytes", message: message)
        return t
    }

    /// `SecretKey::sign`: randomised Schnorr with a witness from the transcript RNG, keyed by the
    /// nonce seed and 32 fresh random bytes (`randomness`; libsodium's CSPRNG unless a test pins it).
    static func sign(
        message: [UInt8],
        secret: SecretKey,
        publicKey: [UInt8],
        randomness: [UInt8]? = nil
    ) -> [UInt8] {
        var t = signingTranscript(message: message)
        t.appendMessage(label: "proto-name", message: Array("Schnorr-sig".utf8))
        t.appendMessage(label: "sign:pk", message: publicKey)

        var rng = secret.nonce.withUnsafeBytes { nonce in
            t.buildRNG()
                .rekey(label: Array("signing".utf8), witness: Array(nonce))
                .finalize(randomBytes: randomness ?? Sodium.randomBytes(32))
        }
        var wide = rng.fillBytes(count: 64)
        rng.wipe()
        var r = Ristretto255.Scalar(reducingWide: wide)
        Sodium.wipe(&wide)
        let bigR = Ristretto255.Point.base(times: r)

        t.appendMessage(label: "sign:R", message: bigR.encoded)
        let k = Ristretto255.Scalar(reducingWide: t.challengeBytes(label: "sign:c", count: 64))
        let s = k * secret.scalar + r
        r.wipe()

        var signature = bigR.encoded + s.bytes
        signature[63] |= 0x80
        return signature
    }

    // MARK: - Verification

    /// `PublicKey::verify_simple("substrate", message, signature)` with `Signature::from_bytes`'
    /// checks first; throws the precise reason on failure.
    public static func validate(signature: [UInt8], message: [UInt8], publicKey: [UInt8]) throws(VerificationFailure) {
        guard signature.count == signatureLength else { throw .wrongSignatureLength(signature.count) }
        guard publicKey.count == publicKeyLength else { throw .wrongPublicKeyLength(publicKey.count) }
        guard signature[63] & 0x80 != 0 else { throw .notMarkedSchnorrkel }
        var sBytes = Array(signature[32..<64])
        sBytes[31] &= 0x7F
        guard let s = Ristretto255.Scalar(canonical: sBytes) else { throw .nonCanonicalScalar }
        guard let a = Ristretto255.Point(encoded: publicKey) else { throw .invalidPublicKey }
        // schnorrkel itself accepts the identity; we refuse it because it verifies anything.
        guard !a.isIdentity else { throw .identityPublicKey }
        let rBytes = Array(signature[0..<32])

        var t = signingTranscript(message: message)
        t.appendMessage(label: "proto-name", message: Array("Schnorr-sig".utf8))
        t.appendMessage(label: "sign:pk", message: publicKey)
        t.appendMessage(label: "sign:R", message: rBytes)
        let k = Ristretto255.Scalar(reducingWide: t.challengeBytes(label: "sign:c", count: 64))

        // R' = s·B − k·A; compare encodings, so a non-canonical R can never match.
        let expected = Ristretto255.Point.base(times: s) - a.times(k)
        guard expected.encoded == rBytes else { throw .equationFalse }
    }

    public static func verify(signature: [UInt8], message: [UInt8], publicKey: [UInt8]) -> Bool {
        do {
            try validate(signature: signature, message: message, publicKey: publicKey)
            return true
        } catch {
            return false
        }
    }

    // MARK: - Hierarchical derivation (schnorrkel derive.rs, as sp-core uses it)

    /// Hard junction: `SecretKey::hard_derive_mini_secret_key(Some(cc), b"")`, whose result
    /// sp-core expands again in Ed25519 mode. Only the scalar enters, never the nonce.
    static func hardDeriveMiniSecret(from secret: SecretKey, chainCode: [UInt8]) -> [UInt8] {
        precondition(chainCode.count == 32)
        var t = MerlinTranscript(label: "SchnorrRistrettoHDKD")
        t.appendMessage(label: "sign-bytes", message: [])
        t.appendMessage(label: "chain-code", message: chainCode)
        secret.key.withUnsafeBytes { t.appendMessage(label: "secret-key", message: Array($0)) }
        return t.challengeBytes(label: "HDKD-hard", count: 32)
    }

    /// The transcript shared by soft derivation of public and secret keys
    /// (`derived_key_simple(cc, b"")` → `derive_scalar_and_chaincode`).
    private static func softDerivationScalar(publicKey: [UInt8], chainCode: [UInt8]) -> (MerlinTranscript, Ristretto255.Scalar) {
        precondition(chainCode.count == 32)
        var t = MerlinTranscript(label: "SchnorrRistrettoHDKD")
        t.appendMessage(label: "sign-bytes", message: [])
        t.appendMessage(label: "chain-code", message: chainCode)
        t.appendMessage(label: "public-key", message: publicKey)
        let scalar = Ristretto255.Scalar(reducingWide: t.challengeBytes(label: "HDKD-scalar", count: 64))
        _ = t.challengeBytes(label: "HDKD-chaincode", count: 32)  // next chain code; sp-core drops it
        return (t, scalar)
    }

    /// Soft junction on a public key: A' = A + δ·B.
    static func softDerivePublic(_ publicKey: [UInt8], chainCode: [UInt8]) throws(KeypairError) -> [UInt8] {
        guard let a = Ristretto255.Point(encoded: publicKey) else { throw .invalidPublicKey("not a valid sr25519 public key") }
        let (_, delta) = softDerivationScalar(publicKey: publicKey, chainCode: chainCode)
        return (a + Ristretto255.Point.base(times: delta)).encoded
    }

    /// Soft junction on a secret key: a' = a + δ; the new nonce seed comes from the transcript RNG
    /// keyed by the old nonce and secret (so it is random, as in schnorrkel; it never affects the
    /// public key, only which valid signature is produced).
    static func softDeriveSecret(_ secret: SecretKey, chainCode: [UInt8], randomness: [UInt8]? = nil) -> SecretKey {
        let publicKey = secret.publicKey
        let (t, delta) = softDerivationScalar(publicKey: publicKey, chainCode: chainCode)
        var rng = t.buildRNG()
            .rekey(label: Array("HDKD-nonce".utf8), witness: secret.nonce.bytes)
            .rekey(label: Array("HDKD-nonce".utf8), witness: secret.schnorrkelBytes)
            .finalize(randomBytes: randomness ?? Sodium.randomBytes(32))
        let nonce = rng.fillBytes(count: 32)
        rng.wipe()
        return SecretKey(scalar: secret.scalar + delta, nonce: nonce)
    }
}
