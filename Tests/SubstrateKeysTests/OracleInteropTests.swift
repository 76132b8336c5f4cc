import SubstrateCore
import Foundation
import Testing
@testable import SubstrateKeys

/// Interop with the Bittensor SDK 11.3 (Rust sp-core / schnorrkel underneath) through
/// Tests/oracle_keys.py. Serialized: several cases run Argon2i with 512 MiB on both sides.
@Suite("Interop with the Bittensor SDK", .serialized)
struct OracleInteropTests {
    static let messages: [[UInt8]] = [
        [],
        [0x00],
        Array("hello bittensor".utf8),
        (0..<300).map { UInt8($0 & 0xFF) },  // longer than Substrate's 256-byte pre-hash limit: signed as-is here
    ]

    /// BIP-39's own test vectors (12 and 24 words) and the fixtures' dev phrase, with the entropy
    /// each encodes: all-zero and all-one entropy are corners random draws never reach.
    static let fixedPhrases: [(phrase: String, entropy: [UInt8])] = [
        (devPhrase, hex("1a486a5fbe53639984cb64b070755f7b")),
        ("abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about", [UInt8](repeating: 0x00, count: 16)),
        ("legal winner thank year wave sausage worth useful legal winner thank yellow", [UInt8](repeating: 0x7f, count: 16)),
        ("zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo wrong", [UInt8](repeating: 0xff, count: 16)),
        ("abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon art",
         [UInt8](repeating: 0x00, count: 32)),
        ("letter advice cage absurd amount doctor acoustic avoid letter advice cage absurd amount doctor acoustic avoid letter advice cage absurd amount doctor acoustic bless",
         [UInt8](repeating: 0x80, count: 32)),
        ("zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo vote", [UInt8](repeating: 0xff, count: 32)),
    ]

    /// The dev phrase's mini secret (Substrate's well-known dev seed).
    static let devMiniSecret = hex("fac7959dbfe72f052e5a0c3c8d6530f202b02fd8f9f5ca3580ec8deb7797479e")

    /// Fixed mini secrets: zeros, 00…1f, ff…ff and the dev phrase's (so seed and phrase must agree).
    static let fixedSeeds: [[UInt8]] = [
        [UInt8](repeating: 0x00, count: 32), (0..<32).map { UInt8($0) }, [UInt8](repeating: 0xff, count: 32), devMiniSecret,
    ]

