import Foundation
import SubstrateKeys
import TaoConfiguration

/// Which btcli wallet to use and how to unlock its coldkey. The password never comes from a flag
/// (other users can read flags in the process list): from TAOSTREAM_COLDKEY_PASSWORD, or from the
/// file TAOSTREAM_COLDKEY_PASSWORD_FILE names (a Docker or Kubernetes secret, say).
struct WalletSettings {
    var wallet: Wallet
    var hotkey: String
    var password: Secret?

    init(source: SettingsSource, path: String?, name: String?, hotkey: String?) throws {
        let root = source.optionalString("TAOSTREAM_WALLET_PATH", flag: path).map { NSString(string: $0).expandingTildeInPath }
        wallet = try Wallet(name: source.string("TAOSTREAM_WALLET_NAME", flag: name, default: "default"), root: root)
        self.hotkey = source.string("TAOSTREAM_WALLET_HOTKEY", flag: hotkey, default: "default")
        if let secret = source.secret("TAOSTREAM_COLDKEY_PASSWORD") {
            password = secret
        } else if let file = source.optionalString("TAOSTREAM_COLDKEY_PASSWORD_FILE") {
            guard let text = try? String(contentsOfFile: file, encoding: .utf8) else {
                throw ConfigurationError(
                    setting: "TAOSTREAM_COLDKEY_PASSWORD_FILE", origin: source.lookup("TAOSTREAM_COLDKEY_PASSWORD_FILE")?.origin,
                    problem: "cannot read \(file)", fix: "point it at a readable file that holds only the coldkey password"
                )
            }
            password = Secret(text.trimmingCharacters(in: .newlines))
        } else {
            password = nil
        }
    }
}
