DROP INDEX users_team;
DROP TABLE member_grants;
