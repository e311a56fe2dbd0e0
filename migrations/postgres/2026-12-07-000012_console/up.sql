-- The admin console (docs/CONSOLE.md): one-time links the product hands an
-- account admin, and the sessions they open. Only SHA-256 hashes of the
-- secrets are stored. Audit entries may now be made by a console session.

CREATE TABLE console_links (
    id TEXT PRIMARY KEY NOT NULL,
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    secret_hash TEXT NOT NULL,
    -- Who issued it: 'token' (POST /api/v1/console/links, with the token's
    -- id and label) or 'cli' (roster console link).
    issued_by TEXT NOT NULL CHECK (issued_by IN ('token', 'cli')),
    token_id TEXT,
    token_label TEXT,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    used_at TIMESTAMP
);

CREATE INDEX console_links_account ON console_links (account_id);

CREATE TABLE console_sessions (
    id TEXT PRIMARY KEY NOT NULL,
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    link_id TEXT NOT NULL REFERENCES console_links (id) ON DELETE CASCADE,
    secret_hash TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    last_seen_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    ended_at TIMESTAMP
);

CREATE INDEX console_sessions_account ON console_sessions (account_id);
CREATE INDEX console_sessions_link ON console_sessions (link_id);

ALTER TABLE audit_log DROP CONSTRAINT audit_log_actor_check;
ALTER TABLE audit_log ADD CONSTRAINT audit_log_actor_check CHECK (actor IN ('token', 'cli', 'console'));
