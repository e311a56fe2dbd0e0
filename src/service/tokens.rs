//! API tokens (docs/ARCHITECTURE.md, "Tokens"): issuing one, listing an
//! account's, revoking one, rotating one (a replacement with the same scope,
//! label and lifetime), each with its audit entry. A token is minted and
//! hashed by `auth`, which checks tokens on every request; the store keeps
//! only its hash. A revocation bumps the account's authentication version in
//! its transaction, so no process reuses the token it verified before.

use chrono::NaiveDateTime;
use serde_json::{Map, Value, json};

use super::{Caller, Error};
use crate::audit::{self, Action, Entry, Origin, Resource};
use crate::auth::{self, SecretToken};
use crate::model::{AccountId, Scope, TokenId};
use crate::store::tokens::TokenRecord;
use crate::store::{self, Conn};

/// What a new token is for.
#[derive(Debug, Clone)]
pub struct NewToken {
    pub scope: Scope,
    /// A note to recognise it by.
    pub label: Option<String>,
    /// `None`: it never expires.
    pub expires_at: Option<NaiveDateTime>,
}

/// The longest label a token may have, in bytes.
pub const MAX_LABEL_BYTES: usize = 200;

/// A token just issued: the only moment its secret exists in clear.
#[derive(Debug)]
pub struct IssuedToken {
    pub record: TokenRecord,
    pub token: SecretToken,
}

/// What [`revoke`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Revocation {
    /// Revoked now.
    Revoked,
    /// Revoked already, at this time; nothing changed.
    AlreadyRevoked(NaiveDateTime),
}

/// What [`rotate`] did.
#[derive(Debug)]
pub struct Rotation {
    /// The replacement, shown this once.
    pub issued: IssuedToken,
    /// The token it replaces, as it is now.
    pub replaced: TokenRecord,
}

/// Issues a token for the caller's account, signed with the current key.
/// A label is at most [`MAX_LABEL_BYTES`].
pub fn issue(conn: &mut Conn, caller: &Caller<'_>, new: NewToken) -> Result<IssuedToken, Error> {
    check_label(new.label.as_deref())?;
    let key = super::keys::current(conn)?;
    store::account_transaction(conn, caller.account, |conn| {
        issue_with(conn, caller.origin, &key, caller.account, new)
    })
}

fn check_label(label: Option<&str>) -> Result<(), Error> {
    if label.is_some_and(|label| label.len() > MAX_LABEL_BYTES) {
        return Err(crate::scim::ScimError::invalid_value(format!(
            "a token's label is at most {MAX_LABEL_BYTES} bytes"
        ))
        .into());
    }
    Ok(())
}

/// [`issue`] inside the caller's transaction, with this key.
pub(super) fn issue_with(
    conn: &mut Conn,
    origin: &Origin,
    key: &auth::SigningKey,
    account: AccountId,
    new: NewToken,
) -> Result<IssuedToken, Error> {
    issue_recorded(conn, origin, key, account, new, None)
}

/// [`issue_with`], recording in the audit entry the token it replaces.
fn issue_recorded(
    conn: &mut Conn,
    origin: &Origin,
    key: &auth::SigningKey,
    account: AccountId,
    new: NewToken,
    replaces: Option<TokenId>,
) -> Result<IssuedToken, Error> {
    let now = crate::clock::now();
    let id = TokenId::new();
    let token = auth::mint(key, id, account, new.scope, now, new.expires_at);
    let record = TokenRecord {
        id,
        account_id: account,
        scope: new.scope,
        label: new.label,
        secret_hash: auth::secret_hash(&token),
        key_id: key.id,
        created_at: now,
        expires_at: new.expires_at,
        last_used_at: None,
        revoked_at: None,
    };
    store::tokens::insert(conn, &record)?;
    let changes = json!({
        "scope": {"before": null, "after": record.scope.to_string()},
        "label": {"before": null, "after": record.label},
        "expiresAt": {"before": null, "after": record.expires_at.map(crate::clock::rfc3339)},
    });
    let Value::Object(mut changes) = changes else {
        unreachable!("a JSON object literal")
    };
    if let Some(replaces) = replaces {
        changes.insert(
            "replaces".into(),
            json!({"before": null, "after": replaces.to_string()}),
        );
    }
    let entry = Entry::configuration(Resource::Token, id.to_string(), Action::Created, changes);
    store::audit::record_one(conn, account, origin, entry)?;
    Ok(IssuedToken { record, token })
}

