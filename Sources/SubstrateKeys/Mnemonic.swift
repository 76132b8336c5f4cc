import Crypto

/// Namespace for BIP-39 data (the generated English word list lives in BIP39EnglishWordList.swift).
enum BIP39 {
    static let wordIndex: [String: Int] = {
        var index: [String: Int] = [:]
        for (i, word) in englishWords.enumerated() { index[word] = i }
        return index
    }()
}

/// A BIP-39 mnemonic (English word list), as Substrate and btcli use it.
///
/// Substrate departs from BIP-39 for the seed: its mini secret key is the first 32 bytes of
/// PBKDF2-HMAC-SHA512(password: the *entropy* bytes, salt: "mnemonic" + passphrase, 2048 rounds),
/// not of the phrase itself (substrate-bip39 `seed_from_entropy`). A standard BIP-39 wallet and
/// Substrate therefore derive different keys from the same words.
///
/// The phrase is secret: it is kept in a buffer wiped on release and never printed.
public struct Mnemonic: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public static let validWordCounts: [Int] = [12, 15, 18, 21, 24]

    private let storage: SecretBuffer  // the normalised phrase, words separated by one space
    public let wordCount: Int

    /// Parses and validates a phrase: word count, every word in the list, checksum.
    /// Words may be separated by any whitespace; they must be lowercase English BIP-39 words.
    public init(phrase: String) throws(KeypairError) {
        let words = phrase.split(whereSeparator: { $0.isWhitespace }).map(String.init)
        guard Self.validWordCounts.contains(words.count) else { throw .invalidWordCount(words.count) }
        var indices: [Int] = []
        indices.reserveCapacity(words.count)
        for (position, word) in words.enumerated() {
            guard let index = BIP39.wordIndex[word] else { throw .unknownWord(position: position + 1) }
            indices.append(index)
        }
        var entropy = try Self.entropy(fromIndices: indices)
        Sodium.wipe(&entropy)
        var normalised = Array(words.joined(separator: " ").utf8)
        storage = SecretBuffer(consuming: &normalised)
        wordCount = words.count
    }

    /// Encodes 16, 20, 24, 28 or 32 bytes of entropy as 12…24 words.
    public init(entropy: [UInt8]) throws(KeypairError) {
        guard [16, 20, 24, 28, 32].contains(entropy.count) else { throw .invalidEntropyLength(entropy.count) }
        let checksumBits = entropy.count / 4  // ENT / 32
        let hash = Array(SHA256.hash(data: entropy))
        var bits = entropy.flatMap { byte in (0..<8).map { (byte >> (7 - $0)) & 1 } }
        bits.append(contentsOf: (0..<checksumBits).map { (hash[$0 / 8] >> (7 - ($0 % 8))) & 1 })
        var words: [String] = []
        for start in stride(from: 0, to: bits.count, by: 11) {
            let index = bits[start..<start + 11].reduce(0) { ($0 << 1) | Int($1) }
            words.append(BIP39.englishWords[index])
        }
        Sodium.wipe(&bits)
        var normalised = Array(words.joined(separator: " ").utf8)
        storage = SecretBuffer(consuming: &normalised)
        wordCount = words.count
    }

    /// A new mnemonic from fresh system randomness (libsodium's CSPRNG).
    public static func generate(wordCount: Int = 12) throws(KeypairError) -> Mnemonic {
        guard validWordCounts.contains(wordCount) else { throw .invalidWordCount(wordCount) }
        var entropy = Sodium.randomBytes(wordCount * 4 / 3)  // 11·n bits minus n/3 checksum bits
        defer { Sodium.wipe(&entropy) }
        return try Mnemonic(entropy: entropy)
    }

    /// The phrase, words separated by single spaces. Handle with care: this is the secret.
    public var phrase: String { String(decoding: storage.bytes, as: UTF8.self) }

    /// The entropy the words encode (checksum already verified at construction).
    public var entropy: [UInt8] {
        let indices = phrase.split(separator: " ").map { BIP39.wordIndex[String($0)]! }
        // Validated in init; the checksum cannot fail here.
        return (try? Self.entropy(fromIndices: indices)) ?? []
    }

    /// Substrate's 32-byte mini secret key (sr25519 mini secret, ed25519 seed) for `password`
    /// (the BIP-39 passphrase, `///password` in a secret URI; empty for btcli wallets).
    public func miniSecret(password: String = "") -> [UInt8] {
        var entropy = self.entropy
        defer { Sodium.wipe(&entropy) }
        var seed = PBKDF2.hmacSHA512(
            password: entropy, salt: Array("mnemonic".utf8) + Array(password.utf8), iterations: 2048, keyLength: 64)
        defer { Sodium.wipe(&seed) }
        return Array(seed[0..<32])
    }

    public var description: String { "Mnemonic(\(wordCount) words, redacted)" }
    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: ["wordCount": wordCount]) }

    private static func entropy(fromIndices indices: [Int]) throws(KeypairError) -> [UInt8] {
        let totalBits = indices.count * 11
        let checksumBits = totalBits / 33
        let entropyBits = totalBits - checksumBits
        var bits: [UInt8] = []
        bits.reserveCapacity(totalBits)
        for index in indices {
            for shift in stride(from: 10, through: 0, by: -1) { bits.append(UInt8((index >> shift) & 1)) }
        }
        var entropy = [UInt8](repeating: 0, count: entropyBits / 8)
        for i in 0..<entropyBits { entropy[i / 8] |= bits[i] << (7 - UInt8(i % 8)) }
        let hash = Array(SHA256.hash(data: entropy))
        for i in 0..<checksumBits where bits[entropyBits + i] != (hash[i / 8] >> (7 - UInt8(i % 8))) & 1 {
            Sodium.wipe(&entropy)
            throw .invalidChecksum
        }
        Sodium.wipe(&bits)
        return entropy
    }
}
