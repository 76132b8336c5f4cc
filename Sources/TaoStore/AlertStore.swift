import Foundation
import Logging
import Model
import PostgresNIO

/// Alert rules, their evaluation marks and their delivery outbox in PostgreSQL (migration 6).
public struct AlertStore: Sendable {
    public let database: Database

    public init(database: Database) { self.database = database }

    /// A rule as the notifier needs it: with the sealed push keys the owner's view never shows.
    public struct StoredRule: Sendable, Hashable {
        public var rule: AlertRule
        /// For web push rules: the subscription's keys, sealed with the operator's alert key.
        public var sealedPushKeys: [UInt8]?
    }

    /// What `enqueue` did with one firing.
    public enum EnqueueOutcome: Sendable, Equatable {
        case queued
        /// Already stored: this event was evaluated before (the id is derived from it).
        case duplicate
        /// Fired for the same entry within the rule's cool-down.
        case coolingDown
        /// Stored as `suppressed`: the token reached its deliveries per hour.
        case suppressed
        /// Not stored: the rule was disabled (or its token lost alerts) since it was read.
        case ruleDisabled

        /// The outbox holds this firing (or knows it is not to be sent): evaluating it again adds nothing.
        public var isStored: Bool {
            switch self {
            case .queued, .duplicate, .suppressed: return true
            case .coolingDown, .ruleDisabled: return false
            }
        }
    }

    /// A delivery leased to this notifier for one attempt.
    public struct DueDelivery: Sendable, Hashable {
        public var id: String
        /// This attempt's lease: outcomes are recorded only while it still holds the delivery.
        public var leaseID: String
        public var ruleID: String
        public var event: String
        /// Counting this one.
        public var attempt: Int
        public var createdAt: Double
    }

    // MARK: Rules, for their owner

    /// Stores a rule unless the token already has `maximumRules`; nil when it has.
    public func create(_ spec: AlertSpec, id: String, tokenID: String, sealedPushKeys: [UInt8]?, maximumRules: Int, logger: Logger) async throws(StoreError) -> AlertRule? {
        let columns = Columns(spec)
        do {
            return try await database.client.withTransaction(logger: logger) { connection -> AlertRule? in
            // Creates of one token are ordered, so two at once cannot both pass the cap.
            try await connection.query("SELECT pg_advisory_xact_lock(hashtext(\(tokenID)))", logger: logger)
            let rows = try await connection.query("""
                INSERT INTO alert_rules (id, token_id, label, kinds, netuid, hotkey, condition, side, threshold, percent, direction, blocks,
                                         cooldown_seconds, destination, url, format, push_keys)
                SELECT \(id), \(tokenID), \(spec.label), \(columns.kinds), \(columns.netuid), \(spec.filter.hotkey), \(spec.condition.type),
                       \(columns.side), \(columns.threshold)::NUMERIC, \(columns.percent), \(columns.direction), \(columns.blocks),
                       \(Int32(spec.cooldownSeconds)), \(columns.destination), \(spec.destination.url), \(columns.format), \(sealedPushKeys.map { ByteBuffer(bytes: $0) })
                WHERE (SELECT count(*) FROM alert_rules WHERE token_id = \(tokenID)) < \(maximumRules)
                RETURNING extract(epoch FROM created_at)::DOUBLE PRECISION
                """, logger: logger)
            for try await created in rows.decode(Double.self) {
                return AlertRule(id: id, tokenID: tokenID, spec: spec, createdAt: created)
            }
            return nil
            }
        } catch {
            throw .query("could not store the alert: \(String(reflecting: error).prefix(300))")
        }
    }

    /// This token's rules, oldest first.
    public func rules(tokenID: String, logger: Logger) async throws(StoreError) -> [AlertRule] {
        try await select("WHERE token_id = $1 ORDER BY created_at, id", [tokenID], logger: logger).map(\.rule)
    }

    /// Every rule that still delivers, for the notifier.
    public func activeRules(logger: Logger) async throws(StoreError) -> [StoredRule] {
        try await select("WHERE disabled_reason IS NULL AND \(Self.ownerIsActive) ORDER BY id", [], logger: logger)
    }

    public func rule(_ id: String, logger: Logger) async throws(StoreError) -> StoredRule? {
        try await select("WHERE id = $1", [id], logger: logger).first
    }

    /// The rule when it may still deliver: enabled, and its token neither revoked nor stripped of
    /// `read` or `alerts`.
    public func deliverableRule(_ id: String, logger: Logger) async throws(StoreError) -> StoredRule? {
        try await select("WHERE id = $1 AND disabled_reason IS NULL AND \(Self.ownerIsActive)", [id], logger: logger).first
    }

