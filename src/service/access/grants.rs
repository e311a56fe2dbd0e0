//! Direct grants as operations (PRODUCT.md "Direct grant",
//! [`crate::access::grants`]): an admin gives a **local** member — one no
//! identity provider manages (`users.provisioned_via` is not `scim`: a
//! break-glass account made with `roster members add`) — a role and levels
//! in workspaces directly. A member the IdP provisioned is refused (409):
//! their access comes from the IdP's groups, and a grant Roster keeps would
//! outlive the IdP's offboarding intent.
//!
//! Each change reads the member's grants from the admin, applies the edit,
//! checks it against the model and the workspaces, and — unless nothing
//! changed — rewrites them, records an audit entry on the member
//! (`modified`, `{"grant": {"before", "after"}}`) and recomputes the
//! member's access (an `access.changed` event when it moved), in one
//! transaction.

use serde_json::{Map, json};

use super::super::{Caller, Error};
use super::no_workspace;
use crate::access::grants::{GrantSet, GrantSource, GrantTarget};
use crate::audit::{Action, Entry};
use crate::model::{AccountId, UserId, WorkspaceId};
use crate::store::access::Who;
use crate::store::access::grants::StoredGrant;
use crate::store::{self, Conn};

/// The source of every grant these operations make.
const SOURCE: GrantSource = GrantSource::Admin;

fn no_member(id: UserId) -> Error {
    Error::NotFound(format!("no member '{id}' in this account"))
}

/// The admin's grants to the account's member `id` (404 when absent).
pub fn get(conn: &mut Conn, account: AccountId, id: UserId) -> Result<GrantSet, Error> {
    store::users::provenance(conn, account, id)?.ok_or_else(|| no_member(id))?;
    Ok(admin_set(&store::access::grants::of_member(conn, id)?))
}

/// Replaces the admin's grants to the local member `id` with `set`: its
/// role (`None`: no granted role) and its level per workspace (a workspace
/// left out has none). Returns the grants as stored.
pub fn replace(
    conn: &mut Conn,
    caller: &Caller<'_>,
    id: UserId,
    set: GrantSet,
) -> Result<GrantSet, Error> {
    change(conn, caller, id, |grants| *grants = set)
}

/// Grants the local member `id` the role `role`, in place of the role it
/// was granted; `None` takes the granted role away (the rules decide, else
/// the default role).
pub fn set_role(
    conn: &mut Conn,
    caller: &Caller<'_>,
    id: UserId,
    role: Option<&str>,
) -> Result<GrantSet, Error> {
    change(conn, caller, id, |grants| {
        grants.role = role.map(Into::into)
    })
}

/// Takes the granted role of the local member `id` away.
pub fn clear_role(conn: &mut Conn, caller: &Caller<'_>, id: UserId) -> Result<GrantSet, Error> {
    set_role(conn, caller, id, None)
}

/// Grants the local member `id` the level `level` in the workspace `slug`
/// (404 when absent), in place of the level it was granted there; `None`
/// takes the granted level there away.
pub fn set_level(
    conn: &mut Conn,
    caller: &Caller<'_>,
    id: UserId,
    slug: &str,
    level: Option<&str>,
) -> Result<GrantSet, Error> {
    // Named even when a level is taken away: a typo is not "nothing to do".
    super::workspaces::get(conn, caller.account, slug)?;
    change(conn, caller, id, |grants| grants.set_level(slug, level))
}

/// The grants from the admin among a member's grants.
fn admin_set(stored: &[StoredGrant]) -> GrantSet {
    set_of(stored, SOURCE)
}

/// The grants of `source` among a member's grants.
pub(super) fn set_of(stored: &[StoredGrant], source: GrantSource) -> GrantSet {
    let grants: Vec<_> = stored.iter().map(|stored| stored.grant.clone()).collect();
    GrantSet::of(&grants, source)
}

fn change(
    conn: &mut Conn,
    caller: &Caller<'_>,
    id: UserId,
    edit: impl FnOnce(&mut GrantSet),
) -> Result<GrantSet, Error> {
    let account = caller.account;
    store::account_transaction(conn, account, |conn| {
        let (user_name, via) =
            store::users::provenance(conn, account, id)?.ok_or_else(|| no_member(id))?;
        if via == "scim" {
            return Err(Error::Conflict(format!(
                "'{user_name}' is provisioned by the identity provider: their access comes from \
                 the IdP's groups (change it there); only local members get direct grants"
            )));
        }
        let stored = store::access::grants::of_member(conn, id)?;
        let before = admin_set(&stored);
        let mut after = before.clone();
        edit(&mut after);
        after.validate(&store::access::model::read(conn, account)?)?;
        let workspaces = workspace_ids(conn, account, &after)?;
        if after == before {
            return Ok(after);
        }
        write(conn, account, id, SOURCE, &stored, &after, &workspaces)?;
        let mut changes = Map::new();
        changes.insert("grant".into(), json!({"before": before, "after": after}));
        let entry = Entry::user(id, Action::Modified, changes);
        store::audit::record_one(conn, account, caller.origin, entry)?;
        super::recompute(conn, account, Who::Users(&[id]))?;
        Ok(after)
    })
}

/// Rewrites the member's grants of `source` (`stored`: all of its grants)
/// as `after`: a grant gone or changed is deleted, a new one inserted
/// (given now), one kept keeps when it was given. `workspaces` holds the id
/// of each workspace `after` names, by slug.
pub(super) fn write(
    conn: &mut Conn,
    account: AccountId,
    id: UserId,
    source: GrantSource,
    stored: &[StoredGrant],
    after: &GrantSet,
    workspaces: &[(String, WorkspaceId)],
) -> Result<(), Error> {
    let wanted = after.grants(source, crate::clock::now());
    // Gone or changed first: a level changed in a workspace is the old
    // grant deleted and a new one (given now) inserted.
    for old in stored.iter().filter(|old| old.grant.source == source) {
        if !wanted.iter().any(|new| new.target == old.grant.target) {
            store::access::grants::delete(conn, old.id)?;
        }
    }
    for new in &wanted {
        let kept = stored
            .iter()
            .any(|old| old.grant.source == source && old.grant.target == new.target);
        if !kept {
            let workspace = match &new.target {
                GrantTarget::Role(_) => None,
                GrantTarget::Level { workspace, .. } => workspaces
                    .iter()
                    .find(|(slug, _)| slug == workspace)
                    .map(|(_, id)| *id),
            };
            store::access::grants::insert(conn, account, id, new, workspace)?;
        }
    }
    Ok(())
}

/// The ids of the workspaces the set names, by slug (404 for one that does
/// not exist).
fn workspace_ids(
    conn: &mut Conn,
    account: AccountId,
    set: &GrantSet,
) -> Result<Vec<(String, WorkspaceId)>, Error> {
    set.workspaces
        .iter()
        .map(|granted| {
            let slug = &granted.workspace;
            let workspace = store::access::workspaces::find(conn, account, slug)?
                .ok_or_else(|| no_workspace(slug))?;
            Ok((slug.clone(), workspace.id))
        })
        .collect()
}
