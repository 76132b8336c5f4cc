#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Foundation

/// The Python receiver: a webhook endpoint that verifies signatures with the `standardwebhooks`
/// package and a push service that decrypts with `http_ece`.
public struct AlertReceiver: Sendable {
    public let process: ChildProcess
    public let port: Int

    public struct Received: Sendable {
        public let headers: [String: String]
        public let body: String?
        public let verified: Bool
        public let error: String?
        public let status: Int
        public let vapid: [String: String]?
    }

    /// Starts the receiver on `port` (a free one by default).
    public static func start(port: Int = Network.freePort()) async throws -> AlertReceiver {
        let script = ReferenceOracle.repositoryRoot.appendingPathComponent("Tests/Oracle/alert_receiver.py").path
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("alert-receiver-\(port).log").path
        let process = try ChildProcess.spawn(ReferenceOracle.python, [script, String(port)], logFile: log)
        try await Network.waitUntilListening(port: port, what: "the alert receiver", process: process, log: log)
        return AlertReceiver(process: process, port: port)
    }

    public func stop() async { await process.stop() }

    public func url(_ path: String) -> String { "http://127.0.0.1:\(port)/\(path)" }

    public func configureHook(_ name: String, secret: String, fail: Int = 0, status: Int = 500, hang: Double = 0) async throws {
        _ = try await request("POST", "control/hook/\(name)", body: ["secret": secret, "fail": fail, "status": status, "hang": hang])
    }

    /// A push subscription (the browser's JSON) the receiver holds the private key of; `gone`
    /// makes it answer 410.
    public func pushSubscriptionJSON(_ name: String, gone: Bool = false) async throws -> [String: Any] {
        try await request("POST", "control/push/\(name)", body: ["gone": gone]) as? [String: Any] ?? [:]
    }

    /// Blocks (in the receiver) until `count` requests reached `name`, then returns them all.
    public func wait(_ name: String, count: Int, timeout: Int = 20) async throws -> [Received] {
        let list = try await request("GET", "control/wait/\(name)?count=\(count)&timeout=\(timeout)") as? [[String: Any]] ?? []
        return list.map { item in
            Received(headers: item["headers"] as? [String: String] ?? [:], body: item["body"] as? String, verified: item["verified"] as? Bool ?? false,
                     error: item["error"] as? String, status: item["status"] as? Int ?? 0, vapid: (item["vapid"] as? [String: Any])?.mapValues { "\($0)" })
        }
    }

    private func request(_ method: String, _ path: String, body: [String: Any]? = nil) async throws -> Any? {
        var request = URLRequest(url: URL(string: url(path))!)
        request.httpMethod = method
        request.timeoutInterval = 60
        if let body { request.httpBody = try JSONSerialization.data(withJSONObject: body) }
        let (data, _) = try await URLSession.shared.data(for: request)
        return try JSONSerialization.jsonObject(with: data)
    }
}
