//! OAuth clients (RFC 6749 §2): creating one with its first secret (or a
//! federated trust, RFC 7523), listing them, adding a secret, revoking one,
//! deleting a client — each with its audit entries. A secret is shown once,
//! when it is made; the store keeps its SHA-256. Revoking a secret revokes
//! the access tokens issued under it, and deleting a client all of its
//! tokens, in the same transaction, which bumps the account's
//! authentication version: they are refused from the next request on, on
//! every replica (docs/ARCHITECTURE.md "Tokens").

use chrono::Duration;
use serde_json::{Map, Value, json};

use super::tokens::{MAX_LABEL_BYTES, Revocation};
use super::{Caller, Error};
use crate::audit::{Action, Entry, Origin, Resource};
use crate::auth::oauth::ClientSecret;
use crate::model::{AccountId, ClientId, ClientSecretId, Scope};
use crate::scim::ScimError;
use crate::store::oauth_clients::{ClientRecord, Federation, SecretRecord};
use crate::store::{self, Conn};

/// A secret's lifetime when none is given: one year.
pub const DEFAULT_SECRET_LIFETIME: Duration = Duration::days(365);
/// The longest a secret may live: three years (of 365¼ days, so `3y` is).
pub const MAX_SECRET_LIFETIME: Duration = Duration::seconds(3 * 31_557_600);
/// Clients per account at most.
pub const MAX_CLIENTS: i64 = 100;
/// Live (unrevoked, unexpired) secrets per client at most: enough to rotate.
pub const MAX_LIVE_SECRETS: i64 = 5;
/// The longest issuer, subject, audience or JWKS URL, in bytes.
pub const MAX_FEDERATION_BYTES: usize = 1000;

/// What a new client is.
#[derive(Debug, Clone)]
pub struct NewClient {
    pub label: Option<String>,
    pub scope: Scope,
    pub credential: NewCredential,
}

/// How a new client will authenticate.
#[derive(Debug, Clone)]
pub enum NewCredential {
    /// A secret living this long.
    Secret(Duration),
    /// JWTs of an external issuer (no secret).
    Federated(Federation),
}

/// A client with its secrets (hashes never leave the service).
#[derive(Debug, Clone)]
pub struct ClientView {
    pub client: ClientRecord,
    /// Oldest first, revoked and expired ones included.
    pub secrets: Vec<SecretRecord>,
}

/// A secret just made: the only moment it exists in clear.
#[derive(Debug)]
pub struct IssuedSecret {
    pub record: SecretRecord,
    pub secret: ClientSecret,
}

/// What [`create`] made.
#[derive(Debug)]
pub struct CreatedClient {
    pub client: ClientRecord,
    /// `None` for a federated client.
    pub secret: Option<IssuedSecret>,
}

/// Creates a client for the caller's account, with its first secret unless
/// it is federated.
pub fn create(
    conn: &mut Conn,
    caller: &Caller<'_>,
    new: NewClient,
) -> Result<CreatedClient, Error> {
    check_label(new.label.as_deref())?;
    let lifetime = match &new.credential {
        NewCredential::Secret(lifetime) => Some(check_lifetime(*lifetime)?),
        NewCredential::Federated(federation) => {
            check_federation(federation)?;
            None
        }
    };
    store::account_transaction(conn, caller.account, |conn| {
        if store::oauth_clients::count_clients(conn, caller.account)? >= MAX_CLIENTS {
            return Err(Error::Conflict(format!(
                "an account has at most {MAX_CLIENTS} OAuth clients: delete one first"
            )));
        }
        let client = ClientRecord {
            id: ClientId::new(),
            account_id: caller.account,
            label: new.label,
            scope: new.scope,
            federation: match new.credential {
                NewCredential::Federated(federation) => Some(federation),
                NewCredential::Secret(_) => None,
            },
            created_at: crate::clock::now(),
        };
        store::oauth_clients::insert_client(conn, &client)?;
        let federation = client.federation.as_ref();
        let changes = json!({
            "label": {"before": null, "after": client.label},
            "scope": {"before": null, "after": client.scope.to_string()},
            "federatedIssuer": {"before": null, "after": federation.map(|f| &f.issuer)},
            "federatedSubject": {"before": null, "after": federation.map(|f| &f.subject)},
            "federatedAudience": {"before": null, "after": federation.map(|f| &f.audience)},
        });
        let entry = Entry::configuration(
            Resource::OAuthClient,
            client.id.to_string(),
            Action::Created,
            object(changes),
        );
        store::audit::record_one(conn, caller.account, caller.origin, entry)?;
        let secret = lifetime
            .map(|lifetime| add_secret_in(conn, caller.origin, &client, lifetime))
            .transpose()?;
        Ok(CreatedClient { client, secret })
    })
}

