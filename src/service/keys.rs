//! The keys that sign tokens (docs/ARCHITECTURE.md, "Tokens"), shared by
//! every account and every replica: listing them, adding one that signs new
//! tokens from now on (the older ones stay valid), and retiring one, which
//! refuses every token it signed from the next request on, on every replica.
//! The keys' material (random bytes, their stored form) is `auth`'s.

use chrono::NaiveDateTime;

use super::Error;
use crate::auth::SigningKey;
use crate::model::KeyId;
use crate::store::{self, Conn, StoreError};

/// A signing key as listed: never its secret.
#[derive(Debug, Clone)]
pub struct KeyView {
    pub id: KeyId,
    pub created_at: NaiveDateTime,
    pub retired_at: Option<NaiveDateTime>,
    /// How many unrevoked tokens it signed.
    pub live_tokens: i64,
}

/// Every key, retired ones included, newest first.
pub fn list(conn: &mut Conn) -> Result<Vec<KeyView>, Error> {
    let keys = store::signing_keys::list(conn)?;
    let live = store::tokens::live_count_by_key(conn)?;
    Ok(keys
        .into_iter()
        .map(|key| KeyView {
            live_tokens: live
                .iter()
                .find(|(id, _)| *id == key.id)
                .map_or(0, |(_, count)| *count),
            id: key.id,
            created_at: key.created_at,
            retired_at: key.retired_at,
        })
        .collect())
}

/// Adds a key that signs new tokens from now on, on every replica (issuing
/// reads the newest key); the older keys stay valid until retired.
pub fn rotate(conn: &mut Conn) -> Result<KeyId, Error> {
    Ok(add(conn)?.id)
}

/// Retires the active key `id`: the tokens it signed fail from the next
/// request on, on every replica (every account's authentication version is
/// bumped with it). Not found unless `id` is an active key; a conflict when
/// it is the only one (new tokens need a key).
pub fn retire(conn: &mut Conn, id: KeyId) -> Result<(), Error> {
    store::write_transaction(conn, |conn| {
        let active = store::signing_keys::list_active(conn)?;
        if !active.iter().any(|key| key.id == id) {
            return Err(Error::NotFound(format!("no active signing key {id}")));
        }
        if active.len() == 1 {
            return Err(Error::Conflict(format!(
                "{id} is the only active signing key"
            )));
        }
        if !store::signing_keys::retire(conn, id, crate::clock::now())? {
            return Err(Error::NotFound(format!("no active signing key {id}")));
        }
        store::accounts::bump_auth_version(conn, None)?;
        Ok(())
    })
}

/// The key new tokens and webhook secrets are made with: the newest active
/// one, created first on a new database.
pub fn current(conn: &mut Conn) -> Result<SigningKey, StoreError> {
    match store::signing_keys::list_active(conn)?.into_iter().next() {
        Some(record) => SigningKey::from_record(record),
        None => add(conn),
    }
}

fn add(conn: &mut Conn) -> Result<SigningKey, StoreError> {
    let key = SigningKey::generate();
    store::signing_keys::insert(conn, &key.to_record(crate::clock::now()))?;
    Ok(key)
}
