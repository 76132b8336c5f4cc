import SubstrateCore
import Testing
@testable import SubstrateKeys

/// Answers recorded from the Bittensor SDK 11.3 (bittensor_core 0.1.5), so these checks run
/// offline; OracleInteropTests asks the live SDK the same kind of questions with random keys.
@Suite("Recorded Bittensor SDK vectors")
struct RecordedSDKVectorsTests {
    @Test("keyfile privateKey is scalar ‖ nonce for sr25519, the seed for ed25519")
    func privateKeyFormat() throws {
        #expect(Hex.encode(try Keypair(phrase: devPhrase).exportPrivateKey())
            == "05d65584630d16cd4af6d0bec10f34bb504a5dcb62dba2122d49f5a663763d0afd190cce74df356432b410bd64682309d6dedb27c76845daf388557cbac3ca34")
        #expect(Hex.encode(try Keypair(uri: "//Alice").exportPrivateKey())
            == "33a6f3093f158a7109f679410bef1a0c54168145e0cecb4df006c1c2fffb1f09925a225d97aa00682d6a59b95b18780c10d7032336e88f3442b42361f4a66011")
        #expect(Hex.encode(try Keypair(uri: "//Alice", scheme: .ed25519).exportPrivateKey())
            == "abf8e5bdbe30c65656c0a3cbd181ff8a56294a69dfedd27982aace4a76909115")
    }

    @Test("mnemonic password is raw UTF-8, soft junctions, dev phrase root")
    func derivations() throws {
        #expect(Hex.encode(try Keypair(phrase: devPhrase, password: "pässwörd").publicKey)
            == "74d1e272ca8c9d8b6e7f273fba95ffda95c6240a10689255320b5bef8a68c92f")
        #expect(Hex.encode(try Keypair(uri: "\(devPhrase)//Alice/soft").publicKey)
            == "02cfd83074aefc9955af4034d19b3780d47a52e158ababec8ec012b2295f1c5b")
    }

    @Test("SDK-written keyfile JSON (its own key order) decodes to the same key", arguments: [
        #"{"secretSeed":"0xfac7959dbfe72f052e5a0c3c8d6530f202b02fd8f9f5ca3580ec8deb7797479e","cryptoType":1,"privateKey":"0x05d65584630d16cd4af6d0bec10f34bb504a5dcb62dba2122d49f5a663763d0afd190cce74df356432b410bd64682309d6dedb27c76845daf388557cbac3ca34","secretPhrase":"bottom drive obey lake curtain smoke basket hold race lonely fit walk","ss58Address":"5DfhGyQdFobKM8NsWvEeAKk5EQQgYe9AydgJ7rMB6E1EqRzV","accountId":"0x46ebddef8cd9bb167dc30878d7113b7e168e6f0646beffd77d69d39bad76b47a","publicKey":"0x46ebddef8cd9bb167dc30878d7113b7e168e6f0646beffd77d69d39bad76b47a"}"#,
        #"{"publicKey":"0x46ebddef8cd9bb167dc30878d7113b7e168e6f0646beffd77d69d39bad76b47a","accountId":"0x46ebddef8cd9bb167dc30878d7113b7e168e6f0646beffd77d69d39bad76b47a","ss58Address":"5DfhGyQdFobKM8NsWvEeAKk5EQQgYe9AydgJ7rMB6E1EqRzV","cryptoType":1}"#,
    ])
    func sdkJSON(json: String) throws {
        let pair = try Keyfile.decode(Array(json.utf8))
        #expect(Hex.encode(pair.publicKey) == "46ebddef8cd9bb167dc30878d7113b7e168e6f0646beffd77d69d39bad76b47a")
        #expect(pair.hasSecretKey == json.contains("privateKey"))
    }

    @Test("SDK-written ed25519 and //Alice keyfiles (no phrase, no seed) decode")
    func sdkJSONWithoutPhrase() throws {
        let ed = try Keyfile.decode(Array(#"{"accountId":"0x88dc3417d5058ec4b4503e0c12ea1a0a89be200fe98922423d4334014fa6b0ee","ss58Address":"5FA9nQDVg267DEd8m1ZypXLBnvN7SFxYwV7ndqSYGiN9TTpu","cryptoType":0,"privateKey":"0xabf8e5bdbe30c65656c0a3cbd181ff8a56294a69dfedd27982aace4a76909115","publicKey":"0x88dc3417d5058ec4b4503e0c12ea1a0a89be200fe98922423d4334014fa6b0ee"}"#.utf8))
        #expect(ed.scheme == .ed25519 && ed.hasSecretKey)
        let alice = try Keyfile.decode(Array(#"{"publicKey":"0xd43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d","ss58Address":"5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY","cryptoType":1,"accountId":"0xd43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d","privateKey":"0x33a6f3093f158a7109f679410bef1a0c54168145e0cecb4df006c1c2fffb1f09925a225d97aa00682d6a59b95b18780c10d7032336e88f3442b42361f4a66011"}"#.utf8))
        let message = Array("m".utf8)
        #expect(try Keypair(uri: "//Alice").verify(signature: alice.sign(message), message: message))
    }

    @Test("an SDK signature recorded for //Alice verifies; one flipped bit does not")
    func recordedSignature() throws {
        let alice = try Keypair(uri: "//Alice")
        let signature = hex("2e126e7dfee3b8cd828e0350315e90d93c3fdfd7dadfed8bb7b791cc25ba8e3637f4d264e53ef9e14b29971f22312a6b7e6f8f5073f7eb5440b9abbdb7321781")
        #expect(alice.verify(signature: signature, message: [0x00]))
        #expect(!alice.verify(signature: signature, message: [0x01]))
        var flipped = signature
        flipped[62] ^= 0x04
        #expect(!alice.verify(signature: flipped, message: [0x00]))
    }
}
