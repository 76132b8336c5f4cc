import Foundation
import Logging
import Model
import TaoRedis
import TaoStore

/// Takes stake and unstake commands from `trade` tokens: checks scope and the operator's caps,
/// stores the command (once per idempotency key), and queues it for the watcher's executor.
struct CommandGateway: Sendable {
    let store: CommandStore
    let redis: RedisClient
    let layout: RedisLayout
    let limits: CommandLimits
    let router: CommandStatusRouter
    /// Nil when Datura and Chutes are not configured: `trade` is then refused.
    var scorer: SentimentScorer?
    let logger: Logger

    /// 0.01 TAO (or alpha, for unstake) per sentiment point, as the original service traded.
    static let unitsPerPoint: UInt64 = 10_000_000

    static let dailyScript = """
        local used = tonumber(redis.call('GET', KEYS[1]) or '0')
        local amount = tonumber(ARGV[1])
        if used + amount > tonumber(ARGV[2]) then return -1 end
        redis.call('INCRBY', KEYS[1], amount)
        redis.call('EXPIRE', KEYS[1], 172800)
        return used + amount
        """

    func submit(_ command: StakeCommand, token: APIToken, session: some CommandReplies, id: MessageID?) async {
        guard token.scopes.contains(.trade) else {
            session.refuse(ProtocolError(.forbidden, "this token has no 'trade' scope; ask the operator for one to stake or unstake", id: id))
            return
        }
        if let allowed = limits.allowedNetuids, !allowed.contains(command.netuid) {
            session.refuse(ProtocolError(.overLimit, "commands on subnet \(command.netuid) are not allowed here (allowed: \(allowed.sorted().map(String.init).joined(separator: ", ")))", id: id))
            return
        }
        await enqueue(CommandRecord(id: Self.newID(), tokenID: token.id, command: command), session: session, id: id, announce: true)
    }

    /// Caps, storage (once per idempotency key), the queue. With `announce`, the `accepted` reply
    /// is sent here (a trade sent it before scoring).
    private func enqueue(_ record: CommandRecord, session: some CommandReplies, id: MessageID?, announce: Bool, stored: Bool = false) async {
        let command = record.command
        let token = record.tokenID
        guard command.amount <= limits.maxPerCommand else {
            let reason = "the amount \(Self.format(command.amount)) exceeds the limit of \(Self.format(limits.maxPerCommand)) per command"
            if announce {
                session.refuse(ProtocolError(.overLimit, reason, id: id))
            } else {
                let status = CommandStatus(commandID: record.id, state: .rejected, error: "over_limit", detail: reason)
                if stored { try? await store.update(status, logger: logger) } else {
                    _ = try? await store.insert(record, state: .rejected, error: status.error, detail: reason, logger: logger)
                }
                session.send(.commandStatus(id: nil, status))
            }
            return
        }
        do {
            let (commandID, existing) = stored ? (record.id, nil) : try await store.insert(record, logger: logger)
            if let existing {
                session.send(.accepted(id: id, commandID: commandID, duplicate: true))
                session.send(.commandStatus(id: nil, existing))
                if !existing.state.isFinal { session.watch(commandID, router: router) }
                return
            }
            let day = Self.day()
            let used = try await redis.send(RedisCommand("EVAL", [
                RedisArgument(Self.dailyScript), "1", RedisArgument(layout.dailyUsageKey(tokenID: token, day: day)),
                RedisArgument(command.amount), RedisArgument(limits.maxPerDay),
            ]))
            guard used.integer != -1 else {
                let status = CommandStatus(commandID: commandID, state: .rejected, error: "over_daily_limit", detail: "this token's daily limit of \(Self.format(limits.maxPerDay)) would be exceeded")
                try await store.update(status, logger: logger)
                if announce {
                    session.refuse(ProtocolError(.overLimit, "this token's daily limit of \(Self.format(limits.maxPerDay)) would be exceeded", id: id))
                } else {
                    session.send(.commandStatus(id: nil, status))
                }
                return
            }
            session.watch(commandID, router: router)
            let payload = try JSONEncoder().encode(CommandRecord(id: commandID, tokenID: token, command: command))
            _ = try await redis.xadd(layout.commandStreamKey, fields: [("command", Array(payload))])
            if announce {
                session.send(.accepted(id: id, commandID: commandID, duplicate: false))
                session.send(.commandStatus(id: nil, CommandStatus(commandID: commandID, state: .queued)))
            }
        } catch {
            logger.error("could not queue a command", metadata: ["error": "\(error)"])
            session.refuse(ProtocolError(.unavailable, "the command could not be queued right now; retry with the same idempotency_key", id: id))
        }
    }

