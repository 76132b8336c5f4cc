import ChainWatcher
import DevChain
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Logging
import Model
import ServiceLifecycle
import StreamServer
import SubstrateCore
import SubstrateExtrinsics
import SubstrateKeys
import TaoConfiguration
import TaoRedis
import TaoStore
import TestHarness
import Testing

/// A StreamServer taking commands, a DevChain producing blocks, and the executor signing with
/// //Alice's key: a stake travels from a WebSocket message to the chain and back as statuses.
final class CommandFixture: @unchecked Sendable {
    let server: ServerFixture
    let chain: DevChain
    let chainPort: Int
    let alice: Keypair
    let logger: Logger
    private var chainGroup: ServiceGroup?
    private var chainTask: Task<Void, any Error>?
    private var executorGroup: ServiceGroup?
    private var executorTask: Task<Void, any Error>?

    /// While true, no blocks are produced: a transaction stays in the pool.
    let holdingBlocks = Locked(false)
    private var blockTask: Task<Void, Never>?

    init(limits: CommandLimits = CommandLimits(), sentiment: SentimentSettings? = nil, devBalance: UInt64? = nil) async throws {
        server = try await ServerFixture.start(commandLimits: limits, sentiment: sentiment)
        var configuration = DevChainConfiguration()
        if let devBalance { configuration.devBalance = devBalance }
        configuration.subnets = 2
        configuration.validatorsPerSubnet = 4
        configuration.blockInterval = .milliseconds(100)
        configuration.finalityLag = 1
        let (v14, v15) = try RecordedRuntime.metadata()
        chain = try DevChain(configuration: configuration, metadataV14: v14, metadataV15: v15)
        chainPort = Network.freePort()
        alice = try Keypair(uri: "//Alice")
        var logger = Logger(label: "test.commands")
        logger.logLevel = .warning
        self.logger = logger
        let devServer = DevChainServer(chain: chain, port: chainPort, logger: logger)
        let group = ServiceGroup(configuration: .init(services: [.init(service: devServer.application)], logger: logger))
        chainGroup = group
        chainTask = Task { try await group.run() }
        let (chain, holding, interval) = (chain, holdingBlocks, configuration.blockInterval)
        blockTask = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: interval)
                if !holding.value { _ = try? await chain.produceBlock() }
            }
        }
        try await Network.waitUntilListening(port: chainPort, what: "DevChain")
    }

    func startExecutor(consumer: String = "executor-test", reclaimAfter: Duration = .seconds(60)) async throws {
        let database = Database(configuration: try DatabaseConfiguration(url: server.databaseURL), logger: logger)
        let executor = CommandExecutor(
            client: ChainClient(endpoints: ["ws://127.0.0.1:\(chainPort)"], maximumBackoff: .milliseconds(300), logger: logger),
            redis: server.redis, store: CommandStore(database: database), signer: alice,
            settings: .init(consumer: consumer, reclaimAfter: reclaimAfter, metadataCache: MetadataCache(directory: try TemporaryDirectory.make("executor-cache"))),
            logger: logger
        )
        let group = ServiceGroup(configuration: .init(services: [.init(service: database), .init(service: executor)], logger: logger))
        executorGroup = group
        executorTask = Task { try await group.run() }
    }

    func hotkey(netuid: UInt16, uid: UInt16) async throws -> String {
        guard case .string(let address)? = try await chain.value("SubtensorModule", "Keys", [.unsigned(UInt128(netuid)), .unsigned(UInt128(uid))]) else {
            throw StreamRecorder<Int>.Timeout(description: "no hotkey")
        }
        return address
    }

    func stake(_ hotkey: String, netuid: UInt16) async throws -> UInt128 {
        let value = try await chain.value("SubtensorModule", "Alpha", [.string(hotkey), .bytes(alice.publicKey), .unsigned(UInt128(netuid))])
        return (value?.unsignedValue ?? 0) >> 64
    }

    /// Statuses of one command until a final one.
    func statuses(_ socket: TestWebSocket, _ commandID: String, timeout: Duration = .seconds(30)) async throws -> [String] {
        var states: [String] = []
        while true {
            let message = try await socket.next(type: "command_status", timeout: timeout) { $0["command_id"] == .string(commandID) }
            let state = message["status"]?.objectValue?["state"]?.stringValue ?? "?"
            states.append(state)
            if ["finalized", "failed", "rejected"].contains(state) { return states }
        }
    }

    func shutdown() async {
        blockTask?.cancel()
        if let executorGroup { await executorGroup.triggerGracefulShutdown() }
        _ = try? await executorTask?.value
        if let chainGroup { await chainGroup.triggerGracefulShutdown() }
        _ = try? await chainTask?.value
        await server.shutdown()
    }
}

