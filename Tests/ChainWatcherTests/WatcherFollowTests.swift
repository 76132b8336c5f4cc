import ChainWatcher
import DevChain
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Model
import TaoRedis
import SubstrateCore
import TaoStore
import TestHarness
import Testing

@Suite("The watcher following a DevChain, into real Redis and PostgreSQL", .serialized, .timeLimit(.minutes(2)))
struct WatcherFollowTests {
    /// The change log must be a gapless, duplicate-free history: offsets strictly increasing,
    /// every change's `old` the previous `new` of its key, and replaying it gives `final`.
    func checkLog(_ log: [DividendChange], replaysTo final: [DividendKey: UInt64]) {
        var state: [DividendKey: String] = [:]
        for (previous, change) in zip([nil] + log.map(Optional.some), log) {
            if let previous { #expect(previous.offset < change.offset, "offsets must increase: \(previous.offset) then \(change.offset)") }
            #expect(state[change.key] == change.old, "\(change.key) at \(change.offset): old \(String(describing: change.old)), expected \(String(describing: state[change.key]))")
            state[change.key] = change.new
        }
        #expect(state.compactMapValues { UInt64($0) } == final)
    }

    @Test func publishesExactlyTheChainsChangesAcrossRestartsAndDrops() async throws {
        let fixture = try await WatcherFixture()
        defer { Task { await fixture.shutdown() } }
        try await fixture.chain.produceBlock()
        try await fixture.startWatcher()
        try await fixture.waitForWatcher()
        #expect(try await fixture.publisher.publishedSnapshot(kinds: [.alpha]) == fixture.chainDividends())

        // Epochs every 4 blocks per subnet: changes on most blocks.
        for _ in 0..<12 {
            try await fixture.chain.produceBlock()
            try await fixture.waitForWatcher()
            #expect(try await fixture.publisher.publishedSnapshot(kinds: [.alpha]) == fixture.chainDividends())
        }
        var log = try await fixture.changeLog()
        checkLog(log, replaysTo: try await fixture.chainDividends())
        #expect(log.count > 30)
        // Each change carries the value the chain had at its block.
        for change in log.suffix(20) {
            let hash = try #require(await fixture.chain.blockHash(change.block))
            let key = try StorageKey(metadata: fixture.chain.metadata, pallet: "SubtensorModule", item: "AlphaDividendsPerSubnet")
                .key([.unsigned(UInt128(change.netuid)), .string(change.hotkey)])
            let raw = await fixture.chain.storage(key, at: hash)
            #expect(try raw.map { String(try UInt64(scaleEncoded: $0)) } == change.new)
        }

        // A watcher restart while the chain moves on: the gap is diffed at the head, nothing twice.
        await fixture.stopWatcher()
        for _ in 0..<7 { try await fixture.chain.produceBlock() }
        try await fixture.startWatcher()
        try await fixture.waitForWatcher()
        #expect(try await fixture.publisher.publishedSnapshot(kinds: [.alpha]) == fixture.chainDividends())

        // The node goes away and comes back.
        await fixture.stopChainServer()
        for _ in 0..<5 { try await fixture.chain.produceBlock() }
        try await fixture.startChainServer()
        try await fixture.waitForWatcher()
        for _ in 0..<4 {
            try await fixture.chain.produceBlock()
            try await fixture.waitForWatcher()
        }
        #expect(try await fixture.publisher.publishedSnapshot(kinds: [.alpha]) == fixture.chainDividends())
        log = try await fixture.changeLog()
        checkLog(log, replaysTo: try await fixture.chainDividends())

        // PostgreSQL holds the same history, and the gaps are recorded.
        try await Task.sleep(for: .milliseconds(300))
        let counts = try await fixture.history.count(logger: fixture.logger)
        #expect(counts.changes == log.count)
        let gaps = try await fixture.database.client.query("SELECT count(*) FROM processed_blocks WHERE gap_from IS NOT NULL", logger: fixture.logger)
        for try await (count) in gaps.decode(Int64.self) { #expect(count >= 1) }
    }

    /// Redis losing its data and PostgreSQL going away are outages of ours, not events of the
    /// chain: the history must hold exactly the chain's own changes between the blocks processed,
    /// each once — no snapshot republished as "new" values, nothing lost while PostgreSQL was down.
    @Test func aRedisThatLostItsDataIsPutBackAndAPostgresOutageIsCaughtUp() async throws {
        let postgres = try await PostgresServer.start()
        defer { Task { await postgres.stop() } }
        let fixture = try await WatcherFixture(postgres: postgres)
        defer { Task { await fixture.shutdown() } }
        try await fixture.startWatcher()
        try await fixture.waitForWatcher()
        for _ in 0..<3 {
            try await fixture.chain.produceBlock()
            try await fixture.waitForWatcher()
        }
        let beforeOutage = try #require(try await fixture.publisher.lastPublishedBlock()?.number)

        // Redis goes away while the chain moves on, and comes back empty (as without persistence).
        await fixture.redisServer.stop()
        for _ in 0..<3 { try await fixture.chain.produceBlock() }
        try await fixture.redisServer.start()
        _ = try await fixture.redis.send(RedisCommand("FLUSHALL"))
        try await fixture.chain.produceBlock()
        try await fixture.waitForWatcher()
        #expect(try await fixture.publisher.publishedSnapshot(kinds: [.alpha]) == fixture.chainDividends())
        // The state was put back as of the last block published before the outage, and the log
        // says it cannot replay from before it.
        let logFrom = try await fixture.redis.hget(RedisLayout().watcherKey, "log_from").map { String(decoding: $0, as: UTF8.self) }
        #expect(logFrom == String(beforeOutage))
        #expect(try await fixture.changeLog().allSatisfy { $0.block > beforeOutage })

        // PostgreSQL goes down: publishing carries on; history catches up when it is back.
        await postgres.stop()
        for _ in 0..<8 {
            try await fixture.chain.produceBlock()
            try await fixture.waitForWatcher()
        }
        #expect(try await fixture.publisher.publishedSnapshot(kinds: [.alpha]) == fixture.chainDividends())
        try await postgres.start()
        try await fixture.waitForHistory(timeout: .seconds(60))

        // Exactly the chain's changes between consecutive processed blocks, from nothing.
        let processed = try await fixture.processedBlocks()
        #expect(processed.contains { $0.gapFrom == beforeOutage + 1 }, "the Redis outage is a recorded gap: \(processed)")
        try await expectHistoryIsTheChains(fixture)
    }

    /// PostgreSQL's history holds exactly the chain's own changes between consecutive processed
    /// blocks (from nothing before the first), each once.
    func expectHistoryIsTheChains(_ fixture: WatcherFixture) async throws {
        var expected: [HistoryRow] = []
        var previous: [DividendKey: UInt64] = [:]
        for block in try await fixture.processedBlocks() {
            let state = try await fixture.chainDividends(at: block.number)
            for key in Set(previous.keys).union(state.keys) where previous[key] != state[key] {
                expected.append(HistoryRow(block: block.number, key: key, old: previous[key].map(String.init), new: state[key].map(String.init)))
            }
            previous = state
        }
        let recorded = try await fixture.historyRows()
        #expect(recorded.count == expected.count, "PostgreSQL has \(recorded.count) changes, the chain made \(expected.count)")
        #expect(Set(recorded) == Set(expected))
        #expect(Set(recorded).count == recorded.count, "a change recorded twice")
    }

    /// The whole machine restarts: the watcher, and a Redis without persistence. The history
    /// says what was published; Redis gets it back and the history goes on with the chain's own
    /// changes, not with every value again as new.
    @Test func aWatcherStartingOnAnEmptyRedisContinuesFromTheHistory() async throws {
        let fixture = try await WatcherFixture()
        defer { Task { await fixture.shutdown() } }
        try await fixture.startWatcher()
        try await fixture.waitForWatcher()
        for _ in 0..<3 {
            try await fixture.chain.produceBlock()
            try await fixture.waitForWatcher()
        }
        try await fixture.waitForHistory()
        await fixture.stopWatcher()
        _ = try await fixture.redis.send(RedisCommand("FLUSHALL"))
        for _ in 0..<3 { try await fixture.chain.produceBlock() }
        try await fixture.startWatcher()
        try await fixture.waitForWatcher()
        for _ in 0..<2 {
            try await fixture.chain.produceBlock()
            try await fixture.waitForWatcher()
        }
        #expect(try await fixture.publisher.publishedSnapshot(kinds: [.alpha]) == fixture.chainDividends())
        try await fixture.waitForHistory()
        #expect(try await fixture.processedBlocks().contains { $0.gapFrom != nil }, "the blocks missed while down are a recorded gap")
        try await expectHistoryIsTheChains(fixture)
    }

    /// More dividend entries than one page of `state_getKeysPaged` (1 000): the watcher pages
    /// through all of them, at start and on every epoch, and misses none.
    /// A history of another chain (a reset devnet, another network on the same database) is no
    /// baseline: its last block is not this chain's block at that height, so the watcher starts
    /// afresh instead of putting that chain's values into Redis.
    @Test func aHistoryOfAnotherChainIsNotABaseline() async throws {
        let fixture = try await WatcherFixture()
        defer { Task { await fixture.shutdown() } }
        try await fixture.startWatcher()
        try await fixture.waitForWatcher()
        try await fixture.waitForHistory()
        await fixture.stopWatcher()
        let other = "0x" + String(repeating: "ab", count: 32)
        let database = Database(configuration: try DatabaseConfiguration(url: fixture.databaseURL), logger: fixture.logger)
        let running = Task { await database.run() }
        _ = try await database.client.query("UPDATE processed_blocks SET hash = \(other) WHERE number = (SELECT max(number) FROM processed_blocks)", logger: fixture.logger)
        running.cancel()
        _ = try await fixture.redis.send(RedisCommand("FLUSHALL"))
        try await fixture.chain.produceBlock()
        try await fixture.startWatcher()
        try await fixture.waitForWatcher()
        #expect(try await fixture.publisher.publishedSnapshot(kinds: [.alpha]) == fixture.chainDividends())
        // Not restored from the history: the log starts afresh, every value new.
        #expect(try await fixture.redis.hget(RedisLayout().watcherKey, "log_from") == nil)
        #expect(try await fixture.changeLog().allSatisfy { $0.old == nil })
    }

    /// A chain started again from block 0 (a devnet restarted under a running watcher) is not
    /// ignored until it passes the old height: the watcher sees that the chain no longer holds
    /// the last published block, publishes the new chain's state as a fresh snapshot, starts the
    /// log again after it (`log_from`), and then follows the new chain block by block.
    @Test func aChainStartedAgainIsFollowedAtOnce() async throws {
        let fixture = try await WatcherFixture()
        defer { Task { await fixture.shutdown() } }
        try await fixture.startWatcher()
        for _ in 0..<10 { try await fixture.chain.produceBlock() }
        try await fixture.waitForWatcher()
        let oldLast = try #require(try await fixture.publisher.lastPublishedBlock()?.number)
        try await fixture.replaceChain(seed: 7, blocks: 3)
        let newHash = Hex.encode(await fixture.chain.finalizedHash, prefixed: true)
        let deadline = ContinuousClock.now + .seconds(30)
        while try await fixture.publisher.lastPublishedBlock()?.hash != newHash, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        let published = try #require(try await fixture.publisher.lastPublishedBlock())
        #expect(published.hash == newHash, "still at block \(published.number) of the old chain (old last \(oldLast))")
        #expect(try await fixture.publisher.publishedSnapshot(kinds: [.alpha]) == fixture.chainDividends())
        #expect(try await fixture.redis.hget(RedisLayout().watcherKey, "log_from").map { String(decoding: $0, as: UTF8.self) } == String(published.number))
        // Then block by block: the new chain's epochs reach Redis and the log, nothing of the old chain stays.
        for _ in 0..<8 { try await fixture.chain.produceBlock() }
        try await fixture.waitForWatcher()
        #expect(try await fixture.publisher.publishedSnapshot(kinds: [.alpha]) == fixture.chainDividends())
        let log = try await fixture.changeLog()
        #expect(!log.isEmpty)
        #expect(log.allSatisfy { $0.block > published.number })
    }

    /// A node that has not reached the last published block — a failover node still syncing — is
    /// the same chain behind, not a new one: nothing is reset, and it is followed as it catches up.
    @Test func aNodeBehindTheLastPublishedBlockIsFollowedWithoutAReset() async throws {
        let fixture = try await WatcherFixture()
        defer { Task { await fixture.shutdown() } }
        try await fixture.startWatcher()
        for _ in 0..<10 { try await fixture.chain.produceBlock() }
        try await fixture.waitForWatcher()
        let before = try #require(try await fixture.publisher.lastPublishedBlock())
        let logged = try await fixture.changeLog()
        // The same chain (one configuration, so the same blocks), only three blocks in.
        try await fixture.replaceChain(seed: fixture.configuration.seed, blocks: 3)
        for _ in 0..<12 { try await fixture.chain.produceBlock() }
        try await fixture.waitForWatcher()
        let after = try #require(try await fixture.publisher.lastPublishedBlock())
        #expect(after.number > before.number)
        #expect(try await fixture.redis.hget(RedisLayout().watcherKey, "log_from") == nil, "the change log was dropped as after a reset")
        #expect(try await fixture.changeLog().prefix(logged.count).map(\.offset) == logged.map(\.offset))
        #expect(try await fixture.publisher.publishedSnapshot(kinds: [.alpha]) == fixture.chainDividends())
    }

    @Test func moreEntriesThanOnePageAreAllRead() async throws {
        let fixture = try await WatcherFixture(tempo: 2, subnets: 3, validators: 450)
        defer { Task { await fixture.shutdown() } }
        try await fixture.startWatcher()
        try await fixture.waitForWatcher()
        for _ in 0..<3 {
            try await fixture.chain.produceBlock()
            try await fixture.waitForWatcher()
        }
        let chain = try await fixture.chainDividends()
        #expect(chain.count > 1_000, "the chain has \(chain.count) entries; the test needs more than a page")
        #expect(try await fixture.publisher.publishedSnapshot(kinds: [.alpha]) == chain)
        checkLog(try await fixture.changeLog(), replaysTo: chain)
    }

    /// A dividend written outside any epoch (a governance fix, a missed notification, a bug on
    /// either side) is not looked for by the per-epoch reads; the periodic full reconciliation
    /// finds it and publishes it as a change of that block.
    @Test func theReconciliationFindsChangesNoEpochMade() async throws {
        // Epochs far apart: nothing rewrites dividends in this test's window.
        let fixture = try await WatcherFixture(tempo: 1_000)
        defer { Task { await fixture.shutdown() } }
        try await fixture.startWatcher()
        try await fixture.waitForWatcher()
        while await fixture.chain.best.number % 10 != 1 { try await fixture.chain.produceBlock() }
        try await fixture.waitForWatcher()
        let before = try await fixture.chainDividends()
        let target = try #require(before.keys.filter { $0.netuid == 1 }.sorted { $0.hotkey < $1.hotkey }.first)
        try await fixture.chain.setStorage("SubtensorModule", "AlphaDividendsPerSubnet", [.unsigned(1), .string(target.hotkey)], to: .unsigned(4_242))
        let written = await fixture.chain.best.number + 1
        // Up to block 19 only epochs are looked for: Redis still has the old value.
        while await fixture.chain.finalized.number < written + 3 { try await fixture.chain.produceBlock() }
        try await fixture.waitForWatcher()
        #expect(try await fixture.chainDividends()[target] == 4_242)
        #expect(try await fixture.publisher.publishedSnapshot(kinds: [.alpha])[target] == before[target])
        // Block 20 reconciles everything.
        while await fixture.chain.finalized.number < 20 { try await fixture.chain.produceBlock() }
        try await fixture.waitForWatcher()
        #expect(try await fixture.publisher.publishedSnapshot(kinds: [.alpha]) == fixture.chainDividends())
        let change = try #require(try await fixture.changeLog().last { $0.key == target })
        #expect(change.block == 20 && change.new == "4242" && change.old == before[target].map(String.init), "\(change)")
    }

    @Test func theWatcherAgreesWithTheSDKsQueryMap() async throws {
        // No finality lag: the SDK (which reads the best block) and the watcher see the same block.
        let fixture = try await WatcherFixture(validators: 24, finalityLag: 0)
        defer { Task { await fixture.shutdown() } }
        try await fixture.startWatcher()
        for _ in 0..<5 {
            try await fixture.chain.produceBlock()
            try await fixture.waitForWatcher()
        }
        let published = try await fixture.publisher.publishedSnapshot(kinds: [.alpha])
        for netuid in [1, 2] {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: ReferenceOracle.python)
            process.arguments = [ReferenceOracle.repositoryRoot.appendingPathComponent("Tests/Oracle/devchain_sdk.py").path, "\(fixture.chainPort)", "\(netuid)", "read"]
            let output = Pipe()
            process.standardOutput = output
            try process.run()
            let data = output.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            let answer = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
            let sdk = try #require(answer["dividends"] as? [String: Int])
            let ours = published.filter { $0.key.netuid == UInt16(netuid) }
            #expect(!sdk.isEmpty)
            #expect(Dictionary(uniqueKeysWithValues: ours.map { ($0.key.hotkey, Int($0.value)) }) == sdk, "netuid \(netuid)")
        }
    }

    @Test func aRuntimeUpgradeReloadsMetadataAndFollowingGoesOn() async throws {
        let fixture = try await WatcherFixture()
        defer { Task { await fixture.shutdown() } }
        try await fixture.startWatcher()
        try await fixture.waitForWatcher()
        await fixture.chain.upgradeRuntime(to: 344)
        for _ in 0..<6 {
            try await fixture.chain.produceBlock()
            try await fixture.waitForWatcher()
        }
        let genesis = fixture.chain.genesisHash.map { String(format: "%02x", $0) }.joined()
        let files = try FileManager.default.contentsOfDirectory(atPath: fixture.cacheDirectory)
        #expect(files.contains("\(genesis)-343.scale") && files.contains("\(genesis)-344.scale"), "\(files)")
        #expect(try await fixture.publisher.publishedSnapshot(kinds: [.alpha]) == fixture.chainDividends())
    }

    /// The metadata (~300 KB, what made the original service take seconds per connection) is
    /// fetched once per runtime: a restarted watcher, and a reconnect, read it from the disk cache.
    @Test func theMetadataCacheMakesAReconnectCheap() async throws {
        let fixture = try await WatcherFixture()
        defer { Task { await fixture.shutdown() } }
        try await fixture.startWatcher()
        try await fixture.waitForWatcher()
        #expect(fixture.chain.metadataServed.load(ordering: .relaxed) == 1)
        await fixture.stopWatcher()
        try await fixture.chain.produceBlock()
        try await fixture.startWatcher()
        try await fixture.waitForWatcher()
        await fixture.stopChainServer()
        try await fixture.startChainServer()
        try await fixture.chain.produceBlock()
        try await fixture.waitForWatcher()
        #expect(fixture.chain.metadataServed.load(ordering: .relaxed) == 1, "fetched again despite the cache")
        // The watcher's own /health and /metrics.
        let port = Network.freePort()
        let http = WatcherHTTP(watcher: try #require(fixture.watcher), redis: fixture.redis, host: "127.0.0.1", port: port, logger: fixture.logger)
        let serving = Task { try await http.application.runService() }
        defer { serving.cancel() }
        try await Network.waitUntilListening(port: port, what: "watcher HTTP")
        let (health, response) = try await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(port)/health")!)
        #expect((response as? HTTPURLResponse)?.statusCode == 200, "\(String(decoding: health, as: UTF8.self))")
        let (metrics, _) = try await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(port)/metrics")!)
        #expect(String(decoding: metrics, as: UTF8.self).contains("taostream_watcher_last_block"))
        let files = try FileManager.default.contentsOfDirectory(atPath: fixture.cacheDirectory)
        #expect(files.contains("\(fixture.chain.genesisHash.map { String(format: "%02x", $0) }.joined())-343.scale"), "\(files)")
    }
}