    /// Deletes one of this token's rules, with its marks and deliveries; false when it has none by that id.
    public func delete(_ id: String, tokenID: String, logger: Logger) async throws(StoreError) -> Bool {
        do {
            let rows = try await database.client.query("DELETE FROM alert_rules WHERE id = \(id) AND token_id = \(tokenID) RETURNING id", logger: logger)
            for try await _ in rows.decode(String.self) { return true }
            return false
        } catch {
            throw .query("could not delete the alert: \(String(reflecting: error).prefix(300))")
        }
    }

    /// The latest deliveries of one of this token's rules, newest first; nil when the rule is not theirs.
    public func deliveries(alertID: String, tokenID: String, limit: Int = 100, logger: Logger) async throws(StoreError) -> [AlertDelivery]? {
        do {
            let owner = try await database.client.query("SELECT token_id FROM alert_rules WHERE id = \(alertID)", logger: logger)
            var owned = false
            for try await found in owner.decode(String.self) { owned = found == tokenID }
            guard owned else { return nil }
            let rows = try await database.client.query("""
                SELECT id, state, attempts, last_status, last_error, extract(epoch FROM created_at)::DOUBLE PRECISION,
                       extract(epoch FROM next_attempt_at)::DOUBLE PRECISION, event
                FROM alert_deliveries WHERE rule_id = \(alertID) ORDER BY created_at DESC, id LIMIT \(limit)
                """, logger: logger)
            var deliveries: [AlertDelivery] = []
            for try await (id, state, attempts, status, error, created, next, event) in rows.decode((String, String, Int32, Int32?, String?, Double, Double, String).self) {
                guard let change = try? JSONDecoder().decode(DividendChange.self, from: Data(event.utf8)) else { continue }
                deliveries.append(AlertDelivery(id: id, alertID: alertID, state: AlertDelivery.State(rawValue: state) ?? .failed, attempts: Int(attempts),
                                                lastStatus: status.map(Int.init), lastError: error, createdAt: created, nextAttemptAt: next, event: change))
            }
            return deliveries
        } catch {
            throw .query("could not read the deliveries: \(String(reflecting: error).prefix(300))")
        }
    }

    // MARK: Evaluation

    /// Who may still have alerts: a token not revoked, with `read` (the deliveries carry dividend
    /// data) and `alerts`.
    static let ownerIsActive = """
        token_id IN (SELECT id FROM api_tokens WHERE revoked_at IS NULL AND 'alerts' = ANY(scopes) AND 'read' = ANY(scopes))
        """

    /// Stores one firing (see the batch form).
    public func enqueue(deliveryID: String, ruleID: String, tokenID: String, key: DividendKey, event: String,
                        cooldown: UInt32, perHour: Int, now: Double, logger: Logger) async throws(StoreError) -> EnqueueOutcome {
        let firing = OutboxPlan.Firing(deliveryID: deliveryID, ruleID: ruleID, tokenID: tokenID, key: key, event: event, cooldown: cooldown)
        return try await enqueue([firing], perHour: perHour, now: now, logger: logger).first ?? .duplicate
    }

    // MARK: Delivery

    /// Leases up to `limit` due deliveries for `leaseSeconds` and counts the attempt. Rows other
    /// notifiers hold are skipped; a lease that ran out (its holder died) is taken over. Each row
    /// gets a new `leaseID`: only that attempt may record the outcome.
    public func claimDue(limit: Int, leaseSeconds: Double, logger: Logger) async throws(StoreError) -> [DueDelivery] {
        guard limit > 0 else { return [] }
        do {
            let rows = try await database.client.query("""
                UPDATE alert_deliveries SET lease_until = now() + make_interval(secs => \(leaseSeconds)), attempts = attempts + 1,
                                            lease_id = md5(random()::TEXT || clock_timestamp()::TEXT || id)
                WHERE id IN (
                    SELECT id FROM alert_deliveries
                    WHERE state = 'pending' AND next_attempt_at <= now() AND (lease_until IS NULL OR lease_until < now())
                    ORDER BY next_attempt_at LIMIT \(limit) FOR UPDATE SKIP LOCKED)
                RETURNING id, lease_id, rule_id, event, attempts, extract(epoch FROM created_at)::DOUBLE PRECISION
                """, logger: logger)
            var due: [DueDelivery] = []
            for try await (id, lease, rule, event, attempts, created) in rows.decode((String, String, String, String, Int32, Double).self) {
                due.append(DueDelivery(id: id, leaseID: lease, ruleID: rule, event: event, attempt: Int(attempts), createdAt: created))
            }
            return due
        } catch {
            throw .query("could not claim deliveries: \(String(reflecting: error).prefix(300))")
        }
    }

