-- Direct grants (PRODUCT.md "Direct grant"): a role, or a level in a
-- workspace, given to a member without a group — by an admin to a local
-- member ('admin'), or by the identity provider as an entitlement
-- ('entitlement'). They join the rules under "highest wins" when effective
-- access (member_roles, member_workspace_levels) is recomputed. A member has
-- at most one granted role and one granted level per workspace from each
-- source (the two unique indexes); a row grants a role or a level, never both.
-- Grants go with their member and with their workspace.
CREATE TABLE member_grants (
    id TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    source TEXT NOT NULL CHECK (source IN ('admin', 'entitlement')),
    role TEXT,
    workspace_id TEXT REFERENCES workspaces (id) ON DELETE CASCADE,
    level TEXT,
    granted_at TIMESTAMP NOT NULL,
    CHECK ((role IS NULL) <> (workspace_id IS NULL)),
    CHECK ((workspace_id IS NULL) = (level IS NULL))
);

CREATE UNIQUE INDEX member_grants_role ON member_grants (user_id, source) WHERE workspace_id IS NULL;
CREATE UNIQUE INDEX member_grants_level ON member_grants (user_id, workspace_id, source) WHERE workspace_id IS NOT NULL;
CREATE INDEX member_grants_account ON member_grants (account_id);
CREATE INDEX member_grants_workspace ON member_grants (workspace_id) WHERE workspace_id IS NOT NULL;

-- The team listing (issue 17): members in userName-key order, filtered by
-- search text, status and creation time, is a scan of this one index
-- (covering those columns) rather than of the table's rows.
CREATE INDEX users_team ON users (account_id, user_name_key, id, display_name_key, active, created_at);

-- An IdP's displayName lookup (Entra's `displayName eq "…"`) must seek its
-- own index, not walk users_team, which covers display_name_key too: with
-- the id in it, users_account_display_name covers the lookup as well.
DROP INDEX users_account_display_name;
CREATE INDEX users_account_display_name ON users (account_id, display_name_key, id);
