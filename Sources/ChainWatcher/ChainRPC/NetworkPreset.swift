/// Where the watcher finds a Subtensor node: a named network or any URL.
public enum NetworkPreset: Sendable, Equatable {
    case finney, test, local
    /// A DevChain started in-process.
    case devnet
    case urls([String])

    public init(_ text: String) {
        switch text.lowercased() {
        case "finney", "main", "mainnet": self = .finney
        case "test", "testnet": self = .test
        case "local": self = .local
        case "devnet": self = .devnet
        default: self = .urls(text.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty })
        }
    }

    /// Endpoints in the order to try them (failover goes down the list and wraps).
    public var endpoints: [String] {
        switch self {
        case .finney: ["wss://entrypoint-finney.opentensor.ai:443"]
        case .test: ["wss://test.finney.opentensor.ai:443"]
        case .local: ["ws://127.0.0.1:9944"]
        case .devnet: []
        case .urls(let urls): urls
        }
    }
}
