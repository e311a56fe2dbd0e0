-- SCIM Groups: the document (without members) as JSON text, hot attributes
-- as indexed columns (display_name_key is the case-folded displayName,
-- unique per account), and membership as one row per (group, member):
-- adding or removing k members touches k rows, whatever the group's size.

CREATE TABLE scim_groups (
    id TEXT PRIMARY KEY NOT NULL,
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    display_name TEXT NOT NULL,
    display_name_key TEXT NOT NULL,
    external_id TEXT,
    document TEXT NOT NULL,
    filter_document TEXT NOT NULL,
    version BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    last_modified TIMESTAMP NOT NULL
);

CREATE UNIQUE INDEX scim_groups_account_display_name ON scim_groups (account_id, display_name_key);
CREATE INDEX scim_groups_account_id ON scim_groups (account_id, id);
CREATE INDEX scim_groups_account_external_id ON scim_groups (account_id, external_id);
CREATE INDEX scim_groups_account_last_modified ON scim_groups (account_id, last_modified);

CREATE TABLE group_members (
    group_id TEXT NOT NULL REFERENCES scim_groups (id) ON DELETE CASCADE,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    account_id TEXT NOT NULL,
    PRIMARY KEY (group_id, user_id)
);

CREATE INDEX group_members_user ON group_members (user_id, group_id);
CREATE INDEX group_members_account_group ON group_members (account_id, group_id);
