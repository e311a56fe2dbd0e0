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

-- The actor check gains 'console': SQLite cannot change a CHECK, so the
-- table is copied (its append-only trigger and indexes made again).
CREATE TABLE audit_log_console (
    seq INTEGER NOT NULL,
    id TEXT NOT NULL UNIQUE,
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    at TIMESTAMP NOT NULL,
    actor TEXT NOT NULL CHECK (actor IN ('token', 'cli', 'console')),
    token_id TEXT,
    token_label TEXT,
    request_id TEXT,
    resource_type TEXT NOT NULL,
    resource_id TEXT NOT NULL,
    action TEXT NOT NULL,
    member_id TEXT,
    group_id TEXT,
    changes TEXT NOT NULL,
    PRIMARY KEY (account_id, seq)
);

INSERT INTO audit_log_console SELECT seq, id, account_id, at, actor, token_id, token_label, request_id,
    resource_type, resource_id, action, member_id, group_id, changes FROM audit_log;

DROP TABLE audit_log;
ALTER TABLE audit_log_console RENAME TO audit_log;

CREATE INDEX audit_log_member ON audit_log (account_id, member_id, seq) WHERE member_id IS NOT NULL;
CREATE INDEX audit_log_group ON audit_log (account_id, group_id, seq) WHERE group_id IS NOT NULL;
CREATE INDEX audit_log_at ON audit_log (account_id, at);

CREATE TRIGGER audit_log_append_only BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
