//! API tokens (docs/ARCHITECTURE.md, "Tokens"): issuing one, listing an
//! account's, revoking one, each with its audit entry. A token is minted and
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

/// Issues a token for the caller's account, signed with the current key.
pub fn issue(conn: &mut Conn, caller: &Caller<'_>, new: NewToken) -> Result<IssuedToken, Error> {
    let key = super::keys::current(conn)?;
    store::account_transaction(conn, caller.account, |conn| {
        issue_with(conn, caller.origin, &key, caller.account, new)
    })
}

/// [`issue`] inside the caller's transaction, with this key.
pub(super) fn issue_with(
    conn: &mut Conn,
    origin: &Origin,
    key: &auth::SigningKey,
    account: AccountId,
    new: NewToken,
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
    let Value::Object(changes) = changes else {
        unreachable!("a JSON object literal")
    };
    let entry = Entry::configuration(Resource::Token, id.to_string(), Action::Created, changes);
    store::audit::record_one(conn, account, origin, entry)?;
    Ok(IssuedToken { record, token })
}

/// The account's tokens, oldest first, revoked ones included (never the
/// tokens themselves).
pub fn list(conn: &mut Conn, account: AccountId) -> Result<Vec<TokenRecord>, Error> {
    Ok(store::tokens::list_for_account(conn, account)?)
}

/// Revokes the token `id`, whichever account it belongs to: refused from
/// the next request on. Revoking a revoked token changes nothing (it keeps
/// its first revocation time) and says when that was.
pub fn revoke(conn: &mut Conn, origin: &Origin, id: TokenId) -> Result<Revocation, Error> {
    let not_found = || Error::NotFound(format!("no token with id {id}"));
    store::write_transaction(conn, |conn| {
        let token = store::tokens::find(conn, id)?.ok_or_else(not_found)?;
        let at = crate::clock::now();
        if !store::tokens::revoke(conn, id, at)? {
            // Revoked before (perhaps a moment ago, by another process).
            let earlier = store::tokens::find(conn, id)?.and_then(|token| token.revoked_at);
            return earlier
                .map(Revocation::AlreadyRevoked)
                .ok_or_else(not_found);
        }
        store::accounts::bump_auth_version(conn, Some(token.account_id))?;
        let changes = Map::from_iter([(
            "revokedAt".to_owned(),
            audit::change("revokedAt", None, Some(&crate::clock::rfc3339(at).into())),
        )]);
        let entry = Entry::configuration(Resource::Token, id.to_string(), Action::Revoked, changes);
        store::audit::record_one(conn, token.account_id, origin, entry)?;
        Ok(Revocation::Revoked)
    })
}
