import ChainWatcher
import Foundation
import Model
import StreamServer
import TaoRedis
import TestHarness
import Testing

/// The protocol as documented in web-client-spec/ and as the server speaks it must agree.
///
/// Every message a StreamServer test receives is checked against its schema as it arrives (see
/// ``TestWebSocket``), so the whole suite is the socket's contract test. Here: the checker refuses
/// what the spec does not allow, every example in the spec is a valid message the server accepts,
/// one session goes through every server message type, and what it leaves in Redis (written by
/// the server, the watcher's publisher and the executor) matches the schemas the AsyncAPI document
/// gives the Redis channels and streams.
@Suite("web-client-spec contract", .serialized, .timeLimit(.minutes(2)))
struct ContractTests {
    static let schemaFile = ReferenceOracle.repositoryRoot.appendingPathComponent("web-client-spec/schemas/messages.schema.json")

    func examples() throws -> [JSONValue] {
        let schema = try JSONDecoder().decode(JSONValue.self, from: Data(contentsOf: Self.schemaFile))
        guard case .object(let root) = schema, case .object(let defs)? = root["$defs"] else { return [] }
        var examples: [JSONValue] = []
        for name in ["auth", "subscribe", "unsubscribe", "query", "history_request", "ping", "stake", "unstake", "trade", "command_status_request", "alert_create", "alert_list", "alert_delete", "alert_deliveries_request"] {
            if case .object(let definition)? = defs[name], case .array(let items)? = definition["examples"] { examples += items }
        }
        return examples
    }

    /// `object` as JSON text.
    func text(_ object: [String: JSONValue]) throws -> String {
        String(decoding: try JSONEncoder().encode(JSONValue.object(object)), as: UTF8.self)
    }

    /// `value` as a JSON string (a payload that is text, not JSON, checked against a string schema).
    func quoted(_ value: String) throws -> String {
        let array = String(decoding: try JSONEncoder().encode([value]), as: UTF8.self)
        return String(array.dropFirst().dropLast())
    }

