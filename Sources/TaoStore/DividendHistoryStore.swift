import Logging
import Model
import PostgresNIO

/// Writes processed blocks and their changes; idempotent (a block written twice adds nothing).
public struct DividendHistoryStore: Sendable {
    public let database: Database

    public init(database: Database) { self.database = database }

    public func record(block: UInt64, hash: String, changes: [DividendChange], gapFrom: UInt64?, logger: Logger) async throws(StoreError) {
        do {
            try await database.client.withTransaction(logger: logger) { connection in
                for change in changes {
                    try await connection.query("""
                        INSERT INTO dividend_changes (block, sequence, kind, netuid, hotkey, old_amount, new_amount, unit, block_hash)
                        VALUES (\(Int64(change.block)), \(Int32(change.offset.sequence)), \(change.kind.rawValue), \(Int32(change.netuid)),
                                \(change.hotkey), \(change.old)::NUMERIC, \(change.new)::NUMERIC, \(change.unit.rawValue), \(change.blockHash))
                        ON CONFLICT DO NOTHING
                        """, logger: logger)
                }
                try await connection.query("""
                    INSERT INTO processed_blocks (number, hash, changes, gap_from)
                    VALUES (\(Int64(block)), \(hash), \(Int32(changes.count)), \(gapFrom.map(Int64.init)))
                    ON CONFLICT (number) DO UPDATE SET gap_from = COALESCE(processed_blocks.gap_from, EXCLUDED.gap_from)
                    """, logger: logger)
            }
        } catch {
            throw .query("could not record block \(block) in PostgreSQL: \(String(reflecting: error).prefix(300))")
        }
    }

    /// The dividend values as of the last block recorded: each key's newest change (those whose
    /// newest change removed them left out), with the offset of that change. Nil when nothing was
    /// recorded. What a watcher starts from when Redis lost everything while it was down too.
    public func latestState(kinds: [DividendKind], logger: Logger) async throws(StoreError) -> (block: UInt64, hash: String, values: [DividendKey: (amount: UInt64, offset: StreamOffset)])? {
        do {
            var head: (UInt64, String)?
            for try await (number, hash) in try await database.client.query("SELECT number, hash FROM processed_blocks ORDER BY number DESC LIMIT 1", logger: logger)
                .decode((Int64, String).self) { head = (UInt64(number), hash) }
            guard let (block, hash) = head else { return nil }
            let names = kinds.map(\.rawValue)
            let rows = try await database.client.query("""
                SELECT DISTINCT ON (kind, netuid, hotkey) kind, netuid, hotkey, new_amount::TEXT, block, sequence FROM dividend_changes
                WHERE kind = ANY(\(names)) ORDER BY kind, netuid, hotkey, block DESC, sequence DESC
                """, logger: logger)
            var values: [DividendKey: (amount: UInt64, offset: StreamOffset)] = [:]
            for try await (kind, netuid, hotkey, amount, changed, sequence) in rows.decode((String, Int32, String, String?, Int64, Int32).self) {
                guard let amount = amount.flatMap(UInt64.init) else { continue }
                values[DividendKey(kind: DividendKind(rawValue: kind), netuid: UInt16(netuid), hotkey: hotkey)] =
                    (amount, StreamOffset(block: UInt64(changed), sequence: UInt64(sequence)))
            }
            return (block, hash, values)
        } catch {
            throw .query("could not read the latest dividends from the history: \(String(reflecting: error).prefix(300))")
        }
    }

    /// The highest block recorded, nil when none.
    public func lastBlock(logger: Logger) async throws(StoreError) -> UInt64? {
        do {
            let rows = try await database.client.query("SELECT max(number) FROM processed_blocks", logger: logger)
            for try await (number) in rows.decode(Int64?.self) { return number.map(UInt64.init) }
            return nil
        } catch {
            throw .query("could not read processed_blocks: \(String(reflecting: error).prefix(300))")
        }
    }

    /// Changes recorded for a key, oldest first (for tools and tests).
    public func changes(netuid: UInt16, hotkey: String, logger: Logger) async throws(StoreError) -> [(block: UInt64, old: String?, new: String?)] {
        do {
            let rows = try await database.client.query("""
                SELECT block, old_amount::TEXT, new_amount::TEXT FROM dividend_changes
                WHERE netuid = \(Int32(netuid)) AND hotkey = \(hotkey) ORDER BY block, sequence
                """, logger: logger)
            var result: [(UInt64, String?, String?)] = []
            for try await (block, old, new) in rows.decode((Int64, String?, String?).self) { result.append((UInt64(block), old, new)) }
            return result
        } catch {
            throw .query("could not read dividend_changes: \(String(reflecting: error).prefix(300))")
        }
    }

