-- Change events (the outbox): written in the transaction of the change that
-- caused them, read as a feed by seq. seq only grows, and per account events
-- commit in seq order (SQLite has one writer at a time), so a reader that
-- resumes "after" the last seq it saw never skips or repeats one.

CREATE TABLE events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    member_id TEXT,
    payload TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);

CREATE INDEX events_account_seq ON events (account_id, seq);
