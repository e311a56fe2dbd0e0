-- Change events (the outbox): written in the transaction of the change that
-- caused them, read as a feed by seq. Writers of an account's events hold a
-- transaction-scoped advisory lock from before they draw a seq until they
-- commit, so per account events commit in seq order and a reader that
-- resumes "after" the last seq it saw never skips or repeats one.

CREATE TABLE events (
    seq BIGSERIAL PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    member_id TEXT,
    payload TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);

CREATE INDEX events_account_seq ON events (account_id, seq);
