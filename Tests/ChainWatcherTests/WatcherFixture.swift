import ChainWatcher
import DevChain
import Foundation
import Logging
import Model
import ServiceLifecycle
import SubstrateCore
import TaoRedis
import TaoStore
import TestHarness

/// A DevChain (blocks only when a test says), a real redis-server and PostgreSQL database, and a
/// watcher following the chain that can be stopped and started again.
final class WatcherFixture: @unchecked Sendable {
    private(set) var chain: DevChain
    let configuration: DevChainConfiguration
    let chainPort: Int
    let redisServer: RedisServer
    let redis: RedisClient
    let publisher: DividendPublisher
    let databaseURL: String
    /// A PostgresClient runs once: each watcher start gets a fresh one.
    private(set) var database: Database
    var history: DividendHistoryStore { DividendHistoryStore(database: database) }
    let cacheDirectory: String
    let logger: Logger
    private var chainGroup: (ServiceGroup, Task<Void, any Error>)?
    private var watcherGroup: (ServiceGroup, Task<Void, any Error>)?
    private(set) var watcher: DividendWatcher?

    init(tempo: UInt16 = 3, subnets: Int = 3, validators: Int = 10, finalityLag: UInt64 = 1, postgres: PostgresServer? = nil) async throws {
        var configuration = DevChainConfiguration()
        configuration.tempo = tempo
        configuration.subnets = subnets
        configuration.validatorsPerSubnet = validators
        configuration.finalityLag = finalityLag
        let (v14, v15) = try RecordedRuntime.metadata()
        self.configuration = configuration
        chain = try DevChain(configuration: configuration, metadataV14: v14, metadataV15: v15)
        chainPort = Network.freePort()
        redisServer = try await RedisServer.start()
        redis = RedisClient(configuration: try RedisConfiguration(url: redisServer.url))
        publisher = DividendPublisher(redis: redis)
        let server: PostgresServer
        if let postgres { server = postgres } else { server = try await PostgresServer.shared() }
        let url = try await server.createDatabase("watcher")
        var logger = Logger(label: "test.watcher")
        logger.logLevel = .warning
        self.logger = logger
        databaseURL = url
        database = Database(configuration: try DatabaseConfiguration(url: url), logger: logger)
        cacheDirectory = try TemporaryDirectory.make("metadata-cache")
        try await startChainServer()
        // Past genesis, so there is a finalized block to publish.
        for _ in 0..<2 { try await chain.produceBlock() }
    }

    func startChainServer() async throws {
        let server = DevChainServer(chain: chain, port: chainPort, logger: logger)
        let group = ServiceGroup(configuration: .init(services: [.init(service: server.application)], logger: logger))
        chainGroup = (group, Task { try await group.run() })
        try await Network.waitUntilListening(port: chainPort, what: "DevChain")
    }

    func stopChainServer() async {
        guard let (group, task) = chainGroup else { return }
        await group.triggerGracefulShutdown()
        _ = try? await task.value
        chainGroup = nil
    }

    /// Stops the node and starts a new chain on the same port, from block 0 (a devnet started
    /// again); `seed` picks its world.
    func replaceChain(seed: UInt64, blocks: Int) async throws {
        await stopChainServer()
        var configuration = self.configuration
        configuration.seed = seed
        let (v14, v15) = try RecordedRuntime.metadata()
        chain = try DevChain(configuration: configuration, metadataV14: v14, metadataV15: v15)
        for _ in 0..<blocks { try await chain.produceBlock() }
        try await startChainServer()
    }

    func startWatcher() async throws {
        database = Database(configuration: try DatabaseConfiguration(url: databaseURL), logger: logger)
        let client = ChainClient(endpoints: ["ws://127.0.0.1:\(chainPort)"], maximumBackoff: .milliseconds(500), logger: logger)
        let watcher = DividendWatcher(
            client: client, publisher: publisher, history: history,
            settings: .init(reconciliationInterval: 10, metadataCache: MetadataCache(directory: cacheDirectory)), logger: logger
        )
        self.watcher = watcher
        let group = ServiceGroup(configuration: .init(services: [.init(service: database), .init(service: MigrationService(database: database, logger: logger), successTerminationBehavior: .ignore), .init(service: watcher)], logger: logger))
        watcherGroup = (group, Task { try await group.run() })
    }

