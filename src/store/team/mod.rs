//! The team listing's reads ([`crate::access::team`]): a page of the
//! account's members matching a filter, in userName-key order after a
//! cursor (keyset paging on the `(account_id, user_name_key)` index, so the
//! thousandth page costs what the first does), and the number of members
//! the filter matches. Each filter is a condition on `users` and the
//! member's role (probes of the side tables by primary key), so the count
//! reads only what its filters need.

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

/// Below this many holders, a role or a workspace filter reads its
/// holders into a set first (one seek of its table's index) and the page's
/// walk tests each member against the set; above it, the walk probes each
/// member's own row, and finds a page of matches within 50 × members ÷
/// holders entries (1,000 at 100,000 members). A rare role read row by row
/// costs a probe of every member (3 to 4 times the set's cost on SQLite);
/// a common one gathered into a set costs 90,000 inserts for each page.
const SMALL_SET: i64 = 5_000;

/// How a page tests the side-table filters (see [`SMALL_SET`]).
#[derive(Debug, Clone, Copy, Default)]
struct Plan {
    role: Probe,
    workspace: Probe,
}

#[derive(Debug, Clone, Copy, Default)]
enum Probe {
    /// The member's own row, by primary key.
    #[default]
    Row,
    /// A set of the holders' ids, gathered first.
    Set(Dialect),
}

/// `AND users.id IN (`, on SQLite as `+users.id`: the `+` keeps the
/// planner, which has no statistics, from driving the query from the set
/// (and sorting) rather than walking `users_team` in order.
fn member_of(dialect: Dialect) -> &'static str {
    match dialect {
        Dialect::Sqlite => " AND +users.id IN (",
        Dialect::Postgres => " AND users.id IN (",
    }
}

