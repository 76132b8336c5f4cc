import SubstrateCore
import Testing
@testable import SubstrateKeys

@Suite("BIP-39 mnemonics")
struct MnemonicTests {
    @Test("word list is the published one")
    func wordList() {
        #expect(BIP39.englishWords.count == 2048)
        #expect(Set(BIP39.englishWords).count == 2048)
        #expect(BIP39.englishWords.first == "abandon" && BIP39.englishWords.last == "zoo")
        #expect(BIP39.englishWords == BIP39.englishWords.sorted())
    }

    // substrate-bip39 src/lib.rs VECTORS (phrase, entropy, 64-byte seed; password "Substrate").
    static let substrateBIP39Vectors: [(String, String, String)] = [
        ("abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about",
         "00000000000000000000000000000000",
         "44e9d125f037ac1d51f0a7d3649689d422c2af8b1ec8e00d71db4d7bf6d127e33f50c3d5c84fa3e5399c72d6cbbbbc4a49bf76f76d952f479d74655a2ef2d453"),
        ("legal winner thank year wave sausage worth useful legal winner thank yellow",
         "7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f",
         "4313249608fe8ac10fd5886c92c4579007272cb77c21551ee5b8d60b780416850f1e26c1f4b8d88ece681cb058ab66d6182bc2ce5a03181f7b74c27576b5c8bf"),
        ("zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo when",
         "ffffffffffffffffffffffffffffffffffffffffffffffff",
         "8971cb290e7117c64b63379c97ed3b5c6da488841bd9f95cdc2a5651ac89571e2c64d391d46e2475e8b043911885457cd23e99a28b5a18535fe53294dc8e1693"),
        ("gravity machine north sort system female filter attitude volume fold club stay feature office ecology stable narrow fog",
         "6610b25967cdcca9d59875f5cb50b0ea75433311869e930b",
         "fbcc5229ade0c0ff018cb7a329c5459f91876e4dde2a97ddf03c832eab7f26124366a543f1485479c31a9db0d421bda82d7e1fe562e57f3533cb1733b001d84d"),
        ("light rule cinnamon wrap drastic word pride squirrel upgrade then income fatal apart sustain crack supply proud access",
         "8197a4a47f0425faeaa69deebc05ca29c0a5b5cc76ceacc0",
         "7ae1291db32d16457c248567f2b101e62c5549d2a64cd2b7605d503ec876d58707a8d663641e99663bc4f6cc9746f4852e75e7e54de5bc1bd3c299c9a113409e"),
        ("panda eyebrow bullet gorilla call smoke muffin taste mesh discover soft ostrich alcohol speed nation flash devote level hobby quick inner drive ghost inside",
         "9f6a2878b2520799a44ef18bc7df394e7061a224d2c33cd015b157d746869863",
         "f4c83c86617cb014d35cd87d38b5ef1c5d5c3d58a73ab779114438a7b358f457e0462c92bddab5a406fe0e6b97c71905cf19f925f356bc673ceb0e49792f4340"),
        ("vessel ladder alter error federal sibling chat ability sun glass valve picture",
         "f30f8c1da665478f49b001d94c5fc452",
         "4e2314ca7d9eebac6fe5a05a5a8d3546bc891785414d82207ac987926380411e559c885190d641ff7e686ace8c57db6f6e4333c1081e3d88d7141a74cf339c8f"),
    ]

    @Test("substrate-bip39 vectors: phrase ↔ entropy, entropy → PBKDF2 seed", arguments: substrateBIP39Vectors)
    func substrateVectors(phrase: String, entropy: String, seed: String) throws {
        let mnemonic = try Mnemonic(phrase: phrase)
        #expect(Hex.encode(mnemonic.entropy) == entropy)
        #expect(try Mnemonic(entropy: hex(entropy)).phrase == phrase)
        let full = PBKDF2.hmacSHA512(password: hex(entropy), salt: Array("mnemonicSubstrate".utf8), iterations: 2048, keyLength: 64)
        #expect(Hex.encode(full) == seed)
        #expect(Hex.encode(mnemonic.miniSecret(password: "Substrate")) == String(seed.prefix(64)))
    }