    func stopWatcher() async {
        guard let (group, task) = watcherGroup else { return }
        await group.triggerGracefulShutdown()
        _ = try? await task.value
        watcherGroup = nil
    }

    /// Waits until the watcher has published the chain's finalized head.
    func waitForWatcher(timeout: Duration = .seconds(30)) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let finalized = await chain.finalized.number
            if let last = try await publisher.lastPublishedBlock()?.number, last >= finalized { return }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw StreamRecorder<Int>.Timeout(description: "the watcher did not reach block \(await chain.finalized.number)")
    }

    /// Waits until PostgreSQL's history holds the last block published to Redis (it is written
    /// behind publishing, and catches up after an outage).
    func waitForHistory(timeout: Duration = .seconds(30)) async throws {
        let published = try await publisher.lastPublishedBlock()?.number
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if (try? await history.lastBlock(logger: logger)) == published { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw StreamRecorder<Int>.Timeout(description: "the history did not reach block \(published.map(String.init) ?? "none")")
    }

    /// The chain's own dividends at its finalized head.
    func chainDividends() async throws -> [DividendKey: UInt64] {
        try await chainDividends(hash: await chain.finalizedHash)
    }

    /// The chain's own dividends at block `number`.
    func chainDividends(at number: UInt64) async throws -> [DividendKey: UInt64] {
        guard let hash = await chain.blockHash(number) else { throw StreamRecorder<Int>.Timeout(description: "no block \(number)") }
        return try await chainDividends(hash: hash)
    }

    private func chainDividends(hash: [UInt8]) async throws -> [DividendKey: UInt64] {
        let storage = try StorageKey(metadata: chain.metadata, pallet: "SubtensorModule", item: "AlphaDividendsPerSubnet")
        var result: [DividendKey: UInt64] = [:]
        for key in await chain.keys(prefix: storage.item.prefix, count: 100_000, after: nil, at: hash) ?? [] {
            let arguments = try storage.arguments(of: key)
            guard let netuid = arguments[0]?.unsignedValue, case .string(let hotkey)? = arguments[1],
                  let bytes = await chain.storage(key, at: hash) else { continue }
            result[DividendKey(kind: .alpha, netuid: UInt16(netuid), hotkey: hotkey)] = try UInt64(scaleEncoded: bytes)
        }
        return result
    }

    /// The blocks PostgreSQL has recorded as processed, in order.
    func processedBlocks() async throws -> [(number: UInt64, gapFrom: UInt64?)] {
        let rows = try await database.client.query("SELECT number, gap_from FROM processed_blocks ORDER BY number", logger: logger)
        var blocks: [(UInt64, UInt64?)] = []
        for try await (number, gap) in rows.decode((Int64, Int64?).self) { blocks.append((UInt64(number), gap.map(UInt64.init))) }
        return blocks
    }

    /// Every change in PostgreSQL's history, in order.
    func historyRows() async throws -> [HistoryRow] {
        let rows = try await database.client.query("""
            SELECT block, kind, netuid, hotkey, old_amount::TEXT, new_amount::TEXT FROM dividend_changes ORDER BY block, sequence
            """, logger: logger)
        var result: [HistoryRow] = []
        for try await (block, kind, netuid, hotkey, old, new) in rows.decode((Int64, String, Int32, String, String?, String?).self) {
            result.append(HistoryRow(block: UInt64(block), key: DividendKey(kind: DividendKind(rawValue: kind), netuid: UInt16(netuid), hotkey: hotkey), old: old, new: new))
        }
        return result
    }

    /// Every change in the Redis change log, in log order.
    func changeLog() async throws -> [DividendChange] {
        let entries = try await redis.xrange(RedisLayout().changeLogKey, from: "-", count: 1_000_000)
        return try entries.map { try JSONDecoder().decode(DividendChange.self, from: Data($0.fields[RedisLayout.changeField] ?? [])) }
    }

    func shutdown() async {
        await stopWatcher()
        await stopChainServer()
        await redis.close()
        await redisServer.shutdown()
    }
}

/// One change as PostgreSQL's history holds it.
struct HistoryRow: Hashable, CustomStringConvertible {
    let block: UInt64
    let key: DividendKey
    let old: String?
    let new: String?

    var description: String { "\(block) \(key.netuid)/\(key.hotkey.prefix(8)) \(old ?? "nil")→\(new ?? "nil")" }
}
