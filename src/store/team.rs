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
use super::sql::{Bind, Sql};
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

/// The filter as one condition on `users` left-joined to `member_roles`
/// (as [`page`] joins it, and [`count`] when a role is asked for). The
/// search, status and creation time are columns of the `users_team`
/// index; the role is tested on the joined row, the workspace and the last
/// login by a probe of the member's row in the side table by its primary
/// key (correlated subqueries: on SQLite a probe of an absent login costs a
/// third of a join's). So a page walks `users_team` in order and stops at
/// the page's end, and no side table's matches are gathered first (SQLite
/// would collect the 90,000 members of "member" into a set for each page).
fn condition(account: AccountId, filter: &TeamFilter) -> Sql {
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
        sql.push(" AND member_roles.role = ");
        sql.bind(Bind::Text(role.clone()));
    }
    if let Some(workspace) = filter.workspace {
        sql.push(
            " AND EXISTS (SELECT 1 FROM member_workspace_levels \
             WHERE member_workspace_levels.user_id = users.id \
             AND member_workspace_levels.workspace_id = ",
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
    let condition = condition(account, filter);
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
    let mut condition = condition(account, filter);
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
mod tests {
    use diesel::sql_types::{Integer, Text};
    use diesel::sqlite::Sqlite;

    use super::*;
    use crate::store::{DatabaseUrl, migrate, open_pool};

    #[derive(QueryableByName)]
    struct PlanStep {
        #[diesel(sql_type = Integer)]
        #[expect(dead_code, reason = "the plan's column; the test reads only `detail`")]
        id: i32,
        #[diesel(sql_type = Text)]
        detail: String,
    }

    /// Every filter's page, first and later, walks a `(account_id,
    /// user_name_key, …)` index in order and
    /// stops at the page's end: no side table's matches gathered into a
    /// list first, no sort of what matched.
    #[test]
    fn each_filter_walks_the_team_index_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let url = DatabaseUrl::parse(&dir.path().join("plan.db").display().to_string()).unwrap();
        let pool = open_pool(&url, 1).unwrap();
        let mut conn = pool.get().unwrap();
        migrate(&mut conn).unwrap();
        let account = AccountId::new();
        let everything = TeamFilter {
            search: Some("ada".into()),
            role: Some("admin".into()),
            workspace: Some(WorkspaceId::new()),
            active: Some(true),
            not_seen_since: Some(chrono::Utc::now().naive_utc()),
            member: None,
        };
        let filters = [
            TeamFilter::default(),
            TeamFilter {
                search: everything.search.clone(),
                ..TeamFilter::default()
            },
            TeamFilter {
                role: everything.role.clone(),
                ..TeamFilter::default()
            },
            TeamFilter {
                workspace: everything.workspace,
                ..TeamFilter::default()
            },
            TeamFilter {
                active: everything.active,
                ..TeamFilter::default()
            },
            TeamFilter {
                not_seen_since: everything.not_seen_since,
                ..TeamFilter::default()
            },
            everything,
        ];
        let cursor = Cursor::after("ada@example.com".into(), UserId::new());
        for filter in &filters {
            for cursor in [None, Some(&cursor)] {
                let mut condition = condition(account, filter);
                if let Some(cursor) = cursor {
                    condition.append(after(cursor));
                }
                let query = page_query!(condition, 51);
                let sql = diesel::debug_query::<Sqlite, _>(&query).to_string();
                let sql = sql.split(" -- binds:").next().unwrap();
                let plan = diesel::sql_query(format!("EXPLAIN QUERY PLAN {sql}"))
                    .load::<PlanStep>(&mut conn)
                    .unwrap()
                    .into_iter()
                    .map(|step| step.detail)
                    .collect::<Vec<_>>()
                    .join("; ");
                let ordered = ["users_team", "users_account_user_name"]
                    .map(|index| format!("SEARCH users USING INDEX {index} (account_id=?"));
                assert!(
                    ordered.iter().any(|walk| plan.starts_with(walk.as_str())),
                    "{filter:?}: {plan}"
                );
                for slow in ["TEMP B-TREE", "LIST SUBQUERY", "SCAN"] {
                    assert!(!plan.contains(slow), "{filter:?}, {cursor:?}: {plan}");
                }
            }
        }
    }
}
