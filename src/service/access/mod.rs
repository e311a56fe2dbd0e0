//! The access configuration (docs/ACCESS.md) as operations: the model
//! ([`model`]), workspaces ([`workspaces`]), rules and their preview
//! ([`rules`]), direct grants to local members ([`grants`]), the IdP's
//! entitlements ([`entitlements`]), a member's
//! effective access and who holds a role ([`members`]), the access review
//! ([`review`]).
//!
//! Each change owns its transaction, its audit entry and the recomputation
//! of exactly the access it affects; [`recompute`] writes an
//! `access.changed` event for each member whose access changed, for these
//! operations and for those on members and groups.

pub mod entitlements;
pub mod grants;
pub mod members;
pub mod model;
pub mod review;
pub mod rules;
pub mod workspaces;

use serde_json::{Value, json};

use super::Error;
use crate::model::{AccountId, UserId};
use crate::store::access::{Held, Who};
use crate::store::{self, Conn, StoreError};

/// Recomputes the effective access of the members `who` (see
/// [`store::access::recompute`]) and appends an `access.changed` event,
/// `{"member", "old", "new"}`, for each member whose access changed, by
/// member id.
pub fn recompute(conn: &mut Conn, account: AccountId, who: Who<'_>) -> Result<(), StoreError> {
    store::access::recompute(conn, account, who, |conn, changes| {
        let events = changes.into_iter().map(|change| {
            let data = json!({
                "member": change.member.to_string(),
                "old": held_json(&change.old),
                "new": held_json(&change.new),
            });
            (Some(change.member), data)
        });
        store::events::append_all(conn, account, "access.changed", events)
    })
}

/// A member's stored access as events carry it (the `access` of
/// `member.deleted`).
pub fn held(conn: &mut Conn, account: AccountId, member: UserId) -> Result<Value, StoreError> {
    Ok(held_json(&store::access::held_by(conn, account, member)?))
}

/// `{"role": …, "workspaces": [{"workspace": …, "level": …}]}`, workspaces by
/// slug; a `null` role is no access.
fn held_json(held: &Held) -> Value {
    json!({
        "role": held.role,
        "workspaces": held
            .levels
            .iter()
            .map(|(workspace, level)| json!({"workspace": workspace, "level": level}))
            .collect::<Vec<_>>(),
    })
}

fn no_workspace(slug: &str) -> Error {
    Error::NotFound(format!("no workspace '{slug}' in this account"))
}
