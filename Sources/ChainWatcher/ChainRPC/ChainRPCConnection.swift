import Foundation
import HummingbirdWSClient
import Logging
import Model
import NIOCore
import Synchronization

/// One live JSON-RPC connection to a Substrate node over WebSocket (`ws://` or `wss://` with TLS
/// verified against the system roots). Requests are multiplexed by id; every request has a timeout;
/// subscription notifications are routed by subscription id. When the socket closes, every waiter
/// fails with ``ChainRPCError/connectionLost(endpoint:)`` and every subscription ends.
public final class ChainRPCConnection: Sendable {
    public let endpoint: String
    private struct State {
        var writer: WebSocketOutboundWriter?
        var nextID: Int64 = 1
        var pending: [Int64: CheckedContinuation<JSONValue, any Error>] = [:]
        var subscriptions: [String: AsyncThrowingStream<JSONValue, any Error>.Continuation] = [:]
        /// Notifications that arrived before their subscription id was known.
        var early: [String: [JSONValue]] = [:]
        /// Subscriptions this side ended: their late notifications are dropped, not kept as early.
        var ended: Set<String> = []
        var closed = false
    }

    private let state = Mutex(State())
    private let session: Mutex<Task<Void, Never>?> = Mutex(nil)

    private init(endpoint: String) { self.endpoint = endpoint }

    public static func open(_ endpoint: String, timeout: Duration = .seconds(10), logger: Logger) async throws(ChainRPCError) -> ChainRPCConnection {
        let connection = ChainRPCConnection(endpoint: endpoint)
        let failure = Mutex<String?>(nil)
        let task = Task {
            do {
                _ = try await WebSocketClient.connect(
                    url: endpoint, configuration: .init(maxFrameSize: 64 << 20), logger: logger
                ) { inbound, outbound, _ in
                    connection.state.withLock { $0.writer = outbound }
                    for try await message in inbound.messages(maxSize: 64 << 20) {
                        guard case .text(let text) = message else { continue }
                        connection.receive(text)
                    }
                }
            } catch {
                failure.withLock { $0 = "\(error)" }
            }
            connection.closeAll()
        }
        connection.session.withLock { $0 = task }
        let deadline = ContinuousClock.now + timeout
        while true {
            let (ready, closed) = connection.state.withLock { ($0.writer != nil, $0.closed) }
            if ready { return connection }
            if closed || ContinuousClock.now > deadline {
                task.cancel()
                throw .connectionFailed(endpoint: endpoint, reason: failure.withLock { $0 } ?? (closed ? "closed during the handshake" : "no answer within \(timeout)"))
            }
            try? await Task.sleep(for: .milliseconds(5))
        }
    }

    public var isOpen: Bool { state.withLock { !$0.closed } }

