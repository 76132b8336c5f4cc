/// WebSocket close codes the server uses, besides the standard 1000 (normal), 1001 (server going
/// away: reconnect elsewhere) and 1009 (frame far beyond any limit).
public enum CloseCode: UInt16, Sendable, CaseIterable {
    /// No valid `auth` message arrived in time.
    case authenticationTimeout = 4000
    /// The token presented at upgrade or in `auth` was refused.
    case authenticationFailed = 4001
    /// The token already has as many connections open as it may.
    case tooManyConnections = 4002
    /// The client read too slowly and the server's policy is to close rather than conflate.
    case slowConsumer = 4003
    /// The client kept sending bad or too many messages after being told.
    case policyViolation = 4004
    /// No message or pong for longer than the idle timeout.
    case idleTimeout = 4005
    /// The token was revoked while the connection was open.
    case tokenRevoked = 4006
}