    /// Scores the subnet's sentiment, then stakes or unstakes through the same checks as `stake`.
    /// Datura or Chutes failing rejects the trade with the reason; nothing is sent to the chain.
    func trade(netuid: UInt16, hotkey: String, idempotencyKey: String, token: APIToken, session: some CommandReplies, id: MessageID?, commandID givenID: String? = nil) async {
        guard token.scopes.contains(.trade) else {
            session.refuse(ProtocolError(.forbidden, "this token has no 'trade' scope; ask the operator for one to trade", id: id))
            return
        }
        if let allowed = limits.allowedNetuids, !allowed.contains(netuid) {
            session.refuse(ProtocolError(.overLimit, "commands on subnet \(netuid) are not allowed here", id: id))
            return
        }
        guard let scorer else {
            session.refuse(ProtocolError(.unavailable, "trading is not configured on this server (Datura and Chutes keys)", id: id))
            return
        }
        do {
            // A retried trade must not score (and trade) again.
            if let existing = try await store.find(tokenID: token.id, idempotencyKey: idempotencyKey, logger: logger) {
                session.send(.accepted(id: id, commandID: existing.commandID, duplicate: true))
                session.send(.commandStatus(id: nil, existing))
                if !existing.state.isFinal { session.watch(existing.commandID, router: router) }
                return
            }
        } catch {
            session.refuse(ProtocolError(.unavailable, "the trade could not be recorded right now; retry with the same idempotency_key", id: id))
            return
        }
        let commandID = givenID ?? Self.newID()
        // Stored at once, so its status can be asked for while the sentiment is being scored.
        let neutral = StakeCommand(action: .stake, netuid: netuid, hotkey: hotkey, amount: 0, idempotencyKey: idempotencyKey)
        let scoring = "scoring the sentiment of recent tweets"
        do {
            let (storedID, existing) = try await store.insert(CommandRecord(id: commandID, tokenID: token.id, command: neutral), detail: scoring, logger: logger)
            if let existing {
                session.send(.accepted(id: id, commandID: storedID, duplicate: true))
                session.send(.commandStatus(id: nil, existing))
                return
            }
        } catch {
            session.refuse(ProtocolError(.unavailable, "the trade could not be recorded right now; retry with the same idempotency_key", id: id))
            return
        }
        session.send(.accepted(id: id, commandID: commandID, duplicate: false))
        session.send(.commandStatus(id: nil, CommandStatus(commandID: commandID, state: .queued, detail: scoring)))
        let score: Int
        let tweets: Int
        do {
            (score, tweets) = try await scorer.score(netuid: netuid)
        } catch {
            let status = CommandStatus(commandID: commandID, state: .rejected, error: error.code, detail: error.description)
            try? await store.update(status, logger: logger)
            session.send(.commandStatus(id: nil, status))
            return
        }
        guard score != 0 else {
            let detail = tweets == 0 ? "no recent tweets about subnet \(netuid): nothing to trade" : "sentiment 0 from \(tweets) tweets: nothing to stake or unstake"
            let status = CommandStatus(commandID: commandID, state: .skipped, detail: detail)
            try? await store.update(status, logger: logger)
            session.send(.commandStatus(id: nil, status))
            return
        }
        let command = StakeCommand(action: score > 0 ? .stake : .unstake, netuid: netuid, hotkey: hotkey,
                                   amount: Self.unitsPerPoint * UInt64(abs(score)), idempotencyKey: idempotencyKey)
        session.send(.commandStatus(id: nil, CommandStatus(commandID: commandID, state: .queued,
                                                           detail: "sentiment \(score) from \(tweets) tweets: \(command.action.rawValue) \(Self.format(command.amount))")))
        try? await store.setCommand(commandID, command, logger: logger)
        await enqueue(CommandRecord(id: commandID, tokenID: token.id, command: command), session: session, id: id, announce: false, stored: true)
    }

    static func newID() -> String {
        "cmd_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(20)
    }

    func status(_ commandID: String, token: APIToken, session: some CommandReplies, id: MessageID?) async {
        do {
            guard let status = try await store.status(commandID, tokenID: token.id, logger: logger) else {
                session.refuse(ProtocolError(.unknownCommand, "no command '\(commandID)' was sent with this token", id: id))
                return
            }
            session.send(.commandStatus(id: id, status))
            if !status.state.isFinal { session.watch(commandID, router: router) }
        } catch {
            session.refuse(ProtocolError(.unavailable, "command status cannot be read right now; retry shortly", id: id))
        }
    }

    static func day() -> String {
        let formatter = DateFormatter()
        formatter.dateFormat = "yyyy-MM-dd"
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.locale = Locale(identifier: "en_US_POSIX")
        return formatter.string(from: Date())
    }

    static func format(_ units: UInt64) -> String {
        let whole = units / 1_000_000_000
        let fraction = String(units % 1_000_000_000)
        let padded = String(repeating: "0", count: 9 - fraction.count) + fraction
        let trimmed = padded.replacingOccurrences(of: "0+$", with: "", options: .regularExpression)
        return trimmed.isEmpty ? "\(whole)" : "\(whole).\(trimmed)"
    }
}
