import Foundation
import Model
import StreamServer
import TestHarness
import Testing

/// The protocol as documented in web-client-spec/ and as the server speaks it must agree.
@Suite("web-client-spec contract", .serialized, .timeLimit(.minutes(2)))
struct ContractTests {
    static let schemaFile = ReferenceOracle.repositoryRoot.appendingPathComponent("web-client-spec/schemas/messages.schema.json")

    /// Problems the reference validator (Python jsonschema, draft 2020-12) finds.
    func validate(server: [JSONValue], client: [JSONValue] = []) throws -> [String] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: ReferenceOracle.python)
        guard FileManager.default.isExecutableFile(atPath: ReferenceOracle.python) else {
            throw ReferenceOracle.Unavailable(description: "run `bash scripts/setup-python.sh` to install the validator")
        }
        process.arguments = [ReferenceOracle.repositoryRoot.appendingPathComponent("Tests/Oracle/contract.py").path]
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        input.fileHandleForWriting.write(try JSONEncoder().encode(JSONValue.object(["server": .array(server), "client": .array(client)])))
        try input.fileHandleForWriting.close()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return try JSONDecoder().decode([String].self, from: data)
    }

    func examples() throws -> [JSONValue] {
        let schema = try JSONDecoder().decode(JSONValue.self, from: Data(contentsOf: Self.schemaFile))
        guard case .object(let root) = schema, case .object(let defs)? = root["$defs"] else { return [] }
        var examples: [JSONValue] = []
        for name in ["auth", "subscribe", "unsubscribe", "query", "ping", "stake", "unstake", "trade", "command_status_request"] {
            if case .object(let definition)? = defs[name], case .array(let items)? = definition["examples"] { examples += items }
        }
        return examples
    }

    @Test func everyMessageTheServerSendsValidatesAgainstItsSchema() async throws {
        let fixture = try await CommandFixture()
        defer { Task { await fixture.shutdown() } }
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
        try await socket.send(["type": "ping", "id": "p"])
        _ = try await socket.next(type: "pong")
        try await socket.send(["type": "subscribe", "netuid": .integer(70000)])
        _ = try await socket.next(type: "error")
        try await socket.send(["type": "stake", "id": "c", "netuid": .integer(1), "hotkey": .string(hotkey), "amount": "0.1", "idempotency_key": "contract"])
        let commandID = try #require(try await socket.next(type: "accepted")["command_id"]?.stringValue)
        _ = try await fixture.statuses(socket, commandID)
        try await socket.send(["type": "command_status", "id": "cs", "command_id": .string(commandID)])
        _ = try await socket.next(type: "command_status") { $0["id"] == "cs" }
        try await socket.send(["type": "unsubscribe", "id": "u", "subscription": subscribed["subscription"] ?? .null])
        _ = try await socket.next(type: "unsubscribed")
        // Every frame received so far, welcome included.
        let reader = try await fixture.server.connectWithAuthMessage()
        try await reader.send(["type": "ping"])
        _ = try await reader.next(type: "pong")

        var messages: [JSONValue] = []
        for connection in [socket, reader] {
            messages += await connection.messages.all().map { JSONValue.object($0) }
        }
        let types = Set(messages.compactMap { if case .object(let o) = $0, case .string(let t)? = o["type"] { t } else { nil } })
        #expect(types.isSuperset(of: ["welcome", "subscribed", "update", "snapshot", "pong", "error", "accepted", "command_status", "unsubscribed"]), "\(types)")
        let problems = try validate(server: messages)
        #expect(problems.isEmpty, "\(problems.prefix(10))")
    }

    @Test func everyExampleInTheSpecIsAValidMessageAndTheServerAcceptsIt() async throws {
        let examples = try examples()
        #expect(examples.count >= 9)
        #expect(try validate(server: [], client: examples).isEmpty)
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
}
