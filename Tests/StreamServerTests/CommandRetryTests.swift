import Foundation
import Logging
import Model
import StreamServer
import TaoConfiguration
import TaoRedis
import TaoStore
import TestHarness
import Testing

/// A command is stored before it reaches the Redis command stream: when its first attempt stops in
/// between, the client's retry with the same idempotency key queues it, once, and it executes once.
@Suite("Retries of commands that never reached the stream", .serialized, .timeLimit(.minutes(2)))
struct CommandRetryTests {
    let layout = RedisLayout()

    /// What the daily cap has counted, over every token and day.
    func counted(_ redis: RedisClient) async throws -> Int64 {
        let keys = try await redis.send(RedisCommand("KEYS", RedisArgument("\(layout.prefix):usage:*"))).array ?? []
        var total: Int64 = 0
        for key in keys {
            guard let name = key.string else { continue }
            total += try await redis.send(RedisCommand("GET", RedisArgument(name))).integer ?? 0
        }
        return total
    }

    /// How many commands the stream-queue markers say the stream holds.
    func markers(_ redis: RedisClient) async throws -> Int {
        try await redis.send(RedisCommand("KEYS", RedisArgument("\(layout.prefix):queued:*"))).array?.count ?? 0
    }

    /// A store of its own on the fixture's database, running until the returned task is cancelled.
    func openStore(_ fixture: CommandFixture) throws -> (CommandStore, Task<Void, Never>) {
        let store = CommandStore(database: Database(configuration: try DatabaseConfiguration(url: fixture.server.databaseURL)))
        let running = Task { await store.database.run() }
        return (store, running)
    }

    @Test func aStakeWhoseStreamWriteFailedIsQueuedByItsRetryAndStakesOnce() async throws {
        let fixture = try await CommandFixture()
        defer { Task { await fixture.shutdown() } }
        let redis = fixture.server.redis
        let hotkey = try await fixture.hotkey(netuid: 1, uid: 1)
        let token = try #require(try await fixture.server.tokens.verify(fixture.server.tradeToken))
        let (store, running) = try openStore(fixture)
        defer { running.cancel() }
        let socket = try await fixture.server.connect(token: fixture.server.tradeToken)

        // The stream key holds a string: XADD fails (WRONGTYPE) after the command was stored.
        _ = try await redis.send(RedisCommand("SET", RedisArgument(layout.commandStreamKey), "not a stream"))
        let message: TestWebSocket.Message = ["type": "stake", "netuid": .integer(1), "hotkey": .string(hotkey),
                                              "amount_rao": .integer(60_000_000), "idempotency_key": "retry-me"]
        var first = message
        first["id"] = "first"
        try await socket.send(first)
        let refused = try await socket.next(type: "error") { $0["id"] == "first" }
        #expect(refused["code"] == "unavailable", "\(refused)")
        #expect(refused["message"]?.stringValue?.contains("retry with the same idempotency_key") == true, "\(refused)")
        // Stored and queued, but on no stream and counted against no cap.
        let stuck = try #require(try await store.find(tokenID: token.id, idempotencyKey: "retry-me", logger: fixture.logger))
        #expect(stuck.state == .queued)
        #expect(try await counted(redis) == 0)
        #expect(try await markers(redis) == 0)

        // Redis is right again; the executor runs; the client retries with the same key.
        _ = try await redis.send(RedisCommand("DEL", RedisArgument(layout.commandStreamKey)))
        try await fixture.startExecutor()
        var again = message
        again["id"] = "again"
        try await socket.send(again)
        let accepted = try await socket.next(type: "accepted") { $0["id"] == "again" }
        #expect(accepted["duplicate"] == .bool(true), "\(accepted)")
        #expect(accepted["command_id"] == .string(stuck.commandID), "\(accepted)")
        let states = try await fixture.statuses(socket, stuck.commandID)
        #expect(states.last == "finalized", "\(states)")
        #expect(states.contains("signed"), "\(states)")
        #expect(try await fixture.stake(hotkey, netuid: 1) == 60_000_000)
        #expect(try await redis.xlen(layout.commandStreamKey) == 1)
        #expect(try await counted(redis) == 60_000_000)

        // Once more after it finished: only reported; nothing queued, counted or staked again.
        var late = message
        late["id"] = "late"
        try await socket.send(late)
        let reported = try await socket.next(type: "accepted") { $0["id"] == "late" }
        #expect(reported["duplicate"] == .bool(true) && reported["command_id"] == .string(stuck.commandID), "\(reported)")
        try await Task.sleep(for: .milliseconds(500))
        #expect(try await redis.xlen(layout.commandStreamKey) == 1)
        #expect(try await counted(redis) == 60_000_000)
        #expect(try await fixture.stake(hotkey, netuid: 1) == 60_000_000)
        #expect(await fixture.chain.nextNonce(fixture.alice.publicKey) == 1)
    }