    /// What makes every other test a contract test only works if the checker says no.
    @Test func theCheckerRefusesWhatTheSpecDoesNotAllow() async throws {
        let contract = try await ContractValidator.shared()
        let valid = [
            #"{"type":"pong"}"#,
            #"{"type":"pong","id":7}"#,
            #"{"type":"error","code":"invalid_netuid","message":"netuid must be at most 65535"}"#,
            #"{"type":"accepted","id":"c","command_id":"cmd_1","duplicate":true}"#,
            #"{"type":"command_status","command_id":"cmd_1","status":{"command_id":"cmd_1","state":"skipped","detail":"sentiment 0"}}"#,
        ]
        for message in valid {
            let problem = await contract.problem(in: message)
            #expect(problem == nil, "\(message): \(problem ?? "")")
        }
        // Each with a word its problem must name.
        let invalid: [(message: String, named: String)] = [
            (#"{"type":"dance"}"#, "no schema"),
            (#"{"type":"subscribe","netuid":1}"#, "no schema"),
            (#"{"netuid":1}"#, "type"),
            (#"[1,2]"#, "object"),
            (#"{"type":"pong","extra":1}"#, "extra"),
            (#"{"type":"accepted","command_id":"cmd_1"}"#, "duplicate"),
            (#"{"type":"subscribed","subscription":"s1","filter":{},"snapshot":[],"recovered":"yes"}"#, "recovered"),
            (#"{"type":"error","message":"neither id nor code"}"#, "code"),
            (#"{"type":"command_status","command_id":"cmd_1"}"#, "status"),
        ]
        for (message, named) in invalid {
            let problem = await contract.problem(in: message) ?? ""
            #expect(problem.contains(named), "\(message) → \(problem.isEmpty ? "accepted" : problem)")
        }
        #expect(await contract.problem(in: #"{"type":"command_status","command_id":"cmd_1"}"#, as: .clientMessage) == nil)
        #expect(await contract.problem(in: #"{"type":"pong"}"#, as: .clientMessage) != nil, "pong is no client message")
        #expect(await contract.problem(in: "\"4812345\"", as: .definition("Resync")) == nil)
        #expect(await contract.problem(in: "{}", as: .definition("NoSuchThing")) != nil)
    }

    @Test func everyExampleInTheSpecIsAValidMessageAndTheServerAcceptsIt() async throws {
        let examples = try examples()
        #expect(examples.count >= 10)
        let contract = try await ContractValidator.shared()
        for example in examples {
            let text = String(decoding: try JSONEncoder().encode(example), as: UTF8.self)
            let problem = await contract.problem(in: text, as: .clientMessage)
            #expect(problem == nil, "the spec's example \(text): \(problem ?? "")")
        }
        let fixture = try await ServerFixture.start(commandLimits: CommandLimits())
        defer { Task { await fixture.shutdown() } }
        let socket = try await fixture.connect(token: fixture.tradeToken)
        _ = try await socket.next(type: "welcome")
        let malformed: Set<String> = ["malformed_json", "unknown_type", "invalid_field", "invalid_hotkey", "invalid_netuid", "invalid_kind", "invalid_offset", "invalid_amount"]
        for example in examples {
            guard case .object(let message) = example, message["type"] != "auth" else { continue }
            var tagged = message
            tagged["id"] = .string("example")
            try await socket.sendText(String(decoding: try JSONEncoder().encode(JSONValue.object(tagged)), as: UTF8.self))
            let reply = try await socket.messages.next(timeout: .seconds(10), "the reply to \(message)") { $0["id"] == "example" }
            if reply["type"] == "error" {
                #expect(!malformed.contains(reply["code"]?.stringValue ?? ""), "the server refused the spec's example \(message): \(reply)")
            }
        }
    }

    /// Every server message type in one session (each checked by ``TestWebSocket`` on arrival),
    /// then the Redis side: the command stream, the change log, a latest-value hash, the watcher
    /// hash after a restore, and what was published on the status and resync channels.
    @Test func aSessionThroughEveryMessageTypeAndWhatItLeavesInRedisMatchTheSpec() async throws {
        let fixture = try await CommandFixture()
        defer { Task { await fixture.shutdown() } }
        let layout = RedisLayout()
        let subscriber = RedisSubscriber(configuration: try RedisConfiguration(url: fixture.server.redisServer.url))
        let published = StreamRecorder(subscriber.events)
        let listening = Task { try await subscriber.run() }
        defer { listening.cancel() }
        await subscriber.subscribe(patterns: [layout.commandStatusPattern])
        await subscriber.subscribe(channels: [layout.resyncChannel])
        try await fixture.startExecutor()
        let script = ChangeScript(fixture.server.publisher)
        let hotkey = try await fixture.hotkey(netuid: 1, uid: 0)
        try await script.publish([(key(1, Hotkeys.alice), 5), (key(2, Hotkeys.bob), 6)])
        let socket = try await fixture.server.connect(token: fixture.server.tradeToken)
        try await socket.send(["type": "subscribe", "id": "s", "netuid": .integer(1)])
        let subscribed = try await socket.next(type: "subscribed")
        try await script.publish([(key(1, Hotkeys.alice), 7), (key(1, Hotkeys.charlie), nil)])
        _ = try await socket.next(type: "update")
        try await socket.send(["type": "query", "id": .integer(2)])
        _ = try await socket.next(type: "snapshot")
        try await socket.send(["type": "history", "id": "h", "netuid": .integer(1), "limit": .integer(5)])
        _ = try await socket.next(type: "history")
        try await socket.send(["type": "ping", "id": "p"])
        _ = try await socket.next(type: "pong")
        try await socket.send(["type": "subscribe", "netuid": .integer(70000)])
        _ = try await socket.next(type: "error")
        try await socket.send(["type": "stake", "id": "c", "netuid": .integer(1), "hotkey": .string(hotkey), "amount": "0.1", "idempotency_key": "contract"])
        let commandID = try #require(try await socket.next(type: "accepted")["command_id"]?.stringValue)
        _ = try await fixture.statuses(socket, commandID)
        try await socket.send(["type": "command_status", "id": "cs", "command_id": .string(commandID)])
        _ = try await socket.next(type: "command_status") { $0["id"] == "cs" }
        try await socket.send(["type": "stake", "id": "again", "netuid": .integer(1), "hotkey": .string(hotkey), "amount": "0.1", "idempotency_key": "contract"])
        #expect(try await socket.next(type: "accepted") { $0["id"] == "again" }["duplicate"] == .bool(true))

        // The watcher puts the latest values back (as after a Redis data loss): a fresh snapshot.
        let latest = try await script.publish([(key(1, Hotkeys.alice), 8)])
        _ = try await socket.next(type: "update") { $0.change?["new"] == "8" }
        let entries = try await fixture.server.publisher.publishedEntries(kinds: [.alpha])
        try await fixture.server.publisher.restore(entries: entries.values, block: latest[0].block, blockHash: latest[0].blockHash)
        let fresh = try await socket.next(type: "subscribed") { $0["recovered"] == .bool(false) }
        #expect(fresh["snapshot"]?.arrayValue?.isEmpty == false)

        try await socket.send(["type": "unsubscribe", "id": "u", "subscription": subscribed["subscription"] ?? .null])
        _ = try await socket.next(type: "unsubscribed")
        let reader = try await fixture.server.connectWithAuthMessage()
        try await reader.send(["type": "ping"])
        _ = try await reader.next(type: "pong")
        var types: Set<String> = []
        for connection in [socket, reader] {
            let received = await connection.messages.all()
            types.formUnion(received.compactMap { $0["type"]?.stringValue })
        }
        #expect(types.isSuperset(of: ["welcome", "subscribed", "update", "snapshot", "history", "pong", "error", "accepted", "command_status", "unsubscribed"]), "\(types)")

        // The Redis side, against the definitions the AsyncAPI document names.
        let redis = fixture.server.redis
        var payloads: [(definition: String, json: String)] = []
        for entry in try await redis.xrange(layout.commandStreamKey) {
            payloads.append(("CommandRecord", String(decoding: entry.fields["command"] ?? [], as: UTF8.self)))
        }
        for entry in try await redis.xrange(layout.changeLogKey) {
            payloads.append(("DividendChange", String(decoding: entry.fields[RedisLayout.changeField] ?? [], as: UTF8.self)))
        }
        for (_, value) in try await redis.hgetall(layout.latestKey(kind: .alpha, netuid: 1)) {
            payloads.append(("DividendEntry", String(decoding: value, as: UTF8.self)))
        }
        let watcher = try await redis.hgetall(layout.watcherKey)
        #expect(watcher["log_from"].map { String(decoding: $0, as: UTF8.self) } == String(latest[0].block))
        let watcherState = try text(watcher.mapValues { JSONValue.string(String(decoding: $0, as: UTF8.self)) })
        payloads.append(("WatcherState", watcherState))
        let statusChannel = layout.commandStatusChannel(commandID)
        let resyncChannel = layout.resyncChannel
        _ = try await published.next("the finalized status on \(statusChannel)") { event in
            guard case .message(let message) = event else { return false }
            return message.channel == statusChannel && String(decoding: message.payload, as: UTF8.self).contains("\"finalized\"")
        }
        _ = try await published.next("the notice on \(resyncChannel)") { event in
            guard case .message(let message) = event else { return false }
            return message.channel == resyncChannel
        }
        for event in await published.all() {
            guard case .message(let message) = event else { continue }
            let payload = String(decoding: message.payload, as: UTF8.self)
            if message.channel == resyncChannel {
                let block = try quoted(payload)
                payloads.append(("Resync", block))
            } else {
                payloads.append(("CommandStatus", payload))
            }
        }
        let definitions = Set(payloads.map { $0.definition })
        #expect(definitions == ["CommandRecord", "DividendChange", "DividendEntry", "WatcherState", "CommandStatus", "Resync"], "\(definitions)")
        let contract = try await ContractValidator.shared()
        for (definition, json) in payloads {
            let problem = await contract.problem(in: json, as: .definition(definition))
            #expect(problem == nil, "\(definition) \(json): \(problem ?? "")")
        }
    }
}