    /// Random inputs find what nobody thought of; fixed ones make a failure reproducible by
    /// name. The SS58 address is compared as well as the keys: it is what users see and paste.
    @Test("keys from fixed and random mnemonics, passwords, seeds and URIs match the SDK (keys and SS58 address)")
    func keysMatch() throws {
        var cases: [(request: [String: Any], keypair: Keypair, hasDeterministicNonce: Bool, label: String)] = []
        for fixed in Self.fixedPhrases {
            let mnemonic = try Mnemonic(phrase: fixed.phrase)
            #expect(mnemonic.entropy == fixed.entropy, "entropy of \(fixed.phrase)")
            for scheme in SignatureScheme.allCases {
                cases.append((["mnemonic": fixed.phrase, "scheme": "\(scheme)"], try Keypair(mnemonic: mnemonic, scheme: scheme), true,
                              "\(scheme) mnemonic '\(fixed.phrase)'"))
            }
            cases.append((["mnemonic": fixed.phrase, "password": "pässwörd ✓"], try Keypair(mnemonic: mnemonic, password: "pässwörd ✓"), true,
                          "sr25519 mnemonic '\(fixed.phrase)' with a password"))
        }
        for seed in Self.fixedSeeds {
            for scheme in SignatureScheme.allCases {
                cases.append((["seed": Hex.encode(seed), "scheme": "\(scheme)"], try Keypair(seed: seed, scheme: scheme), true,
                              "\(scheme) seed \(Hex.encode(seed))"))
            }
        }
        for words in [12, 15, 18, 21, 24] {
            let mnemonic = try Mnemonic.generate(wordCount: words)
            for scheme in SignatureScheme.allCases {
                cases.append((["mnemonic": mnemonic.phrase, "scheme": "\(scheme)"], try Keypair(mnemonic: mnemonic, scheme: scheme), true,
                              "\(scheme) random \(words)-word mnemonic"))
            }
            cases.append((["mnemonic": mnemonic.phrase, "password": "pässwörd ✓"],
                          try Keypair(mnemonic: mnemonic, password: "pässwörd ✓"), true, "sr25519 random \(words)-word mnemonic with a password"))
        }
        let random = try Mnemonic.generate().phrase
        let uris: [(String, SignatureScheme, Bool)] = [
            ("//Alice", .sr25519, true), ("//Bob", .sr25519, true), ("//Alice", .ed25519, true),
            ("\(devPhrase)//Alice", .sr25519, true), ("\(devPhrase)//hard//0", .ed25519, true), ("\(devPhrase)//hard/soft", .sr25519, false),
            ("\(random)//hard//0//18446744073709551615", .sr25519, true),
            ("\(random)//\(String(repeating: "long-junction-", count: 4))", .sr25519, true),
            ("\(random)//x//y", .ed25519, true),
            ("\(random)/soft", .sr25519, false),
            ("\(random)//hard/soft/1", .sr25519, false),
            ("\(random)//Alice///secret password", .sr25519, true),
            ("//Alice///password", .sr25519, true),
        ]
        for (uri, scheme, deterministic) in uris {
            let label = uri.hasPrefix(random) ? "\(scheme) uri <random phrase>\(uri.dropFirst(random.count))" : "\(scheme) uri \(uri)"
            cases.append((["uri": uri, "scheme": "\(scheme)"], try Keypair(uri: uri, scheme: scheme), deterministic, label))
        }
        let seed = Sodium.randomBytes(32)
        for scheme in SignatureScheme.allCases {
            cases.append((["seed": Hex.encode(seed), "scheme": "\(scheme)"], try Keypair(seed: seed, scheme: scheme), true, "\(scheme) random seed"))
        }

        // Facts the SDK confirms below, spelled out because each is easy to break unnoticed:
        // the dev phrase's mini secret is the fixed dev seed; `//Alice` is the dev phrase's
        // `//Alice`; 16 and 32 zero bytes of entropy give one key (HMAC pads its key with zeros).
        #expect(try Mnemonic(phrase: devPhrase).miniSecret() == Self.devMiniSecret)
        #expect(try Keypair(uri: "\(devPhrase)//Alice").publicKey == Keypair(uri: "//Alice").publicKey)
        #expect(try SS58Address(publicKey: Keypair(uri: "//Alice").publicKey).description == "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY")
        #expect(try Keypair(phrase: Self.fixedPhrases[1].phrase).publicKey == Keypair(phrase: Self.fixedPhrases[4].phrase).publicKey)

        let answers = try Oracle.run(cases.map { $0.request.merging(["cmd": "keypair"]) { a, _ in a } })
        try #require(answers.count == cases.count)
        for (answer, testCase) in zip(answers, cases) {
            let result = try answer.value([String: Any].self)
            let context = Comment(rawValue: testCase.label)
            let address = SS58Address(publicKey: testCase.keypair.publicKey).description
            #expect(result["public_key"] as? String == Hex.encode(testCase.keypair.publicKey), context)
            #expect(result["ss58"] as? String == address, context)
            #expect(result["scheme"] as? String == "\(testCase.keypair.scheme)", context)
            let keyfile = try #require(try JSONSerialization.jsonObject(with: Data((result["keyfile_json"] as? String ?? "").utf8)) as? [String: Any])
            #expect(keyfile["ss58Address"] as? String == address, context)
            let sdkPrivate = try #require(keyfile["privateKey"] as? String)
            let ours = "0x" + Hex.encode(try testCase.keypair.exportPrivateKey())
            if testCase.hasDeterministicNonce {
                #expect(sdkPrivate == ours, context)
            } else {
                // After a soft junction the nonce seed is random in schnorrkel; the scalar is not.
                #expect(sdkPrivate.prefix(66) == ours.prefix(66), context)
            }
        }
    }

