import Foundation
import Logging
import Model
import TaoRedis
import TaoStore

/// Takes stake and unstake commands from `trade` tokens: checks scope and the operator's caps,
/// stores the command (once per idempotency key), and queues it for the watcher's executor.
///
/// A command is stored (`queued`) before it reaches the Redis command stream, so its first attempt
/// can stop in between: Redis refuses or is down, or the server dies. The client is told to retry
/// with the same idempotency key, and that retry, finding the command still `queued` and never
/// signed, queues it again through ``queueScript``, which adds it to the stream (and counts it
/// against the daily cap) only if it is not there yet.
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

    /// Counts a command against its token's daily caps and adds it to the command stream, as one
    /// step, once per command id. KEYS: the token's daily usage, the command stream, the command's
    /// marker (``queuedKey(_:)``), the token's daily command count, the set of subnets the watcher
    /// has seen; ARGV: the amount, the daily cap, the ``CommandRecord`` JSON, the marker's lifetime
    /// in seconds, the daily command cap, the netuid. Returns -2 when the marker exists (the stream
    /// holds the command already: nothing is done), -4 when the watcher has published subnets and
    /// this one is not among them, -3 over the command cap, -1 over the amount cap (nothing is done
    /// in each case), else the day's usage.
    ///
    /// Redis runs a script without interruption but keeps what it wrote before an error, so all
    /// that can fail comes before the first write: the reads (a key of the wrong type, a usage that
    /// is not an integer), then XADD (a stream key of the wrong type, or Redis out of memory). After
    /// the XADD nothing can fail: SET overwrites any type and INCRBY and INCR add to checked integers. A
    /// Redis that crashes keeps a script's writes all or none (they are logged and replicated as one
    /// transaction). So the marker exists exactly when the stream holds the command, and the day's
    /// usage counted it exactly then: a retry never adds it twice, never counts it twice, and never
    /// skips the count.
    static let queueScript = """
        if redis.call('EXISTS', KEYS[3]) == 1 then return -2 end
        if redis.call('EXISTS', KEYS[5]) == 1 and redis.call('SISMEMBER', KEYS[5], ARGV[6]) == 0 then return -4 end
        local raw = redis.call('GET', KEYS[1]) or '0'
        if not string.match(raw, '^%d+$') then return redis.error_reply('the daily usage in ' .. KEYS[1] .. ' is not an integer') end
        local count = redis.call('GET', KEYS[4]) or '0'
        if not string.match(count, '^%d+$') then return redis.error_reply('the daily command count in ' .. KEYS[4] .. ' is not an integer') end
        if tonumber(count) + 1 > tonumber(ARGV[5]) then return -3 end
        if tonumber(raw) + tonumber(ARGV[1]) > tonumber(ARGV[2]) then return -1 end
        local entry = redis.call('XADD', KEYS[2], '*', 'command', ARGV[3])
        redis.call('SET', KEYS[3], entry, 'EX', ARGV[4])
        local total = redis.call('INCRBY', KEYS[1], ARGV[1])
        redis.call('EXPIRE', KEYS[1], 172800)
        redis.call('INCR', KEYS[4])
        redis.call('EXPIRE', KEYS[4], 172800)
        return total
        """

    /// How long a command's marker is kept. It only matters while the command is `queued` (a retry
    /// of a signed or final command never reaches Redis), so it has to outlast the longest an
    /// entry may wait in the stream for an executor, no more.
    static let queuedMarkerSeconds = 30 * 24 * 3600

    /// `{prefix}:queued:{command id}`: set, to the stream entry's id, by the script that adds the
    /// command to the stream.
    func queuedKey(_ commandID: String) -> String { "\(layout.prefix):queued:\(commandID)" }

    enum Queued: Equatable { case added, alreadyInStream, overDailyLimit, overDailyCommands, unknownSubnet }

    /// Runs ``queueScript`` for one command.
    private func push(_ record: CommandRecord) async throws -> Queued {
        let payload = try JSONEncoder().encode(record)
        let day = Self.day()
        let reply = try await redis.send(RedisCommand("EVAL", [
            RedisArgument(Self.queueScript), "5",
            RedisArgument(layout.dailyUsageKey(tokenID: record.tokenID, day: day)), RedisArgument(layout.commandStreamKey),
            RedisArgument(queuedKey(record.id)), RedisArgument(layout.dailyCommandsKey(tokenID: record.tokenID, day: day)),
            RedisArgument(layout.netuidsKey),
            RedisArgument(record.command.amount), RedisArgument(limits.maxPerDay), RedisArgument(bytes: Array(payload)),
            RedisArgument(Self.queuedMarkerSeconds), RedisArgument(limits.maxCommandsPerDay), RedisArgument(Int(record.command.netuid)),
        ]))
        switch reply.integer {
        case .some(-2): return .alreadyInStream
        case .some(-1): return .overDailyLimit
        case .some(-3): return .overDailyCommands
        case .some(-4): return .unknownSubnet
        case .some(let total) where total >= 0: return .added
        default: throw RedisError.unexpectedReply(command: "EVAL", reply: reply.description)
        }
    }

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
    /// is sent here (a trade sent it before scoring), with `duplicate` when the command was sent
    /// before. `stored`: the record is in PostgreSQL already (a trade, or a retry).
    private func enqueue(_ record: CommandRecord, session: some CommandReplies, id: MessageID?, announce: Bool, stored: Bool = false, duplicate: Bool = false) async {
        if let (code, reason) = amountRefusal(record.command) {
            let status = CommandStatus(commandID: record.id, state: .rejected, error: code.rawValue, detail: reason)
            if stored {
                try? await store.update(status, logger: logger)
            } else if !announce {
                _ = try? await store.insert(record, state: .rejected, error: status.error, detail: reason, logger: logger)
            }
            if announce {
                session.refuse(ProtocolError(code, reason, id: id))
            } else {
                session.send(.commandStatus(id: nil, status))
            }
            return
        }
        do {
            var queued = record
            var duplicate = duplicate
            if !stored {
                let (commandID, existing) = try await store.insert(record, logger: logger)
                if let existing {
                    // Sent again. Still queued and never signed, its first attempt may have stopped
                    // short of the stream: it is queued again as it was stored (the script adds it
                    // only if the stream does not hold it). A trade still unscored (amount 0) is
                    // left to `trade`; anything further along is only reported.
                    guard existing.state == .queued, let first = try await store.queuedRecord(commandID, logger: logger), first.command.amount > 0 else {
                        replyDuplicate(existing, session: session, id: id)
                        return
                    }
                    queued = first
                    duplicate = true
                }
            }
            let commandID = queued.id
            // Before the stream: the executor's first status must not be missed.
            session.watch(commandID, router: router)
            if let (error, code, reason) = queueRefusal(try await push(queued), netuid: queued.command.netuid) {
                let status = CommandStatus(commandID: commandID, state: .rejected, error: error, detail: reason)
                try await store.update(status, logger: logger)
                if announce {
                    session.refuse(ProtocolError(code, reason, id: id))
                } else {
                    session.send(.commandStatus(id: nil, status))
                }
                return
            }
            if announce {
                session.send(.accepted(id: id, commandID: commandID, duplicate: duplicate))
                session.send(.commandStatus(id: nil, CommandStatus(commandID: commandID, state: .queued)))
            }
        } catch {
            logger.error("could not queue a command", metadata: ["error": "\(error)"])
            session.refuse(ProtocolError(.unavailable, "the command could not be queued right now; retry with the same idempotency_key", id: id))
        }
    }

    /// Why an amount is refused before anything is stored or queued: below the minimum (dust that
    /// would cost more in fees than it moves) or above the per-command cap.
    private func amountRefusal(_ command: StakeCommand) -> (ErrorCode, String)? {
        if command.amount < limits.minPerCommand {
            return (.invalidAmount, "the amount \(Self.format(command.amount)) is below this server's minimum of \(Self.format(limits.minPerCommand)) per command (each command pays its own fee)")
        }
        if command.amount > limits.maxPerCommand {
            return (.overLimit, "the amount \(Self.format(command.amount)) exceeds the limit of \(Self.format(limits.maxPerCommand)) per command")
        }
        return nil
    }

    /// What the client is told when the queue script refused: the status's error, the protocol
    /// error's code and the reason. Nil when the command is in the stream.
    private func queueRefusal(_ queued: Queued, netuid: UInt16) -> (String, ErrorCode, String)? {
        switch queued {
        case .added, .alreadyInStream:
            nil
        case .overDailyLimit:
            ("over_daily_limit", .overLimit, "this token's daily limit of \(Self.format(limits.maxPerDay)) would be exceeded")
        case .overDailyCommands:
            ("over_daily_limit", .overLimit, "this token has sent its \(limits.maxCommandsPerDay) commands for today (UTC); more are taken tomorrow")
        case .unknownSubnet:
            ("invalid_netuid", .invalidNetuid, "subnet \(netuid) is not among the subnets the watcher has published dividends of; check the netuid")
        }
    }

    /// The answer to a command sent again that needs nothing more than being reported.
    private func replyDuplicate(_ existing: CommandStatus, session: some CommandReplies, id: MessageID?) {
        session.send(.accepted(id: id, commandID: existing.commandID, duplicate: true))
        session.send(.commandStatus(id: nil, existing))
        if !existing.state.isFinal { session.watch(existing.commandID, router: router) }
    }

    static let scoringDetail = "scoring the sentiment of recent tweets"
    static let rescoringDetail = "scoring the sentiment of recent tweets again: the first scoring did not finish"

    /// How long a trade may stay unscored before a retry presumes the server scoring it dead and
    /// scores it again: longer than a scoring takes (Datura, then Chutes, each within the timeout).
    var scoringLease: Duration { (scorer?.settings.timeout ?? .seconds(30)) * 2 + .seconds(5) }

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
        let commandID = givenID ?? Self.newID()
        // Stored at once, so its status can be asked for while the sentiment is being scored. A
        // retried trade finds this row and does not score (and trade) again, unless it is stuck.
        let neutral = StakeCommand(action: .stake, netuid: netuid, hotkey: hotkey, amount: 0, idempotencyKey: idempotencyKey)
        do {
            let (_, existing) = try await store.insert(CommandRecord(id: commandID, tokenID: token.id, command: neutral), detail: Self.scoringDetail, logger: logger)
            if let existing {
                try await resumeTrade(existing, scorer: scorer, session: session, id: id)
                return
            }
        } catch {
            session.refuse(ProtocolError(.unavailable, "the trade could not be recorded right now; retry with the same idempotency_key", id: id))
            return
        }
        session.send(.accepted(id: id, commandID: commandID, duplicate: false))
        session.send(.commandStatus(id: nil, CommandStatus(commandID: commandID, state: .queued, detail: Self.scoringDetail)))
        await scoreAndQueue(CommandRecord(id: commandID, tokenID: token.id, command: neutral), scorer: scorer, session: session, id: id)
    }

    /// A trade sent again. Still queued and never signed, it goes on from where its first attempt
    /// stopped: scored, it is queued as a retried stake is (if the stream does not hold it yet);
    /// unscored for longer than a scoring takes (the server scoring it died), it is scored again,
    /// by exactly one retry. Otherwise the retry is told where the trade is.
    private func resumeTrade(_ existing: CommandStatus, scorer: SentimentScorer, session: some CommandReplies, id: MessageID?) async throws(StoreError) {
        guard existing.state == .queued, let first = try await store.queuedRecord(existing.commandID, logger: logger) else {
            replyDuplicate(existing, session: session, id: id)
            return
        }
        if first.command.amount > 0 {
            await enqueue(first, session: session, id: id, announce: true, stored: true, duplicate: true)
            return
        }
        guard try await store.claimScoring(first.id, idleSeconds: Self.seconds(scoringLease), detail: Self.rescoringDetail, logger: logger) else {
            // Being scored right now, or only just stopped: the client hears how it ends, or retries later.
            replyDuplicate(existing, session: session, id: id)
            return
        }
        logger.notice("scoring a trade again: its first scoring did not finish", metadata: ["command": "\(first.id)"])
        session.send(.accepted(id: id, commandID: first.id, duplicate: true))
        session.send(.commandStatus(id: nil, CommandStatus(commandID: first.id, state: .queued, detail: Self.rescoringDetail)))
        await scoreAndQueue(first, scorer: scorer, session: session, id: id)
    }

    /// Scores a stored, unscored trade (`neutral`: its netuid, hotkey and key, amount 0) and queues
    /// what the score says. The stored row takes one score only: when two servers score the same
    /// trade, the second one queues what the first decided.
    private func scoreAndQueue(_ neutral: CommandRecord, scorer: SentimentScorer, session: some CommandReplies, id: MessageID?) async {
        let commandID = neutral.id
        let netuid = neutral.command.netuid
        let score: Int
        let tweets: Int
        do {
            (score, tweets) = try await scorer.score(netuid: netuid)
        } catch {
            await finishScoring(CommandStatus(commandID: commandID, state: .rejected, error: error.code, detail: error.description), session: session)
            return
        }
        guard score != 0 else {
            let detail = tweets == 0 ? "no recent tweets about subnet \(netuid): nothing to trade" : "sentiment 0 from \(tweets) tweets: nothing to stake or unstake"
            await finishScoring(CommandStatus(commandID: commandID, state: .skipped, detail: detail), session: session)
            return
        }
        let command = StakeCommand(action: score > 0 ? .stake : .unstake, netuid: netuid, hotkey: neutral.command.hotkey,
                                   amount: Self.unitsPerPoint * UInt64(abs(score)), idempotencyKey: neutral.command.idempotencyKey)
        let decided: Bool
        do {
            decided = try await store.setCommand(commandID, command, logger: logger)
        } catch {
            // Nothing is queued: the trade stays unscored, and a retry scores it again once its
            // scoring lease is over.
            logger.error("could not record a trade's score", metadata: ["command": "\(commandID)", "error": "\(error)"])
            session.refuse(ProtocolError(.unavailable, "the trade's score could not be recorded right now; retry with the same idempotency_key", id: id))
            return
        }
        if decided {
            session.send(.commandStatus(id: nil, CommandStatus(commandID: commandID, state: .queued,
                                                               detail: "sentiment \(score) from \(tweets) tweets: \(command.action.rawValue) \(Self.format(command.amount))")))
            await enqueue(CommandRecord(id: commandID, tokenID: neutral.tokenID, command: command), session: session, id: id, announce: false, stored: true)
            return
        }
        // Another server's scoring decided first: what it decided is queued (once: the script
        // skips a command the stream holds), or, if it ended the trade, reported.
        if let first = try? await store.queuedRecord(commandID, logger: logger), first.command.amount > 0 {
            await enqueue(first, session: session, id: id, announce: false, stored: true)
        } else {
            await sendCurrentStatus(commandID, session: session)
        }
    }

    /// Stores a scoring's end without a stake (`rejected`, `skipped`) unless another scoring
    /// decided first, and reports what the trade became.
    private func finishScoring(_ status: CommandStatus, session: some CommandReplies) async {
        do {
            if try await store.finishScoring(status, logger: logger) {
                session.send(.commandStatus(id: nil, status))
            } else {
                await sendCurrentStatus(status.commandID, session: session)
            }
        } catch {
            logger.error("could not record the end of a trade's scoring", metadata: ["command": "\(status.commandID)", "error": "\(error)"])
            session.send(.commandStatus(id: nil, status))
        }
    }

    private func sendCurrentStatus(_ commandID: String, session: some CommandReplies) async {
        guard let status = try? await store.status(commandID, logger: logger) else { return }
        session.send(.commandStatus(id: nil, status))
        if !status.state.isFinal { session.watch(commandID, router: router) }
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

    static func seconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return Double(seconds) + Double(attoseconds) / 1e18
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
