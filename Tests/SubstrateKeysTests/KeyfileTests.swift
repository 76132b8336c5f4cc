import SubstrateCore
import Foundation
import Testing
@testable import SubstrateKeys

@Suite("Keyfiles (local)")
struct KeyfileTests {
    @Test("JSON round trip keeps every field and the key; publicOnly drops the secrets")
    func jsonRoundTrip() throws {
        let pair = try Keypair(phrase: devPhrase)
        let json = try Keyfile.encode(pair, ss58Address: placeholderSS58)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json)) as? [String: Any])
        #expect(object["secretPhrase"] as? String == devPhrase)
        #expect(object["secretSeed"] as? String == "0xfac7959dbfe72f052e5a0c3c8d6530f202b02fd8f9f5ca3580ec8deb7797479e")
        #expect(object["publicKey"] as? String == "0x46ebddef8cd9bb167dc30878d7113b7e168e6f0646beffd77d69d39bad76b47a")
        #expect(object["accountId"] as? String == object["publicKey"] as? String)
        #expect(object["cryptoType"] as? Int == 1)
        #expect((object["privateKey"] as? String)?.count == 2 + 128)
        let back = try Keyfile.decode(json)
        #expect(back.publicKey == pair.publicKey && back.hasSecretKey)

        let pub = try Keyfile.encode(pair, ss58Address: placeholderSS58, publicOnly: true)
        let pubObject = try #require(try JSONSerialization.jsonObject(with: Data(pub)) as? [String: Any])
        #expect(Set(pubObject.keys) == ["accountId", "publicKey", "ss58Address", "cryptoType"])
        let pubPair = try Keyfile.decode(pub)
        #expect(pubPair.publicKey == pair.publicKey && !pubPair.hasSecretKey)
        #expect(throws: KeypairError.publicKeyOnly) { try pubPair.sign([1]) }
    }

    @Test("each source field alone rebuilds the same key", arguments: ["secretPhrase", "secretSeed", "privateKey"])
    func singleSource(field: String) throws {
        let pair = try Keypair(phrase: devPhrase)
        var object = try #require(try JSONSerialization.jsonObject(with: Data(Keyfile.encode(pair, ss58Address: placeholderSS58))) as? [String: Any])
        for key in ["secretPhrase", "secretSeed", "privateKey"] where key != field { object.removeValue(forKey: key) }
        let json = Array(try JSONSerialization.data(withJSONObject: object))
        let back = try Keyfile.decode(json)
        #expect(back.publicKey == pair.publicKey)
        let message = Array("m".utf8)
        #expect(pair.verify(signature: try back.sign(message), message: message))
    }

    @Test("ed25519 keyfile round trip")
    func ed25519() throws {
        let pair = try Keypair(phrase: devPhrase, scheme: .ed25519)
        let back = try Keyfile.decode(Keyfile.encode(pair, ss58Address: placeholderSS58))
        #expect(back.scheme == .ed25519 && back.publicKey == pair.publicKey)
    }

    @Test("typed errors for bad JSON, crypto types, mismatched keys")
    func decodeErrors() throws {
        #expect(throws: KeyfileError.malformedJSON(path: "f", reason: "not JSON, or not a JSON object")) {
            try Keyfile.decode(Array("{not json".utf8), path: "f")
        }
        #expect(throws: KeyfileError.unknownCryptoType(path: "f", value: "7")) {
            try Keyfile.decode(Array(#"{"secretPhrase": "\#(devPhrase)", "cryptoType": 7}"#.utf8), path: "f")
        }
        #expect(throws: KeyfileError.noKeyMaterial(path: "f")) {
            try Keyfile.decode(Array(#"{"ss58Address": "\#(placeholderSS58)"}"#.utf8), path: "f")
        }
        let bob = try Keypair(uri: "//Bob")
        let lying = #"{"secretPhrase": "\#(devPhrase)", "publicKey": "0x\#(Hex.encode(bob.publicKey))"}"#
        #expect(throws: KeyfileError.invalidKey(path: "f", .publicKeyMismatch)) { try Keyfile.decode(Array(lying.utf8), path: "f") }
        #expect(throws: KeyfileError.invalidKey(path: "f", .invalidChecksum)) {
            try Keyfile.decode(Array(#"{"secretPhrase": "bottom drive obey lake curtain smoke basket hold race lonely walk fit"}"#.utf8), path: "f")
        }
        // Error messages name the file but never the secret.
        let message = KeyfileError.invalidKey(path: "/w/coldkey", .publicKeyMismatch).description
        #expect(message.contains("/w/coldkey") && !message.contains("bottom"))
    }

    @Test("format detection, including the unsupported legacy formats")
    func formats() throws {
        #expect(KeyfileFormat.detect(Array("{}".utf8)) == .plaintext)
        #expect(KeyfileFormat.detect(Array("$NACLxxxx".utf8)) == .nacl)
        #expect(KeyfileFormat.detect(Array("$ANSIBLE_VAULT;1.1;AES256\n3133".utf8)) == .ansibleVault)
        #expect(KeyfileFormat.detect(Array("gAAAAABk".utf8)) == .legacyFernet)

        let dir = try makeTemporaryDirectory()
        defer { removeTemporaryDirectory(dir) }
        for (name, body, format) in [("vault", "$ANSIBLE_VAULT;1.1;AES256\n6162", KeyfileFormat.ansibleVault), ("fernet", "gAAAAABkZXhhbXBsZQ==", .legacyFernet)] {
            let path = dir + "/" + name
            try Data(body.utf8).write(to: URL(fileURLWithPath: path))
            #expect(throws: KeyfileError.unsupportedEncryption(format: format, path: path)) {
                try Keyfile.read(at: path, password: "x")
            }
            let message = KeyfileError.unsupportedEncryption(format: format, path: path).description
            #expect(message.contains("btcli") && message.contains(path))
        }
        let truncated = dir + "/truncated"
        try Data("$NACL123".utf8).write(to: URL(fileURLWithPath: truncated))
        #expect(throws: KeyfileError.corruptEncryptedData(path: truncated)) { try Keyfile.read(at: truncated, password: "x") }
        #expect(throws: KeyfileError.passwordRequired(path: truncated)) { try Keyfile.read(at: truncated) }
    }

    @Test("secretbox layout: $NACL ‖ nonce ‖ MAC-first box; a wrong key is a wrong password")
    func secretboxLayout() throws {
        let key = [UInt8](repeating: 0x42, count: 32)
        let nonce = [UInt8](repeating: 0x24, count: 24)
        let sealed = KeyfileEncryption.seal(Array("{}".utf8), key: key, nonce: nonce)
        #expect(sealed.count == 5 + 24 + 16 + 2)
        #expect(Array(sealed[0..<5]) == Array("$NACL".utf8) && Array(sealed[5..<29]) == nonce)
        #expect(try KeyfileEncryption.open(sealed, key: key, path: "p") == Array("{}".utf8))
        var wrongKey = key
        wrongKey[0] ^= 1
        #expect(throws: KeyfileError.wrongPassword(path: "p")) { try KeyfileEncryption.open(sealed, key: wrongKey, path: "p") }
        var tampered = sealed
        tampered[tampered.count - 1] ^= 1
        #expect(throws: KeyfileError.wrongPassword(path: "p")) { try KeyfileEncryption.open(tampered, key: key, path: "p") }
    }

    @Test("wallet layout, file modes, no silent overwrite, missing files, public-only signing")
    func walletFiles() throws {
        let dir = try makeTemporaryDirectory()
        defer { removeTemporaryDirectory(dir) }
        let wallet = try Wallet(name: "w1", root: dir)
        let cold = try Keypair(phrase: devPhrase)
        let hot = try Keypair(uri: "//Alice")
        try wallet.writeHotkey(hot, named: "h1", ss58Address: placeholderSS58)
        #expect(try wallet.hotkeyPath("h1") == dir + "/w1/hotkeys/h1")
        #expect(try wallet.hotkeyPubPath("h1") == dir + "/w1/hotkeys/h1pub.txt")
        let attributes = try FileManager.default.attributesOfItem(atPath: try wallet.hotkeyPath("h1"))
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        #expect(try wallet.hotkey("h1").publicKey == hot.publicKey)
        #expect(try wallet.hotkeyPub("h1").publicKey == hot.publicKey)
        #expect(throws: KeyfileError.alreadyExists(path: try wallet.hotkeyPath("h1"))) {
            try wallet.writeHotkey(cold, named: "h1", ss58Address: placeholderSS58)
        }
        try wallet.writeHotkey(cold, named: "h1", ss58Address: placeholderSS58, overwrite: true)
        #expect(try wallet.hotkey("h1").publicKey == cold.publicKey)

        #expect(throws: KeyfileError.fileNotFound(path: wallet.coldkeyPath)) { try wallet.coldkey(password: nil) }
        // Reading a pub file where a signing key is needed says so.
        try Data(try Keyfile.encode(cold, ss58Address: placeholderSS58, publicOnly: true)).write(to: URL(fileURLWithPath: wallet.coldkeyPath))
        #expect(throws: KeyfileError.publicKeyOnly(path: wallet.coldkeyPath)) { try wallet.coldkey(password: nil) }
        #expect(throws: KeyfileError.invalidName("../x")) { try wallet.hotkeyPath("../x") }
        #expect(throws: KeyfileError.invalidName("")) { try Wallet(name: "", root: dir) }
    }

    @Test("descriptions never reveal secrets")
    func redaction() throws {
        let pair = try Keypair(phrase: devPhrase)
        let privateHex = Hex.encode(try pair.exportPrivateKey())
        var dumped = ""
        dump(pair, to: &dumped)
        dump(try Mnemonic(phrase: devPhrase), to: &dumped)
        for text in [pair.description, pair.debugDescription, String(describing: pair), String(reflecting: pair), dumped] {
            #expect(!text.contains("bottom"))
            #expect(!text.contains(String(privateHex.prefix(16))))
            #expect(!text.contains("fac7959d"))
            #expect(text.contains("46ebddef"))
            #expect(!text.contains("05d65584"))
        }
    }
}

