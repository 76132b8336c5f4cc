import SubstrateCore
import Testing
@testable import SubstrateKeys

@Suite("Secret URIs and derivation")
struct DerivationTests {
    @Test("well-known dev accounts (sr25519)", arguments: [
        ("//Alice", "d43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d"),
        ("//Bob", "8eaf04151687736326c9fea17e25fc5287613693c912909cb226aa4794f26a48"),
        ("\(devPhrase)//Alice", "d43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d"),
    ])
    func devAccounts(uri: String, publicKey: String) throws {
        #expect(Hex.encode(try Keypair(uri: uri).publicKey) == publicKey)
    }

    @Test("the bare dev phrase is the root key")
    func root() throws {
        #expect(Hex.encode(try Keypair(uri: "").publicKey) == "46ebddef8cd9bb167dc30878d7113b7e168e6f0646beffd77d69d39bad76b47a")
        #expect(Hex.encode(try Keypair(uri: devPhrase).publicKey) == "46ebddef8cd9bb167dc30878d7113b7e168e6f0646beffd77d69d39bad76b47a")
    }

    @Test("sp-core default_phrase_should_be_used: ///password applies to the dev phrase")
    func password() throws {
        let a = try Keypair(uri: "//Alice///password")
        let b = try Keypair(mnemonic: Mnemonic(phrase: devPhrase), password: "password").derive("//Alice")
        #expect(a.publicKey == b.publicKey)
        #expect(a.publicKey != (try Keypair(uri: "//Alice")).publicKey)
    }

    @Test("junction chain codes: numbers as u64, strings SCALE-encoded, long ones hashed")
    func junctions() {
        #expect(DeriveJunction("Alice", hard: true).chainCode == [0x14] + Array("Alice".utf8) + [UInt8](repeating: 0, count: 26))
        #expect(DeriveJunction("1", hard: false).chainCode == [1] + [UInt8](repeating: 0, count: 31))
        #expect(DeriveJunction("01", hard: false).chainCode == DeriveJunction("1", hard: false).chainCode)
        let long = String(repeating: "x", count: 40)
        #expect(DeriveJunction(long, hard: true).chainCode == Blake2b.hash256(long.scaleEncoded))
        // 31 characters encode to exactly 32 bytes: padded, not hashed.
        let edge = String(repeating: "y", count: 31)
        #expect(DeriveJunction(edge, hard: true).chainCode == edge.scaleEncoded)
    }

    @Test("soft derivation: public and secret paths agree; hard needs the secret")
    func softPublicMatchesSecret() throws {
        let pair = try Keypair(seed: hex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"))
        let derivedSecret = try pair.derive("/1")
        let publicOnly = try Keypair(publicKey: pair.publicKey)
        let derivedPublic = try publicOnly.derive("/1")
        #expect(derivedSecret.publicKey == derivedPublic.publicKey)
        #expect(derivedSecret.publicKey != (try pair.derive("/2")).publicKey)
        #expect(derivedSecret.publicKey != (try pair.derive("//1")).publicKey)
        #expect(derivedSecret.exportSeed() == nil, "no seed after a soft junction")
        #expect(throws: KeypairError.hardDerivationNeedsSecret) { try publicOnly.derive("//1") }
        // The derived secret signs for the derived public key.
        let message = Array("soft".utf8)
        #expect(derivedPublic.verify(signature: try derivedSecret.sign(message), message: message))
    }

    @Test("malformed URIs")
    func malformed() {
        #expect(throws: KeypairError.self) { try Keypair(uri: "//") }
        #expect(throws: KeypairError.self) { try Keypair(uri: "0x1234//Alice") }
        #expect(throws: KeypairError.invalidWordCount(2)) { try Keypair(uri: "hello world//Alice") }
    }

    @Test("hex seed URIs")
    func hexSeed() throws {
        let seed = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"
        #expect(Hex.encode(try Keypair(uri: "0x" + seed).publicKey) == "44a996beb1eef7bdcab976ab6d2ca26104834164ecf28fb375600576fcc6eb0f")
        #expect(try Keypair(uri: "0x\(seed)//a").publicKey == (try Keypair(seed: hex(seed)).derive("//a")).publicKey)
    }

    @Test("ed25519 hard derivation: //Alice")
    func ed25519Alice() throws {
        // Alice's ed25519 key (the GRANDPA key of dev chains).
        #expect(Hex.encode(try Keypair(uri: "//Alice", scheme: .ed25519).publicKey)
            == "88dc3417d5058ec4b4503e0c12ea1a0a89be200fe98922423d4334014fa6b0ee")
    }
}
