//! The team listing's reads ([`crate::access::team`]): a page of the
//! account's members matching a filter, in userName-key order after a
//! cursor (keyset paging on the `(account_id, user_name_key)` index, so the
//! thousandth page costs what the first does), and the number of members
//! the filter matches. Each filter is a condition on `users` (subqueries on
//! the side tables), so the count reads only what its filters need.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{
    member_logins, member_roles, member_workspace_levels, tokens, users, workspaces,
};
use super::sql::{Bind, Dialect, Sql};
use super::{Conn, StoreError};
use crate::access::WorkspaceLevel;
use crate::access::review::Provenance;
use crate::access::team::{Cursor, TeamMember};
use crate::model::{AccountId, UserId, WorkspaceId};

/// Which members a listing shows; every part given must hold.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TeamFilter {
    /// Part of the userName or displayName, compared case-folded (the
    /// text folded as `model::fold_case` folds; the keys already are).
    pub search: Option<String>,
    /// The member's effective role (an inactive member has none).
    pub role: Option<String>,
    /// The member has a level, any level, in this workspace.
    pub workspace: Option<WorkspaceId>,
    /// The member's `active`.
    pub active: Option<bool>,
    /// Not logged in since: the last login, else the creation, is before
    /// this time (the access review's "stale", without its "active").
    pub not_seen_since: Option<NaiveDateTime>,
    /// Only this member (the console's Member page).
    pub member: Option<UserId>,
}

