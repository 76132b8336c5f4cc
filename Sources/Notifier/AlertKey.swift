import Crypto
import Foundation

/// The operator's alert key: 32 random bytes in a file only the StreamServer and the notifier
/// read. Nothing secret about alerts is stored in the database: a webhook's signing secret is
/// derived from this key and the rule id (so it can be shown once at creation and recomputed for
/// every delivery), and a push subscription's keys are sealed with it.
public struct AlertKey: Sendable {
    private let bytes: [UInt8]
    private var key: SymmetricKey { SymmetricKey(data: bytes) }

    public init(bytes: [UInt8]) throws(AlertKeyError) {
        guard bytes.count == 32 else { throw .wrongLength(bytes.count) }
        self.bytes = bytes
    }

    /// Reads a key file: 64 hexadecimal characters (surrounding white space ignored).
    public static func load(path: String) throws(AlertKeyError) -> AlertKey {
        guard let data = FileManager.default.contents(atPath: path) else { throw .unreadable(path) }
        let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard text.count == 64, let bytes = Self.hex(text) else { throw .malformed(path) }
        return try AlertKey(bytes: bytes)
    }

    /// Writes a new random key to `path` (mode 0600), refusing to replace one.
    public static func generate(path: String) throws(AlertKeyError) {
        guard !FileManager.default.fileExists(atPath: path) else { throw .exists(path) }
        let bytes = SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) }
        let text = bytes.map { String(format: "%02x", $0) }.joined() + "\n"
        guard FileManager.default.createFile(atPath: path, contents: Data(text.utf8), attributes: [.posixPermissions: 0o600]) else { throw .unwritable(path) }
    }

    /// The Standard Webhooks secret of a rule: `whsec_` and the base64 of 32 bytes.
    public func webhookSecret(ruleID: String) -> WebhookSecret {
        let derived = HMAC<SHA256>.authenticationCode(for: Array("taostream webhook secret\u{0}\(ruleID)".utf8), using: key)
        return WebhookSecret(bytes: Array(derived))
    }

    /// Seals a push subscription's keys (`p256dh` then `auth`) to the rule.
    public func seal(pushKeys: [UInt8], ruleID: String) throws -> [UInt8] {
        let box = try ChaChaPoly.seal(pushKeys, using: sealingKey, authenticating: Array(ruleID.utf8))
        return Array(box.combined)
    }

    public func unseal(_ sealed: [UInt8], ruleID: String) throws -> [UInt8] {
        let box = try ChaChaPoly.SealedBox(combined: sealed)
        return Array(try ChaChaPoly.open(box, using: sealingKey, authenticating: Array(ruleID.utf8)))
    }

    private var sealingKey: SymmetricKey {
        HKDF<SHA256>.deriveKey(inputKeyMaterial: key, info: Array("taostream push keys".utf8), outputByteCount: 32)
    }

    private static func hex(_ text: String) -> [UInt8]? {
        var bytes: [UInt8] = []
        var iterator = text.utf8.makeIterator()
        while let high = iterator.next(), let low = iterator.next() {
            guard let h = nibble(high), let l = nibble(low) else { return nil }
            bytes.append(h << 4 | l)
        }
        return bytes
    }

    private static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}

/// Problems with the alert key file; never contain the key.
public enum AlertKeyError: Error, Sendable, Equatable, CustomStringConvertible {
    case wrongLength(Int)
    case unreadable(String)
    case malformed(String)
    case exists(String)
    case unwritable(String)

    public var description: String {
        switch self {
        case .wrongLength(let count): return "an alert key is 32 bytes, got \(count)"
        case .unreadable(let path): return "cannot read the alert key file \(path); create one with `taostream notify-keys --dir DIR`"
        case .malformed(let path): return "the alert key file \(path) must hold 64 hexadecimal characters"
        case .exists(let path): return "\(path) exists; keys are never overwritten (deliveries already signed with it would stop verifying)"
        case .unwritable(let path): return "cannot write \(path); check the directory exists and is writable"
        }
    }
}

/// A webhook signing secret. Its text appears only in the reply that creates the rule.
public struct WebhookSecret: Sendable, CustomStringConvertible {
    public let bytes: [UInt8]

    public init(bytes: [UInt8]) { self.bytes = bytes }

    /// From `whsec_<base64>`.
    public init?(text: String) {
        guard text.hasPrefix("whsec_"), let data = Data(base64Encoded: String(text.dropFirst(6))), !data.isEmpty else { return nil }
        bytes = Array(data)
    }

    /// `whsec_…`, as Standard Webhooks libraries take it.
    public var text: String { "whsec_" + Data(bytes).base64EncodedString() }

    /// Redacted: a secret printed by accident says nothing.
    public var description: String { "whsec_[redacted]" }
}
