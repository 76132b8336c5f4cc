import DevChain
import Logging
import ServiceLifecycle
import TestHarness

/// A DevChain served on a free loopback port. Blocks come only from `produce()`, so tests decide
/// exactly when the chain moves.
struct DevChainFixture {
    let chain: DevChain
    let port: Int
    let group: ServiceGroup
    let running: Task<Void, any Error>

    /// With `producing`, blocks also come on the configured interval (for clients that wait for them).
    static func start(producing: Bool = false, _ configure: (inout DevChainConfiguration) -> Void = { _ in }) async throws -> DevChainFixture {
        var configuration = DevChainConfiguration()
        configuration.subnets = 3
        configuration.validatorsPerSubnet = 8
        configuration.tempo = 4
        configure(&configuration)
        let (v14, v15) = try RecordedRuntime.metadata()
        let chain = try DevChain(configuration: configuration, metadataV14: v14, metadataV15: v15)
        var logger = Logger(label: "test.devchain")
        logger.logLevel = .warning
        let port = Network.freePort()
        let server = DevChainServer(chain: chain, port: port, logger: logger)
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [.init(service: server.application)]
        if producing { services.append(.init(service: DevChainBlockProducer(chain: chain, logger: logger))) }
        let group = ServiceGroup(configuration: .init(services: services, logger: logger))
        let running = Task { try await group.run() }
        try await Network.waitUntilListening(port: port, what: "DevChain")
        return DevChainFixture(chain: chain, port: port, group: group, running: running)
    }

    func produce(_ count: Int = 1) async throws {
        for _ in 0..<count { try await chain.produceBlock() }
    }

    func connect() async throws -> RPCTestClient { try await RPCTestClient.connect(port: port) }

    func stop() async {
        await group.triggerGracefulShutdown()
        _ = try? await running.value
    }
}