@Suite("Stake and unstake over the socket, executed on a DevChain", .serialized, .timeLimit(.minutes(2)))
struct CommandTests {
    @Test func stakeThenUnstakeReportEveryStepAndMoveExactlyTheAmount() async throws {
        let fixture = try await CommandFixture()
        defer { Task { await fixture.shutdown() } }
        try await fixture.startExecutor()
        let hotkey = try await fixture.hotkey(netuid: 1, uid: 0)
        let socket = try await fixture.server.connect(token: fixture.server.tradeToken)
        try await socket.send(["type": "stake", "id": "s1", "netuid": .integer(1), "hotkey": .string(hotkey), "amount": "0.5", "idempotency_key": "k-1"])
        let accepted = try await socket.next(type: "accepted")
        #expect(accepted["id"] == "s1" && accepted["duplicate"] == .bool(false))
        let commandID = try #require(accepted["command_id"]?.stringValue)
        let states = try await fixture.statuses(socket, commandID)
        #expect(states == ["queued", "signed", "submitted", "in_block", "finalized"], "\(states)")
        #expect(try await fixture.stake(hotkey, netuid: 1) == 500_000_000)

        try await socket.send(["type": "unstake", "id": "u1", "netuid": .integer(1), "hotkey": .string(hotkey), "amount_rao": .integer(200_000_000), "idempotency_key": "k-2"])
        let unstake = try #require(try await socket.next(type: "accepted")["command_id"]?.stringValue)
        #expect(try await fixture.statuses(socket, unstake).last == "finalized")
        #expect(try await fixture.stake(hotkey, netuid: 1) == 300_000_000)

        // A reconnecting client can ask where a command is.
        try await socket.send(["type": "command_status", "id": "q", "command_id": .string(commandID)])
        let status = try await socket.next(type: "command_status") { $0["id"] == "q" }
        #expect(status["status"]?.objectValue?["state"] == "finalized")
        #expect(status["status"]?.objectValue?["extrinsic_hash"]?.stringValue?.hasPrefix("0x") == true)
    }

    @Test func refusalsAndFailuresSayWhy() async throws {
        var limits = CommandLimits()
        limits.maxPerCommand = 1_000_000_000
        limits.allowedNetuids = [1, 2]
        let fixture = try await CommandFixture(limits: limits)
        defer { Task { await fixture.shutdown() } }
        try await fixture.startExecutor()
        let hotkey = try await fixture.hotkey(netuid: 2, uid: 1)

        let reader = try await fixture.server.connect()
        try await reader.send(["type": "stake", "id": .integer(1), "netuid": .integer(2), "hotkey": .string(hotkey), "amount": "0.1", "idempotency_key": "r"])
        #expect(try await reader.next(type: "error")["code"] == "forbidden")

        let trader = try await fixture.server.connect(token: fixture.server.tradeToken)
        try await trader.send(["type": "stake", "id": .integer(2), "netuid": .integer(2), "hotkey": .string(hotkey), "amount": "5", "idempotency_key": "big"])
        #expect(try await trader.next(type: "error")["code"] == "over_limit")
        try await trader.send(["type": "stake", "id": .integer(3), "netuid": .integer(3), "hotkey": .string(hotkey), "amount": "0.1", "idempotency_key": "elsewhere"])
        #expect(try await trader.next(type: "error")["code"] == "over_limit")
        try await trader.send(["type": "stake", "id": .integer(4), "netuid": .integer(2), "hotkey": .string(hotkey), "amount": "0.0000000001", "idempotency_key": "tiny"])
        #expect(try await trader.next(type: "error")["code"] == "invalid_amount")
        try await trader.send(["type": "stake", "id": .integer(5), "netuid": .integer(2), "hotkey": "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQZ", "amount": "0.1", "idempotency_key": "typo"])
        #expect(try await trader.next(type: "error")["code"] == "invalid_hotkey")

        // Nothing staked: unstaking fails on chain with the runtime's own error, decoded.
        try await trader.send(["type": "unstake", "id": .integer(6), "netuid": .integer(2), "hotkey": .string(hotkey), "amount": "1", "idempotency_key": "nothing"])
        let commandID = try #require(try await trader.next(type: "accepted")["command_id"]?.stringValue)
        let failed = try await trader.next(type: "command_status", timeout: .seconds(30)) { $0["command_id"] == .string(commandID) && $0["status"]?.objectValue?["state"] == "failed" }
        #expect(failed["status"]?.objectValue?["error"] == "NotEnoughStakeToWithdraw")
        #expect(try await fixture.stake(hotkey, netuid: 2) == 0)
    }

