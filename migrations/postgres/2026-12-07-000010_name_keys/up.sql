-- Names compared by a normalised key (issue 15): userName and a group's
-- displayName are unique by `model::name_key` (NFKC, full case folding,
-- default-ignorable code points removed, surrounding white space trimmed),
-- and every case-insensitive comparison folds with `model::fold_case`. SQL
-- cannot compute NFKC, so the keys are recomputed in Roster, at start, after
-- the migrations: `key_function` holds the version of the function the
-- stored keys (the *_key columns, filter_document, access_rules.match_key)
-- were computed with; when it is older than Roster's, they are recomputed in
-- batches and the version is raised. Version 1 was plain lowercasing.
CREATE TABLE key_function (
    id INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),
    version BIGINT NOT NULL
);
INSERT INTO key_function (id, version) VALUES (1, 1);

-- Names that two rows of one account share under the new key, found by that
-- recomputation. Both rows keep working: the row that holds the key keeps
-- it, the other keeps its key of the old function (which no name has under
-- the new one) until it is renamed or deleted. Reported at start (a WARN
-- naming the account and the ids) and by `roster doctor`; never the names.
CREATE TABLE name_key_conflicts (
    resource_type TEXT NOT NULL CHECK (resource_type IN ('User', 'Group')),
    resource_id TEXT NOT NULL,
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    holder_id TEXT NOT NULL,
    found_at TIMESTAMP NOT NULL,
    PRIMARY KEY (resource_type, resource_id)
);