    /// Calls `method`; the result, or the node's error.
    public func request(_ method: String, _ params: [JSONValue] = [], timeout: Duration = .seconds(30)) async throws(ChainRPCError) -> JSONValue {
        let (id, writer) = state.withLock { state -> (Int64, WebSocketOutboundWriter?) in
            defer { state.nextID += 1 }
            return (state.nextID, state.closed ? nil : state.writer)
        }
        guard let writer else { throw .connectionLost(endpoint: endpoint) }
        let body = JSONValue.object(["jsonrpc": "2.0", "id": .integer(id), "method": .string(method), "params": .array(params)])
        guard let data = try? JSONEncoder().encode(body) else { throw .unexpectedAnswer(method: method, detail: "unencodable parameters") }
        let timer = Task { [weak self] in
            try await Task.sleep(for: timeout)
            self?.fail(id, with: ChainRPCError.timedOut(method: method, after: timeout))
        }
        defer { timer.cancel() }
        do {
            let answer = try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<JSONValue, any Error>) in
                let accepted = state.withLock { state -> Bool in
                    guard !state.closed else { return false }
                    state.pending[id] = continuation
                    return true
                }
                guard accepted else {
                    continuation.resume(throwing: ChainRPCError.connectionLost(endpoint: endpoint))
                    return
                }
                Task {
                    do { try await writer.write(.text(String(decoding: data, as: UTF8.self))) } catch {
                        self.fail(id, with: ChainRPCError.connectionLost(endpoint: self.endpoint))
                    }
                }
            }
            if case .object(let object) = answer, case .object(let error)? = object["error"] {
                let code: Int64 = switch error["code"] {
                case .integer(let value)?: value
                case .unsigned(let value)?: Int64(clamping: value)
                default: 0
                }
                var message = error["message"].flatMap { if case .string(let text) = $0 { text } else { nil } } ?? "unknown error"
                if case .string(let data)? = error["data"] { message += ": \(data)" }
                throw ChainRPCError.nodeError(method: method, code: code, message: message)
            }
            if case .object(let object) = answer { return object["result"] ?? .null }
            throw ChainRPCError.unexpectedAnswer(method: method, detail: "not a JSON object")
        } catch let error as ChainRPCError {
            throw error
        } catch {
            throw .unexpectedAnswer(method: method, detail: "\(error)")
        }
    }

    /// Subscribes with `method`; notifications' `result`s, until the connection closes.
    ///
    /// A subscription the caller stops reading is ended on the node too (with the matching
    /// `…unsubscribe…` method): a follower that retries on one connection must not leave a growing
    /// number of live subscriptions behind, each pushing every block.
    public func subscribe(_ method: String, _ params: [JSONValue] = []) async throws(ChainRPCError) -> AsyncThrowingStream<JSONValue, any Error> {
        let (stream, continuation) = AsyncThrowingStream.makeStream(of: JSONValue.self, bufferingPolicy: .bufferingNewest(4096))
        let answer = try await request(method, params)
        guard case .string(let id) = answer else { throw .unexpectedAnswer(method: method, detail: "no subscription id") }
        let early = state.withLock { state -> [JSONValue]? in
            if state.closed { return nil }
            state.subscriptions[id] = continuation
            return state.early.removeValue(forKey: id) ?? []
        }
        guard let early else {
            continuation.finish(throwing: ChainRPCError.connectionLost(endpoint: endpoint))
            return stream
        }
        let unsubscribe = Self.unsubscribeMethod(for: method)
        continuation.onTermination = { [weak self] _ in
            guard let self else { return }
            // Still registered means the reader went away, not the connection.
            let live = self.state.withLock { state -> Bool in
                guard state.subscriptions.removeValue(forKey: id) != nil, !state.closed else { return false }
                if state.ended.count > 1024 { state.ended.removeAll() }
                state.ended.insert(id)
                return true
            }
            guard live, let unsubscribe else { return }
            Task { _ = try? await self.request(unsubscribe, [.string(id)], timeout: .seconds(5)) }
        }
        for value in early { continuation.yield(value) }
        return stream
    }

    /// The method that ends a subscription made with `method`, as Substrate names them.
    static func unsubscribeMethod(for method: String) -> String? {
        switch method {
        case "author_submitAndWatchExtrinsic": return "author_unwatchExtrinsic"
        default:
            guard let range = method.range(of: "_subscribe") else { return nil }
            return method.replacingCharacters(in: range, with: "_unsubscribe")
        }
    }

    public func close() async {
        session.withLock { $0 }?.cancel()
        let writer = state.withLock { $0.writer }
        try? await writer?.close(.normalClosure, reason: nil)
        closeAll()
    }

    // MARK: Inbound

    private func receive(_ text: String) {
        guard case .object(let object)? = try? JSONParser.parse(text.utf8) else { return }
        if case .integer(let id)? = object["id"] {
            let continuation = state.withLock { $0.pending.removeValue(forKey: id) }
            continuation?.resume(returning: .object(object))
            return
        }
        guard case .object(let params)? = object["params"], case .string(let subscription)? = params["subscription"] else { return }
        let result = params["result"] ?? .null
        let continuation = state.withLock { state -> AsyncThrowingStream<JSONValue, any Error>.Continuation? in
            if let continuation = state.subscriptions[subscription] { return continuation }
            // Notifications may race ahead of the id they belong to. Those of a subscription
            // already ended are dropped; the rest are kept, within bounds, until the id is known.
            if state.ended.contains(subscription) { return nil }
            if state.early.count > 256 { state.early.removeAll() }
            if state.early[subscription, default: []].count < 64 { state.early[subscription, default: []].append(result) }
            return nil
        }
        continuation?.yield(result)
    }

    private func fail(_ id: Int64, with error: ChainRPCError) {
        let continuation = state.withLock { $0.pending.removeValue(forKey: id) }
        continuation?.resume(throwing: error)
    }

    private func closeAll() {
        let (pending, subscriptions) = state.withLock { state in
            state.closed = true
            defer { state.pending = [:]; state.subscriptions = [:] }
            return (Array(state.pending.values), Array(state.subscriptions.values))
        }
        for continuation in pending { continuation.resume(throwing: ChainRPCError.connectionLost(endpoint: endpoint)) }
        for continuation in subscriptions { continuation.finish(throwing: ChainRPCError.connectionLost(endpoint: endpoint)) }
    }
}