    /// Caps on commands, not only on amounts (issue 14.8): forty 1-rao stakes were each accepted
    /// and each paid a full fee; netuid 65535 was queued and failed on chain.
    @Test func dustStakesCommandFloodsAndUnknownSubnetsAreRefusedBeforeTheQueue() async throws {
        var limits = CommandLimits()
        limits.maxCommandsPerDay = 3
        let fixture = try await ServerFixture.start(commandLimits: limits)
        defer { Task { await fixture.shutdown() } }
        // The watcher has published subnets 1 and 2.
        try await ChangeScript(fixture.publisher).publish([(key(1, Hotkeys.alice), 5), (key(2, Hotkeys.bob), 7)])
        let socket = try await fixture.connect(token: fixture.tradeToken)
        func send(_ id: String, netuid: Int64 = 1, rao: Int64 = 20_000_000) async throws -> TestWebSocket.Message {
            try await socket.send(["type": "stake", "id": .string(id), "netuid": .integer(netuid), "hotkey": .string(Hotkeys.alice),
                                   "amount_rao": .integer(rao), "idempotency_key": .string(id)])
            return try await socket.messages.next(timeout: .seconds(10), "the answer to \(id)") { $0["id"] == .string(id) && ($0["type"] == "error" || $0["type"] == "accepted") }
        }
        let dust = try await send("dust", rao: 1)
        #expect(dust["code"] == "invalid_amount")
        #expect(dust["message"]?.stringValue?.contains("minimum of 0.001") == true, "\(dust)")
        let unknown = try await send("nowhere", netuid: 65535)
        #expect(unknown["code"] == "invalid_netuid")
        for index in 0..<3 {
            #expect(try await send("ok-\(index)", netuid: Int64(1 + index % 2))["type"] == "accepted")
        }
        // The fourth of the day is refused whatever its amount; refusals above did not count.
        let fourth = try await send("ok-3")
        #expect(fourth["code"] == "over_limit")
        #expect(fourth["message"]?.stringValue?.contains("3 commands for today") == true, "\(fourth)")
        let queued = try await fixture.redis.send(RedisCommand("XLEN", [RedisArgument(RedisLayout().commandStreamKey)]))
        #expect(queued.integer == 3)
    }

    @Test func theSameIdempotencyKeyNeverStakesTwice() async throws {
        let fixture = try await CommandFixture()
        defer { Task { await fixture.shutdown() } }
        try await fixture.startExecutor()
        let hotkey = try await fixture.hotkey(netuid: 1, uid: 2)
        let socket = try await fixture.server.connect(token: fixture.server.tradeToken)
        let message: TestWebSocket.Message = ["type": "stake", "netuid": .integer(1), "hotkey": .string(hotkey), "amount_rao": .integer(70_000_000), "idempotency_key": "once"]
        try await socket.send(message)
        try await socket.send(message)
        let first = try await socket.next(type: "accepted")
        let second = try await socket.next(type: "accepted")
        #expect(first["command_id"] == second["command_id"])
        #expect(second["duplicate"] == .bool(true))
        let commandID = try #require(first["command_id"]?.stringValue)
        _ = try await socket.next(type: "command_status", timeout: .seconds(30)) { $0["command_id"] == .string(commandID) && $0["status"]?.objectValue?["state"] == "finalized" }
        // And again after it finished, from another connection.
        let later = try await fixture.server.connect(token: fixture.server.tradeToken)
        try await later.send(message)
        #expect(try await later.next(type: "accepted")["duplicate"] == .bool(true))
        try await Task.sleep(for: .milliseconds(500))
        #expect(try await fixture.stake(hotkey, netuid: 1) == 70_000_000)
    }

