extension Migration {
    /// Dividend history: one row per change, keyed by its stream offset (block, sequence), so a
    /// block written twice adds nothing; and one row per processed block, with the gap it closed.
    static let dividendHistory = Migration(version: 2, name: "dividend_history", statements: [
        """
        CREATE TABLE dividend_changes (
            block       BIGINT NOT NULL,
            sequence    INTEGER NOT NULL,
            kind        TEXT NOT NULL,
            netuid      INTEGER NOT NULL,
            hotkey      TEXT NOT NULL,
            old_amount  NUMERIC(20, 0),
            new_amount  NUMERIC(20, 0),
            unit        TEXT NOT NULL,
            block_hash  TEXT NOT NULL,
            PRIMARY KEY (block, sequence)
        )
        """,
        "CREATE INDEX dividend_changes_key ON dividend_changes (netuid, hotkey, block)",
        """
        CREATE TABLE processed_blocks (
            number       BIGINT PRIMARY KEY,
            hash         TEXT NOT NULL,
            changes      INTEGER NOT NULL,
            gap_from     BIGINT,
            processed_at TIMESTAMPTZ NOT NULL DEFAULT now()
        )
        """,
    ])
}
