import ArgumentParser
import Foundation
import SubstrateCore
import SubstrateKeys
import TaoConfiguration

/// Operator commands for the btcli wallet the watcher signs with. They print addresses, never
/// secrets.
struct WalletCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "wallet",
        abstract: "Show the wallet the watcher signs with, or restore its coldkey from a mnemonic.",
        subcommands: [Show.self, RegenColdkey.self]
    )

    struct Location: ParsableArguments {
        @Option(help: "Wallets directory (TAOSTREAM_WALLET_PATH). Default ~/.bittensor/wallets")
        var walletPath: String?
        @Option(help: "Wallet name (TAOSTREAM_WALLET_NAME). Default 'default'")
        var walletName: String?
        @Option(help: "Hotkey name (TAOSTREAM_WALLET_HOTKEY). Default 'default'")
        var hotkey: String?

        func settings() throws -> WalletSettings {
            try WalletSettings(source: SettingsSource.load(), path: walletPath, name: walletName, hotkey: hotkey)
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the wallet's coldkey and hotkey addresses.")
        @OptionGroup var location: Location

        func run() async throws {
            let settings = try location.settings()
            let wallet = settings.wallet
            print("wallet   \(wallet.name) at \(wallet.directory)")
            do {
                let coldkey = try wallet.coldkeyPub()
                print("coldkey  \(Self.address(coldkey)) (\(coldkey.scheme), from coldkeypub.txt)")
            } catch {
                print("coldkey  unavailable: \(error)")
            }
            let encrypted = (try? Keyfile.format(at: wallet.coldkeyPath)).map { "\($0)" } ?? "missing"
            print("         secret file: \(encrypted); password \(settings.password == nil ? "not configured" : "configured")")
            let hotkeysDirectory = wallet.directory + "/hotkeys"
            let names = ((try? FileManager.default.contentsOfDirectory(atPath: hotkeysDirectory)) ?? [])
                .filter { !$0.hasSuffix("pub.txt") && !$0.hasPrefix(".") }.sorted()
            for name in names {
                if let hotkey = try? wallet.hotkeyPub(name) {
                    print("hotkey   \(name): \(Self.address(hotkey))\(name == settings.hotkey ? " (selected)" : "")")
                } else if let hotkey = try? Keyfile.read(at: try wallet.hotkeyPath(name)) {
                    print("hotkey   \(name): \(Self.address(hotkey))\(name == settings.hotkey ? " (selected)" : "")")
                }
            }
            if names.isEmpty { print("hotkeys  none") }
        }

        static func address(_ keypair: Keypair) -> String {
            SS58Address(publicKey: keypair.publicKey).description
        }
    }

    struct RegenColdkey: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "regen-coldkey",
            abstract: "Restore the coldkey from its mnemonic, read from standard input (never from a flag).",
            discussion: """
                The coldkey is encrypted with TAOSTREAM_COLDKEY_PASSWORD (or the file named by \
                TAOSTREAM_COLDKEY_PASSWORD_FILE) in btcli's NaCl format; pass --no-encryption to \
                write it in plain JSON instead (only on a machine nobody else can read).
                """
        )
        @OptionGroup var location: Location
        @Flag(help: "Write the coldkey unencrypted.") var noEncryption = false
        @Flag(help: "Replace an existing coldkey.") var overwrite = false

        func run() async throws {
            let settings = try location.settings()
            guard noEncryption || settings.password != nil else {
                throw ValidationError("set TAOSTREAM_COLDKEY_PASSWORD or TAOSTREAM_COLDKEY_PASSWORD_FILE to encrypt the coldkey, or pass --no-encryption")
            }
            var words: [String] = []
            while let line = readLine() { words += line.split(whereSeparator: \.isWhitespace).map(String.init) }
            let keypair = try Keypair(phrase: words.joined(separator: " "))
            let address = SS58Address(publicKey: keypair.publicKey).description
            try settings.wallet.writeColdkey(keypair, ss58Address: address, password: noEncryption ? nil : settings.password?.revealed, overwrite: overwrite)
            print("coldkey \(address) written to \(settings.wallet.coldkeyPath)\(noEncryption ? " (unencrypted)" : " (encrypted)")")
        }
    }
}