/// `value` for a `LIKE … ESCAPE '\'` pattern: its `%`, `_` and `\` literal.
fn escape_like(value: &str) -> String {
    let mut escaped = String::with_capacity(value.len());
    for c in value.chars() {
        if matches!(c, '%' | '_' | '\\') {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped
}

/// The filter as one condition on `users`. On SQLite the side-table
/// filters are `+users.id IN (…)`: the `+` keeps the planner, which has no
/// statistics of how many members hold a role, from driving the query from
/// the subquery (90,000 lookups and a sort for "member") instead of
/// walking the `users_team` index in order and probing the subquery's set.
fn condition(dialect: Dialect, account: AccountId, filter: &TeamFilter) -> Sql {
    let member = match dialect {
        Dialect::Sqlite => " AND +users.id IN (",
        Dialect::Postgres => " AND users.id IN (",
    };
    let account = account.to_string();
    let mut sql = Sql::raw("users.account_id = ");
    sql.bind(Bind::Text(account.clone()));
    if let Some(search) = &filter.search {
        let pattern = format!("%{}%", escape_like(search));
        sql.push(" AND (users.user_name_key LIKE ");
        sql.bind(Bind::Text(pattern.clone()));
        sql.push(" ESCAPE '\\' OR users.display_name_key LIKE ");
        sql.bind(Bind::Text(pattern));
        sql.push(" ESCAPE '\\')");
    }
    if let Some(role) = &filter.role {
        sql.push(member);
        sql.push("SELECT member_roles.user_id FROM member_roles WHERE member_roles.account_id = ");
        sql.bind(Bind::Text(account.clone()));
        sql.push(" AND member_roles.role = ");
        sql.bind(Bind::Text(role.clone()));
        sql.push(")");
    }
    if let Some(workspace) = filter.workspace {
        sql.push(member);
        sql.push(
            "SELECT member_workspace_levels.user_id FROM member_workspace_levels \
             WHERE member_workspace_levels.workspace_id = ",
        );
        sql.bind(Bind::Text(workspace.to_string()));
        sql.push(")");
    }
    if let Some(member) = filter.member {
        sql.push(" AND users.id = ");
        sql.bind(Bind::Text(member.to_string()));
    }
    if let Some(active) = filter.active {
        sql.push(" AND users.active = ");
        sql.bind(Bind::Bool(active));
    }
    if let Some(cutoff) = filter.not_seen_since {
        sql.push(
            " AND COALESCE((SELECT member_logins.last_login_at FROM member_logins \
             WHERE member_logins.user_id = users.id), users.created_at) < ",
        );
        sql.bind(Bind::Timestamp(cutoff));
    }
    sql
}

/// `(user_name_key, id)` after the cursor's, as a range the index seeks to
/// (`key >= k AND (key > k OR id > i)`; an `OR` alone is a scan from the
/// start).
fn after(cursor: &Cursor) -> Sql {
    let key = || Bind::Text(cursor.user_name_key.clone());
    let mut sql = Sql::raw("users.user_name_key >= ");
    sql.bind(key());
    sql.push(" AND (users.user_name_key > ");
    sql.bind(key());
    sql.push(" OR users.id > ");
    sql.bind(Bind::Text(cursor.id.to_string()));
    sql.push(")");
    sql
}

/// How many of the account's members the filter matches. A role or a
/// workspace alone is counted on its own table's index (an active member
/// has one role row, a member one level row per workspace).
pub fn count(conn: &mut Conn, account: AccountId, filter: &TeamFilter) -> Result<i64, StoreError> {
    let only = |part: &TeamFilter| *filter == *part;
    match (&filter.role, filter.workspace) {
        (Some(role), None)
            if only(&TeamFilter {
                role: Some(role.clone()),
                ..TeamFilter::default()
            }) =>
        {
            return Ok(member_roles::table
                .filter(member_roles::account_id.eq(account))
                .filter(member_roles::role.eq(role))
                .count()
                .get_result(conn)?);
        }
        (None, Some(workspace))
            if only(&TeamFilter {
                workspace: Some(workspace),
                ..TeamFilter::default()
            }) =>
        {
            return Ok(member_workspace_levels::table
                .filter(member_workspace_levels::workspace_id.eq(workspace))
                .count()
                .get_result(conn)?);
        }
        _ => {}
    }
    let dialect = Dialect::of(conn);
    Ok(users::table
        .filter(condition(dialect, account, filter))
        .count()
        .get_result(conn)?)
}

type Row = (
    UserId,
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

/// Up to `limit` of the account's members the filter matches, after
/// `cursor` (from the first when `None`), by userName key then id; and the
/// cursor after the last of them when more follow.
pub fn page(
    conn: &mut Conn,
    account: AccountId,
    filter: &TeamFilter,
    cursor: Option<&Cursor>,
    limit: i64,
) -> Result<(Vec<TeamMember>, Option<Cursor>), StoreError> {
    let dialect = Dialect::of(conn);
    let mut query = users::table
        .left_join(member_roles::table)
        .left_join(member_logins::table)
        .left_join(tokens::table.on(users::provisioned_by.eq(tokens::id.nullable())))
        .filter(condition(dialect, account, filter))
        .order((users::user_name_key, users::id))
        .limit(limit.saturating_add(1))
        .select((
            users::id,
            users::user_name,
            users::user_name_key,
            users::display_name,
            users::active,
            users::created_at,
            users::provisioned_via,
            users::provisioned_by,
            tokens::label.nullable(),
            member_roles::role.nullable(),
            member_logins::last_login_at.nullable(),
        ))
        .into_boxed();
    if let Some(cursor) = cursor {
        query = query.filter(after(cursor));
    }
    let mut rows: Vec<Row> = query.load(conn)?;
    let more = i64::try_from(rows.len()).is_ok_and(|len| len > limit);
    if more {
        rows.pop();
    }
    let next = rows
        .last()
        .filter(|_| more)
        .map(|row| Cursor::after(row.2.clone(), row.0));
    let ids: Vec<UserId> = rows.iter().map(|row| row.0).collect();
    let mut levels = levels_of(conn, &ids)?;
    let members = rows
        .into_iter()
        .map(
            |(id, user_name, _, display_name, active, created, via, token, label, role, login)| {
                TeamMember {
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
                        token_id: token,
                        token_label: label,
                    },
                }
            },
        )
        .collect();
    Ok((members, next))
}

/// The levels of these members, by member and workspace slug.
fn levels_of(
    conn: &mut Conn,
    ids: &[UserId],
) -> Result<HashMap<UserId, BTreeMap<String, String>>, StoreError> {
    let mut levels: HashMap<UserId, BTreeMap<String, String>> = HashMap::new();
    if ids.is_empty() {
        return Ok(levels);
    }
    let rows: Vec<(UserId, String, String)> = member_workspace_levels::table
        .inner_join(workspaces::table)
        .filter(member_workspace_levels::user_id.eq_any(ids))
        .select((
            member_workspace_levels::user_id,
            workspaces::slug,
            member_workspace_levels::level,
        ))
        .load(conn)?;
    for (user, slug, level) in rows {
        levels.entry(user).or_default().insert(slug, level);
    }
    Ok(levels)
}
