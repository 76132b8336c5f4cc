import ArgumentParser
import Foundation
import DevChain
import Logging
import ServiceLifecycle
import StreamServer
import TaoConfiguration

/// `taostream devnet`: a local Subtensor-compatible chain for offline development.
struct DevnetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "devnet",
        abstract: "Run a local Bittensor-compatible chain (JSON-RPC on ws://127.0.0.1:9944) with funded dev accounts."
    )

    @Option(help: "Address to listen on (TAOSTREAM_DEVNET_HOST). Default 127.0.0.1") var host: String?
    @Option(help: "Port (TAOSTREAM_DEVNET_PORT). Default 9944") var port: Int?
    @Option(help: "Seed of the generated world (TAOSTREAM_DEVNET_SEED). Default 42") var seed: Int?
    @Option(help: "Subnets besides root (TAOSTREAM_DEVNET_SUBNETS). Default 8") var subnets: Int?
    @Option(help: "Validators per subnet (TAOSTREAM_DEVNET_VALIDATORS). Default 16") var validators: Int?
    @Option(help: "Blocks between epochs (TAOSTREAM_DEVNET_TEMPO). Default 10") var tempo: Int?
    @Option(help: "Milliseconds between blocks (TAOSTREAM_DEVNET_BLOCK_MS). Default 12000, as on mainnet") var blockMilliseconds: Int?
    @Option(name: .customLong("log-level"), help: "Log level (TAOSTREAM_LOG_LEVEL). Default info") var logLevel: String?

    func run() async throws {
        let source = try SettingsSource.load()
        try CommonOptions.bootstrapLogging(source, flag: logLevel)
        CommonOptions.warnAboutUnknownSettings(source)
        let devnet = try DevnetSettings(source, flags: .init(host: host, port: port, seed: seed, subnets: subnets, validators: validators, tempo: tempo,
                                                             blockMilliseconds: blockMilliseconds),
                                        defaultBlockMilliseconds: DevnetSettings.standaloneBlockMilliseconds)
        let configuration = devnet.configuration, hostName = devnet.host, portNumber = devnet.port

        let logger = Logger(label: "taostream.devnet")
        let (v14, v15) = try RecordedRuntime.metadata()
        let chain = try DevChain(configuration: configuration, metadataV14: v14, metadataV15: v15)
        var banner = """
            DevChain on ws://\(hostName):\(portNumber) — runtime node-subtensor spec \(chain.runtime.specVersion), \(configuration.subnets) subnets, tempo \(configuration.tempo)
            genesis 0x\(chain.genesisHash.map { String(format: "%02x", $0) }.joined())
            funded dev accounts (sr25519, from //Name; \(configuration.devBalance / 1_000_000_000) TAO each):

            """
        for (name, keypair) in try DevAccounts.keypairs() {
            banner += "  //\(name.padding(toLength: 8, withPad: " ", startingAt: 0)) \(DevAccounts.address(keypair))\n"
        }
        // Written at once, unbuffered: the banner is what a user reads first, and stdout may be a pipe.
        FileHandle.standardOutput.write(Data(banner.utf8))
        let server = DevChainServer(chain: chain, host: hostName, port: portNumber, logger: logger)
        try await ProcessLifecycle.run(
            [ProcessLifecycle.service(DevChainBlockProducer(chain: chain, logger: logger)),
             ProcessLifecycle.service(ListeningService(server.application, host: hostName, port: portNumber, portSetting: "TAOSTREAM_DEVNET_PORT or --port"))],
            logger: logger
        )
    }
}
