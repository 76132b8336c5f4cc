import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import TestHarness

/// Datura and Chutes as local HTTP servers on loopback that check and answer the real request and
/// response shapes: `POST /twitter` (Authorization: <key>; {query, sort, count} → [{text, …}]) and
/// `POST /v1/chat/completions` (Authorization: Bearer <key>; OpenAI chat format).
final class FakeSentimentServers: Sendable {
    enum Chutes: Sendable { case score(String), garbage, down }
    enum Datura: Sendable { case tweets([String]), down }

    static let daturaKey = "dt-test-key"
    static let chutesKey = "cpk-test-key"

    let port: Int
    let datura = Locked<Datura>(.tweets(["Subnet looks great", "Strong validators this week"]))
    let chutes = Locked<Chutes>(.score("42"))
    let requests = Locked<[String]>([])
    private let task: Task<Void, any Error>

    init() async throws {
        port = Network.freePort()
        let router = Router()
        let datura = self.datura
        let chutes = self.chutes
        let requests = self.requests
        router.post("twitter") { request, context -> Response in
            guard request.headers[.authorization] == Self.daturaKey else { return Response(status: .unauthorized) }
            let body = try await request.body.collect(upTo: 1 << 20)
            guard let object = try JSONSerialization.jsonObject(with: Data(buffer: body)) as? [String: Any],
                  let query = object["query"] as? String, object["sort"] is String, object["count"] is Int
            else { return Response(status: .badRequest) }
            requests.withLock { $0.append("datura: \(query)") }
            guard case .tweets(let texts) = datura.value else { return Response(status: .serviceUnavailable) }
            let tweets = texts.enumerated().map { ["id": "\($0)", "text": $1, "user": ["username": "someone"]] as [String: Any] }
            return Response(status: .ok, headers: [.contentType: "application/json"],
                            body: .init(byteBuffer: ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: tweets))))
        }
        router.post("v1/chat/completions") { request, context -> Response in
            guard request.headers[.authorization] == "Bearer \(Self.chutesKey)" else { return Response(status: .unauthorized) }
            let body = try await request.body.collect(upTo: 1 << 20)
            guard let object = try JSONSerialization.jsonObject(with: Data(buffer: body)) as? [String: Any],
                  object["model"] is String, let messages = object["messages"] as? [[String: Any]], messages.count >= 2
            else { return Response(status: .badRequest) }
            requests.withLock { $0.append("chutes: \(messages.count) messages") }
            let content: String
            switch chutes.value {
            case .down: return Response(status: .badGateway)
            case .garbage: content = "I think people are quite happy about it"
            case .score(let text): content = text
            }
            let answer: [String: Any] = ["id": "chatcmpl-1", "object": "chat.completion", "model": object["model"]!,
                                         "choices": [["index": 0, "message": ["role": "assistant", "content": content], "finish_reason": "stop"]]]
            return Response(status: .ok, headers: [.contentType: "application/json"],
                            body: .init(byteBuffer: ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: answer))))
        }
        var logger = Logger(label: "test.fake-sentiment")
        logger.logLevel = .critical
        let application = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)), logger: logger)
        task = Task { try await application.runService() }
        try await Network.waitUntilListening(port: port, what: "fake Datura/Chutes")
    }

    var settings: SentimentSettingsValues {
        SentimentSettingsValues(url: URL(string: "http://127.0.0.1:\(port)")!)
    }

    func stop() { task.cancel() }
}

struct SentimentSettingsValues {
    let url: URL
}
