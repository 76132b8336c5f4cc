import Foundation
import Hummingbird
import HummingbirdWSClient
import HummingbirdWSCompression
import Logging
import Model
import NIOCore
import Synchronization
import TestHarness
import Testing

/// A real WebSocket client for the tests: records every message, sends JSON, reports the close.
///
/// It is the socket's contract test as well: every message it receives is checked against
/// web-client-spec/schemas/messages.schema.json (the schema of its `type`) by the shared
/// ``ContractValidator`` before a test can see it. A message that does not match, a type with no
/// schema, or a frame that is not a JSON object text is an issue of the test that received it,
/// with the message and what is wrong. Checking does not slow reading (the server sees the same
/// client): the checks are pipelined, and messages reach ``messages`` in the order they came, each
/// once its verdict is in.
final class TestWebSocket: Sendable {
    typealias Message = [String: JSONValue]

    let messages: StreamRecorder<Message>
    private let outbound: Locked<WebSocketOutboundWriter?>
    private let readGate: Locked<Bool>
    private let session: Task<WebSocketCloseFrame?, any Error>
    /// Hands the received messages on to ``messages``, checked; ends after the session.
    private let checking: Task<Void, Never>
    private let ended: Locked<String?>

    /// A message on its way to ``messages``, with its pending verdict.
    private struct Received: Sendable {
        var message: Message
        var text: String
        var verdict: ContractValidator.Verdict
    }

    private init(messages: StreamRecorder<Message>, outbound: Locked<WebSocketOutboundWriter?>, readGate: Locked<Bool>, session: Task<WebSocketCloseFrame?, any Error>, checking: Task<Void, Never>, ended: Locked<String?>) {
        self.messages = messages
        self.outbound = outbound
        self.readGate = readGate
        self.session = session
        self.checking = checking
        self.ended = ended
    }

    struct ConnectFailed: Error, CustomStringConvertible { var description: String }