/// The account's tokens, oldest first, revoked ones included (never the
/// tokens themselves).
pub fn list(conn: &mut Conn, account: AccountId) -> Result<Vec<TokenRecord>, Error> {
    Ok(store::tokens::list_for_account(conn, account)?)
}

/// The caller's account's token `id` (never the token itself); not found
/// when the account has no such token, whoever else may have it.
pub fn get(conn: &mut Conn, account: AccountId, id: TokenId) -> Result<TokenRecord, Error> {
    store::tokens::find(conn, id)?
        .filter(|token| token.account_id == account)
        .ok_or_else(|| not_found(id))
}

fn not_found(id: TokenId) -> Error {
    Error::NotFound(format!("no token with id {id}"))
}

/// Revokes the token `id`, whichever account it belongs to (the operator's
/// CLI): refused from the next request on. Revoking a revoked token changes
/// nothing (it keeps its first revocation time) and says when that was.
pub fn revoke(conn: &mut Conn, origin: &Origin, id: TokenId) -> Result<Revocation, Error> {
    store::write_transaction(conn, |conn| revoke_in(conn, origin, id, None))
}

/// [`revoke`] for the caller's account only: a token of another account is
/// not found, as if it did not exist.
pub fn revoke_own(conn: &mut Conn, caller: &Caller<'_>, id: TokenId) -> Result<Revocation, Error> {
    store::account_transaction(conn, caller.account, |conn| {
        revoke_in(conn, caller.origin, id, Some(caller.account))
    })
}

/// Issues a replacement for the caller's account's token `id`, with its
/// scope, its label and its lifetime (counted from now; a token without
/// expiry gets none), and revokes the old token at once when
/// `revoke_old`; otherwise it keeps working until it is revoked, so that
/// the identity provider or the product can switch over first. A revoked
/// token is not rotated (issue a new one).
pub fn rotate(
    conn: &mut Conn,
    caller: &Caller<'_>,
    id: TokenId,
    revoke_old: bool,
) -> Result<Rotation, Error> {
    let key = super::keys::current(conn)?;
    store::account_transaction(conn, caller.account, |conn| {
        let old = get(conn, caller.account, id)?;
        if old.revoked_at.is_some() {
            return Err(Error::Conflict(format!(
                "token {id} is revoked: issue a new token instead of rotating it"
            )));
        }
        let expires_at = old.expires_at.and_then(|expires_at| {
            crate::clock::now().checked_add_signed(expires_at - old.created_at)
        });
        let new = NewToken {
            scope: old.scope,
            label: old.label.clone(),
            expires_at,
        };
        let issued = issue_recorded(conn, caller.origin, &key, caller.account, new, Some(id))?;
        if revoke_old {
            revoke_in(conn, caller.origin, id, Some(caller.account))?;
        }
        let replaced = get(conn, caller.account, id)?;
        Ok(Rotation { issued, replaced })
    })
}

/// Revokes `id` inside the caller's transaction, if it belongs to
/// `account` (any account: `None`).
fn revoke_in(
    conn: &mut Conn,
    origin: &Origin,
    id: TokenId,
    account: Option<AccountId>,
) -> Result<Revocation, Error> {
    let token = store::tokens::find(conn, id)?
        .filter(|token| account.is_none_or(|account| token.account_id == account))
        .ok_or_else(|| not_found(id))?;
    let at = crate::clock::now();
    if !store::tokens::revoke(conn, id, at)? {
        // Revoked before (perhaps a moment ago, by another process).
        let earlier = store::tokens::find(conn, id)?.and_then(|token| token.revoked_at);
        return earlier
            .map(Revocation::AlreadyRevoked)
            .ok_or_else(|| not_found(id));
    }
    store::accounts::bump_auth_version(conn, Some(token.account_id))?;
    let changes = Map::from_iter([(
        "revokedAt".to_owned(),
        audit::change("revokedAt", None, Some(&crate::clock::rfc3339(at).into())),
    )]);
    let entry = Entry::configuration(Resource::Token, id.to_string(), Action::Revoked, changes);
    store::audit::record_one(conn, token.account_id, origin, entry)?;
    Ok(Revocation::Revoked)
}
