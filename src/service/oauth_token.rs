//! The token endpoint's operation (RFC 6749 §4.4, client credentials):
//! authenticate the client by one of its secrets (§2.3.1) or, federated,
//! by a client assertion `auth::federation` verified (RFC 7523 §3; its
//! `jti` remembered here, in the store, so that a replay fails on every
//! replica), check the scope
//! it asks for (§3.3) and its account's network allow-list, and issue a
//! short-lived access token — a token like any other (`service::tokens`),
//! marked with the client and the secret, so that revoking either revokes
//! it (`service::oauth_clients`). The check of the secret is repeated inside
//! the account's write transaction, which a revocation also takes: a token
//! is never issued under a secret whose revocation has committed.

use std::net::IpAddr;

use chrono::{Duration, NaiveDateTime};

use super::tokens::MAX_LABEL_BYTES;
use crate::auth::federation::VerifiedAssertion;
use crate::auth::network::AllowList;
use crate::auth::oauth::{ClientSecret, ErrorCode, OAuthError};
use crate::auth::{self, SecretToken};
use crate::model::{AccountId, ClientId, ClientSecretId, Scope, TokenId};
use crate::store::oauth_clients::{ClientRecord, Federation, SecretRecord};
use crate::store::tokens::TokenRecord;
use crate::store::{self, Conn, StoreError};

/// The default lifetime of an access token, and its bounds (the
/// `oauth_token_lifetime` setting).
pub const DEFAULT_TOKEN_LIFETIME: Duration = Duration::hours(1);
pub const MIN_TOKEN_LIFETIME: Duration = Duration::hours(1);
pub const MAX_TOKEN_LIFETIME: Duration = Duration::hours(6);

/// Expired access tokens are forgotten this long after they expire.
const KEEP_EXPIRED: Duration = Duration::days(1);

/// A token request whose parameters have been read (RFC 6749 §4.4.2).
#[derive(Debug)]
pub struct TokenRequest {
    pub client_id: ClientId,
    pub credential: Credential,
    /// The `scope` parameter as sent, if any.
    pub scope: Option<String>,
    /// How long the token lives (at most as long as the secret).
    pub lifetime: Duration,
    /// The caller's address, for the account's network allow-list.
    pub address: Option<IpAddr>,
}

/// How the client authenticates.
#[derive(Debug)]
pub enum Credential {
    /// `client_secret_basic` or `client_secret_post`.
    Secret {
        id: ClientSecretId,
        secret: ClientSecret,
    },
    /// A client assertion whose signature and claims were checked.
    Assertion(VerifiedAssertion),
}

/// An access token just issued (RFC 6749 §5.1).
#[derive(Debug)]
pub struct AccessToken {
    pub token: SecretToken,
    pub token_id: TokenId,
    pub account: AccountId,
    pub scope: Scope,
    /// Seconds until it expires.
    pub expires_in: i64,
}

