import SubstrateCore
import Testing
@testable import SubstrateKeys

@Suite("ed25519")
struct Ed25519Tests {
    @Test("RFC 8032 test 1: seed → public key and deterministic signature of the empty message")
    func rfc8032() throws {
        let pair = try Keypair(seed: hex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"), scheme: .ed25519)
        #expect(Hex.encode(pair.publicKey) == "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")
        let signature = try pair.sign([])
        #expect(Hex.encode(signature)
            == "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b")
        #expect(pair.verify(signature: signature, message: []))
        #expect(!pair.verify(signature: signature, message: [0]))
    }

    @Test("dev phrase: ed25519 public key from the chain fixtures")
    func devPhraseKey() throws {
        let pair = try Keypair(phrase: devPhrase, scheme: .ed25519)
        #expect(Hex.encode(pair.publicKey) == "345071da55e5dccefaaa440339415ef9f2663338a38f7da0df21be5ab4e055ef")
    }

    @Test("soft junctions are refused for ed25519")
    func noSoftDerivation() throws {
        let pair = try Keypair(phrase: devPhrase, scheme: .ed25519)
        #expect(throws: KeypairError.softDerivationUnsupported) { try pair.derive("/soft") }
        #expect(throws: KeypairError.softDerivationUnsupported) { try Keypair(uri: "//Alice/x", scheme: .ed25519) }
    }
}