    /// With a price limit the executor sends `add_stake_limit` (the SDK's default), byte for byte
    /// the call the metadata composes; the token's daily cap counts what it staked today.
    @Test func aLimitPriceSendsAddStakeLimitAndTheDailyCapHolds() async throws {
        var limits = CommandLimits()
        limits.maxPerDay = 300_000_000
        let fixture = try await CommandFixture(limits: limits)
        defer { Task { await fixture.shutdown() } }
        try await fixture.startExecutor()
        let hotkey = try await fixture.hotkey(netuid: 1, uid: 3)
        let socket = try await fixture.server.connect(token: fixture.server.tradeToken)
        try await socket.send(["type": "stake", "netuid": .integer(1), "hotkey": .string(hotkey), "amount": "0.2",
                               "limit_price": .integer(2_000_000_000), "idempotency_key": "day-1"])
        let commandID = try #require(try await socket.next(type: "accepted")["command_id"]?.stringValue)
        #expect(try await fixture.statuses(socket, commandID).last == "finalized")
        try await socket.send(["type": "command_status", "id": "q", "command_id": .string(commandID)])
        let status = try #require(try await socket.next(type: "command_status") { $0["id"] == "q" }["status"]?.objectValue)
        let block = try Hex.decode(try #require(status["block_hash"]?.stringValue))
        let expected = try Call(metadata: fixture.chain.metadata, pallet: "SubtensorModule", name: "add_stake_limit", arguments: [
            "hotkey": .string(hotkey), "netuid": .unsigned(1), "amount_staked": .unsigned(200_000_000),
            "limit_price": .unsigned(2_000_000_000), "allow_partial": .bool(false),
        ])
        let extrinsics = try #require(await fixture.chain.extrinsics(block))
        #expect(extrinsics.count == 1)
        #expect(extrinsics.first.map { Hex.encode($0).hasSuffix(Hex.encode(expected.bytes)) } == true, "the block holds \(extrinsics.map { Hex.encode($0) })")
        #expect(try await fixture.stake(hotkey, netuid: 1) == 200_000_000)

        // 0.2 of today's 0.3 is spent: another 0.2 is over the cap, 0.1 still fits.
        try await socket.send(["type": "stake", "id": "over", "netuid": .integer(1), "hotkey": .string(hotkey), "amount": "0.2", "idempotency_key": "day-2"])
        let refused = try await socket.next(type: "error") { $0["id"] == "over" }
        #expect(refused["code"] == "over_limit")
        #expect(refused["message"]?.stringValue?.contains("daily limit") == true, "\(refused)")
        try await socket.send(["type": "stake", "netuid": .integer(1), "hotkey": .string(hotkey), "amount": "0.1", "idempotency_key": "day-3"])
        let fits = try #require(try await socket.next(type: "accepted")["command_id"]?.stringValue)
        #expect(try await fixture.statuses(socket, fits).last == "finalized")
        #expect(try await fixture.stake(hotkey, netuid: 1) == 300_000_000)
    }

    /// Where an executor can die with a command half-done, and what the chain holds then.
    enum CrashWindow: String, CaseIterable, CustomTestStringConvertible {
        case signedNotSubmitted, waitingInThePool, alreadyInABlock
        /// In a block more blocks back than a mortal era lasts: found from its recorded window.
        case inABlockLongBefore
        var testDescription: String { rawValue }
    }

    /// An executor that dies after signing is taken over by another, which must neither sign a
    /// second time nor stake twice, wherever between signing and inclusion the first one died.
    /// The dead executor is played by this test, at exactly that point: it takes the stream entry
    /// as consumer "dead", signs //Alice's transaction and stores it as the executor does, and
    /// (per window) submits it and lets a block include it, or not.
    @Test(arguments: CrashWindow.allCases)
    func anExecutorThatDiedAfterSigningIsTakenOverWithoutADoubleStake(window: CrashWindow) async throws {
        let fixture = try await CommandFixture()
        defer { Task { await fixture.shutdown() } }
        let hotkey = try await fixture.hotkey(netuid: 2, uid: 3)
        let socket = try await fixture.server.connect(token: fixture.server.tradeToken)
        // No executor yet: the command waits in the stream.
        try await socket.send(["type": "stake", "netuid": .integer(2), "hotkey": .string(hotkey), "amount_rao": .integer(40_000_000), "idempotency_key": "crash"])
        let commandID = try #require(try await socket.next(type: "accepted")["command_id"]?.stringValue)

        let layout = RedisLayout()
        try await fixture.server.redis.xgroupCreate(layout.commandStreamKey, group: RedisLayout.commandGroup, startingAt: "0")
        let taken = try await fixture.server.redis.xreadgroup(group: RedisLayout.commandGroup, consumer: "dead", stream: layout.commandStreamKey, count: 1)
        #expect(taken.count == 1)
        let metadata = fixture.chain.metadata
        let call = try Call(metadata: metadata, pallet: "SubtensorModule", name: "add_stake",
                            arguments: ["hotkey": .string(hotkey), "netuid": .unsigned(2), "amount_staked": .unsigned(40_000_000)])
        let best = await fixture.chain.best.number
        let era = Era(period: 64, current: best)
        let runtime = try RuntimeVersion(metadata: metadata)
        let signed = try ExtrinsicBuilder(metadata: metadata).sign(call: call, signer: fixture.alice, parameters: TransactionParameters(
            nonce: await fixture.chain.nextNonce(fixture.alice.publicKey), era: era, genesisHash: fixture.chain.genesisHash,
            birthBlockHash: try #require(await fixture.chain.blockHash(era.birth(current: best))), specVersion: runtime.specVersion, transactionVersion: runtime.transactionVersion
        ))
        let signedHash = Hex.encode(signed.hash, prefixed: true)
        let store = CommandStore(database: Database(configuration: try DatabaseConfiguration(url: fixture.server.databaseURL)))
        let running = Task { await store.database.run() }
        defer { running.cancel() }
        let birth = era.birth(current: best)
        try await store.recordSigned(commandID, extrinsic: signed.hex, hash: signedHash, era: (birth, birth + 64), logger: fixture.logger)
        // A second signature of the same command (a second executor) is not stored: the first wins.
        #expect(try await store.recordSigned(commandID, extrinsic: "0x00", hash: "0x00", logger: fixture.logger) == signed.hex)
        switch window {
        case .signedNotSubmitted:
            break
        case .waitingInThePool:
            fixture.holdingBlocks.withLock { $0 = true }
            _ = try await fixture.chain.submit(signed.bytes)
        case .alreadyInABlock, .inABlockLongBefore:
            _ = try await fixture.chain.submit(signed.bytes)
            for _ in 0..<100 where try await fixture.stake(hotkey, netuid: 2) == 0 { try await Task.sleep(for: .milliseconds(50)) }
            #expect(try await fixture.stake(hotkey, netuid: 2) == 40_000_000)
            if window == .inABlockLongBefore {
                // The executor was down while the chain moved on by more than an era.
                fixture.holdingBlocks.withLock { $0 = true }
                for _ in 0..<100 { try await fixture.chain.produceBlock() }
                fixture.holdingBlocks.withLock { $0 = false }
            }
        }

        // A new executor takes the abandoned entry over.
        try await fixture.startExecutor(consumer: "successor", reclaimAfter: .milliseconds(200))
        if window == .waitingInThePool {
            // The node holds the bytes already (1013): the successor follows the blocks for them.
            let submitted = try await socket.next(type: "command_status", timeout: .seconds(30)) { $0["command_id"] == .string(commandID) && $0["status"]?.objectValue?["state"] == "submitted" }
            #expect(submitted["status"]?.objectValue?["extrinsic_hash"] == .string(signedHash))
            #expect(try await fixture.stake(hotkey, netuid: 2) == 0)
            fixture.holdingBlocks.withLock { $0 = false }
        }
        let done = try await socket.next(type: "command_status", timeout: .seconds(30)) { $0["command_id"] == .string(commandID) && ($0["status"]?.objectValue?["state"]?.stringValue).map { ["finalized", "failed"].contains($0) } == true }
        #expect(done["status"]?.objectValue?["state"] == "finalized", "\(done)")
        // The very bytes the first one signed: no second signature, so no second stake.
        #expect(done["status"]?.objectValue?["extrinsic_hash"] == .string(signedHash))
        try await Task.sleep(for: .milliseconds(500))
        #expect(try await fixture.stake(hotkey, netuid: 2) == 40_000_000)
        #expect(await fixture.chain.nextNonce(fixture.alice.publicKey) == 1)
    }

    /// Staking more than the coldkey holds reaches the chain and fails there, with the runtime's
    /// error named and explained from the metadata's docs.
    @Test func stakingMoreThanTheBalanceFailsWithTheDecodedModuleError() async throws {
        let fixture = try await CommandFixture(devBalance: 200_000_000)
        defer { Task { await fixture.shutdown() } }
        try await fixture.startExecutor()
        let hotkey = try await fixture.hotkey(netuid: 1, uid: 1)
        let socket = try await fixture.server.connect(token: fixture.server.tradeToken)
        try await socket.send(["type": "stake", "netuid": .integer(1), "hotkey": .string(hotkey), "amount": "0.5", "idempotency_key": "too-much"])
        let commandID = try #require(try await socket.next(type: "accepted")["command_id"]?.stringValue)
        let states = try await fixture.statuses(socket, commandID)
        #expect(states.last == "failed", "\(states)")
        #expect(states.contains("submitted"))
        try await socket.send(["type": "command_status", "id": "q", "command_id": .string(commandID)])
        let status = try #require(try await socket.next(type: "command_status") { $0["id"] == "q" }["status"]?.objectValue)
        #expect(status["error"] == "NotEnoughBalanceToStake")
        let detail = status["detail"]?.stringValue ?? ""
        #expect(!detail.isEmpty && detail != "the runtime refused the call", "\(detail)")
        #expect(status["block_hash"]?.stringValue?.hasPrefix("0x") == true)
        #expect(try await fixture.stake(hotkey, netuid: 1) == 0)
    }
}

@Suite("The sentiment trade, with local Datura and Chutes servers", .serialized, .timeLimit(.minutes(2)))
struct TradeTests {
    func fixture() async throws -> (CommandFixture, FakeSentimentServers) {
        let fakes = try await FakeSentimentServers()
        let url = fakes.settings.url
        let settings = SentimentSettings(daturaURL: url, daturaKey: Secret(FakeSentimentServers.daturaKey),
                                         chutesURL: url, chutesKey: Secret(FakeSentimentServers.chutesKey), timeout: .seconds(5))
        let fixture = try await CommandFixture(sentiment: settings)
        try await fixture.startExecutor()
        return (fixture, fakes)
    }

