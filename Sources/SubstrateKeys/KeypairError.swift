/// Errors from mnemonics, key construction, derivation and signing.
///
/// Messages never contain secret material: not even a misspelt mnemonic word, which is most of a
/// real one (its position is what the user needs to find it).
public enum KeypairError: Error, Sendable, Equatable, CustomStringConvertible {
    case invalidWordCount(Int)
    case unknownWord(position: Int)
    case invalidChecksum
    case invalidEntropyLength(Int)
    case invalidSeedLength(Int)
    case invalidPrivateKeyLength(Int)
    case invalidPrivateKey(String)
    case invalidPublicKey(String)
    /// The secret does not produce the public key stored next to it.
    case publicKeyMismatch
    case invalidSecretURI(String)
    /// Ed25519 keys only support hard (`//`) junctions.
    case softDerivationUnsupported
    /// A hard junction needs the secret key; this keypair only has a public key.
    case hardDerivationNeedsSecret
    /// Signing needs a secret key; this keypair was loaded from a public key only.
    case publicKeyOnly
    case signingFailed(String)

    public var description: String {
        switch self {
        case .invalidWordCount(let n):
            "mnemonic has \(n) words; a BIP-39 mnemonic has 12, 15, 18, 21 or 24 words separated by spaces"
        case .unknownWord(let position):
            "mnemonic word \(position) is not in the BIP-39 English word list; check its spelling (words are lowercase)"
        case .invalidChecksum:
            "mnemonic checksum is wrong: a word is misspelt into another valid word or the words are out of order"
        case .invalidEntropyLength(let n):
            "mnemonic entropy must be 16, 20, 24, 28 or 32 bytes, got \(n)"
        case .invalidSeedLength(let n):
            "a secret seed (mini secret key) is 32 bytes, got \(n)"
        case .invalidPrivateKeyLength(let n):
            "a private key is 64 bytes for sr25519 (32 or 64 for ed25519), got \(n)"
        case .invalidPrivateKey(let reason):
            "invalid private key: \(reason)"
        case .invalidPublicKey(let reason):
            "invalid public key: \(reason)"
        case .publicKeyMismatch:
            "the secret key does not belong to the stored public key; the key file is corrupt or was edited, regenerate it from the mnemonic"
        case .invalidSecretURI(let reason):
            "invalid secret URI (expected 'PHRASE//hard/soft///password' or '0xSEED//hard'): \(reason)"
        case .softDerivationUnsupported:
            "ed25519 keys only support hard derivation ('//name'), not soft ('/name')"
        case .hardDerivationNeedsSecret:
            "hard derivation ('//name') needs the secret key; only a public key is loaded"
        case .publicKeyOnly:
            "this key has no secret part (it was loaded from a public key file such as coldkeypub.txt); load the secret key file (coldkey, or hotkeys/<name>) to sign"
        case .signingFailed(let reason):
            "signing failed: \(reason)"
        }
    }
}
