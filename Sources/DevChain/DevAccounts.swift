import SubstrateCore
import SubstrateKeys

/// The well-known development keys, funded at genesis so bots can sign offline.
public enum DevAccounts {
    public static let names = ["Alice", "Bob", "Charlie", "Dave", "Eve", "Ferdie"]

    /// `//Name` sr25519 keys, as every Substrate tool derives them.
    public static func keypairs() throws -> [(name: String, keypair: Keypair)] {
        try names.map { name in (name, try Keypair(uri: "//\(name)")) }
    }

    public static func address(_ keypair: Keypair) -> String {
        SS58Address(publicKey: keypair.publicKey).description
    }
}
