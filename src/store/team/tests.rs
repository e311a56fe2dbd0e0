//! The team listing's plans, read back from SQLite: the page walks the
//! team index in order under either [`super::Plan`], and both plans read the
//! same pages.

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

/// Every filter's page, first and later, under either plan, walks a
/// `(account_id, user_name_key, …)` index in order and stops at the
/// page's end: nothing sorted, no table scanned, a set of holders
/// gathered only where the plan says so.
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
    let set = Probe::Set(Dialect::Sqlite);
    let plans = [
        Plan::default(),
        Plan {
            role: set,
            workspace: set,
        },
    ];
    let cases = filters.iter().flat_map(|filter| {
        plans
            .iter()
            .flat_map(move |plan| [(filter, *plan, false), (filter, *plan, true)])
    });
    for (filter, plan, later) in cases {
        let mut condition = condition(account, filter, plan);
        if later {
            condition.append(after(&cursor));
        }
        let query = page_query!(condition, 51);
        let sql = diesel::debug_query::<Sqlite, _>(&query).to_string();
        let sql = sql.split(" -- binds:").next().unwrap();
        let steps = diesel::sql_query(format!("EXPLAIN QUERY PLAN {sql}"))
            .load::<PlanStep>(&mut conn)
            .unwrap()
            .into_iter()
            .map(|step| step.detail)
            .collect::<Vec<_>>()
            .join("; ");
        let ordered = ["users_team", "users_account_user_name"]
            .map(|index| format!("SEARCH users USING INDEX {index} (account_id=?"));
        assert!(
            ordered.iter().any(|walk| steps.starts_with(walk.as_str())),
            "{filter:?}, {plan:?}: {steps}"
        );
        assert!(
            !steps.contains("TEMP B-TREE"),
            "{filter:?}, {plan:?}: {steps}"
        );
        assert!(!steps.contains("SCAN"), "{filter:?}, {plan:?}: {steps}");
        let sets = usize::from(filter.role.is_some() && matches!(plan.role, Probe::Set(_)))
            + usize::from(filter.workspace.is_some() && matches!(plan.workspace, Probe::Set(_)));
        assert_eq!(
            steps.matches("LIST SUBQUERY").count(),
            sets,
            "{filter:?}, {plan:?}: {steps}"
        );
    }
}

/// Both plans read the same pages: 30 members (every third inactive),
/// roles, a workspace and logins, each filter walked 4 at a time.
#[test]
fn both_plans_read_the_same_pages() {
    use diesel::connection::SimpleConnection;
    let dir = tempfile::tempdir().unwrap();
    let url = DatabaseUrl::parse(&dir.path().join("plans.db").display().to_string()).unwrap();
    let pool = open_pool(&url, 1).unwrap();
    let mut conn = pool.get().unwrap();
    migrate(&mut conn).unwrap();
    let (account, workspace) = (AccountId::new(), WorkspaceId::new());
    let Conn::Sqlite(sqlite) = &mut *conn else {
        panic!("SQLite")
    };
    sqlite
        .batch_execute(&format!(
            "INSERT INTO accounts (id, slug, name, created_at) VALUES ('{account}', 'a', 'A', '2026-01-01 00:00:00');
             INSERT INTO workspaces (id, account_id, slug, name, created_at)
             VALUES ('{workspace}', '{account}', 'prod', 'Prod', '2026-01-01 00:00:00');
             WITH RECURSIVE n(i) AS (SELECT 10 UNION ALL SELECT i + 1 FROM n WHERE i < 39)
             INSERT INTO users (id, account_id, user_name, user_name_key, display_name,
                 display_name_key, active, document, filter_document, version, created_at,
                 last_modified)
             SELECT printf('%08x-0000-7000-8000-000000000000', i), '{account}',
                 'user' || i, 'user' || i, 'User ' || i, 'user ' || i, i % 3 <> 0, '{{}}',
                 '{{}}', 1, '2026-01-01 00:00:00', '2026-01-01 00:00:00'
             FROM n;
             INSERT INTO member_roles (user_id, account_id, role)
             SELECT id, account_id, CASE WHEN rowid % 7 = 1 THEN 'admin' ELSE 'member' END
             FROM users WHERE active;
             INSERT INTO member_workspace_levels (user_id, workspace_id, account_id, level)
             SELECT id, '{workspace}', account_id, 'editor' FROM users WHERE rowid % 4 = 1;
             INSERT INTO member_logins (user_id, account_id, last_login_at)
             SELECT id, account_id, '2026-06-01 00:00:00' FROM users WHERE rowid % 5 = 2;"
        ))
        .unwrap();
    let set = Probe::Set(Dialect::Sqlite);
    let filters = [
        TeamFilter {
            role: Some("member".into()),
            ..TeamFilter::default()
        },
        TeamFilter {
            role: Some("admin".into()),
            workspace: Some(workspace),
            ..TeamFilter::default()
        },
        TeamFilter {
            workspace: Some(workspace),
            not_seen_since: Some(chrono::NaiveDate::from_ymd_opt(2026, 3, 1).unwrap().into()),
            ..TeamFilter::default()
        },
    ];
    for filter in &filters {
        let walk = |conn: &mut Conn, plan: Plan| {
            let (mut members, mut cursor) = (Vec::new(), None);
            loop {
                let (page, next) =
                    planned_page(conn, account, filter, cursor.as_ref(), 4, plan).unwrap();
                members.extend(
                    page.into_iter()
                        .map(|member| (member.user_name, member.role)),
                );
                match next {
                    Some(next) => cursor = Some(next),
                    None => return members,
                }
            }
        };
        let by_row = walk(&mut conn, Plan::default());
        let by_set = walk(
            &mut conn,
            Plan {
                role: set,
                workspace: set,
            },
        );
        assert!(!by_row.is_empty(), "{filter:?}");
        assert_eq!(by_row, by_set, "{filter:?}");
        assert_eq!(
            i64::try_from(by_row.len()).unwrap(),
            count(&mut conn, account, filter).unwrap(),
            "{filter:?}"
        );
    }
}
