import SubstrateCore
import Testing
@testable import SubstrateKeys

@Suite("sr25519")
struct Sr25519Tests {
    @Test("mini secret expansion (Ed25519 mode) gives the published public keys", arguments: [
        // The dev phrase's mini secret (chain fixtures README).
        ("fac7959dbfe72f052e5a0c3c8d6530f202b02fd8f9f5ca3580ec8deb7797479e", "46ebddef8cd9bb167dc30878d7113b7e168e6f0646beffd77d69d39bad76b47a"),
        // sp-core sr25519 tests sr_test_vector_should_work / seeded_pair_should_work.
        ("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60", "44a996beb1eef7bdcab976ab6d2ca26104834164ecf28fb375600576fcc6eb0f"),
        (Hex.encode(Array("12345678901234567890123456789012".utf8)), "741c08a06f41c596608f6774259bd9043304adfa5d3eea62760bd9be97634d63"),
    ])
    func expansion(seed: String, publicKey: String) throws {
        let pair = try Keypair(seed: hex(seed), scheme: .sr25519)
        #expect(Hex.encode(pair.publicKey) == publicKey)
    }

    @Test("secret key byte forms: scalar ‖ nonce and schnorrkel's Ed25519 form")
    func secretKeyForms() throws {
        let secret = Sr25519.SecretKey.expandingMiniSecret(hex("fac7959dbfe72f052e5a0c3c8d6530f202b02fd8f9f5ca3580ec8deb7797479e"))
        // schnorrkel keys.rs doc test for from_ed25519_bytes uses exactly this key.
        #expect(Hex.encode(secret.ed25519Bytes)
            == "28b0ae221c6bb06856b287f60d7ea0d98552ea5a16db16956849aa371db3eb51fd190cce74df356432b410bd64682309d6dedb27c76845daf388557cbac3ca34")
        let fromEd = try Sr25519.SecretKey(ed25519Bytes: secret.ed25519Bytes)
        #expect(fromEd.schnorrkelBytes == secret.schnorrkelBytes)
        let fromScalar = try Sr25519.SecretKey(schnorrkelBytes: secret.schnorrkelBytes)
        #expect(fromScalar.publicKey == hex("46ebddef8cd9bb167dc30878d7113b7e168e6f0646beffd77d69d39bad76b47a"))
        // The Ed25519 form is 8× the scalar, so it is not a canonical scalar itself.
        #expect(throws: KeypairError.self) { try Sr25519.SecretKey(schnorrkelBytes: secret.ed25519Bytes) }
    }

    @Test("sign then verify; any tampering fails")
    func signVerify() throws {
        let pair = try Keypair(phrase: devPhrase)
        let message = Array("hello bittensor".utf8)
        let signature = try pair.sign(message)
        #expect(signature.count == 64)
        #expect(signature[63] & 0x80 != 0, "schnorrkel marker bit")
        #expect(pair.verify(signature: signature, message: message))

        #expect(!pair.verify(signature: signature, message: message + [0]))
        var flipped = signature
        flipped[5] ^= 1
        #expect(!pair.verify(signature: flipped, message: message))
        flipped = signature
        flipped[40] ^= 1
        #expect(!pair.verify(signature: flipped, message: message))
        let other = try Keypair(uri: "//Bob")
        #expect(!Keypair.verify(signature: signature, message: message, publicKey: other.publicKey, scheme: .sr25519))
        // An sr25519 signature is not an ed25519 one.
        #expect(!Keypair.verify(signature: signature, message: message, publicKey: pair.publicKey, scheme: .ed25519))
    }

    @Test("signatures are randomised but pinned randomness is reproducible")
    func randomisation() throws {
        let pair = try Keypair(uri: "//Alice")
        let message = Array("x".utf8)
        #expect(try pair.sign(message) != pair.sign(message))
        let fixed = [UInt8](repeating: 7, count: 32)
        let a = try pair.sign(message, sr25519Randomness: fixed)
        let b = try pair.sign(message, sr25519Randomness: fixed)
        #expect(a == b)
        #expect(pair.verify(signature: a, message: message))
    }

    @Test("malleated signatures are rejected for the right reason")
    func malleability() throws {
        let pair = try Keypair(uri: "//Alice")
        let message = Array("transfer".utf8)
        let signature = try pair.sign(message)

        // s + ℓ is the same residue but not canonical.
        var sPlusL = Array(signature[32..<64])
        sPlusL[31] &= 0x7F
        var carry = 0
        for i in 0..<32 {
            let sum = Int(sPlusL[i]) + Int(Ristretto255.Scalar.order[i]) + carry
            sPlusL[i] = UInt8(sum & 0xFF)
            carry = sum >> 8
        }
        #expect(carry == 0 && sPlusL[31] & 0x80 == 0)
        sPlusL[31] |= 0x80
        let malleated = Array(signature[0..<32]) + sPlusL
        #expect(throws: Sr25519.VerificationFailure.nonCanonicalScalar) {
            try Sr25519.validate(signature: malleated, message: message, publicKey: pair.publicKey)
        }

        var unmarked = signature
        unmarked[63] &= 0x7F
        #expect(throws: Sr25519.VerificationFailure.notMarkedSchnorrkel) {
            try Sr25519.validate(signature: unmarked, message: message, publicKey: pair.publicKey)
        }

        // A pre-0.8 (unmarked) signature from sp-core's verify_from_old_wasm_works must fail.
        let old = try Keypair(seed: [UInt8](repeating: 0, count: 32))
        let js = hex("28a854d54903e056f89581c691c1f7d2ff39f8f896c9e9c22475e60902cc2b3547199e0e91fa32902028f2ca2355e8cdd16cfe19ba5e8b658c94aa80f3b81a00")
        #expect(!old.verify(signature: js, message: Array("SUBSTRATE".utf8)))

        #expect(throws: Sr25519.VerificationFailure.identityPublicKey) {
            try Sr25519.validate(signature: signature, message: message, publicKey: [UInt8](repeating: 0, count: 32))
        }
        var badPoint = pair.publicKey
        badPoint[0] ^= 1  // odd field element: never a canonical ristretto encoding
        #expect(throws: Sr25519.VerificationFailure.invalidPublicKey) {
            try Sr25519.validate(signature: signature, message: message, publicKey: badPoint)
        }
        #expect(throws: Sr25519.VerificationFailure.wrongSignatureLength(63)) {
            try Sr25519.validate(signature: Array(signature.dropLast()), message: message, publicKey: pair.publicKey)
        }
        #expect(throws: Sr25519.VerificationFailure.equationFalse) {
            try Sr25519.validate(signature: signature, message: message + [1], publicKey: pair.publicKey)
        }
    }
}