    /// While a command waits in the stream (no executor yet) it is still `queued`: a retry must
    /// find it there and add nothing, neither a second entry nor a second count.
    @Test func aRetryOfACommandTheStreamHoldsAddsNothing() async throws {
        let fixture = try await CommandFixture()
        defer { Task { await fixture.shutdown() } }
        let redis = fixture.server.redis
        let hotkey = try await fixture.hotkey(netuid: 2, uid: 0)
        let socket = try await fixture.server.connect(token: fixture.server.tradeToken)
        let message: TestWebSocket.Message = ["type": "stake", "netuid": .integer(2), "hotkey": .string(hotkey),
                                              "amount_rao": .integer(30_000_000), "idempotency_key": "held"]
        try await socket.send(message)
        let first = try await socket.next(type: "accepted")
        #expect(first["duplicate"] == .bool(false))
        let commandID = try #require(first["command_id"]?.stringValue)
        #expect(try await redis.xlen(layout.commandStreamKey) == 1)

        let other = try await fixture.server.connect(token: fixture.server.tradeToken)
        for retry in [socket, other] {
            try await retry.send(message)
            let accepted = try await retry.next(type: "accepted")
            #expect(accepted["duplicate"] == .bool(true) && accepted["command_id"] == .string(commandID), "\(accepted)")
        }
        #expect(try await redis.xlen(layout.commandStreamKey) == 1)
        #expect(try await counted(redis) == 30_000_000)
        #expect(try await markers(redis) == 1)

        try await fixture.startExecutor()
        #expect(try await fixture.statuses(socket, commandID).last == "finalized")
        try await Task.sleep(for: .milliseconds(500))
        #expect(try await fixture.stake(hotkey, netuid: 2) == 30_000_000)
        #expect(await fixture.chain.nextNonce(fixture.alice.publicKey) == 1)
    }

    /// A trade whose server died while scoring stays `queued` and unscored. A retry while a
    /// scoring could still be running only reports it; one after that scores it (once) and trades.
    @Test func aTradeWhoseScoringNeverFinishedIsScoredAgainByARetry() async throws {
        let fakes = try await FakeSentimentServers()
        let url = fakes.settings.url
        // Scoring takes at most 2 × 1 s: a trade unscored for 7 s has lost its server.
        let settings = SentimentSettings(daturaURL: url, daturaKey: Secret(FakeSentimentServers.daturaKey),
                                         chutesURL: url, chutesKey: Secret(FakeSentimentServers.chutesKey), timeout: .seconds(1))
        let fixture = try await CommandFixture(sentiment: settings)
        defer { Task { await fixture.shutdown(); fakes.stop() } }
        try await fixture.startExecutor()
        fakes.chutes.withLock { $0 = .score("42") }
        let hotkey = try await fixture.hotkey(netuid: 1, uid: 2)
        let token = try #require(try await fixture.server.tokens.verify(fixture.server.tradeToken))
        let (store, running) = try openStore(fixture)
        defer { running.cancel() }

        // What a server stores before it scores, and then died.
        let commandID = "cmd_stucktrade0000000001"
        let neutral = StakeCommand(action: .stake, netuid: 1, hotkey: hotkey, amount: 0, idempotencyKey: "stuck-trade")
        let (storedID, existing) = try await store.insert(CommandRecord(id: commandID, tokenID: token.id, command: neutral),
                                                          detail: "scoring the sentiment of recent tweets", logger: fixture.logger)
        #expect(storedID == commandID && existing == nil)

        let socket = try await fixture.server.connect(token: fixture.server.tradeToken)
        let trade: TestWebSocket.Message = ["type": "trade", "netuid": .integer(1), "hotkey": .string(hotkey), "idempotency_key": "stuck-trade"]
        try await socket.send(trade)
        let early = try await socket.next(type: "accepted")
        #expect(early["duplicate"] == .bool(true) && early["command_id"] == .string(commandID), "\(early)")
        try await Task.sleep(for: .milliseconds(300))
        let earlyCalls = fakes.requests.value.filter({ $0.hasPrefix("datura") }).count
        #expect(earlyCalls == 0, "a scoring that may still run must not be doubled")

        try await Task.sleep(for: .milliseconds(7_500))
        try await socket.send(trade)
        let resumed = try await socket.next(type: "accepted")
        #expect(resumed["duplicate"] == .bool(true) && resumed["command_id"] == .string(commandID), "\(resumed)")
        let final = try await socket.next(type: "command_status", timeout: .seconds(30)) { message in
            message["command_id"] == .string(commandID)
                && (message["status"]?.objectValue?["state"]?.stringValue).map { ["finalized", "failed", "rejected", "skipped"].contains($0) } == true
        }
        #expect(final["status"]?.objectValue?["state"] == "finalized", "\(final)")
        #expect(try await fixture.stake(hotkey, netuid: 1) == 420_000_000)

        // Scored once; a further retry only reports the finished trade.
        try await socket.send(trade)
        let reported = try await socket.next(type: "accepted")
        #expect(reported["duplicate"] == .bool(true) && reported["command_id"] == .string(commandID), "\(reported)")
        try await Task.sleep(for: .milliseconds(500))
        let calls = fakes.requests.value.filter({ $0.hasPrefix("datura") }).count
        #expect(calls == 1, "\(fakes.requests.value)")
        #expect(try await fixture.stake(hotkey, netuid: 1) == 420_000_000)
        #expect(await fixture.chain.nextNonce(fixture.alice.publicKey) == 1)
    }
}
