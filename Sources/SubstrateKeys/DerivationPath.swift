import SubstrateCore
/// One step of a Substrate derivation path: `/soft` or `//hard`.
///
/// The chain code is the SCALE encoding of the junction text, as a `u64` if it parses as one and
/// as a string otherwise, zero-padded to 32 bytes or, when longer, replaced by its BLAKE2b-256
/// (sp-core `DeriveJunction::soft`). So `//1` and `//01` are the same junction, `//Alice` is
/// `0x14` ‖ "Alice" ‖ zeros.
public struct DeriveJunction: Sendable, Hashable, CustomStringConvertible {
    public let isHard: Bool
    public let chainCode: [UInt8]

    public init(_ code: String, hard: Bool) {
        isHard = hard
        let encoded: [UInt8]
        if let number = UInt64(code) {
            encoded = number.scaleEncoded
        } else {
            encoded = code.scaleEncoded
        }
        if encoded.count > 32 {
            chainCode = Blake2b.hash256(encoded)
        } else {
            chainCode = encoded + [UInt8](repeating: 0, count: 32 - encoded.count)
        }
    }

    /// Parses a path such as `//hard/soft//0`. The empty string is the empty path.
    public static func parsePath(_ path: Substring) throws(KeypairError) -> [DeriveJunction] {
        var junctions: [DeriveJunction] = []
        var rest = path
        while !rest.isEmpty {
            guard rest.first == "/" else { throw .invalidSecretURI("a derivation path starts with '/' or '//'") }
            rest = rest.dropFirst()
            var hard = false
            if rest.first == "/" {
                hard = true
                rest = rest.dropFirst()
            }
            let code = rest.prefix(while: { $0 != "/" })
            guard !code.isEmpty else { throw .invalidSecretURI("empty derivation junction") }
            junctions.append(DeriveJunction(String(code), hard: hard))
            rest = rest.dropFirst(code.count)
        }
        return junctions
    }

    /// The chain code is derived from public text, but the path can still be sensitive; keep it out of logs.
    public var description: String { isHard ? "//<junction>" : "/<junction>" }
}

/// A Substrate secret URI: `PHRASE[//hard|/soft]...[///password]` or `0xSEED[//hard|/soft]...`.
/// With no phrase, the well-known development phrase is used, so `//Alice` is Alice's dev key.
struct SecretURI: Sendable {
    static let developmentPhrase = "bottom drive obey lake curtain smoke basket hold race lonely fit walk"

    enum Root: Sendable {
        case phrase(Mnemonic)
        case seed(SecretBuffer)
    }

    let root: Root
    let junctions: [DeriveJunction]
    let password: String

    init(_ uri: String) throws(KeypairError) {
        // The password is everything after the first "///": a path junction never contains "///".
        var body = Substring(uri)
        var password = ""
        if let range = uri.range(of: "///") {
            body = uri[uri.startIndex..<range.lowerBound]
            password = String(uri[range.upperBound...])
        }
        let phrasePart = body.prefix(while: { $0 != "/" })
        junctions = try DeriveJunction.parsePath(body.dropFirst(phrasePart.count))
        self.password = password

        let trimmed = phrasePart.trimmingCharacters(in: " ")
        if trimmed.isEmpty {
            root = .phrase(try Mnemonic(phrase: Self.developmentPhrase))
        } else if trimmed.hasPrefix("0x") {
            guard var seed = try? Hex.decode(trimmed), seed.count == 32 else {
                throw .invalidSecretURI("a hex seed is 0x followed by 64 hex digits")
            }
            root = .seed(SecretBuffer(consuming: &seed))
        } else {
            root = .phrase(try Mnemonic(phrase: String(trimmed)))
        }
    }
}

extension Substring {
    fileprivate func trimmingCharacters(in character: Character) -> Substring {
        var s = self
        while s.first == character { s = s.dropFirst() }
        while s.last == character { s = s.dropLast() }
        return s
    }
}