    public func count(logger: Logger) async throws(StoreError) -> (changes: Int, blocks: Int) {
        do {
            let rows = try await database.client.query("SELECT (SELECT count(*) FROM dividend_changes), (SELECT count(*) FROM processed_blocks)", logger: logger)
            for try await (changes, blocks) in rows.decode((Int64, Int64).self) { return (Int(changes), Int(blocks)) }
            return (0, 0)
        } catch {
            throw .query("could not count history: \(String(reflecting: error).prefix(300))")
        }
    }
}

extension DividendHistoryStore {
    /// One page of history, newest first, and where the next older one starts. Both queries are
    /// served by an index (`dividend_changes_key` for a key, `dividend_changes_netuid_block` for a
    /// subnet), read backwards from the page's start: a page costs its rows, not the table.
    public func page(_ query: HistoryQuery, logger: Logger) async throws(StoreError) -> HistoryPage {
        do {
            let result = try await database.client.query(Self.pageQuery(query), logger: logger)
            var changes: [DividendChange] = []
            for try await (block, sequence, kind, hotkey, old, new, hash) in result.decode((Int64, Int32, String, String, String?, String?, String).self) {
                changes.append(DividendChange(
                    kind: DividendKind(rawValue: kind), netuid: query.netuid, hotkey: hotkey, old: old.flatMap(UInt64.init), new: new.flatMap(UInt64.init),
                    block: UInt64(block), blockHash: hash, offset: StreamOffset(block: UInt64(block), sequence: UInt64(sequence))
                ))
            }
            // The query reads one row past the page: its presence says an older page exists.
            let page = Array(changes.prefix(query.limit))
            return HistoryPage(changes: page, next: changes.count > query.limit ? page.last?.offset : nil)
        } catch {
            throw .query("could not read the dividend history: \(String(reflecting: error).prefix(300))")
        }
    }

    /// The statement ``page(_:logger:)`` sends, one row more than the page (to know if more remain).
    public static func pageQuery(_ query: HistoryQuery) -> PostgresQuery {
        let netuid = Int32(query.netuid)
        let from = Int64(clamping: query.fromBlock ?? 0)
        let to = Int64(clamping: query.toBlock ?? UInt64(Int64.max))
        // Strictly older than the cursor, and no newer than `to`: one row comparison.
        let end = (to, Int64(Int32.max))
        let start = query.before.map { (Int64(clamping: $0.block), Int64(clamping: $0.sequence)) } ?? end
        let (startBlock, startSequence) = start < end ? start : end
        let kind = query.kind?.rawValue
        let rows = query.limit + 1
        if let hotkey = query.hotkey {
            return """
                SELECT block, sequence, kind, hotkey, old_amount::TEXT, new_amount::TEXT, block_hash FROM dividend_changes
                WHERE netuid = \(netuid) AND hotkey = \(hotkey) AND block >= \(from) AND (block, sequence) < (\(startBlock), \(startSequence))
                  AND (\(kind)::TEXT IS NULL OR kind = \(kind))
                ORDER BY block DESC, sequence DESC LIMIT \(rows)
                """
        }
        return """
            SELECT block, sequence, kind, hotkey, old_amount::TEXT, new_amount::TEXT, block_hash FROM dividend_changes
            WHERE netuid = \(netuid) AND block >= \(from) AND (block, sequence) < (\(startBlock), \(startSequence))
              AND (\(kind)::TEXT IS NULL OR kind = \(kind))
            ORDER BY block DESC, sequence DESC LIMIT \(rows)
            """
    }
}

extension DividendHistoryStore {
    /// The hash recorded for block `number`, nil when none was.
    public func blockHash(_ number: UInt64, logger: Logger) async throws(StoreError) -> String? {
        do {
            let rows = try await database.client.query("SELECT hash FROM processed_blocks WHERE number = \(Int64(clamping: number))", logger: logger)
            for try await hash in rows.decode(String.self) { return hash }
            return nil
        } catch {
            throw .query("could not read processed_blocks: \(String(reflecting: error).prefix(300))")
        }
    }
}
