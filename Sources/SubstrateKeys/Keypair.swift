import SubstrateCore
/// A Substrate account key: sr25519 (schnorrkel, the Bittensor default) or ed25519.
///
/// A `Keypair` may hold only a public key (e.g. loaded from `coldkeypub.txt`); `sign` then throws
/// `KeypairError.publicKeyOnly`. Secret parts live in buffers wiped on release, and neither
/// `description` nor `debugDescription` ever shows them.
public struct Keypair: Signer, Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public let scheme: SignatureScheme
    public let publicKey: [UInt8]

    enum Secret: Sendable {
        case sr25519(Sr25519.SecretKey)
        case ed25519(seed: SecretBuffer)
    }

    let secret: Secret?
    /// The 32-byte mini secret / ed25519 seed, when known (btcli's `secretSeed`).
    let seed: SecretBuffer?
    /// The phrase, only when this exact key is the phrase's root key with an empty password,
    /// so that writing it as btcli's `secretPhrase` reproduces this key.
    let mnemonic: Mnemonic?

    private init(scheme: SignatureScheme, publicKey: [UInt8], secret: Secret?, seed: SecretBuffer?, mnemonic: Mnemonic?) {
        self.scheme = scheme
        self.publicKey = publicKey
        self.secret = secret
        self.seed = seed
        self.mnemonic = mnemonic
    }

    // MARK: - Construction

    /// From a 32-byte seed (mini secret key): what Substrate derives from a mnemonic.
    public init(seed: [UInt8], scheme: SignatureScheme = .sr25519) throws(KeypairError) {
        guard seed.count == 32 else { throw .invalidSeedLength(seed.count) }
        try self.init(seedBuffer: SecretBuffer(seed), scheme: scheme, mnemonic: nil)
    }

    init(seedBuffer seed: SecretBuffer, scheme: SignatureScheme, mnemonic: Mnemonic?) throws(KeypairError) {
        switch scheme {
        case .sr25519:
            let secretKey = seed.withUnsafeBytes { Sr25519.SecretKey.expandingMiniSecret(Array($0)) }
            self.init(scheme: .sr25519, publicKey: secretKey.publicKey, secret: .sr25519(secretKey), seed: seed, mnemonic: mnemonic)
        case .ed25519:
            let publicKey = try Ed25519.publicKey(seed: seed)
            self.init(scheme: .ed25519, publicKey: publicKey, secret: .ed25519(seed: seed), seed: seed, mnemonic: mnemonic)
        }
    }

    /// From a BIP-39 mnemonic and optional password, the way Substrate and btcli do it.
    public init(mnemonic: Mnemonic, password: String = "", scheme: SignatureScheme = .sr25519) throws(KeypairError) {
        var mini = mnemonic.miniSecret(password: password)
        let seed = SecretBuffer(consuming: &mini)
        try self.init(seedBuffer: seed, scheme: scheme, mnemonic: password.isEmpty ? mnemonic : nil)
    }

    /// From a mnemonic phrase (validated: word list, checksum, word count).
    public init(phrase: String, password: String = "", scheme: SignatureScheme = .sr25519) throws(KeypairError) {
        try self.init(mnemonic: Mnemonic(phrase: phrase), password: password, scheme: scheme)
    }

    /// From a secret URI: `PHRASE//hard/soft///password`, `0xSEED//hard`, or just `//Alice`
    /// (the development phrase).
    public init(uri: String, scheme: SignatureScheme = .sr25519) throws(KeypairError) {
        let parsed = try SecretURI(uri)
        var root: Keypair
        switch parsed.root {
        case .phrase(let mnemonic):
            root = try Keypair(mnemonic: mnemonic, password: parsed.password, scheme: scheme)
        case .seed(let seed):
            root = try Keypair(seedBuffer: seed, scheme: scheme, mnemonic: nil)
        }
        self = try root.derive(parsed.junctions)
    }

    /// From btcli's `privateKey` field.
    ///
    /// sr25519 (64 bytes): schnorrkel `SecretKey::to_bytes()`, the secret scalar ‖ nonce seed —
    /// what the Bittensor SDK writes. When `expectedPublicKey` is given, schnorrkel's Ed25519-style
    /// form (8·scalar ‖ nonce, `to_ed25519_bytes`) is accepted too, and whichever form yields that
    /// public key wins; if neither does, `publicKeyMismatch` is thrown.
    /// ed25519: the 32-byte seed (what the SDK writes), or seed ‖ public key (NaCl's 64-byte layout).
    public init(privateKey: [UInt8], scheme: SignatureScheme = .sr25519, expectedPublicKey: [UInt8]? = nil) throws(KeypairError) {
        switch scheme {
        case .sr25519:
            guard privateKey.count == 64 else { throw .invalidPrivateKeyLength(privateKey.count) }
            var candidates: [Sr25519.SecretKey] = []
            if let key = try? Sr25519.SecretKey(schnorrkelBytes: privateKey) { candidates.append(key) }
            if expectedPublicKey != nil, let key = try? Sr25519.SecretKey(ed25519Bytes: privateKey) { candidates.append(key) }
            guard !candidates.isEmpty else {
                throw .invalidPrivateKey("the first 32 bytes are not a canonical sr25519 secret scalar")
            }
            guard let expected = expectedPublicKey else {
                let key = candidates[0]
                self.init(scheme: .sr25519, publicKey: key.publicKey, secret: .sr25519(key), seed: nil, mnemonic: nil)
                return
            }
            guard let key = candidates.first(where: { $0.publicKey == expected }) else { throw .publicKeyMismatch }
            self.init(scheme: .sr25519, publicKey: expected, secret: .sr25519(key), seed: nil, mnemonic: nil)
        case .ed25519:
            guard privateKey.count == 32 || privateKey.count == 64 else { throw .invalidPrivateKeyLength(privateKey.count) }
            let seed = SecretBuffer(Array(privateKey[0..<32]))
            let publicKey = try Ed25519.publicKey(seed: seed)
            if privateKey.count == 64 && Array(privateKey[32..<64]) != publicKey { throw .publicKeyMismatch }
            if let expected = expectedPublicKey, expected != publicKey { throw .publicKeyMismatch }
            self.init(scheme: .ed25519, publicKey: publicKey, secret: .ed25519(seed: seed), seed: seed, mnemonic: nil)
        }
    }

    /// A verify-only key. The bytes must be a valid point for the scheme.
    public init(publicKey: [UInt8], scheme: SignatureScheme = .sr25519) throws(KeypairError) {
        guard publicKey.count == 32 else { throw .invalidPublicKey("must be 32 bytes, got \(publicKey.count)") }
        switch scheme {
        case .sr25519:
            guard Ristretto255.Point(encoded: publicKey) != nil else {
                throw .invalidPublicKey("not a valid sr25519 (ristretto255) public key")
            }
        case .ed25519:
            break  // Every 32-byte string is accepted by Ed25519 decoders that matter here at verify time.
        }
        self.init(scheme: scheme, publicKey: publicKey, secret: nil, seed: nil, mnemonic: nil)
    }

    /// A new key from a fresh mnemonic; the mnemonic is returned so the caller can show it once.
    public static func generate(scheme: SignatureScheme = .sr25519, wordCount: Int = 12) throws(KeypairError) -> (keypair: Keypair, mnemonic: Mnemonic) {
        let mnemonic = try Mnemonic.generate(wordCount: wordCount)
        return (try Keypair(mnemonic: mnemonic, scheme: scheme), mnemonic)
    }

    // MARK: - Use

    public var hasSecretKey: Bool { secret != nil }

    /// Signs `payload` (sr25519 with context "substrate", or RFC 8032 Ed25519): 64 bytes.
    public func sign(_ payload: [UInt8]) throws(KeypairError) -> [UInt8] {
        switch secret {
        case nil:
            throw .publicKeyOnly
        case .sr25519(let key):
            return Sr25519.sign(message: payload, secret: key, publicKey: publicKey)
        case .ed25519(let seed):
            return try Ed25519.sign(message: payload, seed: seed)
        }
    }

    /// Signs with pinned randomness, for reproducible tests only.
    func sign(_ payload: [UInt8], sr25519Randomness randomness: [UInt8]) throws(KeypairError) -> [UInt8] {
        guard case .sr25519(let key) = secret else { return try sign(payload) }
        return Sr25519.sign(message: payload, secret: key, publicKey: publicKey, randomness: randomness)
    }

    public func verify(signature: [UInt8], message: [UInt8]) -> Bool {
        Self.verify(signature: signature, message: message, publicKey: publicKey, scheme: scheme)
    }

    public static func verify(signature: [UInt8], message: [UInt8], publicKey: [UInt8], scheme: SignatureScheme) -> Bool {
        switch scheme {
        case .sr25519: Sr25519.verify(signature: signature, message: message, publicKey: publicKey)
        case .ed25519: Ed25519.verify(signature: signature, message: message, publicKey: publicKey)
        }
    }

    // MARK: - Derivation

    /// Derives along a path such as `//hard/soft` (sp-core semantics).
    public func derive(_ path: String) throws(KeypairError) -> Keypair {
        try derive(DeriveJunction.parsePath(Substring(path)))
    }

    public func derive(_ junctions: [DeriveJunction]) throws(KeypairError) -> Keypair {
        var current = self
        for junction in junctions {
            current = try current.derive(junction)
        }
        return current
    }

    private func derive(_ junction: DeriveJunction) throws(KeypairError) -> Keypair {
        switch (scheme, secret) {
        case (_, nil):
            guard !junction.isHard, scheme == .sr25519 else {
                throw junction.isHard ? .hardDerivationNeedsSecret : .softDerivationUnsupported
            }
            let derived = try Sr25519.softDerivePublic(publicKey, chainCode: junction.chainCode)
            return Keypair(scheme: .sr25519, publicKey: derived, secret: nil, seed: nil, mnemonic: nil)
        case (_, .sr25519(let key)):
            if junction.isHard {
                var mini = Sr25519.hardDeriveMiniSecret(from: key, chainCode: junction.chainCode)
                return try Keypair(seedBuffer: SecretBuffer(consuming: &mini), scheme: .sr25519, mnemonic: nil)
            }
            let derived = Sr25519.softDeriveSecret(key, chainCode: junction.chainCode)
            return Keypair(scheme: .sr25519, publicKey: derived.publicKey, secret: .sr25519(derived), seed: nil, mnemonic: nil)
        case (_, .ed25519(let seed)):
            guard junction.isHard else { throw .softDerivationUnsupported }
            var derivedSeed = Ed25519.hardDeriveSeed(seed, chainCode: junction.chainCode)
            return try Keypair(seedBuffer: SecretBuffer(consuming: &derivedSeed), scheme: .ed25519, mnemonic: nil)
        }
    }

    // MARK: - Export (for keyfiles)

    /// btcli's `privateKey`, as the Bittensor SDK writes it: sr25519 scalar ‖ nonce (64 bytes);
    /// ed25519 the 32-byte seed.
    public func exportPrivateKey() throws(KeypairError) -> [UInt8] {
        switch secret {
        case nil: throw .publicKeyOnly
        case .sr25519(let key): return key.schnorrkelBytes
        case .ed25519(let seed): return seed.bytes
        }
    }

    /// The 32-byte seed (mini secret key), if this key came from a seed, a mnemonic or only hard
    /// junctions; nil after a soft junction or when loaded from a private key.
    public func exportSeed() -> [UInt8]? { seed?.bytes }

    /// The mnemonic, if this key is exactly its root key (no password, no derivation).
    public var exportMnemonic: Mnemonic? { mnemonic }

    // MARK: - Redacted descriptions

    public var description: String {
        "Keypair(\(scheme), publicKey: 0x\(Hex.encode(publicKey)), secret: \(hasSecretKey ? "<redacted>" : "none"))"
    }

    public var debugDescription: String { description }

    /// `dump()` and debuggers see only public fields.
    public var customMirror: Mirror {
        Mirror(self, children: ["scheme": scheme, "publicKey": "0x" + Hex.encode(publicKey), "hasSecretKey": hasSecretKey])
    }
}
