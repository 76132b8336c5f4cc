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
    let logger: Logger

    static let dailyScript = """
        local used = tonumber(redis.call('GET', KEYS[1]) or '0')
        local amount = tonumber(ARGV[1])
        if used + amount > tonumber(ARGV[2]) then return -1 end
        redis.call('INCRBY', KEYS[1], amount)
        redis.call('EXPIRE', KEYS[1], 172800)
        return used + amount
        """

    func submit(_ command: StakeCommand, token: APIToken, session: ClientSession, id: MessageID?) async {
        guard token.scopes.contains(.trade) else {
            _ = session.reject(ProtocolError(.forbidden, "this token has no 'trade' scope; ask the operator for one to stake or unstake", id: id))
            return
        }
        if let allowed = limits.allowedNetuids, !allowed.contains(command.netuid) {
            _ = session.reject(ProtocolError(.overLimit, "commands on subnet \(command.netuid) are not allowed here (allowed: \(allowed.sorted().map(String.init).joined(separator: ", ")))", id: id))
            return
        }
        guard command.amount <= limits.maxPerCommand else {
            _ = session.reject(ProtocolError(.overLimit, "the amount exceeds the limit of \(Self.format(limits.maxPerCommand)) per command", id: id))
            return
        }
        let record = CommandRecord(id: "cmd_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(20), tokenID: token.id, command: command)
        do {
            let (commandID, existing) = try await store.insert(record, logger: logger)
            if let existing {
                session.send(.accepted(id: id, commandID: commandID, duplicate: true))
                session.send(.commandStatus(id: nil, existing))
                if !existing.state.isFinal { router.watch(commandID, by: session) }
                return
            }
            let day = Self.day()
            let used = try await redis.send(RedisCommand("EVAL", [
                RedisArgument(Self.dailyScript), "1", RedisArgument(layout.dailyUsageKey(tokenID: token.id, day: day)),
                RedisArgument(command.amount), RedisArgument(limits.maxPerDay),
            ]))
            guard used.integer != -1 else {
                let status = CommandStatus(commandID: commandID, state: .rejected, error: "over_daily_limit", detail: "this token's daily limit of \(Self.format(limits.maxPerDay)) would be exceeded")
                try await store.update(status, logger: logger)
                _ = session.reject(ProtocolError(.overLimit, "this token's daily limit of \(Self.format(limits.maxPerDay)) would be exceeded", id: id))
                return
            }
            router.watch(commandID, by: session)
            let payload = try JSONEncoder().encode(CommandRecord(id: commandID, tokenID: token.id, command: command))
            _ = try await redis.xadd(layout.commandStreamKey, fields: [("command", Array(payload))])
            session.send(.accepted(id: id, commandID: commandID, duplicate: false))
            session.send(.commandStatus(id: nil, CommandStatus(commandID: commandID, state: .queued)))
        } catch {
            logger.error("could not queue a command", metadata: ["error": "\(error)"])
            _ = session.reject(ProtocolError(.unavailable, "the command could not be queued right now; retry with the same idempotency_key", id: id))
        }
    }

    func status(_ commandID: String, token: APIToken, session: ClientSession, id: MessageID?) async {
        do {
            guard let status = try await store.status(commandID, tokenID: token.id, logger: logger) else {
                _ = session.reject(ProtocolError(.unknownCommand, "no command '\(commandID)' was sent with this token", id: id))
                return
            }
            session.send(.commandStatus(id: id, status))
            if !status.state.isFinal { router.watch(commandID, by: session) }
        } catch {
            _ = session.reject(ProtocolError(.unavailable, "command status cannot be read right now; retry shortly", id: id))
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
