import DevChain
import TaoConfiguration

/// The DevChain's `TAOSTREAM_DEVNET_*` settings, read the same way by `taostream devnet` and by the
/// in-process DevChain of `taostream run`/`watch` on `TAOSTREAM_NETWORK=devnet`.
struct DevnetSettings {
    /// Flags of `taostream devnet`; nil where not given (the variable, then the default, applies).
    struct Flags {
        var host: String?
        var port: Int?
        var seed: Int?
        var subnets: Int?
        var validators: Int?
        var tempo: Int?
        var blockMilliseconds: Int?
    }

    /// `taostream devnet` keeps mainnet's 12 s blocks for bot authors; in-process, where someone
    /// has just run `scripts/run.sh` and watches the dashboard, 2 s blocks show a first update
    /// within seconds (a subnet's epoch then comes every 22 s instead of every 2 minutes).
    static let standaloneBlockMilliseconds = 12_000
    static let inProcessBlockMilliseconds = 2_000

    var configuration = DevChainConfiguration()
    var host: String
    var port: Int

    init(_ source: SettingsSource, flags: Flags = Flags(), defaultBlockMilliseconds: Int) throws(ConfigurationError) {
        configuration.seed = UInt64(try source.integer("TAOSTREAM_DEVNET_SEED", flag: flags.seed, flagName: "seed", default: 42, range: 0...Int.max))
        configuration.subnets = try source.integer("TAOSTREAM_DEVNET_SUBNETS", flag: flags.subnets, flagName: "subnets", default: 8, range: 1...1024)
        configuration.validatorsPerSubnet = try source.integer("TAOSTREAM_DEVNET_VALIDATORS", flag: flags.validators, flagName: "validators", default: 16, range: 1...4096)
        configuration.tempo = UInt16(try source.integer("TAOSTREAM_DEVNET_TEMPO", flag: flags.tempo, flagName: "tempo", default: 10, range: 1...10_000))
        configuration.blockInterval = .milliseconds(try source.integer(
            "TAOSTREAM_DEVNET_BLOCK_MS", flag: flags.blockMilliseconds, flagName: "block-milliseconds", default: defaultBlockMilliseconds, range: 1...3_600_000))
        host = source.string("TAOSTREAM_DEVNET_HOST", flag: flags.host, default: "127.0.0.1")
        port = try source.integer("TAOSTREAM_DEVNET_PORT", flag: flags.port, flagName: "port", default: 9944, range: 1...65535)
    }

    /// The address the watcher follows: the listener's, or loopback when it listens on every address.
    var endpoint: String {
        let reachable = host == "0.0.0.0" || host == "::" ? "127.0.0.1" : host
        return reachable.contains(":") ? "ws://[\(reachable)]:\(port)" : "ws://\(reachable):\(port)"
    }
}
