extension Migration {
    /// API tokens: only a SHA-256 of the secret part is kept, so a database leak reveals no token.
    static let apiTokens = Migration(version: 1, name: "api_tokens", statements: [
        """
        CREATE TABLE api_tokens (
            id          TEXT PRIMARY KEY,
            secret_hash TEXT NOT NULL,
            label       TEXT NOT NULL,
            scopes      TEXT[] NOT NULL CHECK (cardinality(scopes) > 0 AND scopes <@ ARRAY['read', 'trade']::TEXT[]),
            created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
            revoked_at  TIMESTAMPTZ
        )
        """,
        "CREATE INDEX api_tokens_active ON api_tokens (created_at) WHERE revoked_at IS NULL",
    ])
}
