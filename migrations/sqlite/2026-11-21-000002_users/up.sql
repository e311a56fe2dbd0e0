-- SCIM Users: the whole document as JSON text, and the hot attributes as
-- indexed columns. *_key columns hold the value case-folded by Roster
-- (Unicode-aware), so case-insensitive uniqueness and lookups use plain indexes.
-- filter_document is the document as filters see it: the strings of
-- attributes that are not caseExact case-folded the same way.

CREATE TABLE users (
    id TEXT PRIMARY KEY NOT NULL,
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    user_name TEXT NOT NULL,
    user_name_key TEXT NOT NULL,
    external_id TEXT,
    display_name TEXT,
    display_name_key TEXT,
    active BOOLEAN NOT NULL,
    document TEXT NOT NULL,
    filter_document TEXT NOT NULL,
    version BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    last_modified TIMESTAMP NOT NULL
);

CREATE UNIQUE INDEX users_account_user_name ON users (account_id, user_name_key);
CREATE INDEX users_account_id ON users (account_id, id);
CREATE INDEX users_account_external_id ON users (account_id, external_id);
CREATE INDEX users_account_display_name ON users (account_id, display_name_key);
CREATE INDEX users_account_last_modified ON users (account_id, last_modified);
CREATE INDEX users_account_active ON users (account_id, active);

CREATE TABLE user_emails (
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    account_id TEXT NOT NULL,
    value_key TEXT,
    type_key TEXT,
    is_primary BOOLEAN,
    PRIMARY KEY (user_id, position)
);

CREATE INDEX user_emails_account_value ON user_emails (account_id, value_key);
