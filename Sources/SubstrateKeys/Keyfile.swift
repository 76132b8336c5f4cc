import SubstrateCore
import Foundation

/// btcli keyfiles: the JSON a Bittensor wallet stores per key, optionally NaCl-encrypted.
///
/// Secret files (`coldkey`, `hotkeys/<name>`) hold `accountId`, `publicKey`, `privateKey`,
/// `secretPhrase`, `secretSeed`, `ss58Address`, `cryptoType`; public files (`coldkeypub.txt`,
/// `hotkeys/<name>pub.txt`) hold `accountId`, `publicKey`, `ss58Address`, `cryptoType`.
/// Byte fields are `0x`-prefixed lowercase hex; key order in the JSON is not significant.
/// `privateKey` is what the Bittensor SDK writes: for sr25519 the 64-byte schnorrkel secret key
/// (secret scalar ‖ nonce seed, *not* the Ed25519-style 8·scalar form), for ed25519 the 32-byte
/// seed. `secretSeed` is the 32-byte mini secret, present when the key came from a seed or phrase.
public enum Keyfile {
    /// The JSON fields, all optional as in the SDK (which also writes `null`s).
    struct Fields: Codable, Sendable {
        var accountId: String?
        var publicKey: String?
        var privateKey: String?
        var secretPhrase: String?
        var secretSeed: String?
        var ss58Address: String?
        var cryptoType: CryptoType?

        /// `cryptoType` is a number in the SDK's files; tolerate a numeric string too.
        struct CryptoType: Codable, Sendable {
            var raw: String
            init(_ value: Int) { raw = String(value) }
            init(from decoder: any Decoder) throws {
                let container = try decoder.singleValueContainer()
                if let number = try? container.decode(Int.self) {
                    raw = String(number)
                } else {
                    raw = try container.decode(String.self)
                }
            }
            func encode(to encoder: any Encoder) throws {
                var container = encoder.singleValueContainer()
                if let number = Int(raw) { try container.encode(number) } else { try container.encode(raw) }
            }
        }
    }

    // MARK: - JSON

    /// The keyfile JSON for `keypair`. `ss58Address` must be the key's SS58 address (prefix 42
    /// on Bittensor); the SDK needs it to read public keyfiles. With `publicOnly`, the secret
    /// fields are left out (the `*pub.txt` files).
    public static func encode(_ keypair: Keypair, ss58Address: String, publicOnly: Bool = false) throws(KeypairError) -> [UInt8] {
        let publicHex = "0x" + Hex.encode(keypair.publicKey)
        var fields = Fields(
            accountId: publicHex, publicKey: publicHex, ss58Address: ss58Address,
            cryptoType: .init(keypair.scheme.rawValue))
        if !publicOnly {
            var privateKey = try keypair.exportPrivateKey()
            defer { Sodium.wipe(&privateKey) }
            fields.privateKey = "0x" + Hex.encode(privateKey)
            fields.secretPhrase = keypair.exportMnemonic?.phrase
            if var seed = keypair.exportSeed() {
                fields.secretSeed = "0x" + Hex.encode(seed)
                Sodium.wipe(&seed)
            }
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Encoding plain strings and an Int cannot fail.
        return Array(try! encoder.encode(fields))
    }

    /// Builds the keypair a keyfile's JSON describes, preferring the same sources as the SDK:
    /// `secretPhrase`, then `secretSeed`, then `privateKey`, then the public key alone.
    /// Whatever the source, the result must match the file's `publicKey`/`accountId` if present.
    public static func decode(_ json: [UInt8], path: String = "<memory>") throws(KeyfileError) -> Keypair {
        let fields: Fields
        do {
            fields = try JSONDecoder().decode(Fields.self, from: Data(json))
        } catch {
            throw .malformedJSON(path: path, reason: jsonReason(error))
        }
        let scheme: SignatureScheme
        switch fields.cryptoType?.raw {
        case nil: scheme = .sr25519  // files written before cryptoType existed are sr25519
        case let raw?:
            guard let value = Int(raw), let known = SignatureScheme(rawValue: value) else {
                throw .unknownCryptoType(path: path, value: raw)
            }
            scheme = known
        }

        var storedPublicKey: [UInt8]?
        for candidate in [fields.publicKey, fields.accountId] {
            guard let text = candidate else { continue }
            guard let bytes = try? Hex.decode(text), bytes.count == 32 else {
                throw .malformedJSON(path: path, reason: "publicKey/accountId is not 0x + 64 hex digits")
            }
            if let already = storedPublicKey, already != bytes {
                throw .malformedJSON(path: path, reason: "publicKey and accountId differ")
            }
            storedPublicKey = bytes
        }

        let keypair: Keypair
        do {
            if let phrase = fields.secretPhrase {
                keypair = try Keypair(phrase: phrase, scheme: scheme)
            } else if let seedText = fields.secretSeed {
                guard var seed = try? Hex.decode(seedText) else {
                    throw KeyfileError.malformedJSON(path: path, reason: "secretSeed is not hex")
                }
                defer { Sodium.wipe(&seed) }
                keypair = try Keypair(seed: seed, scheme: scheme)
            } else if let privateText = fields.privateKey {
                guard var privateKey = try? Hex.decode(privateText) else {
                    throw KeyfileError.malformedJSON(path: path, reason: "privateKey is not hex")
                }
                defer { Sodium.wipe(&privateKey) }
                keypair = try Keypair(privateKey: privateKey, scheme: scheme, expectedPublicKey: storedPublicKey)
            } else if let publicKey = storedPublicKey {
                keypair = try Keypair(publicKey: publicKey, scheme: scheme)
            } else {
                throw KeyfileError.noKeyMaterial(path: path)
            }
        } catch let error as KeyfileError {
            throw error
        } catch let error as KeypairError {
            throw .invalidKey(path: path, error)
        } catch {
            throw .invalidKey(path: path, .invalidPrivateKey("unexpected error"))
        }
        if let stored = storedPublicKey, stored != keypair.publicKey {
            throw .invalidKey(path: path, .publicKeyMismatch)
        }
        return keypair
    }

    private static func jsonReason(_ error: any Error) -> String {
        switch error {
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context):
            "field \(context.codingPath.map(\.stringValue).joined(separator: ".")) has the wrong type"
        case DecodingError.dataCorrupted:
            "not JSON, or not a JSON object"
        default:
            "unreadable JSON"
        }
    }

