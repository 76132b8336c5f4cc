import CSodium

/// How a keyfile's bytes are protected, told from their first bytes as btcli does.
public enum KeyfileFormat: String, Sendable, Equatable, CustomStringConvertible {
    /// Plain JSON.
    case plaintext
    /// `$NACL` ‖ 24-byte nonce ‖ XSalsa20-Poly1305 secretbox (current btcli).
    case nacl
    /// `$ANSIBLE_VAULT…` (btcli before NaCl).
    case ansibleVault
    /// Fernet tokens, `gAAAAA…` (the oldest btcli format).
    case legacyFernet

    public var description: String {
        switch self {
        case .plaintext: "plain JSON"
        case .nacl: "NaCl (Argon2i + XSalsa20-Poly1305)"
        case .ansibleVault: "Ansible Vault encryption"
        case .legacyFernet: "legacy Fernet encryption"
        }
    }

    public static func detect(_ data: [UInt8]) -> KeyfileFormat {
        if data.starts(with: Array("$NACL".utf8)) { return .nacl }
        if data.starts(with: Array("$ANSIBLE_VAULT".utf8)) { return .ansibleVault }
        if data.starts(with: Array("gAAAAA".utf8)) { return .legacyFernet }
        return .plaintext
    }
}

/// btcli's NaCl keyfile encryption (bittensor-wallet `encrypt_keyfile_data`):
/// key = Argon2i v1.3 (opslimit 8, memlimit 512 MiB, libsodium's "sensitive" limits) of the
/// password with a fixed salt; data = `$NACL` ‖ nonce ‖ `crypto_secretbox_easy` (MAC first).
public enum KeyfileEncryption {
    static let prefix = Array("$NACL".utf8)
    /// bittensor-wallet's `NACL_SALT`, b"\x13q\x83\xdf\xf1Z\t\xbc\x9c\x90\xb5Q\x879\xe9\xb1".
    static let salt: [UInt8] = [0x13, 0x71, 0x83, 0xDF, 0xF1, 0x5A, 0x09, 0xBC, 0x9C, 0x90, 0xB5, 0x51, 0x87, 0x39, 0xE9, 0xB1]
    static let opsLimit: UInt64 = 8  // crypto_pwhash_argon2i_OPSLIMIT_SENSITIVE
    static let memLimit: Int = 536_870_912  // crypto_pwhash_argon2i_MEMLIMIT_SENSITIVE (512 MiB)
    static let nonceLength = 24  // crypto_secretbox_NONCEBYTES
    static let macLength = 16  // crypto_secretbox_MACBYTES

    /// The 32-byte secretbox key for `password` (about a second and 512 MiB of memory).
    public static func deriveKey(password: String) throws(KeyfileError) -> [UInt8] {
        Sodium.ensureInitialised()
        var key = [UInt8](repeating: 0, count: 32)
        let passwordBytes = Array(password.utf8)
        let rc = key.withUnsafeMutableBufferPointer { k in
            passwordBytes.withUnsafeBufferPointer { p in
                salt.withUnsafeBufferPointer { s in
                    p.baseAddress!.withMemoryRebound(to: CChar.self, capacity: max(passwordBytes.count, 1)) { pw in
                        crypto_pwhash(
                            k.baseAddress!, 32, pw, UInt64(passwordBytes.count), s.baseAddress!,
                            opsLimit, memLimit, crypto_pwhash_ALG_ARGON2I13)
                    }
                }
            }
        }
        guard rc == 0 else { throw .keyDerivationFailed }
        return key
    }

    /// `$NACL` ‖ random nonce ‖ secretbox(plaintext).
    public static func encrypt(_ plaintext: [UInt8], password: String) throws(KeyfileError) -> [UInt8] {
        var key = try deriveKey(password: password)
        defer { Sodium.wipe(&key) }
        return seal(plaintext, key: key, nonce: Sodium.randomBytes(nonceLength))
    }

    static func seal(_ plaintext: [UInt8], key: [UInt8], nonce: [UInt8]) -> [UInt8] {
        var box = [UInt8](repeating: 0, count: plaintext.count + macLength)
        let rc = box.withUnsafeMutableBufferPointer { c in
            plaintext.withUnsafeBufferPointer { m in
                nonce.withUnsafeBufferPointer { n in
                    key.withUnsafeBufferPointer { k in
                        crypto_secretbox_easy(c.baseAddress!, m.baseAddress ?? UnsafePointer(c.baseAddress!), UInt64(plaintext.count), n.baseAddress!, k.baseAddress!)
                    }
                }
            }
        }
        precondition(rc == 0, "crypto_secretbox_easy cannot fail with valid sizes")
        return prefix + nonce + box
    }

    /// Opens `$NACL` data; plain JSON is returned unchanged, Ansible Vault and Fernet data are
    /// refused with `unsupportedEncryption`. `path` only labels errors.
    public static func decrypt(_ data: [UInt8], password: String, path: String = "<memory>") throws(KeyfileError) -> [UInt8] {
        guard KeyfileFormat.detect(data) == .nacl else {
            let format = KeyfileFormat.detect(data)
            if format == .plaintext { return data }
            throw .unsupportedEncryption(format: format, path: path)
        }
        guard data.count >= prefix.count + nonceLength + macLength else { throw .corruptEncryptedData(path: path) }
        var key = try deriveKey(password: password)
        defer { Sodium.wipe(&key) }
        return try open(data, key: key, path: path)
    }

    static func open(_ data: [UInt8], key: [UInt8], path: String) throws(KeyfileError) -> [UInt8] {
        let nonce = Array(data[prefix.count..<prefix.count + nonceLength])
        let box = Array(data[(prefix.count + nonceLength)...])
        var plaintext = [UInt8](repeating: 0, count: box.count - macLength)
        let rc = plaintext.withUnsafeMutableBufferPointer { m in
            box.withUnsafeBufferPointer { c in
                nonce.withUnsafeBufferPointer { n in
                    key.withUnsafeBufferPointer { k in
                        // An empty plaintext still needs a valid pointer.
                        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 1) { scratch in
                            crypto_secretbox_open_easy(
                                m.baseAddress ?? scratch.baseAddress!, c.baseAddress!, UInt64(box.count), n.baseAddress!, k.baseAddress!)
                        }
                    }
                }
            }
        }
        guard rc == 0 else { throw .wrongPassword(path: path) }
        return plaintext
    }
}
