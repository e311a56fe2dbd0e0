DROP TABLE member_grants;
