DROP TABLE member_logins;
ALTER TABLE users DROP COLUMN provisioned_by;
ALTER TABLE users DROP COLUMN provisioned_via;
DROP TABLE webhooks;
DROP TABLE audit_log;
DROP FUNCTION audit_log_append_only();
