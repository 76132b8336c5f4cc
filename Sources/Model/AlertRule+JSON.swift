import Foundation
import SubstrateCore

/// How rules and deliveries look to their owner (`alerts`, `alert_created`, REST). A push
/// subscription's keys are never echoed back.
extension AlertCondition: Encodable {
    enum CodingKeys: String, CodingKey { case type, side, threshold, percent, direction, blocks }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(type, forKey: .type)
        switch self {
        case .anyChange, .newEntry, .removedEntry: break
        case .crosses(let side, let threshold):
            try container.encode(side.rawValue, forKey: .side)
            try container.encode(TokenAmount(units: threshold).description, forKey: .threshold)
        case .relativeChange(let percent, let direction):
            try container.encode(percent, forKey: .percent)
            try container.encode(direction.rawValue, forKey: .direction)
        case .stalled(let blocks):
            try container.encode(blocks, forKey: .blocks)
        }
    }
}

extension AlertRule: Encodable {
    enum CodingKeys: String, CodingKey {
        case alertID = "alert_id"
        case label, netuid, hotkey, kinds, condition
        case cooldownSeconds = "cooldown_seconds"
        case webhook
        case webPush = "web_push"
        case disabledReason = "disabled_reason"
        case createdAt = "created_at"
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .alertID)
        try container.encode(spec.label, forKey: .label)
        try container.encode(spec.filter.netuid, forKey: .netuid)
        try container.encode(spec.filter.hotkey, forKey: .hotkey)
        try container.encode(spec.filter.kinds.map { $0.map(\.rawValue).sorted() }, forKey: .kinds)
        try container.encode(spec.condition, forKey: .condition)
        try container.encode(spec.cooldownSeconds, forKey: .cooldownSeconds)
        switch spec.destination {
        case .webhook(let url, let format):
            try container.encode(["url": url, "format": format.rawValue], forKey: .webhook)
        case .webPush(let subscription):
            try container.encode(["endpoint": subscription.endpoint], forKey: .webPush)
        }
        try container.encode(disabledReason, forKey: .disabledReason)
        try container.encode(ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: createdAt)), forKey: .createdAt)
    }
}

/// One attempt-tracked delivery of one alert, as its owner reads the delivery log.
public struct AlertDelivery: Sendable, Hashable, Encodable {
    public enum State: String, Sendable, Hashable, Encodable, CaseIterable {
        /// Waiting for its first or next attempt.
        case pending
        case delivered
        /// Every attempt failed, or the destination was disabled.
        case failed
        /// Not sent: the token was over its deliveries per hour.
        case suppressed
    }

    /// The `webhook-id`: the same on every attempt, so receivers can drop duplicates.
    public var id: String
    public var alertID: String
    public var state: State
    public var attempts: Int
    public var lastStatus: Int?
    public var lastError: String?
    public var createdAt: Double
    public var nextAttemptAt: Double?
    public var event: DividendChange

    public init(id: String, alertID: String, state: State, attempts: Int, lastStatus: Int?, lastError: String?, createdAt: Double, nextAttemptAt: Double?, event: DividendChange) {
        self.id = id
        self.alertID = alertID
        self.state = state
        self.attempts = attempts
        self.lastStatus = lastStatus
        self.lastError = lastError
        self.createdAt = createdAt
        self.nextAttemptAt = nextAttemptAt
        self.event = event
    }

    enum CodingKeys: String, CodingKey {
        case id = "delivery_id"
        case alertID = "alert_id"
        case state, attempts
        case lastStatus = "last_status"
        case lastError = "last_error"
        case createdAt = "created_at"
        case nextAttemptAt = "next_attempt_at"
        case event
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        let format = ISO8601DateFormatter()
        try container.encode(id, forKey: .id)
        try container.encode(alertID, forKey: .alertID)
        try container.encode(state, forKey: .state)
        try container.encode(attempts, forKey: .attempts)
        try container.encode(lastStatus, forKey: .lastStatus)
        try container.encode(lastError, forKey: .lastError)
        try container.encode(format.string(from: Date(timeIntervalSince1970: createdAt)), forKey: .createdAt)
        try container.encode(state == .pending ? nextAttemptAt.map { format.string(from: Date(timeIntervalSince1970: $0)) } : nil, forKey: .nextAttemptAt)
        try container.encode(event, forKey: .event)
    }
}