    /// Seconds until the next pending delivery is due or its lease ends (0 when one is due now), nil when none is pending.
    public func secondsUntilNextDue(logger: Logger) async throws(StoreError) -> Double? {
        do {
            // min() of no rows is NULL: nothing pending, nothing to wake for.
            let rows = try await database.client.query("""
                SELECT extract(epoch FROM min(greatest(next_attempt_at, coalesce(lease_until, next_attempt_at))) - now())::DOUBLE PRECISION
                FROM alert_deliveries WHERE state = 'pending'
                """, logger: logger)
            for try await seconds in rows.decode(Double?.self) { return seconds.map { max(0, $0) } }
            return nil
        } catch {
            throw .query("could not read the outbox: \(String(reflecting: error).prefix(300))")
        }
    }

    /// Records a 2xx; false when the lease was lost (another attempt owns the delivery now).
    @discardableResult
    public func recordDelivered(_ delivery: DueDelivery, status: Int, logger: Logger) async throws(StoreError) -> Bool {
        do {
            let rows = try await database.client.query("""
                UPDATE alert_deliveries SET state = 'delivered', delivered_at = now(), lease_until = NULL, lease_id = NULL,
                                            last_status = \(Int32(status)), last_error = NULL
                WHERE id = \(delivery.id) AND lease_id = \(delivery.leaseID) AND state = 'pending'
                RETURNING 1
                """, logger: logger)
            var recorded = false
            for try await _ in rows.decode(Int32.self) { recorded = true }
            if recorded {
                try await database.client.query("UPDATE alert_rules SET failing_since = NULL WHERE id = \(delivery.ruleID) AND failing_since IS NOT NULL", logger: logger)
            }
            return recorded
        } catch {
            throw .query("could not record a delivery: \(String(reflecting: error).prefix(300))")
        }
    }

    /// Records a failed attempt: retried in `retryIn` seconds, or failed for good when nil. A rule
    /// failing for `disableAfter` seconds without a success is disabled with the reason its owner
    /// will read; a failure more than `streakGap` seconds after the previous one starts a new
    /// streak (a rule that fires rarely is not disabled for one failure after a quiet month).
    /// Returns that reason when the rule was disabled.
    @discardableResult
    public func recordFailure(_ delivery: DueDelivery, status: Int?, error: String, retryIn: Double?, disableAfter: Double, streakGap: Double,
                              logger: Logger) async throws(StoreError) -> String? {
        do {
            let rows = try await database.client.query("""
                UPDATE alert_deliveries
                SET state = \(retryIn == nil ? "failed" : "pending"), lease_until = NULL, lease_id = NULL, last_status = \(status.map(Int32.init)),
                    last_error = \(String(Self.printable(error).prefix(500))), next_attempt_at = now() + make_interval(secs => \(retryIn ?? 0))
                WHERE id = \(delivery.id) AND lease_id = \(delivery.leaseID) AND state = 'pending'
                RETURNING 1
                """, logger: logger)
            var recorded = false
            for try await _ in rows.decode(Int32.self) { recorded = true }
            guard recorded else { return nil }
            let reason = "disabled after failing for \(Self.span(disableAfter)) without a success; last error: \(Self.printable(error).prefix(200))"
            let rules = try await database.client.query("""
                WITH streak AS (
                    SELECT id, CASE WHEN failing_since IS NULL OR last_failure_at < now() - make_interval(secs => \(streakGap))
                                    THEN now() ELSE failing_since END AS since
                    FROM alert_rules WHERE id = \(delivery.ruleID) FOR NO KEY UPDATE)
                UPDATE alert_rules SET failing_since = streak.since, last_failure_at = now(),
                    disabled_reason = CASE WHEN disabled_reason IS NULL AND streak.since <= now() - make_interval(secs => \(disableAfter))
                                           THEN \(reason) ELSE disabled_reason END
                FROM streak WHERE alert_rules.id = streak.id
                RETURNING alert_rules.disabled_reason
                """, logger: logger)
            for try await disabled in rules.decode(String?.self) where disabled == reason {
                try await failPending(ruleID: delivery.ruleID, reason: "the alert was disabled", logger: logger)
                return reason
            }
            return nil
        } catch let error as StoreError {
            throw error
        } catch {
            throw .query("could not record a failed delivery: \(String(reflecting: error).prefix(300))")
        }
    }

