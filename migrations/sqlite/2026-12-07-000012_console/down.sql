-- Console entries leave the log (the old check refuses them); then the
-- table is copied back under the old check.
CREATE TABLE audit_log_no_console (
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

INSERT INTO audit_log_no_console SELECT seq, id, account_id, at, actor, token_id, token_label,
    request_id, resource_type, resource_id, action, member_id, group_id, changes
FROM audit_log WHERE actor <> 'console';

DROP TABLE audit_log;
ALTER TABLE audit_log_no_console RENAME TO audit_log;

CREATE INDEX audit_log_member ON audit_log (account_id, member_id, seq) WHERE member_id IS NOT NULL;
CREATE INDEX audit_log_group ON audit_log (account_id, group_id, seq) WHERE group_id IS NOT NULL;
CREATE INDEX audit_log_at ON audit_log (account_id, at);

CREATE TRIGGER audit_log_append_only BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;

DROP TABLE console_sessions;
DROP TABLE console_links;