/// Issues an access token to the client the request authenticates.
pub fn issue(conn: &mut Conn, request: TokenRequest) -> Result<AccessToken, OAuthError> {
    let now = crate::clock::now();
    let client = store::oauth_clients::find_client(conn, request.client_id)?
        .ok_or_else(OAuthError::invalid_client)?;
    if let Credential::Secret { id, secret } = &request.credential {
        live_secret(conn, &client, *id, secret, now)?;
    }
    check_scope(request.scope.as_deref(), client.scope)?;
    let networks = store::accounts::networks(conn, client.account_id)?;
    let networks = AllowList::parse(&networks)
        .map_err(|error| StoreError::Corrupt(format!("allow-list: {error}")))?;
    if !networks.is_empty() && !request.address.is_some_and(|at| networks.allows(at)) {
        return Err(OAuthError::refused(
            ErrorCode::InvalidGrant,
            "the client's account does not accept requests from this network",
        ));
    }
    let key = super::keys::current(conn)?;
    store::account_transaction(conn, client.account_id, |conn| {
        // Again, under the lock a revocation or a deletion takes too.
        let (secret_id, expires_at) = match &request.credential {
            Credential::Secret { id, secret } => {
                let record = live_secret(conn, &client, *id, secret, now)?;
                (Some(*id), (now + request.lifetime).min(record.expires_at))
            }
            Credential::Assertion(assertion) => {
                let current = store::oauth_clients::find_client(conn, client.id)?;
                if current.is_none_or(|current| current.federation.is_none()) {
                    return Err(OAuthError::invalid_client());
                }
                let until = chrono::DateTime::from_timestamp(assertion.expires_at, 0)
                    .map_or(now, |at| at.naive_utc());
                let first = store::oauth_clients::remember_jti(
                    conn,
                    client.id,
                    &assertion.jti_hash,
                    until.max(now),
                    now,
                )?;
                if !first {
                    return Err(OAuthError::refused(
                        ErrorCode::InvalidClient,
                        "the client assertion was used before (its jti)",
                    ));
                }
                (None, now + request.lifetime)
            }
        };
        let token_id = TokenId::new();
        let token = auth::mint(
            &key,
            token_id,
            client.account_id,
            client.scope,
            now,
            Some(expires_at),
        );
        let label = format!(
            "OAuth client {}",
            client.label.as_deref().unwrap_or("(no label)")
        );
        let label = truncate(label, MAX_LABEL_BYTES);
        let record = TokenRecord {
            id: token_id,
            account_id: client.account_id,
            scope: client.scope,
            label: Some(label),
            secret_hash: auth::secret_hash(&token),
            key_id: key.id,
            created_at: now,
            expires_at: Some(expires_at),
            last_used_at: None,
            revoked_at: None,
        };
        store::tokens::insert_issued_under(conn, &record, Some(client.id), secret_id)?;
        if let Some(id) = secret_id {
            store::oauth_clients::touch_secret(conn, id, now)?;
        }
        store::tokens::delete_expired_issued_to(conn, client.id, now - KEEP_EXPIRED)?;
        Ok(AccessToken {
            token,
            token_id,
            account: client.account_id,
            scope: client.scope,
            expires_in: (expires_at - now).num_seconds(),
        })
    })
}

/// The federation of client `id`: whom its assertions must come from;
/// `invalid_client` when there is no such client or it has secrets instead.
pub fn federation(conn: &mut Conn, id: ClientId) -> Result<Federation, OAuthError> {
    store::oauth_clients::find_client(conn, id)?
        .and_then(|client| client.federation)
        .ok_or_else(OAuthError::invalid_client)
}

/// The client's secret `id` when it is this secret, unrevoked and unexpired.
fn live_secret(
    conn: &mut Conn,
    client: &ClientRecord,
    id: ClientSecretId,
    secret: &ClientSecret,
    now: NaiveDateTime,
) -> Result<SecretRecord, OAuthError> {
    store::oauth_clients::find_secret(conn, id)?
        .filter(|record| {
            // The hash first, in constant time, whatever else is wrong.
            secret.matches(&record.secret_hash)
                && record.client_id == client.id
                && record.revoked_at.is_none()
                && record.expires_at > now
        })
        .ok_or_else(OAuthError::invalid_client)
}

/// RFC 6749 §3.3: a space-delimited list; every value must be the client's
/// scope (a client has one). No `scope` at all asks for the client's.
fn check_scope(requested: Option<&str>, scope: Scope) -> Result<(), OAuthError> {
    let Some(requested) = requested else {
        return Ok(());
    };
    if requested.split(' ').all(|value| value == scope.as_str()) {
        return Ok(());
    }
    Err(OAuthError::refused(
        ErrorCode::InvalidScope,
        "the requested scope is not the client's scope (scim, access or admin, as it was created)",
    ))
}

fn truncate(mut text: String, bytes: usize) -> String {
    if text.len() > bytes {
        let mut end = bytes;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text.truncate(end);
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_scope_is_the_clients_scope_alone() {
        assert!(check_scope(None, Scope::Scim).is_ok());
        assert!(check_scope(Some("scim"), Scope::Scim).is_ok());
        assert!(check_scope(Some("scim scim"), Scope::Scim).is_ok());
        for refused in ["", "admin", "scim admin", "SCIM", "scim ", "openid"] {
            assert!(
                check_scope(Some(refused), Scope::Scim).is_err(),
                "{refused:?}"
            );
        }
    }

    #[test]
    fn labels_are_cut_on_a_character_boundary() {
        assert_eq!(truncate("ab".into(), 5), "ab");
        assert_eq!(truncate("aé".into(), 2), "a");
    }
}
