extension Migration {
    /// Stake and unstake commands: one row per (token, idempotency key), so a resent command finds
    /// the first one; the signed extrinsic is kept so an executor that crashed after signing
    /// resubmits the same bytes (same nonce) instead of signing a second transfer.
    static let commands = Migration(version: 3, name: "commands", statements: [
        """
        CREATE TABLE commands (
            id              TEXT PRIMARY KEY,
            token_id        TEXT NOT NULL,
            idempotency_key TEXT NOT NULL,
            action          TEXT NOT NULL CHECK (action IN ('stake', 'unstake')),
            netuid          INTEGER NOT NULL,
            hotkey          TEXT NOT NULL,
            amount          NUMERIC(20, 0) NOT NULL,
            limit_price     NUMERIC(20, 0),
            state           TEXT NOT NULL,
            extrinsic       TEXT,
            extrinsic_hash  TEXT,
            block_hash      TEXT,
            error           TEXT,
            detail          TEXT,
            created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
            updated_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
            UNIQUE (token_id, idempotency_key)
        )
        """,
    ])
}
