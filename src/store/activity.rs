//! What the product reports of its members (logins), and what the access
//! review reads of every member (`crate::access::review`).

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{
    member_logins, member_roles, member_workspace_levels, tokens, users, workspaces,
};
use super::sql::{Bind, Sql};
use super::{Conn, StoreError};
use crate::access::WorkspaceLevel;
use crate::access::review::{Provenance, ReviewedMember};
use crate::model::{AccountId, UserId};

/// Records a login of the account's member at `at`; the latest login wins,
/// so reports that arrive out of order never move it back. Returns the
/// member's last login, or `None` when the account has no such member.
pub fn record_login(
    conn: &mut Conn,
    account: AccountId,
    member: UserId,
    at: NaiveDateTime,
) -> Result<Option<NaiveDateTime>, StoreError> {
    let exists: bool = diesel::select(diesel::dsl::exists(
        users::table
            .find(member.to_string())
            .filter(users::account_id.eq(account.to_string())),
    ))
    .get_result(conn)?;
    if !exists {
        return Ok(None);
    }
    let mut upsert =
        Sql::raw("INSERT INTO member_logins (user_id, account_id, last_login_at) VALUES (");
    upsert.bind(Bind::Text(member.to_string()));
    upsert.push(", ");
    upsert.bind(Bind::Text(account.to_string()));
    upsert.push(", ");
    upsert.bind(Bind::Timestamp(at));
    upsert.push(
        ") ON CONFLICT (user_id) DO UPDATE SET last_login_at = excluded.last_login_at \
         WHERE member_logins.last_login_at < excluded.last_login_at",
    );
    upsert.execute(conn)?;
    Ok(Some(
        member_logins::table
            .find(member.to_string())
            .select(member_logins::last_login_at)
            .first(conn)?,
    ))
}

type MemberRow = (
    String,
    String,
    Option<String>,
    bool,
    NaiveDateTime,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<NaiveDateTime>,
);

/// Every member of the account, by userName, with role, workspace levels,
/// last login and provenance (`flags` left empty): two queries, whatever
/// the account's size.
pub fn reviewed_members(
    conn: &mut Conn,
    account: AccountId,
) -> Result<Vec<ReviewedMember>, StoreError> {
    let account = account.to_string();
    let mut levels: HashMap<String, BTreeMap<String, String>> = HashMap::new();
    let rows: Vec<(String, String, String)> = member_workspace_levels::table
        .inner_join(workspaces::table)
        .filter(member_workspace_levels::account_id.eq(&account))
        .select((
            member_workspace_levels::user_id,
            workspaces::slug,
            member_workspace_levels::level,
        ))
        .load(conn)?;
    for (user, slug, level) in rows {
        levels.entry(user).or_default().insert(slug, level);
    }
    let rows: Vec<MemberRow> = users::table
        .left_join(member_roles::table)
        .left_join(member_logins::table)
        .left_join(tokens::table.on(users::provisioned_by.eq(tokens::id.nullable())))
        .filter(users::account_id.eq(&account))
        .order(users::user_name_key)
        .select((
            users::id,
            users::user_name,
            users::display_name,
            users::active,
            users::created_at,
            users::provisioned_via,
            users::provisioned_by,
            tokens::label.nullable(),
            member_roles::role.nullable(),
            member_logins::last_login_at.nullable(),
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(
            |(id, user_name, display_name, active, created, via, token_id, label, role, login)| {
                ReviewedMember {
                    workspaces: levels
                        .remove(&id)
                        .unwrap_or_default()
                        .into_iter()
                        .map(|(workspace, level)| WorkspaceLevel { workspace, level })
                        .collect(),
                    id,
                    user_name,
                    display_name,
                    active,
                    role,
                    last_login: login,
                    created,
                    provisioned_by: Provenance {
                        via,
                        token_id,
                        token_label: label,
                    },
                    flags: Vec::new(),
                }
            },
        )
        .collect())
}
