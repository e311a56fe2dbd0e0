//! Authentication of API tokens: the check every request makes (a read path
//! of its own, straight on the store, for speed), and the tokens' crypto —
//! minting and hashing — for `service::tokens`, which issues and revokes
//! them.
//!
//! A token is a JWT (HS256) signed with one of Roster's signing keys and
//! carrying the account (`sub`), the scope, the token id (`jti`), the expiry
//! and a random nonce. It is accepted only when the signature and expiry are
//! valid **and** the store holds a live, unrevoked token with that id whose
//! SHA-256 hash matches. The store keeps only that hash, and the nonce is kept
//! nowhere, so even someone who reads the whole database (signing keys
//! included) cannot rebuild a usable token.

mod cache;
pub mod console;
pub mod federation;
mod keyring;
pub mod network;
pub mod oauth;
mod token;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::NaiveDateTime;

pub use keyring::{Keyring, SigningKey, count_active_keys};
pub use token::{SecretToken, mint, secret_hash};

use self::cache::{Verified, VerifiedTokens};
use self::network::AllowList;
use crate::model::{AccountId, KeyId, Scope, TokenId};
use crate::store::{self, Conn, StoreError};

/// How often `last used` is written for one token at most.
const LAST_USED_RESOLUTION: Duration = Duration::from_secs(60);

/// Who is calling: the token's account, id and scope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub account_id: AccountId,
    pub token_id: TokenId,
    /// The token's label, as the audit log names it.
    pub token_label: Option<String>,
    pub scope: Scope,
}

/// An authenticated caller: who it is, and the networks its account
/// accepts requests from (empty: any).
#[derive(Debug, Clone)]
pub struct Caller {
    pub principal: Principal,
    pub networks: Arc<AllowList>,
}

/// Why a request was not authenticated. The messages are safe to show the
/// caller: they never contain the token.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("no Authorization header: send 'Authorization: Bearer <token>'")]
    Missing,
    #[error("the Authorization header is not a Roster token: {0}")]
    Malformed(&'static str),
    #[error("the token's signature is not valid")]
    BadSignature,
    #[error("the token has expired: issue a new one with 'roster tokens issue'")]
    Expired,
    #[error("the token has been revoked")]
    Revoked,
    #[error("the key that signed this token has been retired: issue a new token")]
    KeyRetired,
    #[error("the token is not known to this Roster")]
    Unknown,
    #[error("this endpoint needs a token of scope '{needed}'; this token's scope is '{actual}'")]
    WrongScope { needed: Scope, actual: Scope },
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl AuthError {
    /// A fixed, short name of the failure (for metrics); `None` when the store
    /// failed, which says nothing about the token.
    pub fn reason(&self) -> Option<&'static str> {
        Some(match self {
            Self::Missing => "missing",
            Self::Malformed(_) => "malformed",
            Self::BadSignature => "bad_signature",
            Self::Expired => "expired",
            Self::Revoked => "revoked",
            Self::KeyRetired => "key_retired",
            Self::Unknown => "unknown",
            Self::WrongScope { .. } => "wrong_scope",
            Self::Store(_) => return None,
        })
    }
}

/// Checks tokens; shared by every request.
#[derive(Debug)]
pub struct Authenticator {
    keyring: Keyring,
    verified: VerifiedTokens,
    last_used_written: Mutex<HashMap<TokenId, Instant>>,
}

impl Authenticator {
    /// Loads the signing keys.
    pub fn load(conn: &mut Conn) -> Result<Self, StoreError> {
        Ok(Self {
            keyring: Keyring::load(conn)?,
            verified: VerifiedTokens::default(),
            last_used_written: Mutex::new(HashMap::new()),
        })
    }

    /// The active signing key with this id.
    pub fn key(&self, conn: &mut Conn, id: KeyId) -> Result<Option<SigningKey>, StoreError> {
        self.keyring.find(conn, id)
    }

