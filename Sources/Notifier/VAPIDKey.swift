import Crypto
import Foundation
import Model

/// The operator's VAPID key (RFC 8292): an ECDSA P-256 key kept on disk as PEM. Push services
/// check that every push to a subscription is signed by the key the browser subscribed with, so
/// it must not change while subscriptions exist.
public struct VAPIDKey: Sendable {
    private let raw: [UInt8]
    private var key: P256.Signing.PrivateKey { (try? P256.Signing.PrivateKey(rawRepresentation: raw)) ?? P256.Signing.PrivateKey() }
    /// Who to contact about this sender (`mailto:` or `https:`), the JWT's `sub`.
    public let subject: String

    public init(key: P256.Signing.PrivateKey, subject: String) {
        self.raw = Array(key.rawRepresentation)
        self.subject = subject
    }

    public static func load(path: String, subject: String) throws(AlertKeyError) -> VAPIDKey {
        guard let data = FileManager.default.contents(atPath: path) else { throw .unreadable(path) }
        do {
            return VAPIDKey(key: try P256.Signing.PrivateKey(pemRepresentation: String(decoding: data, as: UTF8.self)), subject: subject)
        } catch {
            throw .malformed(path)
        }
    }

    public static func generate(path: String) throws(AlertKeyError) {
        guard !FileManager.default.fileExists(atPath: path) else { throw .exists(path) }
        let pem = P256.Signing.PrivateKey().pemRepresentation
        guard FileManager.default.createFile(atPath: path, contents: Data(pem.utf8), attributes: [.posixPermissions: 0o600]) else { throw .unwritable(path) }
    }

    /// The public key as browsers take it for `applicationServerKey`: base64url of 65 bytes.
    public var publicKey: String { Base64URL.encode(key.publicKey.x963Representation) }

    /// Apple's push service refuses a token whose `sub` names localhost.
    public var subjectIsLocal: Bool { subject.lowercased().hasSuffix("@localhost") || subject.lowercased().contains("://localhost") }

    /// `Authorization: vapid t=<JWT>, k=<public key>` for a push to `endpoint`, valid 12 hours.
    public func authorization(endpoint: String, now: Date = Date()) throws -> String {
        guard let components = URLComponents(string: endpoint), let givenScheme = components.scheme, let host = components.host else {
            throw OutboundError.invalidURL
        }
        // The push service's origin: lowercase, without its scheme's default port.
        let scheme = givenScheme.lowercased()
        let defaultPort = scheme == "https" ? 443 : 80
        let audience = "\(scheme)://\(host.lowercased())" + (components.port.flatMap { $0 == defaultPort ? nil : ":\($0)" } ?? "")
        let header = Base64URL.encode(Array(#"{"typ":"JWT","alg":"ES256"}"#.utf8))
        let claims: [String: String] = ["aud": audience, "sub": subject]
        var claimsJSON = String(decoding: try JSONSerialization.data(withJSONObject: claims, options: [.sortedKeys, .withoutEscapingSlashes]), as: UTF8.self)
        claimsJSON.removeLast()
        claimsJSON += ",\"exp\":\(Int(now.timeIntervalSince1970) + 12 * 3_600)}"
        let signingInput = header + "." + Base64URL.encode(Array(claimsJSON.utf8))
        let signature = try key.signature(for: Array(signingInput.utf8))
        return "vapid t=\(signingInput).\(Base64URL.encode(signature.rawRepresentation)), k=\(publicKey)"
    }
}