/// The filter as one condition on `users` left-joined to `member_roles`
/// (as [`page`] joins it, and [`count`] when a role is asked for). The
/// search, status and creation time are columns of the `users_team`
/// index; the last login is a probe of the member's `member_logins` row by
/// primary key (a correlated subquery: on SQLite a probe of an absent
/// login costs a third of a join's); the role and the workspace as `plan`
/// says. So a page walks `users_team` in order and stops at the page's
/// end, and nothing is sorted.
fn condition(account: AccountId, filter: &TeamFilter, plan: Plan) -> Sql {
    let mut sql = Sql::raw("users.account_id = ");
    sql.bind(Bind::Text(account.to_string()));
    if let Some(search) = &filter.search {
        let pattern = format!("%{}%", escape_like(search));
        sql.push(" AND (users.user_name_key LIKE ");
        sql.bind(Bind::Text(pattern.clone()));
        sql.push(" ESCAPE '\\' OR users.display_name_key LIKE ");
        sql.bind(Bind::Text(pattern));
        sql.push(" ESCAPE '\\')");
    }
    if let Some(role) = &filter.role {
        if let Probe::Set(dialect) = plan.role {
            sql.push(member_of(dialect));
            sql.push(
                "SELECT member_roles.user_id FROM member_roles WHERE member_roles.account_id = ",
            );
            sql.bind(Bind::Text(account.to_string()));
            sql.push(" AND member_roles.role = ");
            sql.bind(Bind::Text(role.clone()));
            sql.push(")");
        } else {
            sql.push(" AND member_roles.role = ");
            sql.bind(Bind::Text(role.clone()));
        }
    }
    if let Some(workspace) = filter.workspace {
        if let Probe::Set(dialect) = plan.workspace {
            sql.push(member_of(dialect));
            sql.push(
                "SELECT member_workspace_levels.user_id FROM member_workspace_levels \
                 WHERE member_workspace_levels.workspace_id = ",
            );
        } else {
            sql.push(
                " AND EXISTS (SELECT 1 FROM member_workspace_levels \
                 WHERE member_workspace_levels.user_id = users.id \
                 AND member_workspace_levels.workspace_id = ",
            );
        }
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
    let mut sql = Sql::raw(" AND users.user_name_key >= ");
    sql.bind(key());
    sql.push(" AND (users.user_name_key > ");
    sql.bind(key());
    sql.push(" OR users.id > ");
    sql.bind(Bind::Text(cursor.id.to_string()));
    sql.push(")");
    sql
}

/// The page query of [`page`]: members matching `$condition`, with their
/// role, last login and provisioning token's label, in userName-key order
/// (a macro, so the plan test explains the very query [`page`] runs).
macro_rules! page_query {
    ($condition:expr, $limit:expr) => {
        users::table
            .left_join(member_roles::table)
            .left_join(member_logins::table)
            .left_join(tokens::table.on(users::provisioned_by.eq(tokens::id.nullable())))
            .filter($condition)
            .order((users::user_name_key, users::id))
            .limit($limit)
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
    };
}

/// How many of the account's members the filter matches. A role or a
/// workspace alone is counted on its own table's index (an active member
/// has one role row, a member one level row per workspace).
pub fn count(conn: &mut Conn, account: AccountId, filter: &TeamFilter) -> Result<i64, StoreError> {
    let alone = TeamFilter {
        role: filter.role.clone(),
        workspace: filter.workspace,
        ..TeamFilter::default()
    };
    if *filter == alone {
        match (&filter.role, filter.workspace) {
            (Some(role), None) => return role_holders(conn, account, role),
            (None, Some(workspace)) => return workspace_members(conn, workspace),
            _ => {}
        }
    }
    let condition = condition(account, filter, Plan::default());
    Ok(if filter.role.is_some() {
        users::table
            .left_join(member_roles::table)
            .filter(condition)
            .count()
            .get_result(conn)?
    } else {
        users::table.filter(condition).count().get_result(conn)?
    })
}

/// The account's active members who hold `role`.
fn role_holders(conn: &mut Conn, account: AccountId, role: &str) -> Result<i64, StoreError> {
    Ok(member_roles::table
        .filter(member_roles::account_id.eq(account))
        .filter(member_roles::role.eq(role))
        .count()
        .get_result(conn)?)
}

/// The members with a level in `workspace`.
fn workspace_members(conn: &mut Conn, workspace: WorkspaceId) -> Result<i64, StoreError> {
    Ok(member_workspace_levels::table
        .filter(member_workspace_levels::workspace_id.eq(workspace))
        .count()
        .get_result(conn)?)
}

/// The [`Plan`] for a page of `filter`: each side-table filter's holders
/// counted on its index.
fn plan(conn: &mut Conn, account: AccountId, filter: &TeamFilter) -> Result<Plan, StoreError> {
    let dialect = Dialect::of(conn);
    let probe = |holders: i64| {
        if holders <= SMALL_SET {
            Probe::Set(dialect)
        } else {
            Probe::Row
        }
    };
    Ok(Plan {
        role: match &filter.role {
            Some(role) => probe(role_holders(conn, account, role)?),
            None => Probe::Row,
        },
        workspace: match filter.workspace {
            Some(workspace) => probe(workspace_members(conn, workspace)?),
            None => Probe::Row,
        },
    })
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
    let plan = plan(conn, account, filter)?;
    planned_page(conn, account, filter, cursor, limit, plan)
}

/// [`page`] under `plan`.
fn planned_page(
    conn: &mut Conn,
    account: AccountId,
    filter: &TeamFilter,
    cursor: Option<&Cursor>,
    limit: i64,
    plan: Plan,
) -> Result<(Vec<TeamMember>, Option<Cursor>), StoreError> {
    let mut condition = condition(account, filter, plan);
    if let Some(cursor) = cursor {
        condition.append(after(cursor));
    }
    let mut rows: Vec<Row> = page_query!(condition, limit.saturating_add(1)).load(conn)?;
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

#[cfg(test)]
mod tests;
