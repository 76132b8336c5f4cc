import Foundation
import HummingbirdWSClient
import Logging
import Model
import TestHarness

/// A raw JSON-RPC client over a real WebSocket: requests by id, notifications recorded.
final class RPCTestClient: Sendable {
    struct RPCFailure: Error, CustomStringConvertible {
        let code: Int64
        let message: String
        let data: String?
        var description: String { "\(code) \(message) \(data ?? "")" }
    }

    /// Responses and errors (frames with an `id`); notifications are kept apart, so waiting for
    /// one never drops the other.
    let frames: StreamRecorder<[String: JSONValue]>
    let notifications: StreamRecorder<[String: JSONValue]>
    private let writer: Locked<WebSocketOutboundWriter?>
    private let nextID = Locked<Int64>(1)
    private let session: Task<Void, any Error>

    private init(frames: StreamRecorder<[String: JSONValue]>, notifications: StreamRecorder<[String: JSONValue]>, writer: Locked<WebSocketOutboundWriter?>, session: Task<Void, any Error>) {
        self.frames = frames
        self.notifications = notifications
        self.writer = writer
        self.session = session
    }

    static func connect(port: Int) async throws -> RPCTestClient {
        let (stream, continuation) = AsyncStream.makeStream(of: [String: JSONValue].self)
        let (notificationStream, notificationContinuation) = AsyncStream.makeStream(of: [String: JSONValue].self)
        let writer = Locked<WebSocketOutboundWriter?>(nil)
        let logger = { () -> Logger in
            var logger = Logger(label: "test.rpc")
            logger.logLevel = .critical
            return logger
        }()
        let session = Task {
            defer {
                continuation.finish()
                notificationContinuation.finish()
            }
            _ = try await WebSocketClient.connect(url: "ws://127.0.0.1:\(port)", configuration: .init(maxFrameSize: 1 << 24), logger: logger) { inbound, outbound, _ in
                writer.withLock { $0 = outbound }
                for try await message in inbound.messages(maxSize: 1 << 24) {
                    guard case .text(let text) = message,
                          case .object(let object)? = try? JSONParser.parse(text.utf8) else { continue }
                    if object["method"] != nil, object["id"] == nil { notificationContinuation.yield(object) } else { continuation.yield(object) }
                }
            }
        }
        // Generous: with the whole suite running in parallel on two cores, a handshake can take seconds.
        let deadline = ContinuousClock.now + .seconds(30)
        while writer.withLock({ $0 == nil }), ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(5))
        }
        guard writer.withLock({ $0 != nil }) else { throw RPCFailure(code: 0, message: "could not connect to the DevChain on port \(port) within 30 s", data: nil) }
        return RPCTestClient(frames: StreamRecorder(stream), notifications: StreamRecorder(notificationStream), writer: writer, session: session)
    }

    func sendRaw(_ text: String) async throws {
        try await writer.withLock { $0 }!.write(.text(text))
    }

    /// The whole response object of one request.
    func response(_ method: String, _ params: [JSONValue] = []) async throws -> [String: JSONValue] {
        let id = nextID.withLock { value in
            defer { value += 1 }
            return value
        }
        let request = JSONValue.object(["jsonrpc": "2.0", "id": .integer(id), "method": .string(method), "params": .array(params)])
        try await sendRaw(String(decoding: try JSONEncoder().encode(request), as: UTF8.self))
        return try await frames.next(timeout: .seconds(20), "the answer to \(method)") { $0["id"] == .integer(id) }
    }

    func call(_ method: String, _ params: [JSONValue] = []) async throws -> JSONValue {
        let answer = try await response(method, params)
        if case .object(let error)? = answer["error"] {
            var code: Int64 = 0
            if case .integer(let value)? = error["code"] { code = value }
            if case .unsigned(let value)? = error["code"] { code = Int64(value) }
            var data: String?
            if case .string(let text)? = error["data"] { data = text }
            throw RPCFailure(code: code, message: { if case .string(let m)? = error["message"] { m } else { "" } }(), data: data)
        }
        return answer["result"] ?? .null
    }

    /// The next notification of `method` for `subscription`.
    func notification(_ method: String, subscription: JSONValue, timeout: Duration = .seconds(10)) async throws -> JSONValue {
        let frame = try await notifications.take(timeout: timeout, "a \(method) notification") { frame in
            guard frame["method"] == .string(method), case .object(let params)? = frame["params"] else { return false }
            return params["subscription"] == subscription
        }
        guard case .object(let params)? = frame["params"] else { return .null }
        return params["result"] ?? .null
    }

    func close() async {
        try? await writer.withLock { $0 }?.close(.normalClosure, reason: nil)
        session.cancel()
    }
}

extension JSONValue {
    var string: String? { if case .string(let text) = self { text } else { nil } }
    var array: [JSONValue]? { if case .array(let items) = self { items } else { nil } }
    subscript(_ key: String) -> JSONValue? { if case .object(let object) = self { object[key] } else { nil } }
}