    @Test("dev phrase mini secret (chain fixtures)")
    func devPhrase() throws {
        let mnemonic = try Mnemonic(phrase: "  bottom drive obey lake curtain smoke\tbasket hold race lonely fit walk\n")
        #expect(Hex.encode(mnemonic.miniSecret()) == "fac7959dbfe72f052e5a0c3c8d6530f202b02fd8f9f5ca3580ec8deb7797479e")
        #expect(mnemonic.phrase == SubstrateKeysTests.devPhrase)
    }

    @Test("PBKDF2-HMAC-SHA512 against RFC 6070-style inputs (python hashlib reference values)")
    func pbkdf2() {
        #expect(Hex.encode(PBKDF2.hmacSHA512(password: Array("password".utf8), salt: Array("salt".utf8), iterations: 1, keyLength: 64))
            == "867f70cf1ade02cff3752599a3a53dc4af34c7a669815ae5d513554e1c8cf252c02d470a285a0501bad999bfe943c08f050235d7d68b1da55e63f73b60a57fce")
        #expect(Hex.encode(PBKDF2.hmacSHA512(password: Array("password".utf8), salt: Array("salt".utf8), iterations: 2, keyLength: 70))
            == "e1d9c16aa681708a45f5c7c4e215ceb66e011a2e9f0040713f18aefdb866d53cf76cab2868a39b9f7840edce4fef5a82be67335c77a6068e04112754f27ccf4e"
                + "473e311ad827")
    }

    @Test("clear errors: word count, unknown word (by position, never echoed), checksum")
    func errors() {
        #expect(throws: KeypairError.invalidWordCount(11)) {
            try Mnemonic(phrase: "bottom drive obey lake curtain smoke basket hold race lonely fit")
        }
        #expect(throws: KeypairError.unknownWord(position: 1)) {
            try Mnemonic(phrase: "bottm drive obey lake curtain smoke basket hold race lonely fit walk")
        }
        #expect(throws: KeypairError.unknownWord(position: 12)) {
            try Mnemonic(phrase: "bottom drive obey lake curtain smoke basket hold race lonely fit Walk")
        }
        #expect(throws: KeypairError.invalidChecksum) {
            try Mnemonic(phrase: "bottom drive obey lake curtain smoke basket hold race lonely walk fit")
        }
        #expect(throws: KeypairError.invalidEntropyLength(15)) { try Mnemonic(entropy: [UInt8](repeating: 1, count: 15)) }
        do {
            _ = try Mnemonic(phrase: "bottm drive obey lake curtain smoke basket hold race lonely fit walk")
            Issue.record("an unknown word must be refused")
        } catch {
            let message = "\(error) \(String(reflecting: error))"
            #expect(message.contains("word 1"))
            #expect(!message.contains("bottm"), "a mnemonic word, even misspelt, must not appear in an error: \(message)")
        }
    }

    @Test("generation: every size round-trips, words are fresh, descriptions are redacted", arguments: Mnemonic.validWordCounts)
    func generation(words: Int) throws {
        let a = try Mnemonic.generate(wordCount: words)
        let b = try Mnemonic.generate(wordCount: words)
        #expect(a.wordCount == words)
        #expect(a.phrase.split(separator: " ").count == words)
        #expect(a.phrase != b.phrase)
        #expect(try Mnemonic(phrase: a.phrase).entropy == a.entropy)
        #expect(a.entropy.count == words * 4 / 3)
        let firstWord = String(a.phrase.split(separator: " ")[0])
        #expect(!"\(a)".contains(firstWord) || "\(a)" == "Mnemonic(\(words) words, redacted)")
        #expect(String(reflecting: a) == "Mnemonic(\(words) words, redacted)")
    }
}
