import Foundation

/// A btcli wallet on disk:
///
///     <root>/<name>/coldkey            secret coldkey (normally NaCl-encrypted)
///     <root>/<name>/coldkeypub.txt     public coldkey
///     <root>/<name>/hotkeys/<hotkey>     secret hotkey (normally plain)
///     <root>/<name>/hotkeys/<hotkey>pub.txt
///
/// Passwords come from the caller (a CLI reads them from an environment variable or a file,
/// never from a command-line flag, which other users could read in the process list).
public struct Wallet: Sendable, Hashable, CustomStringConvertible {
    public let root: String
    public let name: String

    /// btcli's default wallet directory, `~/.bittensor/wallets`.
    public static var defaultRoot: String {
        let home = ProcessInfo.processInfo.environment["HOME"] ?? NSHomeDirectory()
        return home + "/.bittensor/wallets"
    }

    public init(name: String = "default", root: String? = nil) throws(KeyfileError) {
        try Self.validate(name)
        self.name = name
        self.root = root ?? Self.defaultRoot
    }

    public var directory: String { root + "/" + name }
    public var coldkeyPath: String { directory + "/coldkey" }
    public var coldkeyPubPath: String { directory + "/coldkeypub.txt" }

    public func hotkeyPath(_ hotkey: String = "default") throws(KeyfileError) -> String {
        try Self.validate(hotkey)
        return directory + "/hotkeys/" + hotkey
    }

    public func hotkeyPubPath(_ hotkey: String = "default") throws(KeyfileError) -> String {
        try hotkeyPath(hotkey) + "pub.txt"
    }

    // MARK: Reading

    /// The coldkey with its secret, for signing. `password` is needed when the file is encrypted.
    public func coldkey(password: String?) throws(KeyfileError) -> Keypair {
        try Keyfile.read(at: coldkeyPath, password: password, requireSecret: true)
    }

    /// The coldkey's public half, from `coldkeypub.txt` (never encrypted, no password).
    public func coldkeyPub() throws(KeyfileError) -> Keypair {
        try Keyfile.read(at: coldkeyPubPath)
    }

    /// A hotkey with its secret, for signing (hotkeys are usually unencrypted).
    public func hotkey(_ hotkey: String = "default", password: String? = nil) throws(KeyfileError) -> Keypair {
        try Keyfile.read(at: hotkeyPath(hotkey), password: password, requireSecret: true)
    }

    public func hotkeyPub(_ hotkey: String = "default") throws(KeyfileError) -> Keypair {
        try Keyfile.read(at: hotkeyPubPath(hotkey))
    }

    // MARK: Writing

    /// Writes `coldkey` (encrypted when `password` is given) and `coldkeypub.txt`.
    public func writeColdkey(_ keypair: Keypair, ss58Address: String, password: String?, overwrite: Bool = false) throws(KeyfileError) {
        try Keyfile.write(keypair, to: coldkeyPath, ss58Address: ss58Address, password: password, overwrite: overwrite)
        try Keyfile.write(keypair, to: coldkeyPubPath, ss58Address: ss58Address, publicOnly: true, overwrite: overwrite)
    }

    /// Writes `hotkeys/<hotkey>` (plain unless `password` is given) and `hotkeys/<hotkey>pub.txt`.
    public func writeHotkey(
        _ keypair: Keypair, named hotkey: String = "default", ss58Address: String, password: String? = nil, overwrite: Bool = false
    ) throws(KeyfileError) {
        try Keyfile.write(keypair, to: hotkeyPath(hotkey), ss58Address: ss58Address, password: password, overwrite: overwrite)
        try Keyfile.write(keypair, to: hotkeyPubPath(hotkey), ss58Address: ss58Address, publicOnly: true, overwrite: overwrite)
    }

    public var description: String { "Wallet(\(name) at \(root))" }

    private static func validate(_ name: String) throws(KeyfileError) {
        guard !name.isEmpty, name != ".", name != "..", !name.contains("/"), !name.contains("\0") else {
            throw .invalidName(name)
        }
    }
}