    /// Fails one delivery for good without counting against its rule (the rule is disabled or
    /// its owner lost the right to alerts).
    public func abandon(_ delivery: DueDelivery, reason: String, logger: Logger) async throws(StoreError) {
        do {
            try await database.client.query("""
                UPDATE alert_deliveries SET state = 'failed', lease_until = NULL, lease_id = NULL, last_error = \(Self.printable(reason))
                WHERE id = \(delivery.id) AND lease_id = \(delivery.leaseID) AND state = 'pending'
                """, logger: logger)
        } catch {
            throw .query("could not record a failed delivery: \(String(reflecting: error).prefix(300))")
        }
    }

    /// Stops a rule for good (a push subscription the push service says is gone): the keys are
    /// dropped and its pending deliveries fail with `reason`.
    public func disable(_ ruleID: String, reason: String, logger: Logger) async throws(StoreError) {
        do {
            try await database.client.query("UPDATE alert_rules SET disabled_reason = \(reason), push_keys = NULL WHERE id = \(ruleID)", logger: logger)
            try await failPending(ruleID: ruleID, reason: reason, logger: logger)
        } catch let error as StoreError {
            throw error
        } catch {
            throw .query("could not disable the alert: \(String(reflecting: error).prefix(300))")
        }
    }

    /// `text` without control characters (NUL among them, which PostgreSQL text refuses): for
    /// what destinations answer, shown to the rule's owner.
    public static func printable(_ text: String) -> String {
        String(String.UnicodeScalarView(text.unicodeScalars.filter { !($0.properties.generalCategory == .control) }))
    }

    /// `5 d`, `3 h`, `20 min`, `0.3 s`: how long a rule may fail, as its owner reads it.
    static func span(_ seconds: Double) -> String {
        switch seconds {
        case 86_400...: return "\(Int(seconds / 86_400)) d"
        case 3_600...: return "\(Int(seconds / 3_600)) h"
        case 60...: return "\(Int(seconds / 60)) min"
        default: return seconds == seconds.rounded() ? "\(Int(seconds)) s" : "\(seconds) s"
        }
    }

    /// Fails every pending delivery of a rule, leased or not: a holder's late outcome is then
    /// refused by its lease check.
    private func failPending(ruleID: String, reason: String, logger: Logger) async throws(StoreError) {
        do {
            try await database.client.query("""
                UPDATE alert_deliveries SET state = 'failed', lease_until = NULL, lease_id = NULL, last_error = \(reason)
                WHERE rule_id = \(ruleID) AND state = 'pending'
                """, logger: logger)
        } catch {
            throw .query("could not fail the pending deliveries: \(String(reflecting: error).prefix(300))")
        }
    }

    /// Deletes finished deliveries older than `days`, `batch` rows a statement (oldest first, rows
    /// another notifier is pruning skipped) until none is left, so the log stays bounded without
    /// one long transaction; returns how many.
    @discardableResult
    public func prune(olderThanDays days: Int, batch: Int = 5_000, logger: Logger) async throws(StoreError) -> Int {
        do {
            var total = 0
            while !Task.isCancelled {
                let rows = try await database.client.query("""
                    WITH old AS (SELECT id FROM alert_deliveries
                                 WHERE state <> 'pending' AND created_at < now() - make_interval(days => \(Int32(clamping: days)))
                                 ORDER BY created_at LIMIT \(batch) FOR UPDATE SKIP LOCKED)
                    DELETE FROM alert_deliveries WHERE id IN (SELECT id FROM old) RETURNING 1
                    """, logger: logger)
                var count = 0
                for try await _ in rows.decode(Int32.self) { count += 1 }
                total += count
                if count < batch { break }
            }
            return total
        } catch {
            throw .query("could not prune the delivery log: \(String(reflecting: error).prefix(300))")
        }
    }

    /// How many deliveries wait, and the age in seconds of the oldest.
    public func outboxDepth(logger: Logger) async throws(StoreError) -> (pending: Int, oldestSeconds: Double) {
        do {
            let rows = try await database.client.query("""
                SELECT count(*), coalesce(extract(epoch FROM now() - min(created_at)), 0)::DOUBLE PRECISION
                FROM alert_deliveries WHERE state = 'pending'
                """, logger: logger)
            for try await (count, oldest) in rows.decode((Int64, Double).self) { return (Int(count), oldest) }
            return (0, 0)
        } catch {
            throw .query("could not read the outbox: \(String(reflecting: error).prefix(300))")
        }
    }
}
