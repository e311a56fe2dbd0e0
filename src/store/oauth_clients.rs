//! OAuth clients and their secrets (RFC 6749 §2.3): rows only. A secret is
//! kept as the SHA-256 of the whole secret, never in clear; the access
//! tokens a client obtains are rows of `tokens` marked with the client and
//! the secret they were issued under (`store::tokens`).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{oauth_assertion_jtis, oauth_client_secrets, oauth_clients};
use super::{Conn, StoreError};
use crate::model::{AccountId, ClientId, ClientSecretId, Scope};

/// A stored client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientRecord {
    pub id: ClientId,
    pub account_id: AccountId,
    pub label: Option<String>,
    pub scope: Scope,
    /// Set for a federated client (no secret).
    pub federation: Option<Federation>,
    pub created_at: NaiveDateTime,
}

/// Whose JWTs a federated client accepts (RFC 7523 §3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Federation {
    pub issuer: String,
    pub subject: String,
    pub audience: String,
    /// Where the issuer's keys are; `None`: its OpenID configuration says.
    pub jwks_url: Option<String>,
}

/// A stored secret (its hash, never the secret).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretRecord {
    pub id: ClientSecretId,
    pub client_id: ClientId,
    pub account_id: AccountId,
    /// Lowercase hex SHA-256 of the whole secret.
    pub secret_hash: String,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub last_used_at: Option<NaiveDateTime>,
    pub revoked_at: Option<NaiveDateTime>,
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = oauth_clients)]
#[diesel(treat_none_as_null = true)]
struct ClientRow {
    id: ClientId,
    account_id: AccountId,
    label: Option<String>,
    scope: String,
    federated_issuer: Option<String>,
    federated_subject: Option<String>,
    federated_audience: Option<String>,
    jwks_url: Option<String>,
    created_at: NaiveDateTime,
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = oauth_client_secrets)]
#[diesel(treat_none_as_null = true)]
struct SecretRow {
    id: ClientSecretId,
    client_id: ClientId,
    account_id: AccountId,
    secret_hash: String,
    created_at: NaiveDateTime,
    expires_at: NaiveDateTime,
    last_used_at: Option<NaiveDateTime>,
    revoked_at: Option<NaiveDateTime>,
}

impl TryFrom<ClientRow> for ClientRecord {
    type Error = StoreError;

    fn try_from(row: ClientRow) -> Result<Self, StoreError> {
        let corrupt = |what: &str| StoreError::Corrupt(format!("OAuth client {}: {what}", row.id));
        let scope = row.scope.parse().map_err(|_| corrupt("scope"))?;
        let federation = match (
            row.federated_issuer,
            row.federated_subject,
            row.federated_audience,
        ) {
            (Some(issuer), Some(subject), Some(audience)) => Some(Federation {
                issuer,
                subject,
                audience,
                jwks_url: row.jwks_url,
            }),
            (None, None, None) => None,
            _ => return Err(corrupt("federation")),
        };
        Ok(Self {
            id: row.id,
            account_id: row.account_id,
            label: row.label,
            scope,
            federation,
            created_at: row.created_at,
        })
    }
}

impl From<SecretRow> for SecretRecord {
    fn from(row: SecretRow) -> Self {
        Self {
            id: row.id,
            client_id: row.client_id,
            account_id: row.account_id,
            secret_hash: row.secret_hash,
            created_at: row.created_at,
            expires_at: row.expires_at,
            last_used_at: row.last_used_at,
            revoked_at: row.revoked_at,
        }
    }
}

pub fn insert_client(conn: &mut Conn, client: &ClientRecord) -> Result<(), StoreError> {
    let federation = client.federation.clone();
    diesel::insert_into(oauth_clients::table)
        .values(ClientRow {
            id: client.id,
            account_id: client.account_id,
            label: client.label.clone(),
            scope: client.scope.to_string(),
            federated_issuer: federation.as_ref().map(|f| f.issuer.clone()),
            federated_subject: federation.as_ref().map(|f| f.subject.clone()),
            federated_audience: federation.as_ref().map(|f| f.audience.clone()),
            jwks_url: federation.and_then(|f| f.jwks_url),
            created_at: client.created_at,
        })
        .execute(conn)?;
    Ok(())
}

pub fn insert_secret(conn: &mut Conn, secret: &SecretRecord) -> Result<(), StoreError> {
    diesel::insert_into(oauth_client_secrets::table)
        .values(SecretRow {
            id: secret.id,
            client_id: secret.client_id,
            account_id: secret.account_id,
            secret_hash: secret.secret_hash.clone(),
            created_at: secret.created_at,
            expires_at: secret.expires_at,
            last_used_at: secret.last_used_at,
            revoked_at: secret.revoked_at,
        })
        .execute(conn)?;
    Ok(())
}

pub fn find_client(conn: &mut Conn, id: ClientId) -> Result<Option<ClientRecord>, StoreError> {
    let rows = oauth_clients::table
        .find(id)
        .select(ClientRow::as_select())
        .load(conn)?;
    super::at_most_one(rows)
        .map(ClientRecord::try_from)
        .transpose()
}

