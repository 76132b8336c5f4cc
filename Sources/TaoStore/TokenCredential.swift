import Crypto
import Foundation

/// The parts of a presented token: `tst_<id>_<secret>`.
///
/// The id finds the row; the secret is compared by hash in constant time, so response timing says
/// nothing about how much of a guessed secret was right.
struct TokenCredential: Sendable {
    static let prefix = "tst_"

    var id: String
    var secret: String

    init?(parsing text: String) {
        guard text.hasPrefix(Self.prefix) else { return nil }
        let rest = text.dropFirst(Self.prefix.count)
        guard let separator = rest.firstIndex(of: "_") else { return nil }
        let id = String(rest[..<separator])
        let secret = String(rest[rest.index(after: separator)...])
        guard id.count == 12, id.allSatisfy(\.isHexDigit), secret.count >= 32, secret.count <= 128 else { return nil }
        self.id = id
        self.secret = secret
    }

    init(id: String, secret: String) {
        self.id = id
        self.secret = secret
    }

    /// A fresh credential from the system's cryptographic random source.
    static func generate() -> TokenCredential {
        var generator = SystemRandomNumberGenerator()
        let idBytes = (0..<6).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        let secretBytes = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        let secret = Data(secretBytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
        return TokenCredential(id: idBytes.map { String(format: "%02x", $0) }.joined(), secret: secret)
    }

    var text: String { Self.prefix + id + "_" + secret }

    var secretHash: String {
        SHA256.hash(data: Array(secret.utf8)).map { String(format: "%02x", $0) }.joined()
    }
}

enum ConstantTime {
    /// Compares without an early exit, so the time taken doesn't depend on where the inputs differ.
    static func equal(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for index in a.indices { difference |= a[index] ^ b[index] }
        return difference == 0
    }
}