/// The account's clients with their secrets, oldest first.
pub fn list(conn: &mut Conn, account: AccountId) -> Result<Vec<ClientView>, Error> {
    let mut secrets = store::oauth_clients::list_secrets(conn, account)?;
    Ok(store::oauth_clients::list_clients(conn, account)?
        .into_iter()
        .map(|client| {
            let (own, rest) = secrets.drain(..).partition(|s| s.client_id == client.id);
            secrets = rest;
            ClientView {
                client,
                secrets: own,
            }
        })
        .collect())
}

/// The account's client `id`; not found when the account has no such
/// client, whoever else may have it.
pub fn get(conn: &mut Conn, account: AccountId, id: ClientId) -> Result<ClientView, Error> {
    let client = find(conn, account, id)?;
    let secrets = store::oauth_clients::list_secrets(conn, account)?
        .into_iter()
        .filter(|secret| secret.client_id == id)
        .collect();
    Ok(ClientView { client, secrets })
}

/// The account client `id` belongs to (the operator's CLI names a client
/// by its id alone).
pub fn account_of(conn: &mut Conn, id: ClientId) -> Result<AccountId, Error> {
    store::oauth_clients::find_client(conn, id)?
        .map(|client| client.account_id)
        .ok_or_else(|| not_found(id))
}

/// Adds a secret to the caller's account's client `id`, living `lifetime`:
/// the old ones stay valid, so the identity provider can switch over first.
pub fn add_secret(
    conn: &mut Conn,
    caller: &Caller<'_>,
    id: ClientId,
    lifetime: Duration,
) -> Result<IssuedSecret, Error> {
    let lifetime = check_lifetime(lifetime)?;
    store::account_transaction(conn, caller.account, |conn| {
        let client = find(conn, caller.account, id)?;
        if client.federation.is_some() {
            return Err(Error::Conflict(format!(
                "OAuth client {id} is federated: it authenticates with its issuer's JWTs, not secrets"
            )));
        }
        let live = store::oauth_clients::count_live_secrets(conn, id, crate::clock::now())?;
        if live >= MAX_LIVE_SECRETS {
            return Err(Error::Conflict(format!(
                "a client has at most {MAX_LIVE_SECRETS} live secrets: revoke one first"
            )));
        }
        add_secret_in(conn, caller.origin, &client, lifetime)
    })
}

fn add_secret_in(
    conn: &mut Conn,
    origin: &Origin,
    client: &ClientRecord,
    lifetime: Duration,
) -> Result<IssuedSecret, Error> {
    let now = crate::clock::now();
    let id = ClientSecretId::new();
    let secret = ClientSecret::generate(id.0);
    let record = SecretRecord {
        id,
        client_id: client.id,
        account_id: client.account_id,
        secret_hash: secret.hash(),
        created_at: now,
        expires_at: now + lifetime,
        last_used_at: None,
        revoked_at: None,
    };
    store::oauth_clients::insert_secret(conn, &record)?;
    let changes = json!({
        "clientId": {"before": null, "after": client.id.to_string()},
        "expiresAt": {"before": null, "after": crate::clock::rfc3339(record.expires_at)},
    });
    let entry = Entry::configuration(
        Resource::OAuthClientSecret,
        id.to_string(),
        Action::Created,
        object(changes),
    );
    store::audit::record_one(conn, client.account_id, origin, entry)?;
    Ok(IssuedSecret { record, secret })
}

/// Revokes the secret `secret` of the caller's account's client `id`, and
/// the access tokens issued under it: refused from the next request on.
pub fn revoke_secret(
    conn: &mut Conn,
    caller: &Caller<'_>,
    id: ClientId,
    secret: ClientSecretId,
) -> Result<Revocation, Error> {
    store::account_transaction(conn, caller.account, |conn| {
        find(conn, caller.account, id)?;
        let record = store::oauth_clients::find_secret(conn, secret)?
            .filter(|record| record.client_id == id)
            .ok_or_else(|| Error::NotFound(format!("client {id} has no secret {secret}")))?;
        if let Some(at) = record.revoked_at {
            return Ok(Revocation::AlreadyRevoked(at));
        }
        let at = crate::clock::now();
        store::oauth_clients::revoke_secret(conn, secret, at)?;
        store::tokens::revoke_issued_under(conn, id, Some(secret), at)?;
        store::accounts::bump_auth_version(conn, Some(caller.account))?;
        let changes = json!({
            "revokedAt": {"before": null, "after": crate::clock::rfc3339(at)},
        });
        let entry = Entry::configuration(
            Resource::OAuthClientSecret,
            secret.to_string(),
            Action::Revoked,
            object(changes),
        );
        store::audit::record_one(conn, caller.account, caller.origin, entry)?;
        Ok(Revocation::Revoked)
    })
}

