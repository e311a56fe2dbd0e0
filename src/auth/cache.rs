//! Tokens this process has verified, reused while their account's
//! authentication version has not changed.
//!
//! Verifying a token in full takes its signature (RFC 7519 §7.2), its stored
//! hash, its record joined with its signing key's state, and the account's
//! network allow-list. A token verified once is remembered by the SHA-256 of
//! the whole token; the next request with the very same token then reads only
//! the account's `auth_version` (one primary-key read). Everything that can
//! make a verified token fail bumps that version in its own transaction — the
//! token's revocation, a signing key's retirement (every account), a new
//! allow-list — so a change holds from the next request on every process and
//! replica, as before; expiry is checked against the remembered expiry.
//!
//! Only tokens that passed the full check are remembered, so a caller cannot
//! fill the cache without valid tokens; it is cleared when it reaches
//! [`MAX_ENTRIES`].

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use chrono::NaiveDateTime;

use super::Principal;
use super::network::AllowList;

/// More verified tokens than this at once clears the cache.
const MAX_ENTRIES: usize = 10_000;

/// What a full verification established about a token.
#[derive(Debug, Clone)]
pub(super) struct Verified {
    pub principal: Principal,
    pub networks: Arc<AllowList>,
    pub expires_at: Option<NaiveDateTime>,
    /// The account's `auth_version`, read before the token was.
    pub auth_version: i64,
}

#[derive(Debug, Default)]
pub(super) struct VerifiedTokens {
    entries: Mutex<HashMap<[u8; 32], Verified>>,
}

impl VerifiedTokens {
    pub fn get(&self, digest: &[u8; 32]) -> Option<Verified> {
        self.lock().get(digest).cloned()
    }

    pub fn insert(&self, digest: [u8; 32], verified: Verified) {
        let mut entries = self.lock();
        if entries.len() >= MAX_ENTRIES {
            entries.clear();
        }
        entries.insert(digest, verified);
    }

    pub fn remove(&self, digest: &[u8; 32]) {
        self.lock().remove(digest);
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<[u8; 32], Verified>> {
        // The map holds no invariant a panic could break.
        self.entries.lock().unwrap_or_else(|e| e.into_inner())
    }
}
