import Logging
import Model
import PostgresNIO

/// Commands and their status in PostgreSQL.
public struct CommandStore: Sendable {
    public let database: Database

    public init(database: Database) { self.database = database }

    /// Stores a new command, or finds the one this token already sent with the same idempotency
    /// key: `(id, existing status)` — a status means it is a duplicate.
    public func insert(_ record: CommandRecord, state: CommandStatus.State = .queued, error: String? = nil, detail: String? = nil, logger: Logger) async throws(StoreError) -> (id: String, existing: CommandStatus?) {
        let command = record.command
        do {
            let inserted = try await database.client.query("""
                INSERT INTO commands (id, token_id, idempotency_key, action, netuid, hotkey, amount, limit_price, state, error, detail)
                VALUES (\(record.id), \(record.tokenID), \(command.idempotencyKey), \(command.action.rawValue), \(Int32(command.netuid)),
                        \(command.hotkey), \(String(command.amount))::NUMERIC, \(command.limitPrice.map(String.init))::NUMERIC, \(state.rawValue), \(error), \(detail))
                ON CONFLICT (token_id, idempotency_key) DO NOTHING
                RETURNING id
                """, logger: logger)
            for try await _ in inserted.decode(String.self) { return (record.id, nil) }
            let rows = try await database.client.query("""
                SELECT id FROM commands WHERE token_id = \(record.tokenID) AND idempotency_key = \(command.idempotencyKey)
                """, logger: logger)
            for try await (id) in rows.decode(String.self) {
                return (id, try await status(id, logger: logger))
            }
            throw StoreError.query("the command vanished while being inserted")
        } catch let error as StoreError {
            throw error
        } catch {
            throw .query("could not store the command: \(String(reflecting: error).prefix(300))")
        }
    }

    /// The command this token sent with `idempotencyKey`, if any.
    public func find(tokenID: String, idempotencyKey: String, logger: Logger) async throws(StoreError) -> CommandStatus? {
        do {
            let rows = try await database.client.query("SELECT id FROM commands WHERE token_id = \(tokenID) AND idempotency_key = \(idempotencyKey)", logger: logger)
            for try await (id) in rows.decode(String.self) { return try await status(id, logger: logger) }
            return nil
        } catch let error as StoreError {
            throw error
        } catch {
            throw .query("could not read commands: \(String(reflecting: error).prefix(300))")
        }
    }

    public func status(_ id: String, tokenID: String? = nil, logger: Logger) async throws(StoreError) -> CommandStatus? {
        do {
            let rows = try await database.client.query("""
                SELECT state, extrinsic_hash, block_hash, error, detail, token_id FROM commands WHERE id = \(id)
                """, logger: logger)
            for try await (state, hash, block, error, detail, owner) in rows.decode((String, String?, String?, String?, String?, String).self) {
                if let tokenID, tokenID != owner { return nil }
                return CommandStatus(commandID: id, state: CommandStatus.State(rawValue: state) ?? .queued, extrinsicHash: hash, blockHash: block, error: error, detail: detail)
            }
            return nil
        } catch {
            throw .query("could not read the command: \(String(reflecting: error).prefix(300))")
        }
    }

    public func update(_ status: CommandStatus, logger: Logger) async throws(StoreError) {
        do {
            try await database.client.query("""
                UPDATE commands SET state = \(status.state.rawValue), extrinsic_hash = COALESCE(\(status.extrinsicHash), extrinsic_hash),
                    block_hash = COALESCE(\(status.blockHash), block_hash), error = \(status.error), detail = \(status.detail), updated_at = now()
                WHERE id = \(status.commandID)
                """, logger: logger)
        } catch {
            throw .query("could not update the command: \(String(reflecting: error).prefix(300))")
        }
    }

    /// Sets what a trade does once its sentiment is scored. Only a trade still unscored (queued,
    /// amount 0) takes it: when two servers score the same trade (a retry took over one presumed
    /// dead), the first to finish decides, and false tells the other.
    @discardableResult
    public func setCommand(_ id: String, _ command: StakeCommand, logger: Logger) async throws(StoreError) -> Bool {
        do {
            let rows = try await database.client.query("""
                UPDATE commands SET action = \(command.action.rawValue), amount = \(String(command.amount))::NUMERIC,
                    limit_price = \(command.limitPrice.map(String.init))::NUMERIC, updated_at = now()
                WHERE id = \(id) AND state = 'queued' AND amount = 0 AND extrinsic IS NULL
                RETURNING id
                """, logger: logger)
            for try await _ in rows.decode(String.self) { return true }
            return false
        } catch {
            throw .query("could not update the command: \(String(reflecting: error).prefix(300))")
        }
    }

    /// Ends a trade's scoring without a stake (`rejected` or `skipped`), if it is still unscored;
    /// false when another server's scoring decided first.
    public func finishScoring(_ status: CommandStatus, logger: Logger) async throws(StoreError) -> Bool {
        do {
            let rows = try await database.client.query("""
                UPDATE commands SET state = \(status.state.rawValue), error = \(status.error), detail = \(status.detail), updated_at = now()
                WHERE id = \(status.commandID) AND state = 'queued' AND amount = 0 AND extrinsic IS NULL
                RETURNING id
                """, logger: logger)
            for try await _ in rows.decode(String.self) { return true }
            return false
        } catch {
            throw .query("could not update the command: \(String(reflecting: error).prefix(300))")
        }
    }