    func trade(_ socket: TestWebSocket, hotkey: String, key: String) async throws -> (id: String, final: [String: JSONValue]) {
        try await socket.send(["type": "trade", "netuid": .integer(1), "hotkey": .string(hotkey), "idempotency_key": .string(key)])
        let commandID = try #require(try await socket.next(type: "accepted")["command_id"]?.stringValue)
        let final = try await socket.next(type: "command_status", timeout: .seconds(30)) { message in
            message["command_id"] == .string(commandID)
                && (message["status"]?.objectValue?["state"]?.stringValue).map { ["finalized", "failed", "rejected", "skipped"].contains($0) } == true
        }
        return (commandID, final["status"]?.objectValue ?? [:])
    }

    @Test func positiveSentimentStakesAndNegativeUnstakesOneHundredthOfATaoPerPoint() async throws {
        let (fixture, fakes) = try await fixture()
        defer { Task { await fixture.shutdown(); fakes.stop() } }
        let hotkey = try await fixture.hotkey(netuid: 1, uid: 1)
        let socket = try await fixture.server.connect(token: fixture.server.tradeToken)
        fakes.chutes.withLock { $0 = .score("42") }
        #expect(try await trade(socket, hotkey: hotkey, key: "t1").final["state"] == "finalized")
        #expect(try await fixture.stake(hotkey, netuid: 1) == 420_000_000)
        fakes.chutes.withLock { $0 = .score("Score: -7") }
        #expect(try await trade(socket, hotkey: hotkey, key: "t2").final["state"] == "finalized")
        #expect(try await fixture.stake(hotkey, netuid: 1) == 350_000_000)
        #expect(fakes.requests.value.contains("datura: Bittensor netuid 1"))
        fakes.chutes.withLock { $0 = .score("0") }
        #expect(try await trade(socket, hotkey: hotkey, key: "t3").final["state"] == "skipped")
        #expect(try await fixture.stake(hotkey, netuid: 1) == 350_000_000)
    }

