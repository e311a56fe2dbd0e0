-- Back to one global numbering. The accounts' feeds are laid end to end
-- (account by account, each in its order): the interleaving of accounts is
-- not kept, each account's order and each webhook's position are.

CREATE TABLE events_global (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    member_id TEXT,
    payload TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);

INSERT INTO events_global (seq, id, account_id, kind, member_id, payload, created_at)
SELECT ROW_NUMBER() OVER (ORDER BY account_id, seq), id, account_id, kind, member_id, payload,
       created_at
FROM events;

UPDATE webhooks SET delivered_seq = COALESCE((
    SELECT events_global.seq FROM events
    JOIN events_global ON events_global.id = events.id
    WHERE events.account_id = webhooks.account_id AND events.seq = webhooks.delivered_seq
), 0);

DROP TABLE events;
ALTER TABLE events_global RENAME TO events;
CREATE INDEX events_account_seq ON events (account_id, seq);

CREATE TABLE audit_log_global (
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

INSERT INTO audit_log_global (seq, id, account_id, at, actor, token_id, token_label, request_id,
    resource_type, resource_id, action, member_id, group_id, changes)
SELECT ROW_NUMBER() OVER (ORDER BY account_id, seq), id, account_id, at, actor, token_id,
       token_label, request_id, resource_type, resource_id, action, member_id, group_id, changes
FROM audit_log;

DROP TABLE audit_log;
ALTER TABLE audit_log_global RENAME TO audit_log;

CREATE INDEX audit_log_account_seq ON audit_log (account_id, seq);
CREATE INDEX audit_log_member ON audit_log (account_id, member_id, seq) WHERE member_id IS NOT NULL;
CREATE INDEX audit_log_group ON audit_log (account_id, group_id, seq) WHERE group_id IS NOT NULL;
CREATE INDEX audit_log_at ON audit_log (account_id, at);

CREATE TRIGGER audit_log_append_only BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
