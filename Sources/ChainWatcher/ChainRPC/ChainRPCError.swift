/// Why a call to the Subtensor node failed.
public enum ChainRPCError: Error, CustomStringConvertible, Equatable {
    case connectionFailed(endpoint: String, reason: String)
    case connectionLost(endpoint: String)
    case timedOut(method: String, after: Duration)
    case nodeError(method: String, code: Int64, message: String)
    case unexpectedAnswer(method: String, detail: String)

    public var description: String {
        switch self {
        case .connectionFailed(let endpoint, let reason):
            "cannot connect to the Subtensor node at \(EndpointRedaction.redacted(endpoint)): \(reason); check the URL (or network preset) and that the node is up"
        case .connectionLost(let endpoint):
            "the connection to \(EndpointRedaction.redacted(endpoint)) was lost; reconnecting"
        case .timedOut(let method, let after):
            "\(method) got no answer within \(after); the node may be overloaded or unreachable"
        case .nodeError(let method, let code, let message):
            "the node refused \(method): \(message) (code \(code))"
        case .unexpectedAnswer(let method, let detail):
            "the node's answer to \(method) is not what Substrate nodes send: \(detail)"
        }
    }
}