/// Argon2i with 512 MiB: about a second each, so few, and never in parallel.
@Suite("Keyfile encryption (Argon2i)", .serialized)
struct KeyfileArgon2Tests {
    @Test("Argon2i key for the fixture password")
    func argon2Vector() throws {
        #expect(Hex.encode(try KeyfileEncryption.deriveKey(password: "Correct-Horse-42"))
            == "8d441c1019c1bffefd898170a55c89c6fede33ad2d3a701e0302a4f313a12de8")
    }

    @Test("encrypted coldkey: write, read back, wrong password")
    func encryptedWallet() throws {
        let dir = try makeTemporaryDirectory()
        defer { removeTemporaryDirectory(dir) }
        let wallet = try Wallet(name: "enc", root: dir)
        let cold = try Keypair(phrase: devPhrase)
        try wallet.writeColdkey(cold, ss58Address: placeholderSS58, password: "Correct-Horse-42")
        #expect(try Keyfile.format(at: wallet.coldkeyPath) == .nacl)
        #expect(try Keyfile.format(at: wallet.coldkeyPubPath) == .plaintext)
        #expect(try wallet.coldkey(password: "Correct-Horse-42").publicKey == cold.publicKey)
        #expect(throws: KeyfileError.wrongPassword(path: wallet.coldkeyPath)) { try wallet.coldkey(password: "Correct-Horse-43") }
        #expect(throws: KeyfileError.passwordRequired(path: wallet.coldkeyPath)) { try wallet.coldkey(password: nil) }
        #expect(try wallet.coldkeyPub().publicKey == cold.publicKey)
    }
}
