-- Per account, the networks requests may come from (CIDR, IPv4 or IPv6).
-- No row: any network.
CREATE TABLE account_networks (
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    cidr TEXT NOT NULL,
    PRIMARY KEY (account_id, cidr)
);
