//! Roster's token-signing keys. They live in the database so that every
//! replica shares them; a key alone cannot produce a usable token (see
//! `auth` and docs/ARCHITECTURE.md).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::signing_keys;
use super::{Conn, StoreError};
use crate::model::KeyId;

/// A stored signing key; `secret` is base64 of the raw key bytes.
#[derive(Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = signing_keys)]
#[diesel(treat_none_as_null = true)]
pub struct KeyRecord {
    pub id: KeyId,
    pub secret: String,
    pub created_at: NaiveDateTime,
    pub retired_at: Option<NaiveDateTime>,
}

impl std::fmt::Debug for KeyRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyRecord")
            .field("id", &self.id)
            .field("secret", &"<redacted>")
            .field("created_at", &self.created_at)
            .field("retired_at", &self.retired_at)
            .finish()
    }
}

pub fn insert(conn: &mut Conn, key: &KeyRecord) -> Result<(), StoreError> {
    diesel::insert_into(signing_keys::table)
        .values(key)
        .execute(conn)?;
    Ok(())
}

/// Every key that is not retired, newest first.
pub fn list_active(conn: &mut Conn) -> Result<Vec<KeyRecord>, StoreError> {
    Ok(list(conn)?
        .into_iter()
        .filter(|key| key.retired_at.is_none())
        .collect())
}

/// Marks the key retired at `at`; false when no active key has this id.
pub fn retire(conn: &mut Conn, id: KeyId, at: NaiveDateTime) -> Result<bool, StoreError> {
    let retired = diesel::update(
        signing_keys::table
            .find(id)
            .filter(signing_keys::retired_at.is_null()),
    )
    .set(signing_keys::retired_at.eq(Some(at)))
    .execute(conn)?;
    Ok(retired > 0)
}

/// Every key, retired ones included, newest first.
pub fn list(conn: &mut Conn) -> Result<Vec<KeyRecord>, StoreError> {
    Ok(signing_keys::table
        .order((signing_keys::created_at.desc(), signing_keys::id.desc()))
        .select(KeyRecord::as_select())
        .load(conn)?)
}
