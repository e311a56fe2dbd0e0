DROP TABLE oauth_assertion_jtis;
DROP INDEX tokens_oauth_secret;
DROP INDEX tokens_oauth_client;
ALTER TABLE tokens DROP COLUMN oauth_secret_id;
ALTER TABLE tokens DROP COLUMN oauth_client_id;
DROP TABLE oauth_client_secrets;
DROP TABLE oauth_clients;
