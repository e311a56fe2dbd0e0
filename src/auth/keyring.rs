//! The in-memory copy of the signing keys, refreshed from the store when a
//! token names a key this process has not seen (`roster keys rotate`, or
//! another replica made it). A retired key may linger here: whether a
//! token's key is retired is read with the token itself when the token is
//! verified, and retiring a key bumps every account's `auth_version`, so no
//! remembered token outlives it (`cache`).
//!
//! Also the keys' material: a new random key and its stored form, for
//! `service::keys`, which adds and retires keys.

use std::sync::RwLock;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use rand::RngCore;

use crate::model::KeyId;
use crate::store::{self, Conn, StoreError, signing_keys::KeyRecord};

const KEY_BYTES: usize = 32;

/// An HMAC-SHA256 signing key.
#[derive(Clone)]
pub struct SigningKey {
    pub id: KeyId,
    pub secret: Vec<u8>,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Default)]
pub struct Keyring {
    state: RwLock<State>,
}

#[derive(Debug, Default)]
struct State {
    /// Newest first.
    keys: Vec<SigningKey>,
}

impl SigningKey {
    /// A new key: a new id and 32 random bytes.
    pub fn generate() -> Self {
        let mut secret = vec![0u8; KEY_BYTES];
        rand::rng().fill_bytes(&mut secret);
        Self {
            id: KeyId::new(),
            secret,
        }
    }

    /// The key as the store keeps it (its secret in base64), made at `created_at`.
    pub fn to_record(&self, created_at: chrono::NaiveDateTime) -> KeyRecord {
        KeyRecord {
            id: self.id,
            secret: BASE64.encode(&self.secret),
            created_at,
            retired_at: None,
        }
    }

    /// A stored key; corrupt unless its secret is a whole key.
    pub fn from_record(record: KeyRecord) -> Result<Self, StoreError> {
        let secret = BASE64
            .decode(&record.secret)
            .ok()
            .filter(|secret| secret.len() >= KEY_BYTES)
            .ok_or_else(|| StoreError::Corrupt(format!("signing key {}", record.id)))?;
        Ok(Self {
            id: record.id,
            secret,
        })
    }
}

impl Keyring {
    /// The keyring with the store's active keys.
    pub fn load(conn: &mut Conn) -> Result<Self, StoreError> {
        let keyring = Self::default();
        keyring.reload(conn)?;
        Ok(keyring)
    }

    /// The active key with this id, reloading once if this process has not seen it.
    pub fn find(&self, conn: &mut Conn, id: KeyId) -> Result<Option<SigningKey>, StoreError> {
        if let Some(key) = self.lookup(id) {
            return Ok(Some(key));
        }
        // A key made a moment ago (`roster keys rotate`, another replica):
        // one query of a table of a few rows, no more than an unknown
        // token's lookup costs.
        self.reload(conn)?;
        Ok(self.lookup(id))
    }

    /// The newest key this process knows, reloading once when it knows none.
    pub fn newest(&self, conn: &mut Conn) -> Result<Option<SigningKey>, StoreError> {
        if let Some(key) = self.read().keys.first().cloned() {
            return Ok(Some(key));
        }
        self.reload(conn)?;
        Ok(self.read().keys.first().cloned())
    }

    fn lookup(&self, id: KeyId) -> Option<SigningKey> {
        self.read().keys.iter().find(|key| key.id == id).cloned()
    }

    fn reload(&self, conn: &mut Conn) -> Result<(), StoreError> {
        let keys = load_active(conn)?;
        let mut state = self.state.write().unwrap_or_else(|e| e.into_inner());
        state.keys = keys;
        Ok(())
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, State> {
        self.state.read().unwrap_or_else(|e| e.into_inner())
    }
}

/// How many active signing keys the store holds, each checked to be a whole
/// key (for `roster doctor`).
pub fn count_active_keys(conn: &mut Conn) -> Result<usize, StoreError> {
    Ok(load_active(conn)?.len())
}

fn load_active(conn: &mut Conn) -> Result<Vec<SigningKey>, StoreError> {
    store::signing_keys::list_active(conn)?
        .into_iter()
        .map(SigningKey::from_record)
        .collect()
}
