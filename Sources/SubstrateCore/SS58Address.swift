/// An SS58 address: a network prefix and a public key (account id), with a BLAKE2b checksum.
public struct SS58Address: Hashable, Sendable, CustomStringConvertible {
    /// Bittensor's (and Substrate's generic) prefix.
    public static let bittensorPrefix: UInt16 = 42

    public let prefix: UInt16
    public let publicKey: [UInt8]

    public init(publicKey: [UInt8], prefix: UInt16 = SS58Address.bittensorPrefix) {
        precondition(prefix < 16384, "SS58 prefixes are below 16384")
        self.prefix = prefix
        self.publicKey = publicKey
    }

    /// Parses and checks an address; with `expectedPrefix`, one of another network is refused.
    /// The longest SS58 text: a 2-byte prefix, a 33-byte key and a 2-byte checksum are 37 bytes,
    /// at most 51 Base58 characters; a little room above that.
    public static let maximumLength = 64

    public init(_ text: String, expectedPrefix: UInt16? = nil) throws(SS58Error) {
        guard !text.isEmpty else { throw .empty }
        // Counted in bytes, so the check itself is cheap whatever the text holds.
        guard text.utf8.count <= Self.maximumLength else { throw .tooLong(characters: text.utf8.count) }
        let bytes: [UInt8]
        switch Base58.decode(text) {
        case .success(let decoded): bytes = decoded
        case .failure(let error): throw error
        }
        guard let first = bytes.first else { throw .badLength(bytes: 0) }
        let prefix: UInt16
        let prefixLength: Int
        switch first {
        case 0..<64:
            prefix = UInt16(first)
            prefixLength = 1
        case 64..<128:
            guard bytes.count >= 2 else { throw .badLength(bytes: bytes.count) }
            let lower = (first & 0b0011_1111) << 2 | bytes[1] >> 6
            let upper = bytes[1] & 0b0011_1111
            prefix = UInt16(lower) | UInt16(upper) << 8
            prefixLength = 2
        default:
            throw .badPrefix(UInt16(first))
        }
        // 32-byte keys (sr25519, ed25519) and 33-byte compressed ECDSA keys carry 2 checksum bytes.
        let keyLength = bytes.count - prefixLength - 2
        guard keyLength == 32 || keyLength == 33 else { throw .badLength(bytes: bytes.count) }
        let body = bytes[..<(bytes.count - 2)]
        guard Self.checksum(body).elementsEqual(bytes.suffix(2)) else { throw .badChecksum }
        if let expectedPrefix, expectedPrefix != prefix { throw .wrongNetwork(expected: expectedPrefix, found: prefix) }
        self.prefix = prefix
        self.publicKey = Array(bytes[prefixLength..<(prefixLength + keyLength)])
    }

    /// The address text.
    public var description: String {
        var body: [UInt8]
        if prefix < 64 {
            body = [UInt8(prefix)]
        } else {
            body = [
                UInt8((prefix & 0b0000_0000_1111_1100) >> 2) | 0b0100_0000,
                UInt8(prefix >> 8) | UInt8((prefix & 0b0000_0000_0000_0011) << 6),
            ]
        }
        body += publicKey
        return Base58.encode(body + Self.checksum(body[...]))
    }

    static func checksum(_ body: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        Blake2b.hash512(Array("SS58PRE".utf8) + body).prefix(2)
    }
}
