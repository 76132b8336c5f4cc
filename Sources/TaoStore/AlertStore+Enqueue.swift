import Foundation
import Logging
import Model
import PostgresNIO

extension AlertStore {
    /// Stores a batch of firings, each once: a known delivery id is a duplicate, a firing within
    /// its rule's cool-down of the last one for the entry is dropped, and a token past `perHour`
    /// deliveries in the last hour gets one `suppressed` row per rule and hour, which its owner
    /// can see. A fixed number of statements whatever the batch's size: the tokens' locks (in
    /// one order, so concurrent notifiers cannot deadlock), what is known, the rows, the marks.
    /// `now` is seconds since 1970 from the notifier's clock. Returns an outcome per firing.
    public func enqueue(_ firings: [OutboxPlan.Firing], perHour: Int, now: Double, logger: Logger) async throws(StoreError) -> [EnqueueOutcome] {
        guard !firings.isEmpty else { return [] }
        do {
            return try await database.client.withTransaction(logger: logger) { connection in
                let tokens = Array(Set(firings.map(\.tokenID))).sorted()
                // Ordered by the lock's own key: two tokens whose hashes collide are one lock, and
                // only an order over the keys themselves is the same in every transaction.
                try await connection.query("""
                    SELECT pg_advisory_xact_lock(h) FROM (SELECT DISTINCT hashtext(t) AS h FROM unnest(\(tokens)::TEXT[]) AS t) AS keys ORDER BY h
                    """, logger: logger)
                let known = try await Self.known(firings, tokens: tokens, connection: connection, logger: logger)
                let plan = OutboxPlan(firings, known: known, perHour: perHour, now: now)
                var written: [(OutboxPlan.Firing, String)] = []
                for (firing, decision) in zip(firings, plan.decisions) {
                    switch decision {
                    case .queue: written.append((firing, "pending"))
                    case .suppress: written.append((firing, "suppressed"))
                    case .skip: continue
                    }
                }
                let inserted = try await Self.insert(written, perHour: perHour, now: now, connection: connection, logger: logger)
                // Under the token's lock nothing else stores these ids: a row not inserted is one
                // whose rule was disabled between the two statements.
                return zip(firings, plan.decisions).map { firing, decision in
                    switch decision {
                    case .queue, .suppress: return inserted.contains(firing.deliveryID) ? decision.outcome : .ruleDisabled
                    case .skip(let outcome): return outcome
                    }
                }
            }
        } catch {
            throw .query("could not queue the alerts: \(String(reflecting: error).prefix(300))")
        }
    }

    private static func known(_ firings: [OutboxPlan.Firing], tokens: [String], connection: PostgresConnection, logger: Logger) async throws -> OutboxPlan.Known {
        var known = OutboxPlan.Known()
        let enabled = try await connection.query("""
            SELECT id FROM alert_rules WHERE id = ANY(\(Array(Set(firings.map(\.ruleID))))::TEXT[]) AND disabled_reason IS NULL AND \(unescaped: ownerIsActive)
            """, logger: logger)
        var enabledRules = Set<String>()
        for try await id in enabled.decode(String.self) { enabledRules.insert(id) }
        known.disabledRules = Set(firings.map(\.ruleID)).subtracting(enabledRules)
        let existing = try await connection.query("SELECT id FROM alert_deliveries WHERE id = ANY(\(firings.map(\.deliveryID))::TEXT[])", logger: logger)
        for try await id in existing.decode(String.self) { known.stored.insert(id) }
        let cooling = Array(Set(firings.filter { $0.cooldown > 0 }.map(\.ruleID)))
        if !cooling.isEmpty {
            let marks = try await connection.query("""
                SELECT rule_id, kind, netuid, hotkey, fired_at FROM alert_marks WHERE rule_id = ANY(\(cooling)::TEXT[])
                """, logger: logger)
            for try await (rule, kind, netuid, hotkey, firedAt) in marks.decode((String, String, Int32, String, Double).self) {
                let key = DividendKey(kind: DividendKind(rawValue: kind), netuid: UInt16(clamping: netuid), hotkey: hotkey)
                known.lastFired[OutboxPlan.Mark(ruleID: rule, key: key)] = firedAt
            }
        }
        let counts = try await connection.query("""
            SELECT token_id, count(*) FILTER (WHERE state <> 'suppressed'), array_agg(DISTINCT rule_id) FILTER (WHERE state = 'suppressed')
            FROM alert_deliveries WHERE token_id = ANY(\(tokens)::TEXT[]) AND created_at > now() - interval '1 hour'
            GROUP BY token_id
            """, logger: logger)
        for try await (token, sent, suppressed) in counts.decode((String, Int64, [String]?).self) {
            known.sentLastHour[token] = Int(sent)
            known.suppressedRules.formUnion(suppressed ?? [])
        }
        return known
    }

    /// Inserts the rows (of rules still enabled) and their marks; returns the ids stored.
    private static func insert(_ rows: [(OutboxPlan.Firing, String)], perHour: Int, now: Double, connection: PostgresConnection, logger: Logger) async throws -> Set<String> {
        guard !rows.isEmpty else { return [] }
        let note = "not sent: the token reached its \(perHour) deliveries per hour (one such row per alert and hour)"
        let inserted = try await connection.query("""
            INSERT INTO alert_deliveries (id, rule_id, token_id, event, state, last_error)
            SELECT input.id, rules.id, rules.token_id, input.event, input.state, CASE WHEN input.state = 'suppressed' THEN \(note) END
            FROM unnest(\(rows.map(\.0.deliveryID))::TEXT[], \(rows.map(\.0.ruleID))::TEXT[], \(rows.map(\.0.event))::TEXT[], \(rows.map(\.1))::TEXT[])
                 AS input (id, rule_id, event, state)
            JOIN alert_rules AS rules ON rules.id = input.rule_id AND rules.disabled_reason IS NULL
            ON CONFLICT (id) DO NOTHING
            RETURNING id
            """, logger: logger)
        var stored = Set<String>()
        for try await id in inserted.decode(String.self) { stored.insert(id) }
        // One mark per rule and entry that was sent (a suppressed firing starts no cool-down).
        var marks: [OutboxPlan.Mark: Void] = [:]
        for (firing, state) in rows where state == "pending" && stored.contains(firing.deliveryID) { marks[OutboxPlan.Mark(ruleID: firing.ruleID, key: firing.key)] = () }
        guard !marks.isEmpty else { return stored }
        let list = Array(marks.keys)
        try await connection.query("""
            INSERT INTO alert_marks (rule_id, kind, netuid, hotkey, fired_at)
            SELECT rule_id, kind, netuid, hotkey, \(now)::DOUBLE PRECISION
            FROM unnest(\(list.map(\.ruleID))::TEXT[], \(list.map(\.key.kind.rawValue))::TEXT[], \(list.map { Int32($0.key.netuid) })::INTEGER[],
                        \(list.map(\.key.hotkey))::TEXT[]) AS m (rule_id, kind, netuid, hotkey)
            ON CONFLICT (rule_id, kind, netuid, hotkey) DO UPDATE SET fired_at = EXCLUDED.fired_at
            """, logger: logger)
        return stored
    }
}