    @Test("sr25519: our signatures verify in the SDK, the SDK's verify here, tampering fails both ways")
    func sr25519Signatures() throws {
        let signer = try Keypair(phrase: try Mnemonic.generate().phrase)
        let phrase = signer.exportMnemonic!.phrase
        var requests: [[String: Any]] = []
        var expectations: [Bool] = []
        let other = try Keypair(uri: "//Bob")
        for message in Self.messages {
            let signature = try signer.sign(message)
            let verify: ([UInt8], [UInt8], [UInt8]) -> [String: Any] = { sig, msg, pk in
                ["cmd": "verify", "public_key": Hex.encode(pk), "message": Hex.encode(msg), "signature": Hex.encode(sig), "scheme": "sr25519"]
            }
            requests.append(verify(signature, message, signer.publicKey)); expectations.append(true)
            requests.append(verify(signature, message + [1], signer.publicKey)); expectations.append(false)
            var flipped = signature
            flipped[10] ^= 0x01
            requests.append(verify(flipped, message, signer.publicKey)); expectations.append(false)
            flipped = signature
            flipped[33] ^= 0x01
            requests.append(verify(flipped, message, signer.publicKey)); expectations.append(false)
            requests.append(verify(signature, message, other.publicKey)); expectations.append(false)
            var unmarked = signature
            unmarked[63] &= 0x7F
            requests.append(verify(unmarked, message, signer.publicKey)); expectations.append(false)
            requests.append(["cmd": "sign", "mnemonic": phrase, "message": Hex.encode(message)]); expectations.append(true)
        }
        let answers = try Oracle.run(requests)
        for (index, (request, expected)) in zip(requests, expectations).enumerated() {
            if request["cmd"] as? String == "verify" {
                #expect(try answers[index].value(Bool.self) == expected, "SDK verify of request \(index)")
                continue
            }
            // The SDK's signature over the same message, checked here.
            let message = hex(request["message"] as! String)
            let sdkSignature = hex(try answers[index].value(String.self))
            #expect(sdkSignature.count == 64 && sdkSignature[63] & 0x80 != 0)
            #expect(signer.verify(signature: sdkSignature, message: message))
            #expect(!signer.verify(signature: sdkSignature, message: message + [0]))
            #expect(!other.verify(signature: sdkSignature, message: message))
            var tampered = sdkSignature
            tampered[0] ^= 0x80
            #expect(!signer.verify(signature: tampered, message: message))
        }
    }

    @Test("ed25519: signatures are byte-identical to the SDK's and verify both ways")
    func ed25519Signatures() throws {
        let phrase = try Mnemonic.generate().phrase
        let signer = try Keypair(phrase: phrase, scheme: .ed25519)
        let requests: [[String: Any]] = Self.messages.flatMap { message -> [[String: Any]] in
            [
                ["cmd": "sign", "mnemonic": phrase, "scheme": "ed25519", "message": Hex.encode(message)],
                ["cmd": "verify", "public_key": Hex.encode(signer.publicKey), "message": Hex.encode(message),
                 "signature": Hex.encode(try! signer.sign(message)), "scheme": "ed25519"],
                ["cmd": "verify", "public_key": Hex.encode(signer.publicKey), "message": Hex.encode(message + [7]),
                 "signature": Hex.encode(try! signer.sign(message)), "scheme": "ed25519"],
            ]
        }
        let answers = try Oracle.run(requests)
        for (i, message) in Self.messages.enumerated() {
            let sdkSignature = hex(try answers[3 * i].value(String.self))
            #expect(sdkSignature == (try signer.sign(message)))
            #expect(signer.verify(signature: sdkSignature, message: message))
            #expect(try answers[3 * i + 1].value(Bool.self) == true)
            #expect(try answers[3 * i + 2].value(Bool.self) == false)
        }
    }