    /// The newest signing key this process knows (what SCIM cursors are
    /// sealed with, `service::paging`; any active key opens them).
    pub fn newest_key(&self, conn: &mut Conn) -> Result<Option<SigningKey>, StoreError> {
        self.keyring.newest(conn)
    }

    /// Checks the value of an `Authorization` header (`Bearer <t>`, any case of
    /// the scheme, or the bare token as Okta's "header" mode sends it).
    ///
    /// A token this process verified before costs one read of its account's
    /// authentication version (`cache`); any other is verified in full.
    pub fn authenticate(
        &self,
        conn: &mut Conn,
        authorization: Option<&str>,
    ) -> Result<Caller, AuthError> {
        let raw = token::from_authorization_header(authorization.ok_or(AuthError::Missing)?)?;
        let digest = token::digest(raw);
        let now = crate::clock::now();
        if let Some(known) = self.verified.get(&digest) {
            let version = store::accounts::auth_version(conn, known.principal.account_id)?;
            if version == Some(known.auth_version) {
                if known.expires_at.is_some_and(|expires| expires <= now) {
                    self.verified.remove(&digest);
                    return Err(AuthError::Expired);
                }
                return Ok(Caller {
                    principal: known.principal,
                    networks: known.networks,
                });
            }
            self.verified.remove(&digest);
        }
        let verified = self.verify(conn, raw, now)?;
        let caller = Caller {
            principal: verified.principal.clone(),
            networks: Arc::clone(&verified.networks),
        };
        self.verified.insert(digest, verified);
        Ok(caller)
    }

    /// The full check: signature, stored hash, revocation, the signing key's
    /// retirement, expiry; then the account's allow-list.
    fn verify(
        &self,
        conn: &mut Conn,
        raw: &str,
        now: NaiveDateTime,
    ) -> Result<Verified, AuthError> {
        let kid = token::key_id(raw)?;
        let key = self
            .keyring
            .find(conn, kid)?
            .ok_or(AuthError::BadSignature)?;
        let claims = token::verify(raw, &key)?;
        // Read before the token: a revocation committed after this read has
        // bumped the version past it, so what is cached below is not reused.
        let auth_version =
            store::accounts::auth_version(conn, claims.sub)?.ok_or(AuthError::Unknown)?;
        let (record, key_retired) =
            store::tokens::find_with_key_state(conn, claims.jti)?.ok_or(AuthError::Unknown)?;
        if !token::hash_matches(raw, &record.secret_hash)
            || record.account_id != claims.sub
            || record.scope != claims.scope
        {
            return Err(AuthError::BadSignature);
        }
        if record.revoked_at.is_some() {
            return Err(AuthError::Revoked);
        }
        if key_retired {
            return Err(AuthError::KeyRetired);
        }
        if record.expires_at.is_some_and(|expires| expires <= now) {
            return Err(AuthError::Expired);
        }
        let networks = store::accounts::networks(conn, record.account_id)?;
        let networks = AllowList::parse(&networks)
            .map_err(|error| StoreError::Corrupt(format!("allow-list: {error}")))?;
        Ok(Verified {
            principal: Principal {
                account_id: record.account_id,
                token_id: record.id,
                token_label: record.label,
                scope: record.scope,
            },
            networks: Arc::new(networks),
            expires_at: record.expires_at,
            auth_version,
        })
    }

    /// Whether the token's `last_used_at` should be written now (at most
    /// once a minute per token and process): [`authenticate`](Self::authenticate)
    /// only reads, so that it can run where a write could not wait.
    pub fn last_used_is_due(&self, id: TokenId) -> bool {
        let now = Instant::now();
        let mut written = self
            .last_used_written
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        match written.get(&id) {
            Some(at) if now.duration_since(*at) < LAST_USED_RESOLUTION => false,
            _ => {
                if written.len() > 100_000 {
                    written.retain(|_, at| now.duration_since(*at) < LAST_USED_RESOLUTION);
                }
                written.insert(id, now);
                true
            }
        }
    }
}
