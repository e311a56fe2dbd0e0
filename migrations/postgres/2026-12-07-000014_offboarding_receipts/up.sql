-- Offboarding receipts (docs/CONSOLE.md "Offboarding"): when each webhook
-- endpoint acknowledged (answered 2xx) an event telling it a member left
-- (member.deactivated, member.deleted). The delivery loop writes a row in
-- the transaction that moves the endpoint's cursor past such an event; the
-- rows go with their endpoint and their account.
CREATE TABLE offboarding_acknowledgements (
    webhook_id TEXT NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    event_seq BIGINT NOT NULL,
    acknowledged_at TIMESTAMP NOT NULL,
    PRIMARY KEY (webhook_id, event_seq)
);

CREATE INDEX offboarding_acknowledgements_event
    ON offboarding_acknowledgements (account_id, event_seq);

-- The leavers' events, newest first, without reading the other events: a
-- partial index, so the events of every other kind cost nothing more to
-- write. store::offboarding names these kinds exactly so in its queries.
CREATE INDEX events_offboarding ON events (account_id, seq)
    WHERE kind IN ('member.deactivated', 'member.deleted');
