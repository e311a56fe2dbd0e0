//! Members as the access configuration reads them: what rules see of one
//! (its groups and SCIM role values), who holds a role, who has a level in
//! a workspace, and members' userNames.

use std::collections::HashMap;

use diesel::prelude::*;

use crate::access::GroupFacts;
use crate::model::{AccountId, GroupId, UserId, WorkspaceId};
use crate::store::schema::{
    group_members, member_roles, member_workspace_levels, scim_groups, user_role_values, users,
};
use crate::store::{Conn, StoreError};

/// Members per `IN` list of ids.
const IDS_PER_QUERY: usize = 500;

/// What rules see of a member: its groups (by displayName key) and its SCIM
/// role values (case-folded).
pub fn facts(conn: &mut Conn, user: UserId) -> Result<(Vec<GroupFacts>, Vec<String>), StoreError> {
    let groups = group_members::table
        .inner_join(scim_groups::table)
        .filter(group_members::user_id.eq(user))
        .order(scim_groups::display_name_key)
        .select((
            scim_groups::id,
            scim_groups::display_name,
            scim_groups::external_id,
        ))
        .load::<(GroupId, String, Option<String>)>(conn)?
        .into_iter()
        .map(|(id, display_name, external_id)| GroupFacts {
            id,
            display_name,
            external_id,
        })
        .collect();
    let role_values = user_role_values::table
        .filter(user_role_values::user_id.eq(user))
        .order(user_role_values::value_key)
        .select(user_role_values::value_key)
        .load(conn)?;
    Ok((groups, role_values))
}

/// A member with a level in a workspace.
#[derive(Debug, Clone, PartialEq, Eq, Queryable)]
pub struct LevelHolder {
    pub id: UserId,
    pub user_name: String,
    pub level: String,
}

/// The total of the members with a level in the workspace, and `limit` of
/// them after `offset`, by userName.
pub fn in_workspace(
    conn: &mut Conn,
    workspace: WorkspaceId,
    offset: i64,
    limit: i64,
) -> Result<(i64, Vec<LevelHolder>), StoreError> {
    let holders = || {
        member_workspace_levels::table
            .inner_join(users::table)
            .filter(member_workspace_levels::workspace_id.eq(workspace))
    };
    let total = holders().count().get_result(conn)?;
    let members = holders()
        .order((users::user_name_key, users::id))
        .offset(offset)
        .limit(limit)
        .select((users::id, users::user_name, member_workspace_levels::level))
        .load(conn)?;
    Ok((total, members))
}

/// The account's members holding this role (active ones: an inactive
/// member holds none), by userName: (id, userName).
pub fn with_role(
    conn: &mut Conn,
    account: AccountId,
    role: &str,
) -> Result<Vec<(UserId, String)>, StoreError> {
    Ok(member_roles::table
        .inner_join(users::table)
        .filter(member_roles::account_id.eq(account))
        .filter(member_roles::role.eq(role))
        .order(users::user_name_key)
        .select((users::id, users::user_name))
        .load(conn)?)
}

/// The userNames of these members, by id (a member that is not there is
/// left out).
pub fn user_names(conn: &mut Conn, ids: &[UserId]) -> Result<HashMap<UserId, String>, StoreError> {
    let mut names = HashMap::with_capacity(ids.len());
    for chunk in ids.chunks(IDS_PER_QUERY) {
        names.extend(
            users::table
                .filter(users::id.eq_any(chunk))
                .select((users::id, users::user_name))
                .load::<(UserId, String)>(conn)?,
        );
    }
    Ok(names)
}
