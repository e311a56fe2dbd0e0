//! Workspaces: the places of an account where members get a level, named
//! by a slug. Creating, renaming and deleting one is audited; deleting one
//! takes its rules, the levels granted directly in it and every level in
//! it, with an `access.changed` event for each member who had one.

use serde::Serialize;

use super::super::{Caller, Error};
use super::no_workspace;
use crate::access::{AccessError, Workspace};
use crate::audit::{Action, Entry, Resource};
use crate::model::{AccountId, Slug, UserId, WorkspaceId};
use crate::store::access::Who;
use crate::store::{self, Conn, StoreError};

/// The account's workspaces, by slug.
pub fn list(conn: &mut Conn, account: AccountId) -> Result<Vec<Workspace>, Error> {
    Ok(store::access::workspaces::list(conn, account)?)
}

/// The account's workspace `slug`.
pub fn get(conn: &mut Conn, account: AccountId, slug: &str) -> Result<Workspace, Error> {
    store::access::workspaces::find(conn, account, slug)?.ok_or_else(|| no_workspace(slug))
}

/// Creates a workspace; a taken slug is a conflict (409).
pub fn create(
    conn: &mut Conn,
    caller: &Caller<'_>,
    slug: &Slug,
    name: &str,
) -> Result<Workspace, Error> {
    let account = caller.account;
    store::account_transaction(conn, account, |conn| {
        let workspace = Workspace {
            id: WorkspaceId::new(),
            slug: slug.to_string(),
            name: name.to_owned(),
            created_at: crate::clock::now(),
        };
        store::access::workspaces::insert(conn, account, &workspace)
            .map_err(|error| slug_taken(error, slug))?;
        let entry = Entry::changed(
            Resource::Workspace,
            workspace.id.to_string(),
            Action::Created,
            None,
            Some(&workspace),
        );
        store::audit::record_one(conn, account, caller.origin, entry)?;
        // A member may already carry an entitlement to the new workspace.
        let entitled = super::entitlements::resync(conn, caller)?;
        super::recompute(conn, account, Who::Users(&entitled))?;
        Ok(workspace)
    })
}

/// A unique violation of the slug is the access model's conflict (409
/// without a `scimType`: not a SCIM resource's attribute).
fn slug_taken(error: StoreError, slug: &Slug) -> Error {
    match Error::from_write(error, || format!("workspace '{slug}' already exists")) {
        Error::Taken(detail) => AccessError::Conflict(detail).into(),
        other => other,
    }
}

/// Renames the workspace `slug` (404 when absent).
pub fn rename(
    conn: &mut Conn,
    caller: &Caller<'_>,
    slug: &str,
    name: &str,
) -> Result<Workspace, Error> {
    let account = caller.account;
    store::account_transaction(conn, account, |conn| {
        let before = get(conn, account, slug)?;
        if !store::access::workspaces::rename(conn, account, slug, name)? {
            return Err(no_workspace(slug));
        }
        let after = get(conn, account, slug)?;
        let entry = Entry::changed(
            Resource::Workspace,
            after.id.to_string(),
            Action::Modified,
            Some(&before),
            Some(&after),
        );
        store::audit::record_one(conn, account, caller.origin, entry)?;
        Ok(after)
    })
}

/// Deletes the workspace `slug` (404 when absent), its rules, the levels
/// granted directly in it and every level in it.
pub fn delete(conn: &mut Conn, caller: &Caller<'_>, slug: &str) -> Result<(), Error> {
    let account = caller.account;
    store::account_transaction(conn, account, |conn| {
        let before = get(conn, account, slug)?;
        // Its rules and grants go first and its members' access is
        // recomputed, so those who lose a level get their `access.changed`
        // event; then the workspace.
        let mut holders = store::access::workspaces::level_holders(conn, before.id)?;
        store::access::rules::delete_in_workspace(conn, before.id)?;
        holders.extend(store::access::grants::delete_in_workspace(conn, before.id)?);
        holders.sort();
        holders.dedup();
        super::recompute(conn, account, Who::Users(&holders))?;
        if !store::access::workspaces::delete(conn, account, slug)? {
            return Err(no_workspace(slug));
        }
        let entry = Entry::changed(
            Resource::Workspace,
            before.id.to_string(),
            Action::Deleted,
            Some(&before),
            None,
        );
        store::audit::record_one(conn, account, caller.origin, entry)?;
        Ok(())
    })
}

/// A member with a level in a workspace.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct WorkspaceMember {
    #[schema(value_type = String)]
    pub id: UserId,
    #[serde(rename = "userName")]
    pub user_name: String,
    pub level: String,
}

/// The total of the members with a level in the workspace `slug` (404 when
/// absent), and `limit` of them after `offset`, by userName.
pub fn members(
    conn: &mut Conn,
    account: AccountId,
    slug: &str,
    offset: i64,
    limit: i64,
) -> Result<(i64, Vec<WorkspaceMember>), Error> {
    let workspace = get(conn, account, slug)?;
    let (total, holders) = store::access::members::in_workspace(conn, workspace.id, offset, limit)?;
    let members = holders
        .into_iter()
        .map(|holder| WorkspaceMember {
            id: holder.id,
            user_name: holder.user_name,
            level: holder.level,
        })
        .collect();
    Ok((total, members))
}