    @Test("keyfiles written by the SDK load here: plain and encrypted, both schemes; wrong password is typed")
    func sdkKeyfilesLoad() throws {
        let dir = try makeTemporaryDirectory()
        defer { removeTemporaryDirectory(dir) }
        let coldPhrase = try Mnemonic.generate().phrase
        let hotPhrase = try Mnemonic.generate(wordCount: 24).phrase
        let password = "Correct-Horse-42"
        let wallet = try Wallet(name: "sdk", root: dir)
        let answers = try Oracle.run([
            ["cmd": "write_keyfile", "mnemonic": coldPhrase, "path": wallet.coldkeyPath, "keyfile_password": password],
            ["cmd": "write_keyfile", "mnemonic": coldPhrase, "path": wallet.coldkeyPubPath, "public_only": true],
            ["cmd": "write_keyfile", "mnemonic": hotPhrase, "path": try wallet.hotkeyPath("miner")],
            ["cmd": "write_keyfile", "mnemonic": hotPhrase, "path": try wallet.hotkeyPubPath("miner"), "public_only": true],
            ["cmd": "write_keyfile", "uri": "//Alice", "scheme": "ed25519", "path": try wallet.hotkeyPath("ed")],
        ])
        for answer in answers { _ = try answer.value(String.self) }
        let cold = try Keypair(phrase: coldPhrase)
        let hot = try Keypair(phrase: hotPhrase)

        #expect(try Keyfile.format(at: wallet.coldkeyPath) == .nacl)
        let loadedCold = try wallet.coldkey(password: password)
        #expect(loadedCold.publicKey == cold.publicKey)
        #expect(try loadedCold.exportPrivateKey() == cold.exportPrivateKey())
        #expect(loadedCold.exportMnemonic?.phrase == coldPhrase)
        #expect(try wallet.coldkeyPub().publicKey == cold.publicKey)
        #expect(!(try wallet.coldkeyPub()).hasSecretKey)
        #expect(try wallet.hotkey("miner").publicKey == hot.publicKey)
        #expect(try wallet.hotkeyPub("miner").publicKey == hot.publicKey)
        let ed = try wallet.hotkey("ed")
        let alice = try Keypair(uri: "//Alice", scheme: .ed25519)
        #expect(ed.scheme == .ed25519)
        #expect(ed.publicKey == alice.publicKey)

        #expect(throws: KeyfileError.wrongPassword(path: wallet.coldkeyPath)) { try wallet.coldkey(password: "Correct-Horse-41") }
        #expect(throws: KeyfileError.passwordRequired(path: wallet.coldkeyPath)) { try wallet.coldkey(password: nil) }
        #expect(throws: KeyfileError.publicKeyOnly(path: wallet.coldkeyPubPath)) {
            try Keyfile.read(at: wallet.coldkeyPubPath, requireSecret: true)
        }
        // A loaded key signs for its account.
        let message = Array("extrinsic payload".utf8)
        #expect(cold.verify(signature: try loadedCold.sign(message), message: message))
    }

    @Test("keyfiles written here load in the SDK, which signs with the loaded key")
    func ourKeyfilesLoadInSDK() throws {
        let dir = try makeTemporaryDirectory()
        defer { removeTemporaryDirectory(dir) }
        let password = "pässwörd-✓"
        let cold = try Keypair.generate().keypair
        let hot = try Keypair(uri: "\(try Mnemonic.generate().phrase)//hot/soft")  // only privateKey can be written
        let edHot = try Keypair.generate(scheme: .ed25519, wordCount: 18).keypair
        let addresses = try Oracle.run([cold, hot, edHot].map { ["cmd": "ss58", "public_key": Hex.encode($0.publicKey)] })
            .map { try $0.value(String.self) }
        let wallet = try Wallet(name: "ours", root: dir)
        try wallet.writeColdkey(cold, ss58Address: addresses[0], password: password)
        try wallet.writeHotkey(hot, named: "soft", ss58Address: addresses[1])
        try wallet.writeHotkey(edHot, named: "ed", ss58Address: addresses[2])

        let message = Hex.encode(Array("signed by the SDK with our keyfile".utf8))
        let answers = try Oracle.run([
            ["cmd": "read_keyfile", "path": wallet.coldkeyPath, "keyfile_password": password],
            ["cmd": "read_keyfile", "path": wallet.coldkeyPubPath],
            ["cmd": "read_keyfile", "path": try wallet.hotkeyPath("soft")],
            ["cmd": "read_keyfile", "path": try wallet.hotkeyPubPath("soft")],
            ["cmd": "read_keyfile", "path": try wallet.hotkeyPath("ed")],
            ["cmd": "sign_keyfile", "path": try wallet.hotkeyPath("soft"), "message": message],
            ["cmd": "sign_keyfile", "path": try wallet.hotkeyPath("ed"), "message": message],
            ["cmd": "read_keyfile", "path": wallet.coldkeyPath, "keyfile_password": "wrong"],
        ])
        let coldRead = try answers[0].value([String: Any].self)
        #expect(coldRead["public_key"] as? String == Hex.encode(cold.publicKey))
        #expect(coldRead["private_key"] as? String == Hex.encode(try cold.exportPrivateKey()))
        #expect(try answers[1].value([String: Any].self)["public_key"] as? String == Hex.encode(cold.publicKey))
        #expect(try answers[2].value([String: Any].self)["private_key"] as? String == Hex.encode(try hot.exportPrivateKey()))
        #expect(try answers[3].value([String: Any].self)["public_key"] as? String == Hex.encode(hot.publicKey))
        let edRead = try answers[4].value([String: Any].self)
        #expect(edRead["scheme"] as? String == "ed25519" && edRead["public_key"] as? String == Hex.encode(edHot.publicKey))
        #expect(hot.verify(signature: hex(try answers[5].value(String.self)), message: hex(message)))
        #expect(edHot.verify(signature: hex(try answers[6].value(String.self)), message: hex(message)))
        #expect(answers[7].failure?.errorClass == "WrongPasswordError")
    }
}
