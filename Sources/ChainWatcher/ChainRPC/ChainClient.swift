import Logging
import TaoRedis

/// Keeps one connection to a node of a list of endpoints: reconnects with exponential back-off
/// and jitter, moving to the next endpoint after each failure.
public actor ChainClient {
    public let endpoints: [String]
    let logger: Logger
    private var current: ChainRPCConnection?
    private var endpointIndex = 0
    private var failures = 0
    private var backoff: RetryBackoff
    private let onReconnect: @Sendable () -> Void

    public init(endpoints: [String], maximumBackoff: Duration = .seconds(30), logger: Logger, onReconnect: @escaping @Sendable () -> Void = {}) {
        self.onReconnect = onReconnect
        precondition(!endpoints.isEmpty, "a chain client needs at least one endpoint")
        self.endpoints = endpoints
        self.backoff = RetryBackoff(initial: min(.milliseconds(200), maximumBackoff), maximum: maximumBackoff)
        self.logger = logger
    }

    /// The live connection, opening one if needed (waiting out the back-off between attempts).
    public func connection() async throws -> ChainRPCConnection {
        if let current, current.isOpen { return current }
        while true {
            try Task.checkCancellation()
            let endpoint = endpoints[endpointIndex % endpoints.count]
            do {
                let connection = try await ChainRPCConnection.open(endpoint, logger: logger)
                if failures > 0 || self.current != nil {
                    onReconnect()
                    logger.notice("connected to the node", metadata: ["endpoint": "\(EndpointRedaction.redacted(endpoint))"])
                }
                failures = 0
                backoff.reset()
                current = connection
                return connection
            } catch {
                failures += 1
                endpointIndex += 1
                let jittered = backoff.nextJittered()
                logger.warning("node unreachable; retrying", metadata: ["endpoint": "\(EndpointRedaction.redacted(endpoint))", "error": "\(error)", "retryIn": "\(jittered)"])
                try await Task.sleep(for: jittered)
            }
        }
    }

    public func request(_ method: String, _ params: [Model.JSONValue] = []) async throws -> Model.JSONValue {
        try await connection().request(method, params)
    }

    public func close() async {
        await current?.close()
        current = nil
    }
}

import Model
