//! API tokens: only their metadata and a SHA-256 hash of the whole token are
//! stored, never a usable token.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{signing_keys, tokens};
use super::{Conn, StoreError};
use crate::audit::{Action, Entry, Origin, Resource};
use crate::model::{AccountId, KeyId, Scope, TokenId};

/// A stored token (without the token itself).
#[derive(Debug, Clone)]
pub struct TokenRecord {
    pub id: TokenId,
    pub account_id: AccountId,
    pub scope: Scope,
    pub label: Option<String>,
    /// Lowercase hex SHA-256 of the whole token string.
    pub secret_hash: String,
    pub key_id: KeyId,
    pub created_at: NaiveDateTime,
    pub expires_at: Option<NaiveDateTime>,
    pub last_used_at: Option<NaiveDateTime>,
    pub revoked_at: Option<NaiveDateTime>,
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = tokens)]
struct TokenRow {
    id: String,
    account_id: String,
    scope: String,
    label: Option<String>,
    secret_hash: String,
    key_id: String,
    created_at: NaiveDateTime,
    expires_at: Option<NaiveDateTime>,
    last_used_at: Option<NaiveDateTime>,
    revoked_at: Option<NaiveDateTime>,
}

impl TryFrom<TokenRow> for TokenRecord {
    type Error = StoreError;

    fn try_from(row: TokenRow) -> Result<Self, StoreError> {
        let corrupt = |what: &str| StoreError::Corrupt(format!("token {}: {what}", row.id));
        Ok(TokenRecord {
            id: row.id.parse().map_err(|_| corrupt("id"))?,
            account_id: row.account_id.parse().map_err(|_| corrupt("account id"))?,
            scope: row.scope.parse().map_err(|_| corrupt("scope"))?,
            key_id: row.key_id.parse().map_err(|_| corrupt("key id"))?,
            label: row.label,
            secret_hash: row.secret_hash,
            created_at: row.created_at,
            expires_at: row.expires_at,
            last_used_at: row.last_used_at,
            revoked_at: row.revoked_at,
        })
    }
}

/// Stores a token (its hash, never the token) and audits its issue.
pub fn insert(conn: &mut Conn, origin: &Origin, token: &TokenRecord) -> Result<(), StoreError> {
    diesel::insert_into(tokens::table)
        .values(TokenRow {
            id: token.id.to_string(),
            account_id: token.account_id.to_string(),
            scope: token.scope.to_string(),
            label: token.label.clone(),
            secret_hash: token.secret_hash.clone(),
            key_id: token.key_id.to_string(),
            created_at: token.created_at,
            expires_at: token.expires_at,
            last_used_at: token.last_used_at,
            revoked_at: token.revoked_at,
        })
        .execute(conn)?;
    let changes = serde_json::json!({
        "scope": {"before": null, "after": token.scope.to_string()},
        "label": {"before": null, "after": token.label},
        "expiresAt": {"before": null, "after": token.expires_at.map(crate::clock::rfc3339)},
    });
    let serde_json::Value::Object(changes) = changes else {
        unreachable!("a JSON object literal")
    };
    let entry = Entry::configuration(
        Resource::Token,
        token.id.to_string(),
        Action::Created,
        changes,
    );
    super::audit::record_one(conn, token.account_id, origin, entry)
}

pub fn find(conn: &mut Conn, id: TokenId) -> Result<Option<TokenRecord>, StoreError> {
    let row = tokens::table
        .find(id.to_string())
        .select(TokenRow::as_select())
        .load(conn)?;
    super::at_most_one(row)
        .map(TokenRecord::try_from)
        .transpose()
}

/// The token, and whether its signing key has been retired (one query: a
/// retirement takes effect on every replica at the next request).
pub fn find_with_key_state(
    conn: &mut Conn,
    id: TokenId,
) -> Result<Option<(TokenRecord, bool)>, StoreError> {
    let row = tokens::table
        .inner_join(signing_keys::table)
        .filter(tokens::id.eq(id.to_string()))
        .select((TokenRow::as_select(), signing_keys::retired_at))
        .load::<(TokenRow, Option<NaiveDateTime>)>(conn)?;
    super::at_most_one(row)
        .map(|(row, retired_at)| Ok((TokenRecord::try_from(row)?, retired_at.is_some())))
        .transpose()
}

/// How many unrevoked tokens each signing key has signed, by key id.
pub fn live_count_by_key(conn: &mut Conn) -> Result<Vec<(String, i64)>, StoreError> {
    Ok(tokens::table
        .filter(tokens::revoked_at.is_null())
        .group_by(tokens::key_id)
        .select((tokens::key_id, diesel::dsl::count_star()))
        .load(conn)?)
}

/// The account's tokens, oldest first, revoked ones included.
pub fn list_for_account(
    conn: &mut Conn,
    account: AccountId,
) -> Result<Vec<TokenRecord>, StoreError> {
    tokens::table
        .filter(tokens::account_id.eq(account.to_string()))
        .order((tokens::created_at, tokens::id))
        .select(TokenRow::as_select())
        .load(conn)?
        .into_iter()
        .map(TokenRecord::try_from)
        .collect()
}

/// Marks the token revoked. Revoking a revoked token changes nothing (it
/// keeps its first revocation time) and says when that was.
pub fn revoke(
    conn: &mut Conn,
    origin: &Origin,
    id: TokenId,
    at: NaiveDateTime,
) -> Result<Revocation, StoreError> {
    let Some(token) = find(conn, id)? else {
        return Ok(Revocation::NotFound);
    };
    let revoked = diesel::update(
        tokens::table
            .find(id.to_string())
            .filter(tokens::revoked_at.is_null()),
    )
    .set(tokens::revoked_at.eq(Some(at)))
    .execute(conn)?;
    if revoked == 0 {
        // Revoked before (perhaps a moment ago, by another process).
        let earlier = find(conn, id)?.and_then(|token| token.revoked_at);
        return Ok(earlier.map_or(Revocation::NotFound, Revocation::AlreadyRevoked));
    }
    super::accounts::bump_auth_version(conn, Some(token.account_id))?;
    let changes = serde_json::Map::from_iter([(
        "revokedAt".to_owned(),
        crate::audit::change("revokedAt", None, Some(&crate::clock::rfc3339(at).into())),
    )]);
    let entry = Entry::configuration(Resource::Token, id.to_string(), Action::Revoked, changes);
    super::audit::record_one(conn, token.account_id, origin, entry)?;
    Ok(Revocation::Revoked)
}

/// What [`revoke`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Revocation {
    /// Revoked now.
    Revoked,
    /// Revoked already, at this time; nothing changed.
    AlreadyRevoked(NaiveDateTime),
    /// No token has this id.
    NotFound,
}

/// Records when the token was last used.
pub fn touch(conn: &mut Conn, id: TokenId, at: NaiveDateTime) -> Result<(), StoreError> {
    diesel::update(tokens::table.find(id.to_string()))
        .set(tokens::last_used_at.eq(Some(at)))
        .execute(conn)?;
    Ok(())
}
