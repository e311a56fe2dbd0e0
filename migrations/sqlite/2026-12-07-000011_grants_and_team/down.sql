DROP INDEX users_team;
DROP TABLE member_grants;

DROP INDEX users_account_display_name;
CREATE INDEX users_account_display_name ON users (account_id, display_name_key);
