import ChainWatcher
import DevChain
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
}
