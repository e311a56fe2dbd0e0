-- Whether the identity provider's roles and entitlements values (Okta
-- entitlement management, issue 19) are direct grants in this account: when
-- on, a User's roles[].value naming one of the account's roles and its
-- entitlements[].value naming a workspace level ('<workspace>:<level>')
-- become member_grants rows with source 'entitlement'. On by default.
ALTER TABLE access_models ADD COLUMN entitlement_grants BOOLEAN NOT NULL DEFAULT TRUE;
