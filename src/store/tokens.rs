//! API tokens: only their metadata and a SHA-256 hash of the whole token are
//! stored, never a usable token. The access tokens of OAuth clients are
//! tokens too, marked with the client and the secret they were issued under.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{signing_keys, tokens};
use super::{Conn, StoreError};
use crate::model::{AccountId, ClientId, ClientSecretId, KeyId, Scope, TokenId};

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
#[diesel(treat_none_as_null = true)]
struct TokenRow {
    id: TokenId,
    account_id: AccountId,
    scope: String,
    label: Option<String>,
    secret_hash: String,
    key_id: KeyId,
    created_at: NaiveDateTime,
    expires_at: Option<NaiveDateTime>,
    last_used_at: Option<NaiveDateTime>,
    revoked_at: Option<NaiveDateTime>,
}

impl TryFrom<TokenRow> for TokenRecord {
    type Error = StoreError;

    fn try_from(row: TokenRow) -> Result<Self, StoreError> {
        Ok(TokenRecord {
            scope: row
                .scope
                .parse()
                .map_err(|_| StoreError::Corrupt(format!("token {}: scope", row.id)))?,
            id: row.id,
            account_id: row.account_id,
            key_id: row.key_id,
            label: row.label,
            secret_hash: row.secret_hash,
            created_at: row.created_at,
            expires_at: row.expires_at,
            last_used_at: row.last_used_at,
            revoked_at: row.revoked_at,
        })
    }
}

#[derive(Insertable)]
#[diesel(table_name = tokens)]
struct IssuedUnder {
    oauth_client_id: Option<ClientId>,
    oauth_secret_id: Option<ClientSecretId>,
}

/// Stores a token (its hash, never the token).
pub fn insert(conn: &mut Conn, token: &TokenRecord) -> Result<(), StoreError> {
    insert_issued_under(conn, token, None, None)
}

/// Stores an OAuth client's access token, issued under `secret` (`None`: a
/// client assertion).
pub fn insert_issued_under(
    conn: &mut Conn,
    token: &TokenRecord,
    client: Option<ClientId>,
    secret: Option<ClientSecretId>,
) -> Result<(), StoreError> {
    let under = IssuedUnder {
        oauth_client_id: client,
        oauth_secret_id: secret,
    };
    diesel::insert_into(tokens::table)
        .values((
            TokenRow {
                id: token.id,
                account_id: token.account_id,
                scope: token.scope.to_string(),
                label: token.label.clone(),
                secret_hash: token.secret_hash.clone(),
                key_id: token.key_id,
                created_at: token.created_at,
                expires_at: token.expires_at,
                last_used_at: token.last_used_at,
                revoked_at: token.revoked_at,
            },
            under,
        ))
        .execute(conn)?;
    Ok(())
}

pub fn find(conn: &mut Conn, id: TokenId) -> Result<Option<TokenRecord>, StoreError> {
    let row = tokens::table
        .find(id)
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
        .filter(tokens::id.eq(id))
        .select((TokenRow::as_select(), signing_keys::retired_at))
        .load::<(TokenRow, Option<NaiveDateTime>)>(conn)?;
    super::at_most_one(row)
        .map(|(row, retired_at)| Ok((TokenRecord::try_from(row)?, retired_at.is_some())))
        .transpose()
}

/// How many unrevoked tokens each signing key has signed, by key id.
pub fn live_count_by_key(conn: &mut Conn) -> Result<Vec<(KeyId, i64)>, StoreError> {
    Ok(tokens::table
        .filter(tokens::revoked_at.is_null())
        .group_by(tokens::key_id)
        .select((tokens::key_id, diesel::dsl::count_star()))
        .load(conn)?)
}

/// The account's tokens, oldest first, revoked ones included; not the
/// OAuth clients' access tokens.
pub fn list_for_account(
    conn: &mut Conn,
    account: AccountId,
) -> Result<Vec<TokenRecord>, StoreError> {
    tokens::table
        .filter(tokens::account_id.eq(account))
        .filter(tokens::oauth_client_id.is_null())
        .order((tokens::created_at, tokens::id))
        .select(TokenRow::as_select())
        .load(conn)?
        .into_iter()
        .map(TokenRecord::try_from)
        .collect()
}

/// Marks the token revoked at `at` unless it is revoked already (then it
/// keeps its first revocation time); false when nothing changed.
pub fn revoke(conn: &mut Conn, id: TokenId, at: NaiveDateTime) -> Result<bool, StoreError> {
    let revoked = diesel::update(tokens::table.find(id).filter(tokens::revoked_at.is_null()))
        .set(tokens::revoked_at.eq(Some(at)))
        .execute(conn)?;
    Ok(revoked > 0)
}

/// Records when the token was last used.
pub fn touch(conn: &mut Conn, id: TokenId, at: NaiveDateTime) -> Result<(), StoreError> {
    diesel::update(tokens::table.find(id))
        .set(tokens::last_used_at.eq(Some(at)))
        .execute(conn)?;
    Ok(())
}

/// Revokes at `at` the unrevoked access tokens issued to `client`, or only
/// those issued under `secret`; how many.
pub fn revoke_issued_under(
    conn: &mut Conn,
    client: ClientId,
    secret: Option<ClientSecretId>,
    at: NaiveDateTime,
) -> Result<usize, StoreError> {
    let live = tokens::table
        .filter(tokens::oauth_client_id.eq(client))
        .filter(tokens::revoked_at.is_null());
    Ok(match secret {
        Some(secret) => diesel::update(live.filter(tokens::oauth_secret_id.eq(secret)))
            .set(tokens::revoked_at.eq(Some(at)))
            .execute(conn)?,
        None => diesel::update(live)
            .set(tokens::revoked_at.eq(Some(at)))
            .execute(conn)?,
    })
}

/// Forgets the client's access tokens that expired before `before`.
pub fn delete_expired_issued_to(
    conn: &mut Conn,
    client: ClientId,
    before: NaiveDateTime,
) -> Result<(), StoreError> {
    diesel::delete(
        tokens::table
            .filter(tokens::oauth_client_id.eq(client))
            .filter(tokens::expires_at.lt(before)),
    )
    .execute(conn)?;
    Ok(())
}