    static func connect(url: String, bearer: String?, compression: Bool = true) async throws -> TestWebSocket {
        // Fails with what to install when the validator cannot run, before any connection is made.
        let contract = try await ContractValidator.shared()
        let (stream, continuation) = AsyncStream.makeStream(of: Message.self)
        let (received, receiving) = AsyncStream.makeStream(of: Received.self)
        let outbound = Locked<WebSocketOutboundWriter?>(nil)
        let readGate = Locked(true)
        let ended = Locked<String?>(nil)
        let headers = { () -> HTTPFields in
            var headers = HTTPFields()
            if let bearer { headers[.authorization] = "Bearer \(bearer)" }
            return headers
        }()
        let logger = { () -> Logger in
            var logger = Logger(label: "test.client")
            logger.logLevel = .critical
            return logger
        }()
        let configuration = WebSocketClientConfiguration(
            maxFrameSize: 1 << 22, additionalHeaders: headers,
            extensions: compression ? [.perMessageDeflate()] : [], autoPing: .disabled
        )
        let session = Task {
            defer { receiving.finish() }
            do {
                let frame = try await connectAndRead()
                ended.withLock { $0 = "closed \(String(describing: frame))" }
                return frame
            } catch {
                ended.withLock { $0 = "\(error)" }
                throw error
            }
        }
        // In the test's task context, so an issue recorded here belongs to the test that connected.
        let checking = Task {
            defer { continuation.finish() }
            for await item in received {
                if let problem = await item.verdict.problem() {
                    let type = item.message["type"]?.stringValue ?? "?"
                    Issue.record("the server sent a '\(type)' message that web-client-spec/schemas/messages.schema.json does not allow: \(problem)\nthe message: \(TestWebSocket.excerpt(item.text))")
                }
                continuation.yield(item.message)
            }
        }
        @Sendable func connectAndRead() async throws -> WebSocketCloseFrame? {
            try await WebSocketClient.connect(url: url, configuration: configuration, logger: logger) { inbound, writer, _ in
                outbound.withLock { $0 = writer }
                for try await message in inbound.messages(maxSize: 1 << 22) {
                    while !readGate.withLock({ $0 }) { try await Task.sleep(for: .milliseconds(5)) }
                    switch message {
                    case .text(let text):
                        guard case .object(let object)? = try? JSONDecoder().decode(JSONValue.self, from: Data(text.utf8)) else {
                            Issue.record("the server sent a text frame that is not a JSON object: \(TestWebSocket.excerpt(text))")
                            continue
                        }
                        receiving.yield(Received(message: object, text: text, verdict: contract.submit(text)))
                    case .binary(let bytes):
                        Issue.record("the server sent a binary frame (\(bytes.readableBytes) bytes); the protocol has JSON text frames only")
                    }
                }
            }
        }
        let socket = TestWebSocket(messages: StreamRecorder(stream), outbound: outbound, readGate: readGate, session: session, checking: checking, ended: ended)
        // Connected once the handler runs; an upgrade refusal ends the task with an error instead.
        // Generous, because the whole suite runs in parallel on two cores in CI.
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            if outbound.withLock({ $0 != nil }) { return socket }
            if let result = ended.withLock({ $0 }) {
                throw ConnectFailed(description: "connection failed: \(result)")
            }
            try await Task.sleep(for: .milliseconds(5))
        }
        throw ConnectFailed(description: "no connection to \(url)")
    }

    func send(_ object: Message) async throws {
        let data = try JSONEncoder().encode(JSONValue.object(object))
        try await sendText(String(decoding: data, as: UTF8.self))
    }

    func sendText(_ text: String) async throws {
        guard let writer = outbound.withLock({ $0 }) else { throw ConnectFailed(description: "not connected") }
        try await writer.write(.text(text))
    }

    func sendBinary(_ bytes: [UInt8]) async throws {
        guard let writer = outbound.withLock({ $0 }) else { throw ConnectFailed(description: "not connected") }
        try await writer.write(.binary(ByteBuffer(bytes: bytes)))
    }

    /// The next message of `type` (skipping others) that satisfies `predicate`.
    @discardableResult
    func next(type: String, timeout: Duration = .seconds(10), where predicate: @escaping @Sendable (Message) -> Bool = { _ in true }) async throws -> Message {
        try await messages.next(timeout: timeout, "a '\(type)' message") { $0["type"] == .string(type) && predicate($0) }
    }

    /// Stops reading, so the server's writes back up as they would for a slow client.
    func pauseReading() { readGate.withLock { $0 = false } }
    func resumeReading() { readGate.withLock { $0 = true } }

    /// Closes the connection and returns once every message received before was checked and recorded.
    func close() async {
        try? await outbound.withLock({ $0 })?.close(.normalClosure, reason: nil)
        _ = try? await session.value
        await checking.value
    }

    /// How the server closed the connection (waits for it, but not past `timeout`).
    func closeFrame(timeout: Duration = .seconds(15)) async throws -> WebSocketCloseFrame? {
        // Not a task group: a group waits for its losers, and a paused reader may never finish.
        let session = self.session
        return try await withCheckedThrowingContinuation { continuation in
            let pending = Locked<CheckedContinuation<WebSocketCloseFrame?, any Error>?>(continuation)
            @Sendable func finish(_ result: Result<WebSocketCloseFrame?, any Error>) {
                pending.withLock { waiting in
                    waiting?.resume(with: result)
                    waiting = nil
                }
            }
            Task { finish(await session.result) }
            Task {
                try? await Task.sleep(for: timeout)
                finish(.failure(ConnectFailed(description: "the server did not close the connection within \(timeout)")))
            }
        }
    }

    /// `text`, cut to what an issue can show.
    private static func excerpt(_ text: String) -> String {
        let limit = 2000
        return text.count <= limit ? text : "\(text.prefix(limit))… (\(text.utf8.count) bytes in all)"
    }
}

extension JSONValue {
    var stringValue: String? { if case .string(let s) = self { s } else { nil } }
    var intValue: Int64? { if case .integer(let i) = self { i } else { nil } }
    var arrayValue: [JSONValue]? { if case .array(let a) = self { a } else { nil } }
    var objectValue: [String: JSONValue]? { if case .object(let o) = self { o } else { nil } }
}
