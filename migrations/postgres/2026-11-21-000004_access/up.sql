-- Access mapping: each account's ordered roles and workspace levels, its
-- workspaces, the rules mapping IdP groups (or SCIM role values) to a role
-- or a workspace level, and the effective access those produce, stored and
-- recomputed in the transaction of every change that affects it.

CREATE TABLE access_models (
    account_id TEXT PRIMARY KEY NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    default_role TEXT NOT NULL
);

-- rank orders the names: a higher rank is more access.
CREATE TABLE account_roles (
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    rank INTEGER NOT NULL,
    PRIMARY KEY (account_id, name),
    UNIQUE (account_id, rank)
);

CREATE TABLE workspace_levels (
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    rank INTEGER NOT NULL,
    PRIMARY KEY (account_id, name),
    UNIQUE (account_id, rank)
);

CREATE TABLE workspaces (
    id TEXT PRIMARY KEY NOT NULL,
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    slug TEXT NOT NULL,
    name TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (account_id, slug)
);

-- match_kind: group_name (a displayName), group_external_id, group_id, or
-- scim_role (a value of a member's SCIM roles); match_value as the admin
-- wrote it, match_key as matching compares it (case-folded for group_name
-- and scim_role). A rule grants a role, a level in a workspace, or both.
CREATE TABLE access_rules (
    id TEXT PRIMARY KEY NOT NULL,
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    match_kind TEXT NOT NULL CHECK (match_kind IN ('group_name', 'group_external_id', 'group_id', 'scim_role')),
    match_value TEXT NOT NULL,
    match_key TEXT NOT NULL,
    role TEXT,
    workspace_id TEXT REFERENCES workspaces (id) ON DELETE CASCADE,
    level TEXT,
    created_at TIMESTAMP NOT NULL,
    CHECK (role IS NOT NULL OR (workspace_id IS NOT NULL AND level IS NOT NULL)),
    CHECK ((workspace_id IS NULL) = (level IS NULL))
);

CREATE INDEX access_rules_account ON access_rules (account_id, match_kind, match_key);

-- The case-folded values of each member's SCIM roles, for scim_role rules.
CREATE TABLE user_role_values (
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    value_key TEXT NOT NULL,
    account_id TEXT NOT NULL,
    PRIMARY KEY (user_id, value_key)
);

CREATE INDEX user_role_values_account ON user_role_values (account_id, value_key);

-- Effective access: one row per active member (its role), and one per
-- (active member, workspace) it has a level in. No row: no access.
CREATE TABLE member_roles (
    user_id TEXT PRIMARY KEY NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    account_id TEXT NOT NULL,
    role TEXT NOT NULL
);

CREATE INDEX member_roles_account ON member_roles (account_id, role);

CREATE TABLE member_workspace_levels (
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    workspace_id TEXT NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    account_id TEXT NOT NULL,
    level TEXT NOT NULL,
    PRIMARY KEY (user_id, workspace_id)
);

CREATE INDEX member_workspace_levels_workspace ON member_workspace_levels (workspace_id, user_id);

-- Existing accounts get the default model.
INSERT INTO access_models (account_id, default_role) SELECT id, 'member' FROM accounts;
INSERT INTO account_roles (account_id, name, rank) SELECT id, 'member', 0 FROM accounts;
INSERT INTO account_roles (account_id, name, rank) SELECT id, 'admin', 1 FROM accounts;
INSERT INTO workspace_levels (account_id, name, rank) SELECT id, 'viewer', 0 FROM accounts;
INSERT INTO workspace_levels (account_id, name, rank) SELECT id, 'editor', 1 FROM accounts;
INSERT INTO workspace_levels (account_id, name, rank) SELECT id, 'admin', 2 FROM accounts;
INSERT INTO member_roles (user_id, account_id, role) SELECT id, account_id, 'member' FROM users WHERE active;