    @Test func anUnreachableOrNonsensicalServiceRejectsTheTradeWithNoExtrinsic() async throws {
        let (fixture, fakes) = try await fixture()
        defer { Task { await fixture.shutdown(); fakes.stop() } }
        let hotkey = try await fixture.hotkey(netuid: 1, uid: 2)
        let socket = try await fixture.server.connect(token: fixture.server.tradeToken)
        fakes.datura.withLock { $0 = .down }
        let down = try await trade(socket, hotkey: hotkey, key: "d1").final
        #expect(down["state"] == "rejected" && down["error"] == "datura_unreachable", "\(down)")
        fakes.datura.withLock { $0 = .tweets(["meh"]) }
        fakes.chutes.withLock { $0 = .garbage }
        let garbage = try await trade(socket, hotkey: hotkey, key: "g1").final
        #expect(garbage["state"] == "rejected" && garbage["error"] == "chutes_bad_answer", "\(garbage)")
        fakes.chutes.withLock { $0 = .score("250") }
        #expect(try await trade(socket, hotkey: hotkey, key: "r1").final["error"] == "chutes_bad_answer")
        try await Task.sleep(for: .milliseconds(300))
        #expect(try await fixture.stake(hotkey, netuid: 1) == 0)
        #expect(await fixture.chain.nextNonce(fixture.alice.publicKey) == 0, "no extrinsic may have been signed")
    }