    /// Takes over the scoring of a trade left unscored for `idleSeconds` (the server scoring it
    /// died): true for exactly one caller, which scores it again; the row's `updated_at` is
    /// renewed, so other retries wait as long again.
    public func claimScoring(_ id: String, idleSeconds: Double, detail: String, logger: Logger) async throws(StoreError) -> Bool {
        do {
            let rows = try await database.client.query("""
                UPDATE commands SET detail = \(detail), updated_at = now()
                WHERE id = \(id) AND state = 'queued' AND amount = 0 AND extrinsic IS NULL
                    AND updated_at < now() - make_interval(secs => \(idleSeconds))
                RETURNING id
                """, logger: logger)
            for try await _ in rows.decode(String.self) { return true }
            return false
        } catch {
            throw .query("could not update the command: \(String(reflecting: error).prefix(300))")
        }
    }

    /// The command as it travels on the stream, while it is still `queued` and was never signed;
    /// nil once the executor (or a refusal) moved it on. A retry uses it to queue the command again
    /// when its first attempt stopped before the stream.
    public func queuedRecord(_ id: String, logger: Logger) async throws(StoreError) -> CommandRecord? {
        do {
            let rows = try await database.client.query("""
                SELECT token_id, idempotency_key, action, netuid, hotkey, amount::TEXT, limit_price::TEXT FROM commands
                WHERE id = \(id) AND state = 'queued' AND extrinsic IS NULL
                """, logger: logger)
            for try await (token, key, actionText, storedNetuid, hotkey, amountText, limitText) in rows.decode((String, String, String, Int32, String, String, String?).self) {
                guard let action = StakeCommand.Action(rawValue: actionText), let netuid = UInt16(exactly: storedNetuid), let amount = UInt64(amountText) else {
                    throw StoreError.query("the stored command \(id) cannot be read back (\(actionText), netuid \(storedNetuid), amount \(amountText))")
                }
                let command = StakeCommand(action: action, netuid: netuid, hotkey: hotkey, amount: amount,
                                           limitPrice: limitText.flatMap { UInt64($0) }, idempotencyKey: key)
                return CommandRecord(id: id, tokenID: token, command: command)
            }
            return nil
        } catch let error as StoreError {
            throw error
        } catch {
            throw .query("could not read the command: \(String(reflecting: error).prefix(300))")
        }
    }

    /// Keeps the signed bytes before they are submitted (see the migration for why).
    /// Stores a command's signed extrinsic and its mortal era's window (`era` = birth block, first
    /// block past it), unless one is stored already: the first signature wins, so two executors
    /// that both took the command (a second watcher started by mistake) send the same bytes.
    /// Returns the stored extrinsic (hex), which is `extrinsic` when this call stored it.
    @discardableResult
    public func recordSigned(_ id: String, extrinsic: String, hash: String, era: (birth: UInt64, end: UInt64)? = nil, logger: Logger) async throws(StoreError) -> String {
        do {
            let rows = try await database.client.query("""
                UPDATE commands SET state = 'signed', extrinsic = \(extrinsic), extrinsic_hash = \(hash),
                    era_birth = \(era.map { Int64($0.birth) }), era_end = \(era.map { Int64($0.end) }), updated_at = now()
                WHERE id = \(id) AND extrinsic IS NULL RETURNING extrinsic
                """, logger: logger)
            for try await (stored) in rows.decode(String.self) { return stored }
        } catch {
            throw .query("could not record the signed extrinsic: \(String(reflecting: error).prefix(300))")
        }
        guard let stored = try await signedExtrinsic(id, logger: logger) else {
            throw .query("command \(id) is not stored, so its signed extrinsic cannot be")
        }
        return stored
    }

    /// The window a command's signed extrinsic is valid in, when it was recorded.
    public func eraWindow(_ id: String, logger: Logger) async throws(StoreError) -> (birth: UInt64, end: UInt64)? {
        do {
            let rows = try await database.client.query("SELECT era_birth, era_end FROM commands WHERE id = \(id)", logger: logger)
            for try await (birth, end) in rows.decode((Int64?, Int64?).self) {
                guard let birth, let end else { return nil }
                return (UInt64(birth), UInt64(end))
            }
            return nil
        } catch {
            throw .query("could not read the command: \(String(reflecting: error).prefix(300))")
        }
    }

    /// The signed extrinsic of a command, if it got that far.
    public func signedExtrinsic(_ id: String, logger: Logger) async throws(StoreError) -> String? {
        do {
            let rows = try await database.client.query("SELECT extrinsic FROM commands WHERE id = \(id)", logger: logger)
            for try await (extrinsic) in rows.decode(String?.self) { return extrinsic }
            return nil
        } catch {
            throw .query("could not read the command: \(String(reflecting: error).prefix(300))")
        }
    }
}
