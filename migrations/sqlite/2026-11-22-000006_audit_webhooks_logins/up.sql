-- The audit log, webhook endpoints with their delivery state, and what the
-- access review needs of a member: who provisioned it and its last login.

-- Append-only: rows are inserted, never updated (the trigger refuses it);
-- they go only with their account. No foreign key to users, groups or
-- tokens: the trail outlives what it describes.
CREATE TABLE audit_log (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    at TIMESTAMP NOT NULL,
    actor TEXT NOT NULL CHECK (actor IN ('token', 'cli')),
    token_id TEXT,
    token_label TEXT,
    request_id TEXT,
    resource_type TEXT NOT NULL,
    resource_id TEXT NOT NULL,
    action TEXT NOT NULL,
    member_id TEXT,
    group_id TEXT,
    changes TEXT NOT NULL
);

CREATE INDEX audit_log_account_seq ON audit_log (account_id, seq);
CREATE INDEX audit_log_member ON audit_log (account_id, member_id, seq) WHERE member_id IS NOT NULL;
CREATE INDEX audit_log_group ON audit_log (account_id, group_id, seq) WHERE group_id IS NOT NULL;
CREATE INDEX audit_log_at ON audit_log (account_id, at);

CREATE TRIGGER audit_log_append_only BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;

-- Webhook endpoints. Events of the account up to delivered_seq are
-- delivered, in seq order; the next one is attempted at next_attempt_at
-- (exponential backoff after failures). A replica delivers an endpoint only
-- while it holds its lease. The signing secret is not stored: it is derived
-- from the signing key key_id.
CREATE TABLE webhooks (
    id TEXT PRIMARY KEY NOT NULL,
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    url TEXT NOT NULL,
    description TEXT,
    key_id TEXT NOT NULL REFERENCES signing_keys (id),
    created_at TIMESTAMP NOT NULL,
    delivered_seq BIGINT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMP NOT NULL,
    last_attempt_at TIMESTAMP,
    last_success_at TIMESTAMP,
    last_error TEXT,
    lease_owner TEXT,
    lease_until TIMESTAMP
);

CREATE INDEX webhooks_account ON webhooks (account_id);
CREATE INDEX webhooks_due ON webhooks (next_attempt_at);

-- How a member came to be: 'scim' (pushed by an identity provider, with the
-- token that created it) or 'local' (created in Roster itself).
ALTER TABLE users ADD COLUMN provisioned_via TEXT NOT NULL DEFAULT 'scim';
ALTER TABLE users ADD COLUMN provisioned_by TEXT;

-- The latest login the product reported, per member.
CREATE TABLE member_logins (
    user_id TEXT PRIMARY KEY NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    account_id TEXT NOT NULL,
    last_login_at TIMESTAMP NOT NULL
);
