-- OAuth 2.0 clients (docs/SECURITY.md "OAuth clients"): how identity
-- providers that refuse long-lived tokens (Entra's gallery) obtain
-- short-lived access tokens at POST /oauth/token (RFC 6749 §4.4). A client
-- authenticates with one of its secrets (only their SHA-256 is stored) or,
-- federated, with a JWT its issuer signed (RFC 7523 §2.2).

CREATE TABLE oauth_clients (
    id TEXT PRIMARY KEY NOT NULL,
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    label TEXT,
    scope TEXT NOT NULL CHECK (scope IN ('scim', 'access', 'admin')),
    -- A federated client (no secret): the issuer, subject and audience its
    -- assertions must carry, and where the issuer's keys are (default: the
    -- issuer's OpenID configuration).
    federated_issuer TEXT,
    federated_subject TEXT,
    federated_audience TEXT,
    jwks_url TEXT,
    created_at TIMESTAMP NOT NULL
);

CREATE INDEX oauth_clients_account ON oauth_clients (account_id);

CREATE TABLE oauth_client_secrets (
    id TEXT PRIMARY KEY NOT NULL,
    client_id TEXT NOT NULL REFERENCES oauth_clients (id) ON DELETE CASCADE,
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    secret_hash TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    last_used_at TIMESTAMP,
    revoked_at TIMESTAMP
);

CREATE INDEX oauth_client_secrets_client ON oauth_client_secrets (client_id);

-- Access tokens issued at the token endpoint are tokens like any other,
-- marked with the client and the secret they were issued under, so that
-- revoking either revokes them in the same transaction.
ALTER TABLE tokens ADD COLUMN oauth_client_id TEXT;
ALTER TABLE tokens ADD COLUMN oauth_secret_id TEXT;

CREATE INDEX tokens_oauth_client ON tokens (oauth_client_id) WHERE oauth_client_id IS NOT NULL;
CREATE INDEX tokens_oauth_secret ON tokens (oauth_secret_id) WHERE oauth_secret_id IS NOT NULL;

-- The `jti` of every client assertion accepted, until it expires: an
-- assertion is refused when its `jti` is here (RFC 7523 §3 item 7), on
-- every replica.
CREATE TABLE oauth_assertion_jtis (
    client_id TEXT NOT NULL REFERENCES oauth_clients (id) ON DELETE CASCADE,
    jti_hash TEXT NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    PRIMARY KEY (client_id, jti_hash)
);

CREATE INDEX oauth_assertion_jtis_expiry ON oauth_assertion_jtis (expires_at);
