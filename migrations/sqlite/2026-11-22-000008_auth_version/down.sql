ALTER TABLE accounts DROP COLUMN auth_version;