/// The account's clients, oldest first.
pub fn list_clients(conn: &mut Conn, account: AccountId) -> Result<Vec<ClientRecord>, StoreError> {
    oauth_clients::table
        .filter(oauth_clients::account_id.eq(account))
        .order((oauth_clients::created_at, oauth_clients::id))
        .select(ClientRow::as_select())
        .load(conn)?
        .into_iter()
        .map(ClientRecord::try_from)
        .collect()
}

pub fn count_clients(conn: &mut Conn, account: AccountId) -> Result<i64, StoreError> {
    Ok(oauth_clients::table
        .filter(oauth_clients::account_id.eq(account))
        .count()
        .get_result(conn)?)
}

/// The secrets of the account's clients, oldest first, revoked ones included.
pub fn list_secrets(conn: &mut Conn, account: AccountId) -> Result<Vec<SecretRecord>, StoreError> {
    Ok(oauth_client_secrets::table
        .filter(oauth_client_secrets::account_id.eq(account))
        .order((oauth_client_secrets::created_at, oauth_client_secrets::id))
        .select(SecretRow::as_select())
        .load(conn)?
        .into_iter()
        .map(SecretRecord::from)
        .collect())
}

pub fn find_secret(
    conn: &mut Conn,
    id: ClientSecretId,
) -> Result<Option<SecretRecord>, StoreError> {
    let rows = oauth_client_secrets::table
        .find(id)
        .select(SecretRow::as_select())
        .load(conn)?;
    Ok(super::at_most_one(rows).map(SecretRecord::from))
}

/// How many of the client's secrets are neither revoked nor expired at `now`.
pub fn count_live_secrets(
    conn: &mut Conn,
    client: ClientId,
    now: NaiveDateTime,
) -> Result<i64, StoreError> {
    Ok(oauth_client_secrets::table
        .filter(oauth_client_secrets::client_id.eq(client))
        .filter(oauth_client_secrets::revoked_at.is_null())
        .filter(oauth_client_secrets::expires_at.gt(now))
        .count()
        .get_result(conn)?)
}

/// Marks the secret revoked at `at` unless it is already; false when
/// nothing changed.
pub fn revoke_secret(
    conn: &mut Conn,
    id: ClientSecretId,
    at: NaiveDateTime,
) -> Result<bool, StoreError> {
    let revoked = diesel::update(
        oauth_client_secrets::table
            .find(id)
            .filter(oauth_client_secrets::revoked_at.is_null()),
    )
    .set(oauth_client_secrets::revoked_at.eq(Some(at)))
    .execute(conn)?;
    Ok(revoked > 0)
}

/// Records when the secret was last used.
pub fn touch_secret(
    conn: &mut Conn,
    id: ClientSecretId,
    at: NaiveDateTime,
) -> Result<(), StoreError> {
    diesel::update(oauth_client_secrets::table.find(id))
        .set(oauth_client_secrets::last_used_at.eq(Some(at)))
        .execute(conn)?;
    Ok(())
}

/// Deletes the client with its secrets and remembered assertion ids; false
/// when there was none.
pub fn delete_client(conn: &mut Conn, id: ClientId) -> Result<bool, StoreError> {
    diesel::delete(oauth_assertion_jtis::table.filter(oauth_assertion_jtis::client_id.eq(id)))
        .execute(conn)?;
    diesel::delete(oauth_client_secrets::table.filter(oauth_client_secrets::client_id.eq(id)))
        .execute(conn)?;
    Ok(diesel::delete(oauth_clients::table.find(id)).execute(conn)? > 0)
}

/// Remembers an assertion's `jti` (its hash) until `expires_at`; false when
/// it is remembered already: a replay (RFC 7523 §3 item 7). Forgets the
/// client's expired ones first.
pub fn remember_jti(
    conn: &mut Conn,
    client: ClientId,
    jti_hash: &str,
    expires_at: NaiveDateTime,
    now: NaiveDateTime,
) -> Result<bool, StoreError> {
    diesel::delete(
        oauth_assertion_jtis::table
            .filter(oauth_assertion_jtis::client_id.eq(client))
            .filter(oauth_assertion_jtis::expires_at.le(now)),
    )
    .execute(conn)?;
    // A plain insert: a replay is the unique violation, after which the
    // caller's transaction (PostgreSQL's is aborted by it) is rolled back.
    let inserted = diesel::insert_into(oauth_assertion_jtis::table)
        .values((
            oauth_assertion_jtis::client_id.eq(client),
            oauth_assertion_jtis::jti_hash.eq(jti_hash),
            oauth_assertion_jtis::expires_at.eq(expires_at),
        ))
        .execute(conn)
        .map_err(StoreError::from);
    match inserted {
        Ok(_) => Ok(true),
        Err(error) if error.is_unique_violation() => Ok(false),
        Err(error) => Err(error),
    }
}
