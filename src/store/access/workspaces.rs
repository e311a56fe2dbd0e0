//! Workspaces (`workspaces`): the places of an account where members get a
//! level, named by a slug unique in the account.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::access::Workspace;
use crate::model::{AccountId, UserId, WorkspaceId};
use crate::store::schema::{member_workspace_levels, workspaces};
use crate::store::{Conn, StoreError};

#[derive(Queryable, Selectable)]
#[diesel(table_name = workspaces)]
struct WorkspaceRow {
    id: WorkspaceId,
    slug: String,
    name: String,
    created_at: NaiveDateTime,
}

impl From<WorkspaceRow> for Workspace {
    fn from(row: WorkspaceRow) -> Self {
        Self {
            id: row.id,
            slug: row.slug,
            name: row.name,
            created_at: row.created_at,
        }
    }
}

/// The account's workspaces, by slug.
pub fn list(conn: &mut Conn, account: AccountId) -> Result<Vec<Workspace>, StoreError> {
    Ok(workspaces::table
        .filter(workspaces::account_id.eq(account))
        .order(workspaces::slug)
        .select(WorkspaceRow::as_select())
        .load(conn)?
        .into_iter()
        .map(Workspace::from)
        .collect())
}

/// The account's workspace with this slug.
pub fn find(
    conn: &mut Conn,
    account: AccountId,
    slug: &str,
) -> Result<Option<Workspace>, StoreError> {
    Ok(workspaces::table
        .filter(workspaces::account_id.eq(account))
        .filter(workspaces::slug.eq(slug))
        .select(WorkspaceRow::as_select())
        .first(conn)
        .optional()?
        .map(Workspace::from))
}

/// Inserts a workspace; a taken slug is a unique violation.
pub fn insert(
    conn: &mut Conn,
    account: AccountId,
    workspace: &Workspace,
) -> Result<(), StoreError> {
    diesel::insert_into(workspaces::table)
        .values((
            workspaces::id.eq(workspace.id),
            workspaces::account_id.eq(account),
            workspaces::slug.eq(&workspace.slug),
            workspaces::name.eq(&workspace.name),
            workspaces::created_at.eq(workspace.created_at),
        ))
        .execute(conn)?;
    Ok(())
}

/// Renames the account's workspace `slug`; false when it has none.
pub fn rename(
    conn: &mut Conn,
    account: AccountId,
    slug: &str,
    name: &str,
) -> Result<bool, StoreError> {
    let updated = diesel::update(
        workspaces::table
            .filter(workspaces::account_id.eq(account))
            .filter(workspaces::slug.eq(slug)),
    )
    .set(workspaces::name.eq(name))
    .execute(conn)?;
    Ok(updated > 0)
}

/// Deletes the account's workspace `slug` (its members' levels in it go
/// with it); false when it has none.
pub fn delete(conn: &mut Conn, account: AccountId, slug: &str) -> Result<bool, StoreError> {
    let deleted = diesel::delete(
        workspaces::table
            .filter(workspaces::account_id.eq(account))
            .filter(workspaces::slug.eq(slug)),
    )
    .execute(conn)?;
    Ok(deleted > 0)
}

/// The members with a level in the workspace.
pub fn level_holders(conn: &mut Conn, workspace: WorkspaceId) -> Result<Vec<UserId>, StoreError> {
    Ok(member_workspace_levels::table
        .filter(member_workspace_levels::workspace_id.eq(workspace))
        .select(member_workspace_levels::user_id)
        .load(conn)?)
}