    // MARK: - Files

    /// Reads and decodes a keyfile, decrypting it with `password` if it is NaCl-encrypted.
    /// With `requireSecret`, a public-only file is an error (`publicKeyOnly`).
    public static func read(at path: String, password: String? = nil, requireSecret: Bool = false) throws(KeyfileError) -> Keypair {
        var data = try readBytes(at: path)
        defer { Sodium.wipe(&data) }
        switch KeyfileFormat.detect(data) {
        case .plaintext:
            break
        case .nacl:
            guard let password else { throw .passwordRequired(path: path) }
            var plain = try KeyfileEncryption.decrypt(data, password: password, path: path)
            Sodium.wipe(&data)
            data = plain
            Sodium.wipe(&plain)
        case let other:
            throw .unsupportedEncryption(format: other, path: path)
        }
        let keypair = try decode(data, path: path)
        if requireSecret && !keypair.hasSecretKey { throw .publicKeyOnly(path: path) }
        return keypair
    }

    /// Whether the file at `path` is encrypted (any of the formats btcli has used).
    public static func format(at path: String) throws(KeyfileError) -> KeyfileFormat {
        KeyfileFormat.detect(try readBytes(at: path))
    }

    /// Writes `keypair` as a keyfile, NaCl-encrypted when `password` is given, with mode 0600 in a
    /// directory created with mode 0700. The file is written to a temporary name and renamed,
    /// so a crash never leaves a half-written key.
    public static func write(
        _ keypair: Keypair,
        to path: String,
        ss58Address: String,
        password: String? = nil,
        publicOnly: Bool = false,
        overwrite: Bool = false
    ) throws(KeyfileError) {
        var json: [UInt8]
        do {
            json = try encode(keypair, ss58Address: ss58Address, publicOnly: publicOnly)
        } catch {
            throw .invalidKey(path: path, error)
        }
        defer { Sodium.wipe(&json) }
        let contents = try password.map { (p) throws(KeyfileError) in try KeyfileEncryption.encrypt(json, password: p) } ?? json
        try writeBytes(contents, to: path, overwrite: overwrite)
    }

    static func readBytes(at path: String) throws(KeyfileError) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            let code = errno
            if code == ENOENT || code == ENOTDIR { throw .fileNotFound(path: path) }
            throw .unreadable(path: path, reason: String(cString: strerror(code)))
        }
        defer { close(fd) }
        var result: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = chunk.withUnsafeMutableBytes { posixRead(fd, $0.baseAddress!, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw .unreadable(path: path, reason: String(cString: strerror(errno)))
            }
            if n == 0 { break }
            result.append(contentsOf: chunk[0..<n])
        }
        Sodium.wipe(&chunk)
        return result
    }

    static func writeBytes(_ bytes: [UInt8], to path: String, overwrite: Bool) throws(KeyfileError) {
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty {
            do {
                try FileManager.default.createDirectory(
                    atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            } catch {
                throw .writeFailed(path: path, reason: "cannot create directory \(directory)")
            }
        }
        if !overwrite && FileManager.default.fileExists(atPath: path) { throw .alreadyExists(path: path) }

        let temporary = path + ".tmp-\(getpid())-\(Hex.encode(Sodium.randomBytes(4)))"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw .writeFailed(path: path, reason: String(cString: strerror(errno))) }
        var written = 0
        while written < bytes.count {
            let n = bytes.withUnsafeBytes { posixWrite(fd, $0.baseAddress! + written, bytes.count - written) }
            if n < 0 {
                if errno == EINTR { continue }
                let reason = String(cString: strerror(errno))
                close(fd)
                unlink(temporary)
                throw .writeFailed(path: path, reason: reason)
            }
            written += n
        }
        fsync(fd)
        close(fd)
        if !overwrite && FileManager.default.fileExists(atPath: path) {
            unlink(temporary)
            throw .alreadyExists(path: path)
        }
        guard rename(temporary, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw .writeFailed(path: path, reason: reason)
        }
    }
}

// File-scope wrappers: inside `Keyfile`, `read`/`write` would name its own static methods.
private func posixRead(_ fd: Int32, _ buffer: UnsafeMutableRawPointer, _ count: Int) -> Int {
    read(fd, buffer, count)
}

private func posixWrite(_ fd: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int {
    write(fd, buffer, count)
}
