/// Everything that can go wrong talking to Redis, phrased so an operator knows what to do next.
///
/// URLs in these messages never carry the password: they come from ``RedisConfiguration/redactedURL``.
public enum RedisError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The TCP connection could not be opened.
    case connectionFailed(url: String, reason: String)
    /// Redis answered AUTH with an error.
    case authenticationFailed(url: String, reason: String)
    /// The server answered a command with an error reply (`-ERR ...`).
    case server(String)
    /// No reply arrived in time; the connection was closed because its replies can no longer be matched.
    case timeout(command: String, seconds: Double)
    /// The connection closed while commands were waiting.
    case connectionClosed
    /// The bytes from the server were not valid RESP.
    case protocolError(String)
    /// The configuration URL could not be understood.
    case invalidURL(String, reason: String)
    /// A reply had a different shape than the command promises.
    case unexpectedReply(command: String, reply: String)

    public var description: String {
        switch self {
        case .connectionFailed(let url, let reason):
            return "cannot connect to Redis at \(url): \(reason). Start Redis or point TAOSTREAM_REDIS_URL at a running server."
        case .authenticationFailed(let url, let reason):
            return "Redis at \(url) refused the credentials: \(reason). Check the password in TAOSTREAM_REDIS_URL (redis://:password@host:port/db)."
        case .server(let message):
            return "Redis error: \(message)"
        case .timeout(let command, let seconds):
            return "Redis did not answer \(command) within \(seconds) s; the connection was reset."
        case .connectionClosed:
            return "the Redis connection closed before the reply arrived"
        case .protocolError(let message):
            return "Redis sent data that is not valid RESP: \(message)"
        case .invalidURL(let url, let reason):
            return "invalid Redis URL '\(url)': \(reason). Expected redis://[[user]:password@]host[:port][/db]."
        case .unexpectedReply(let command, let reply):
            return "Redis answered \(command) with an unexpected reply: \(reply)"
        }
    }
}
