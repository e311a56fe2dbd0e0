-- Per-account sequence numbers (issue 15): an account's change events and
-- audit entries are numbered 1, 2, 3 … of their own, so no account can count
-- another's activity from the gaps in its feed. The writer of an account's
-- rows holds the account (SQLite has one writer) and takes the latest seq + 1.
--
-- Existing rows are renumbered per account in their old (global) order, and
-- each webhook's cursor becomes the number of its account's events it had
-- delivered, so nothing is sent again or skipped.

CREATE TABLE events_per_account (
    seq INTEGER NOT NULL,
    id TEXT NOT NULL UNIQUE,
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    member_id TEXT,
    payload TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (account_id, seq)
);

INSERT INTO events_per_account (seq, id, account_id, kind, member_id, payload, created_at)
SELECT ROW_NUMBER() OVER (PARTITION BY account_id ORDER BY seq), id, account_id, kind, member_id,
       payload, created_at
FROM events;

UPDATE webhooks SET delivered_seq = (
    SELECT COUNT(*) FROM events
    WHERE events.account_id = webhooks.account_id AND events.seq <= webhooks.delivered_seq
);

DROP TABLE events;
ALTER TABLE events_per_account RENAME TO events;

CREATE TABLE audit_log_per_account (
    seq INTEGER NOT NULL,
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
    changes TEXT NOT NULL,
    PRIMARY KEY (account_id, seq)
);

INSERT INTO audit_log_per_account (seq, id, account_id, at, actor, token_id, token_label,
    request_id, resource_type, resource_id, action, member_id, group_id, changes)
SELECT ROW_NUMBER() OVER (PARTITION BY account_id ORDER BY seq), id, account_id, at, actor,
       token_id, token_label, request_id, resource_type, resource_id, action, member_id,
       group_id, changes
FROM audit_log;

DROP TABLE audit_log;
ALTER TABLE audit_log_per_account RENAME TO audit_log;

CREATE INDEX audit_log_member ON audit_log (account_id, member_id, seq) WHERE member_id IS NOT NULL;
CREATE INDEX audit_log_group ON audit_log (account_id, group_id, seq) WHERE group_id IS NOT NULL;
CREATE INDEX audit_log_at ON audit_log (account_id, at);

CREATE TRIGGER audit_log_append_only BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
