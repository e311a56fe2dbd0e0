-- The access review's sign-off (docs/ACCESS.md "Access review sign-off"):
-- each time an admin records that the review was done, who did (the
-- audit log's actor columns) and an optional reviewer name and note they
-- typed; and how often each account means to review (absent: every 14 days).

CREATE TABLE access_reviews (
    id TEXT PRIMARY KEY NOT NULL,
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    reviewed_at TIMESTAMP NOT NULL,
    actor TEXT NOT NULL CHECK (actor IN ('token', 'cli', 'console')),
    token_id TEXT,
    token_label TEXT,
    reviewer TEXT,
    note TEXT
);

CREATE INDEX access_reviews_account ON access_reviews (account_id, reviewed_at);

CREATE TABLE access_review_schedules (
    account_id TEXT PRIMARY KEY NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    interval_days INTEGER NOT NULL CHECK (interval_days BETWEEN 1 AND 365)
);
