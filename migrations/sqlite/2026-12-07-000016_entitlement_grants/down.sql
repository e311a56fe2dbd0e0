ALTER TABLE access_models DROP COLUMN entitlement_grants;