    @Test func theOriginalRESTEndpointTradesInTheBackgroundAndReportsWhere() async throws {
        let (fixture, fakes) = try await fixture()
        defer { Task { await fixture.shutdown(); fakes.stop() } }
        let hotkey = try await fixture.hotkey(netuid: 1, uid: 3)
        fakes.chutes.withLock { $0 = .score("12") }
        let base = "http://127.0.0.1:\(fixture.server.port)"
        func get(_ path: String, token: String, key: String? = nil) async throws -> (Int, [String: Any]) {
            var request = URLRequest(url: URL(string: base + path)!)
            request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
            if let key { request.setValue(key, forHTTPHeaderField: "Idempotency-Key") }
            let (data, response) = try await URLSession.shared.data(for: request)
            return ((response as? HTTPURLResponse)?.statusCode ?? 0, (try? JSONSerialization.jsonObject(with: data) as? [String: Any]) ?? [:])
        }
        let path = "/api/v1/tao_dividends?netuid=1&hotkey=\(hotkey)&trade=true"
        #expect(try await get(path, token: fixture.server.readToken).0 == 403)
        let (status, body) = try await get(path, token: fixture.server.tradeToken, key: "rest-1")
        #expect(status == 200, "\(body)")
        #expect(body["dividends"] is [Any])
        let trade = try #require(body["trade"] as? [String: String])
        let commandID = try #require(trade["command_id"])
        var state = ""
        for _ in 0..<300 where !["finalized", "failed", "rejected", "skipped"].contains(state) {
            let (code, answer) = try await get(trade["status"]!, token: fixture.server.tradeToken)
            if code == 200 { state = answer["state"] as? String ?? "" }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(state == "finalized")
        #expect(try await fixture.stake(hotkey, netuid: 1) == 120_000_000)
        // The same Idempotency-Key trades once.
        let (_, again) = try await get(path, token: fixture.server.tradeToken, key: "rest-1")
        #expect((again["trade"] as? [String: String])?["command_id"] == commandID)
        try await Task.sleep(for: .milliseconds(500))
        #expect(try await fixture.stake(hotkey, netuid: 1) == 120_000_000)
        // Another token cannot read this command.
        #expect(try await get(trade["status"]!, token: fixture.server.readToken).0 == 404)
    }
}
