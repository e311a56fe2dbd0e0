DROP TABLE member_workspace_levels;
DROP TABLE member_roles;
DROP TABLE user_role_values;
DROP TABLE access_rules;
DROP TABLE workspaces;
DROP TABLE workspace_levels;
DROP TABLE account_roles;
DROP TABLE access_models;
