/// The `code` of an `error` message. Stable: clients switch on it; `message` is for people.
public enum ErrorCode: String, Sendable, Codable, CaseIterable {
    /// The frame is not JSON, or not a JSON object.
    case malformedJSON = "malformed_json"
    /// `type` is missing or names no message this server knows.
    case unknownType = "unknown_type"
    /// A field is missing, of the wrong type, or not allowed.
    case invalidField = "invalid_field"
    /// `hotkey` is not a valid SS58 address.
    case invalidHotkey = "invalid_hotkey"
    /// `netuid` is not an integer from 0 to 65535.
    case invalidNetuid = "invalid_netuid"
    /// `kinds` names a dividend map that is not tracked.
    case invalidKind = "invalid_kind"
    /// An amount is missing, malformed, zero, or beyond what the chain can hold.
    case invalidAmount = "invalid_amount"
    /// The command exceeds an operator limit (per command, per day, or its subnet is not allowed).
    case overLimit = "over_limit"
    /// `command_status` named no command of this token.
    case unknownCommand = "unknown_command"
    /// `alert_delete` or `alert_deliveries` named no alert of this token.
    case unknownAlert = "unknown_alert"
    /// `since` is not an offset like `4812345-0`.
    case invalidOffset = "invalid_offset"
    /// More subscriptions than this connection may hold.
    case tooManySubscriptions = "too_many_subscriptions"
    /// `unsubscribe` named a subscription this connection does not have.
    case unknownSubscription = "unknown_subscription"
    /// The frame is larger than the server accepts.
    case frameTooLarge = "frame_too_large"
    /// Messages arrive faster than the connection's rate limit.
    case rateLimited = "rate_limited"
    /// A message other than `auth` before authenticating.
    case notAuthenticated = "not_authenticated"
    /// The token is unknown, malformed or revoked.
    case unauthorized
    /// The token lacks the scope this message needs.
    case forbidden
    /// The server cannot reach Redis (or another dependency) right now; retry later.
    case unavailable
    /// Something failed inside the server; the message says what, without secrets.
    case internalError = "internal_error"
}

/// A problem with one client message, answered with an `error` message.
public struct ProtocolError: Error, Sendable, Hashable, Codable, CustomStringConvertible {
    public var code: ErrorCode
    public var message: String
    public var id: MessageID?

    public init(_ code: ErrorCode, _ message: String, id: MessageID? = nil) {
        self.code = code
        self.message = message
        self.id = id
    }

    public var description: String { "\(code.rawValue): \(message)" }
}
