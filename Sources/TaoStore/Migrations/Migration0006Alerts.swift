extension Migration {
    /// Alert rules, what their evaluation remembers, and their deliveries.
    ///
    /// - `alert_rules`: one row per rule; the destination's secrets are not here: a webhook's
    ///   signing secret is derived from the operator's alert key and the rule id, and a push
    ///   subscription's keys are sealed with that key (`push_keys`).
    /// - `alert_marks`: when a rule last fired for an entry, for cool-downs.
    /// - `alert_deliveries`: the outbox. The id is the `webhook-id`, derived from the rule and the
    ///   event, so an event evaluated twice (a notifier killed before it acknowledged) is stored
    ///   once; a delivery is leased while it is attempted (`lease_id` names the attempt: only its
    ///   holder may record the outcome), so one killed mid-request is retried by another notifier
    ///   when the lease ends.
    static let alerts = Migration(version: 6, name: "alerts", statements: [
        "ALTER TABLE api_tokens DROP CONSTRAINT IF EXISTS api_tokens_scopes_check",
        """
        ALTER TABLE api_tokens ADD CONSTRAINT api_tokens_scopes_check
            CHECK (cardinality(scopes) > 0 AND scopes <@ ARRAY['read', 'trade', 'alerts']::TEXT[])
        """,
        """
        CREATE TABLE alert_rules (
            id               TEXT PRIMARY KEY,
            token_id         TEXT NOT NULL,
            label            TEXT,
            kinds            TEXT[],
            netuid           INTEGER,
            hotkey           TEXT,
            condition        TEXT NOT NULL,
            side             TEXT,
            threshold        NUMERIC(20, 0),
            percent          DOUBLE PRECISION,
            direction        TEXT,
            blocks           BIGINT,
            cooldown_seconds INTEGER NOT NULL DEFAULT 0,
            destination      TEXT NOT NULL CHECK (destination IN ('webhook', 'web_push')),
            url              TEXT NOT NULL,
            format           TEXT,
            push_keys        BYTEA,
            disabled_reason  TEXT,
            failing_since    TIMESTAMPTZ,
            last_failure_at  TIMESTAMPTZ,
            created_at       TIMESTAMPTZ NOT NULL DEFAULT now()
        )
        """,
        "CREATE INDEX alert_rules_by_token ON alert_rules (token_id)",
        """
        CREATE TABLE alert_marks (
            rule_id  TEXT NOT NULL REFERENCES alert_rules (id) ON DELETE CASCADE,
            kind     TEXT NOT NULL,
            netuid   INTEGER NOT NULL,
            hotkey   TEXT NOT NULL,
            fired_at DOUBLE PRECISION NOT NULL,
            PRIMARY KEY (rule_id, kind, netuid, hotkey)
        )
        """,
        """
        CREATE TABLE alert_deliveries (
            id              TEXT PRIMARY KEY,
            rule_id         TEXT NOT NULL REFERENCES alert_rules (id) ON DELETE CASCADE,
            token_id        TEXT NOT NULL,
            event           TEXT NOT NULL,
            state           TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'failed', 'suppressed')),
            attempts        INTEGER NOT NULL DEFAULT 0,
            next_attempt_at TIMESTAMPTZ NOT NULL DEFAULT now(),
            lease_until     TIMESTAMPTZ,
            lease_id        TEXT,
            last_status     INTEGER,
            last_error      TEXT,
            created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
            delivered_at    TIMESTAMPTZ
        )
        """,
        "CREATE INDEX alert_deliveries_due ON alert_deliveries (next_attempt_at) WHERE state = 'pending'",
        "CREATE INDEX alert_deliveries_by_rule ON alert_deliveries (rule_id, created_at DESC)",
        "CREATE INDEX alert_deliveries_by_token ON alert_deliveries (token_id, created_at)",
        "CREATE INDEX alert_deliveries_finished ON alert_deliveries (created_at) WHERE state <> 'pending'",
    ])
}
