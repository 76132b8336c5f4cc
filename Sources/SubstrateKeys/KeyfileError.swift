/// Errors reading or writing btcli keyfiles. Each message names the file and says what to do;
/// none contains key material or the password.
public enum KeyfileError: Error, Sendable, Equatable, CustomStringConvertible {
    case fileNotFound(path: String)
    case unreadable(path: String, reason: String)
    /// The file is encrypted and no password was supplied.
    case passwordRequired(path: String)
    /// NaCl decryption failed: the password is wrong (or the ciphertext was altered).
    case wrongPassword(path: String)
    /// Ansible Vault or Fernet: older btcli encryptions this library does not implement.
    case unsupportedEncryption(format: KeyfileFormat, path: String)
    /// Starts with `$NACL` but is too short to hold a nonce and a MAC.
    case corruptEncryptedData(path: String)
    case malformedJSON(path: String, reason: String)
    case unknownCryptoType(path: String, value: String)
    /// No secretPhrase, secretSeed, privateKey, publicKey or accountId in the file.
    case noKeyMaterial(path: String)
    case invalidKey(path: String, KeypairError)
    /// The file only holds a public key but a secret key was required (to sign).
    case publicKeyOnly(path: String)
    case alreadyExists(path: String)
    case invalidName(String)
    case writeFailed(path: String, reason: String)
    /// Argon2i with 512 MiB could not allocate its memory.
    case keyDerivationFailed

    public var description: String {
        switch self {
        case .fileNotFound(let path):
            "keyfile not found: \(path) (check the wallet path and name, or create the wallet with btcli)"
        case .unreadable(let path, let reason):
            "cannot read keyfile \(path): \(reason) (check its permissions)"
        case .passwordRequired(let path):
            "keyfile \(path) is encrypted; supply its password"
        case .wrongPassword(let path):
            "wrong password for keyfile \(path) (or the file was modified)"
        case .unsupportedEncryption(let format, let path):
            "keyfile \(path) uses \(format), an old btcli encryption this server does not read; "
                + "rewrite it in the current NaCl format with btcli: `btcli wallet regen-coldkey` (or `regen-hotkey`) from its mnemonic, "
                + "or load and re-save it with the bittensor SDK (Keyfile.get_keypair, then set_keypair(encrypt=True, overwrite=True))"
        case .corruptEncryptedData(let path):
            "keyfile \(path) starts like a NaCl-encrypted file but is truncated; restore it from backup or regenerate it from the mnemonic"
        case .malformedJSON(let path, let reason):
            "keyfile \(path) is not valid keyfile JSON (\(reason)); restore it from backup or regenerate it from the mnemonic"
        case .unknownCryptoType(let path, let value):
            "keyfile \(path) has cryptoType \(value); only 1 (sr25519) and 0 (ed25519) are supported"
        case .noKeyMaterial(let path):
            "keyfile \(path) has none of secretPhrase, secretSeed, privateKey, publicKey or accountId"
        case .invalidKey(let path, let error):
            "keyfile \(path): \(error)"
        case .publicKeyOnly(let path):
            "keyfile \(path) holds only a public key; signing needs the secret keyfile (coldkey, or hotkeys/<name>, not the *pub.txt file)"
        case .alreadyExists(let path):
            "keyfile \(path) already exists; refusing to overwrite it (pass overwrite: true to replace it)"
        case .invalidName(let name):
            "'\(name)' is not a valid wallet or hotkey name (it must be non-empty and contain no '/')"
        case .writeFailed(let path, let reason):
            "cannot write keyfile \(path): \(reason)"
        case .keyDerivationFailed:
            "Argon2i key derivation failed (it needs 512 MiB of memory)"
        }
    }
}
