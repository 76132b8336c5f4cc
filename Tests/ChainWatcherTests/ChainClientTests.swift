import ChainWatcher
import DevChain
import Hummingbird
import HummingbirdWebSocket
import Logging
import Model
import ServiceLifecycle
import TestHarness
import Testing

@Suite("The chain client", .timeLimit(.minutes(3)))
struct ChainClientTests {
    @Test func failsOverToTheNextEndpointAndReconnectsAfterADrop() async throws {
        let fixture = try await WatcherFixture()
        defer { Task { await fixture.shutdown() } }
        let dead = Network.freePort()
        let reconnects = Locked(0)
        let client = ChainClient(endpoints: ["ws://127.0.0.1:\(dead)", "ws://127.0.0.1:\(fixture.chainPort)"], maximumBackoff: .milliseconds(200),
                                 logger: fixture.logger) { reconnects.withLock { $0 += 1 } }
        let first = try await client.connection()
        #expect(first.endpoint == "ws://127.0.0.1:\(fixture.chainPort)")
        #expect(try await client.request("system_chain") == .string("TaoStream DevChain"))
        // A method the node does not have is a typed error at once, never a hang.
        await #expect(throws: ChainRPCError.self) { try await first.request("chain_doesNotExist", timeout: .seconds(2)) }

        await fixture.stopChainServer()
        try await fixture.startChainServer()
        try await Task.sleep(for: .milliseconds(200))
        #expect(try await client.request("system_chain") == .string("TaoStream DevChain"))
        #expect(reconnects.value >= 1)
        await client.close()
    }

    /// A node that accepts the connection and then never answers (overloaded, or stuck): every
    /// call ends with a typed time-out that names the method, instead of waiting forever.
    @Test func aNodeThatNeverAnswersTimesOutEachCall() async throws {
        let port = Network.freePort()
        var logger = Logger(label: "test.silent-node")
        logger.logLevel = .critical
        let router = Router(context: BasicWebSocketRequestContext.self)
        let webSocketRouter = Router(context: BasicWebSocketRequestContext.self)
        webSocketRouter.ws("/") { inbound, _, _ in
            for try await _ in inbound.messages(maxSize: 1 << 20) {}
        }
        let silent = Application(router: router, server: .http1WebSocketUpgrade(webSocketRouter: webSocketRouter),
                                 configuration: .init(address: .hostname("127.0.0.1", port: port)), logger: logger)
        let serving = Task { try await silent.runService() }
        defer { serving.cancel() }
        try await Network.waitUntilListening(port: port, what: "a silent node")
        let connection = try await ChainRPCConnection.open("ws://127.0.0.1:\(port)", logger: logger)
        let started = ContinuousClock.now
        do {
            _ = try await connection.request("chain_getHead", timeout: .milliseconds(300))
            Issue.record("a node that never answers cannot give a result")
        } catch {
            #expect(error == .timedOut(method: "chain_getHead", after: .milliseconds(300)), "\(error)")
            #expect("\(error)".contains("chain_getHead"))
        }
        // The connection stays usable for the next call (which times out the same way).
        #expect(ContinuousClock.now - started < .seconds(20))
        await #expect(throws: ChainRPCError.self) { try await connection.request("system_chain", timeout: .milliseconds(100)) }
        await connection.close()
    }

    /// The network names an operator writes, and the endpoints they mean.
    @Test func networkPresetsNameTheirEndpoints() {
        #expect(NetworkPreset("finney").endpoints == ["wss://entrypoint-finney.opentensor.ai:443"])
        #expect(NetworkPreset("Mainnet") == .finney)
        #expect(NetworkPreset("test").endpoints == ["wss://test.finney.opentensor.ai:443"])
        #expect(NetworkPreset("local").endpoints == ["ws://127.0.0.1:9944"])
        #expect(NetworkPreset("devnet") == .devnet)
        #expect(NetworkPreset("ws://a:9944, wss://b:443,").endpoints == ["ws://a:9944", "wss://b:443"])
    }
}
