//! Rate limits (the `governor` crate's token buckets): each token may send
//! `rate_limit` requests per second, with a burst of one second's worth,
//! and an account's tokens together four times as many. Above that a
//! request gets 429 with an integer `Retry-After` (the seconds until it
//! would pass; Okta waits exactly that), before any database work.
//!
//! The token endpoint (`POST /oauth/token`) has buckets of its own: `rate`
//! per OAuth client, and four times that per source address, counted before
//! the client is looked up.
//!
//! The buckets are per process: with several replicas each allows the
//! rate, so the limit is a guard against a runaway client, not a quota.

use std::num::NonZeroU32;
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use std::net::IpAddr;

use crate::model::{AccountId, ClientId, TokenId};

/// How many tokens' worth an account may send.
const ACCOUNT_FACTOR: u32 = 4;

/// Keys not seen for this long are forgotten (memory stays bounded).
const FORGET_AFTER_CALLS: u64 = 100_000;

pub struct RateLimits {
    per_token: Option<DefaultKeyedRateLimiter<TokenId>>,
    per_account: Option<DefaultKeyedRateLimiter<AccountId>>,
    /// Requests per second per token, for the error's detail.
    rate: u32,
    calls: std::sync::atomic::AtomicU64,
}

/// A request over the limit: how long until it would pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limited {
    pub retry_after: Duration,
    pub rate: u32,
    pub per: &'static str,
}

impl RateLimits {
    /// `rate` requests per second per token; 0 is no limit.
    pub fn new(rate: u32) -> Self {
        Self {
            per_token: keyed(rate),
            per_account: keyed(rate.saturating_mul(ACCOUNT_FACTOR)),
            rate,
            calls: std::sync::atomic::AtomicU64::new(0),
        }
    }

    /// Counts one request of this token; `Err` when it is over a limit.
    pub fn check(&self, account: AccountId, token: TokenId) -> Result<(), Limited> {
        let (Some(per_token), Some(per_account)) = (&self.per_token, &self.per_account) else {
            return Ok(());
        };
        let calls = self
            .calls
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        if calls % FORGET_AFTER_CALLS == FORGET_AFTER_CALLS - 1 {
            per_token.retain_recent();
            per_account.retain_recent();
        }
        let now = DefaultClock::default().now();
        per_token.check_key(&token).map_err(|until| Limited {
            retry_after: until.wait_time_from(now),
            rate: self.rate,
            per: "token",
        })?;
        per_account.check_key(&account).map_err(|until| Limited {
            retry_after: until.wait_time_from(now),
            rate: self.rate.saturating_mul(ACCOUNT_FACTOR),
            per: "account",
        })
    }
}

/// The token endpoint's buckets: per client and per source address.
pub struct TokenEndpointLimits {
    per_client: Option<DefaultKeyedRateLimiter<ClientId>>,
    per_address: Option<DefaultKeyedRateLimiter<IpAddr>>,
    rate: u32,
    calls: std::sync::atomic::AtomicU64,
}

impl TokenEndpointLimits {
    /// `rate` token requests per second per client; 0 is no limit.
    pub fn new(rate: u32) -> Self {
        Self {
            per_client: keyed(rate),
            per_address: keyed(rate.saturating_mul(ACCOUNT_FACTOR)),
            rate,
            calls: std::sync::atomic::AtomicU64::new(0),
        }
    }

    /// Counts one token request from `address` (if known) for `client` (if
    /// it named one that could be a client id).
    pub fn check(&self, address: Option<IpAddr>, client: Option<ClientId>) -> Result<(), Limited> {
        let (Some(per_client), Some(per_address)) = (&self.per_client, &self.per_address) else {
            return Ok(());
        };
        let calls = self
            .calls
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        if calls % FORGET_AFTER_CALLS == FORGET_AFTER_CALLS - 1 {
            per_client.retain_recent();
            per_address.retain_recent();
        }
        let now = DefaultClock::default().now();
        if let Some(address) = address {
            per_address.check_key(&address).map_err(|until| Limited {
                retry_after: until.wait_time_from(now),
                rate: self.rate.saturating_mul(ACCOUNT_FACTOR),
                per: "address",
            })?;
        }
        if let Some(client) = client {
            per_client.check_key(&client).map_err(|until| Limited {
                retry_after: until.wait_time_from(now),
                rate: self.rate,
                per: "client",
            })?;
        }
        Ok(())
    }
}

/// A bucket per key of `rate` per second, with a burst of one second's worth.
fn keyed<K: Clone + std::hash::Hash + Eq>(rate: u32) -> Option<DefaultKeyedRateLimiter<K>> {
    let rate = NonZeroU32::new(rate)?;
    Some(RateLimiter::keyed(
        Quota::per_second(rate).allow_burst(rate),
    ))
}

impl Limited {
    /// The `Retry-After` value: whole seconds, at least 1.
    pub fn retry_after_seconds(&self) -> u64 {
        self.retry_after.as_secs() + u64::from(self.retry_after.subsec_nanos() > 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_beyond_the_rate_is_limited_per_token_and_per_account() {
        let limits = RateLimits::new(3);
        let account = AccountId::new();
        let tokens: Vec<TokenId> = (0..5).map(|_| TokenId::new()).collect();
        for _ in 0..3 {
            assert!(limits.check(account, tokens[0]).is_ok());
        }
        let limited = limits.check(account, tokens[0]).unwrap_err();
        assert_eq!(limited.per, "token");
        assert!(
            (1..=1).contains(&limited.retry_after_seconds()),
            "{limited:?}"
        );
        // Other tokens of the account share its 12 per second.
        let mut passed = 0;
        for token in &tokens[1..] {
            for _ in 0..3 {
                passed += usize::from(limits.check(account, *token).is_ok());
            }
        }
        assert_eq!(passed, 9, "12 for the account, 3 used by the first token");
        assert_eq!(limits.check(account, tokens[4]).unwrap_err().per, "token");
        assert!(
            limits.check(AccountId::new(), TokenId::new()).is_ok(),
            "another account"
        );
    }

    #[test]
    fn token_requests_are_limited_per_client_and_per_address() {
        let limits = TokenEndpointLimits::new(2);
        let address: IpAddr = "192.0.2.1".parse().unwrap();
        let client = ClientId::new();
        assert!(limits.check(Some(address), Some(client)).is_ok());
        assert!(limits.check(Some(address), Some(client)).is_ok());
        assert_eq!(
            limits.check(Some(address), Some(client)).unwrap_err().per,
            "client"
        );
        // The address has had 3 of its 8.
        for _ in 0..5 {
            assert!(limits.check(Some(address), None).is_ok());
        }
        assert_eq!(
            limits.check(Some(address), None).unwrap_err().per,
            "address"
        );
        assert!(
            limits
                .check(Some("192.0.2.2".parse().unwrap()), None)
                .is_ok()
        );
    }

    #[test]
    fn zero_is_no_limit() {
        let limits = RateLimits::new(0);
        let (account, token) = (AccountId::new(), TokenId::new());
        for _ in 0..10_000 {
            assert!(limits.check(account, token).is_ok());
        }
    }
}
