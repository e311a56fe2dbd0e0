-- Bumped in the same transaction as anything that can make a verified token
-- fail: its revocation, a signing key's retirement (every account), a change of
-- the account's network allow-list. A process may reuse a token it verified
-- while the account's version is unchanged (src/auth/cache.rs).
ALTER TABLE accounts ADD COLUMN auth_version BIGINT NOT NULL DEFAULT 0;
