/// How a storage map hashes each key, as the runtime metadata names it (same order as its enum).
public enum StorageHasher: UInt8, Sendable, CaseIterable, CustomStringConvertible {
    case blake2_128 = 0
    case blake2_256 = 1
    case blake2_128Concat = 2
    case twox128 = 3
    case twox256 = 4
    case twox64Concat = 5
    case identity = 6

    public func hash(_ encodedKey: [UInt8]) -> [UInt8] {
        switch self {
        case .blake2_128: Blake2b.hash128(encodedKey)
        case .blake2_256: Blake2b.hash256(encodedKey)
        case .blake2_128Concat: Blake2b.hash128(encodedKey) + encodedKey
        case .twox128: Twox.hash128(encodedKey)
        case .twox256: Twox.hash256(encodedKey)
        case .twox64Concat: Twox.hash64(encodedKey) + encodedKey
        case .identity: encodedKey
        }
    }

    /// Bytes of hash before the key itself, for hashers that keep the key (concat and identity).
    public var prefixLength: Int? {
        switch self {
        case .blake2_128Concat: 16
        case .twox64Concat: 8
        case .identity: 0
        case .blake2_128, .blake2_256, .twox128, .twox256: nil
        }
    }

    /// The length of the hash of a hasher that does not keep the key.
    public var opaqueLength: Int? {
        switch self {
        case .blake2_128, .twox128: 16
        case .blake2_256, .twox256: 32
        case .blake2_128Concat, .twox64Concat, .identity: nil
        }
    }

    public var description: String {
        switch self {
        case .blake2_128: "Blake2_128"
        case .blake2_256: "Blake2_256"
        case .blake2_128Concat: "Blake2_128Concat"
        case .twox128: "Twox128"
        case .twox256: "Twox256"
        case .twox64Concat: "Twox64Concat"
        case .identity: "Identity"
        }
    }
}
