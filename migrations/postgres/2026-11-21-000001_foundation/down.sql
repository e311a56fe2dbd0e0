DROP TABLE tokens;
DROP TABLE signing_keys;
DROP TABLE accounts;
