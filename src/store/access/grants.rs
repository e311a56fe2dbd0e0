//! Direct grants (`member_grants`, [`crate::access::grants`]): a role or a
//! level in a workspace given to a member without a group, one row each,
//! with its source and when it was given. The recomputation
//! ([`super::recompute`]) reads them beside the rules.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::access::grants::{Grant, GrantSource, GrantTarget};
use crate::model::{AccountId, GrantId, UserId, WorkspaceId};
use crate::store::schema::{member_grants, users, workspaces};
use crate::store::{Conn, StoreError};

/// A stored grant and its row's id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredGrant {
    pub id: GrantId,
    pub grant: Grant,
}

type GrantRow = (
    GrantId,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    NaiveDateTime,
);

fn into_stored(
    (id, source, role, workspace, level, granted_at): GrantRow,
) -> Result<StoredGrant, StoreError> {
    let corrupt = || StoreError::Corrupt(format!("grant {id}: its columns"));
    let source = GrantSource::from_stored(&source).ok_or_else(corrupt)?;
    let target = match (role, workspace, level) {
        (Some(role), None, None) => GrantTarget::Role(role),
        (None, Some(workspace), Some(level)) => GrantTarget::Level { workspace, level },
        _ => return Err(corrupt()),
    };
    Ok(StoredGrant {
        id,
        grant: Grant {
            source,
            target,
            granted_at,
        },
    })
}

/// The member's grants: its role grants first, then its levels by
/// workspace slug.
pub fn of_member(conn: &mut Conn, user: UserId) -> Result<Vec<StoredGrant>, StoreError> {
    let rows: Vec<GrantRow> = member_grants::table
        .left_join(workspaces::table)
        .filter(member_grants::user_id.eq(user))
        .order((workspaces::slug.nullable(), member_grants::source))
        .select((
            member_grants::id,
            member_grants::source,
            member_grants::role,
            workspaces::slug.nullable(),
            member_grants::level,
            member_grants::granted_at,
        ))
        .load(conn)?;
    let mut grants = rows
        .into_iter()
        .map(into_stored)
        .collect::<Result<Vec<_>, _>>()?;
    // NULLs sort first on SQLite and last on PostgreSQL: the same order on both.
    grants
        .sort_by(|a, b| (&a.grant.target, a.grant.source).cmp(&(&b.grant.target, b.grant.source)));
    Ok(grants)
}

/// Inserts a grant of the account's member; `workspace` is the id of the
/// workspace a level grant names. A second grant of the same role or
/// workspace from the same source is a unique violation.
pub fn insert(
    conn: &mut Conn,
    account: AccountId,
    user: UserId,
    grant: &Grant,
    workspace: Option<WorkspaceId>,
) -> Result<(), StoreError> {
    let (role, level) = match &grant.target {
        GrantTarget::Role(role) => (Some(role.as_str()), None),
        GrantTarget::Level { level, .. } => (None, Some(level.as_str())),
    };
    diesel::insert_into(member_grants::table)
        .values((
            member_grants::id.eq(GrantId::new()),
            member_grants::user_id.eq(user),
            member_grants::account_id.eq(account),
            member_grants::source.eq(grant.source.as_str()),
            member_grants::role.eq(role),
            member_grants::workspace_id.eq(workspace),
            member_grants::level.eq(level),
            member_grants::granted_at.eq(grant.granted_at),
        ))
        .execute(conn)?;
    Ok(())
}

/// Deletes the grant `id`.
pub fn delete(conn: &mut Conn, id: GrantId) -> Result<(), StoreError> {
    diesel::delete(member_grants::table.find(id)).execute(conn)?;
    Ok(())
}

/// Deletes the grants of a level in the workspace; returns the members
/// who had one.
pub fn delete_in_workspace(
    conn: &mut Conn,
    workspace: WorkspaceId,
) -> Result<Vec<UserId>, StoreError> {
    let in_workspace = || member_grants::table.filter(member_grants::workspace_id.eq(workspace));
    let mut holders: Vec<UserId> = in_workspace().select(member_grants::user_id).load(conn)?;
    holders.sort();
    holders.dedup();
    diesel::delete(in_workspace()).execute(conn)?;
    Ok(holders)
}

/// A role an admin granted in the account that is not one of `roles`,
/// with the userName of a member it is granted to (the IdP's entitlement
/// grants follow the model instead).
pub fn role_outside(
    conn: &mut Conn,
    account: AccountId,
    roles: &[String],
) -> Result<Option<(String, String)>, StoreError> {
    let found = member_grants::table
        .inner_join(users::table)
        .filter(member_grants::account_id.eq(account))
        .filter(member_grants::source.eq(GrantSource::Admin.as_str()))
        .filter(member_grants::role.is_not_null())
        .filter(member_grants::role.ne_all(roles))
        .select((member_grants::role.assume_not_null(), users::user_name))
        .limit(1)
        .load::<(String, String)>(conn)?;
    Ok(found.into_iter().next())
}

/// A level an admin granted in the account that is not one of `levels`,
/// with the userName of a member it is granted to (the IdP's entitlement
/// grants follow the model instead).
pub fn level_outside(
    conn: &mut Conn,
    account: AccountId,
    levels: &[String],
) -> Result<Option<(String, String)>, StoreError> {
    let found = member_grants::table
        .inner_join(users::table)
        .filter(member_grants::account_id.eq(account))
        .filter(member_grants::source.eq(GrantSource::Admin.as_str()))
        .filter(member_grants::level.is_not_null())
        .filter(member_grants::level.ne_all(levels))
        .select((member_grants::level.assume_not_null(), users::user_name))
        .limit(1)
        .load::<(String, String)>(conn)?;
    Ok(found.into_iter().next())
}
