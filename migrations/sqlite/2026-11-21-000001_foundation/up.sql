-- Accounts (tenants), their API tokens, and Roster's token-signing keys.
-- Ids are UUIDs stored as text; timestamps are UTC.

CREATE TABLE accounts (
    id TEXT PRIMARY KEY NOT NULL,
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE signing_keys (
    id TEXT PRIMARY KEY NOT NULL,
    secret TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    retired_at TIMESTAMP
);

CREATE TABLE tokens (
    id TEXT PRIMARY KEY NOT NULL,
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    scope TEXT NOT NULL CHECK (scope IN ('scim', 'access', 'admin')),
    label TEXT,
    secret_hash TEXT NOT NULL,
    key_id TEXT NOT NULL REFERENCES signing_keys (id),
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP,
    last_used_at TIMESTAMP,
    revoked_at TIMESTAMP
);

CREATE INDEX tokens_account_id ON tokens (account_id);