/// Deletes the caller's account's client `id` with its secrets, and revokes
/// every access token issued to it.
pub fn delete(conn: &mut Conn, caller: &Caller<'_>, id: ClientId) -> Result<(), Error> {
    store::account_transaction(conn, caller.account, |conn| {
        let client = find(conn, caller.account, id)?;
        let at = crate::clock::now();
        store::tokens::revoke_issued_under(conn, id, None, at)?;
        store::oauth_clients::delete_client(conn, id)?;
        store::accounts::bump_auth_version(conn, Some(caller.account))?;
        let changes = json!({
            "label": {"before": client.label, "after": null},
            "scope": {"before": client.scope.to_string(), "after": null},
        });
        let entry = Entry::configuration(
            Resource::OAuthClient,
            id.to_string(),
            Action::Deleted,
            object(changes),
        );
        store::audit::record_one(conn, caller.account, caller.origin, entry)?;
        Ok(())
    })
}

fn find(conn: &mut Conn, account: AccountId, id: ClientId) -> Result<ClientRecord, Error> {
    store::oauth_clients::find_client(conn, id)?
        .filter(|client| client.account_id == account)
        .ok_or_else(|| not_found(id))
}

fn not_found(id: ClientId) -> Error {
    Error::NotFound(format!("no OAuth client with id {id}"))
}

fn invalid(detail: String) -> Error {
    ScimError::invalid_value(detail).into()
}

fn check_label(label: Option<&str>) -> Result<(), Error> {
    if label.is_some_and(|label| label.len() > MAX_LABEL_BYTES) {
        return Err(invalid(format!(
            "a client's label is at most {MAX_LABEL_BYTES} bytes"
        )));
    }
    Ok(())
}

/// A secret's lifetime: longer than zero, at most three years.
pub fn check_lifetime(lifetime: Duration) -> Result<Duration, Error> {
    if lifetime <= Duration::zero() || lifetime > MAX_SECRET_LIFETIME {
        return Err(invalid(
            "a secret's lifetime is longer than zero and at most 3 years (1095 days)".into(),
        ));
    }
    Ok(lifetime)
}

fn check_federation(federation: &Federation) -> Result<(), Error> {
    for (name, value) in [
        ("issuer", Some(&federation.issuer)),
        ("subject", Some(&federation.subject)),
        ("audience", Some(&federation.audience)),
        ("JWKS URL", federation.jwks_url.as_ref()),
    ] {
        let Some(value) = value else { continue };
        if value.is_empty() || value.len() > MAX_FEDERATION_BYTES {
            return Err(invalid(format!(
                "the federated {name} is 1 to {MAX_FEDERATION_BYTES} bytes"
            )));
        }
    }
    for (name, value) in [
        ("issuer", Some(&federation.issuer)),
        ("JWKS URL", federation.jwks_url.as_ref()),
    ] {
        let Some(value) = value else { continue };
        let https_or_http = url::Url::parse(value)
            .is_ok_and(|url| matches!(url.scheme(), "https" | "http") && url.host().is_some());
        if !https_or_http {
            return Err(invalid(format!(
                "the federated {name} is not an https:// URL"
            )));
        }
    }
    Ok(())
}

fn object(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

/// A client id from a path: one that is not an id names no client (404).
pub fn client_id(text: &str) -> Result<ClientId, Error> {
    text.parse()
        .ok()
        .filter(|id: &ClientId| id.to_string() == text)
        .ok_or_else(|| Error::NotFound("no such OAuth client".into()))
}

/// A secret id from a path: one that is not an id names no secret (404).
pub fn secret_id(text: &str) -> Result<ClientSecretId, Error> {
    text.parse()
        .ok()
        .filter(|id: &ClientSecretId| id.to_string() == text)
        .ok_or_else(|| Error::NotFound("no such OAuth client secret".into()))
}
