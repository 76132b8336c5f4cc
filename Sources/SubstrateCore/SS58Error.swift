/// Why a string is not a usable SS58 address.
public enum SS58Error: Error, Equatable, CustomStringConvertible {
    case empty
    /// Longer than any SS58 encoding: refused before decoding (Base58 decoding is quadratic in the length).
    case tooLong(characters: Int)
    case badBase58(character: Character, position: Int)
    case badLength(bytes: Int)
    case badChecksum
    case badPrefix(UInt16)
    case wrongNetwork(expected: UInt16, found: UInt16)

    public var description: String {
        switch self {
        case .empty:
            "an SS58 address is empty; expected something like 5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY"
        case .tooLong(let characters):
            "an SS58 address has at most \(SS58Address.maximumLength) characters; this one has \(characters)"
        case .badBase58(let character, let position):
            "'\(character)' at position \(position) is not a Base58 character (0, O, I and l are never used); check the address for typos"
        case .badLength(let bytes):
            "the address decodes to \(bytes) bytes; an SS58 account address has a 1- or 2-byte prefix, a 32-byte key and a 2-byte checksum"
        case .badChecksum:
            "the address checksum does not match: a character is wrong or missing; copy the address again"
        case .badPrefix(let prefix):
            "the address prefix \(prefix) is reserved and never used by a network"
        case .wrongNetwork(let expected, let found):
            "the address is for network prefix \(found), not \(expected) (Bittensor uses 42); re-encode the key for this network"
        }
    }
}
