//! Issue 17's bar for the team listing at 100,000 members on SQLite,
//! measured (an ignored test: it prints timings, it asserts none).

use roster::access::team::CsvWriter;
use roster::service::team::{self, Status, TeamQuery};

use crate::access::workspace;
use crate::helpers::{TestApp, TestDb};

/// Issue 17's bar, measured rather than asserted (timings on a shared test
/// machine are not a test): 100,000 members seeded by SQL on SQLite, then
/// each filter's first page and a page deep in the list, with the count,
/// through `service::team::list`, best of five. Run with
/// `cargo nextest run --test api --run-ignored only -E 'test(/team_at_100k/)' --no-capture`.
#[actix_web::test]
#[ignore = "a measurement: seeds 100,000 members"]
async fn team_at_100k_members_on_sqlite() {
    use diesel::connection::SimpleConnection;
    let app = TestApp::spawn(TestDb::create(crate::helpers::DbKind::Sqlite).unwrap()).await;
    workspace(&app, "prod").await;
    workspace(&app, "rare").await;
    let account = app.account.id.to_string();
    let ws = |slug: &str| {
        let mut conn = app.backend().pool.get().unwrap();
        roster::service::access::workspaces::get(&mut conn, app.account.id, slug)
            .unwrap()
            .id
            .to_string()
    };
    let (prod, rare) = (ws("prod"), ws("rare"));
    let started = std::time::Instant::now();
    let mut conn = app.backend().pool.get().unwrap();
    let roster::store::Conn::Sqlite(sqlite) = &mut *conn else {
        panic!("SQLite")
    };
    sqlite
        .batch_execute(&format!(
            "BEGIN;
             WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 99999)
             INSERT INTO users (id, account_id, user_name, user_name_key, display_name,
                 display_name_key, active, document, filter_document, version, created_at,
                 last_modified, provisioned_via)
             SELECT printf('%08x-0000-7000-8000-000000000000', i), '{account}',
                 'user' || i || '@example.com', 'user' || i || '@example.com',
                 'User ' || i, 'user ' || i, i % 10 <> 0,
                 '{{\"userName\":\"user' || i || '@example.com\"}}', '{{}}', 1,
                 datetime('2026-01-01', '+' || (i % 300) || ' days'), '2026-01-01 00:00:00',
                 CASE WHEN i % 100 = 0 THEN 'local' ELSE 'scim' END
             FROM n;
             INSERT INTO member_roles (user_id, account_id, role)
             SELECT id, account_id, CASE WHEN rowid % 1000 = 7 THEN 'admin' ELSE 'member' END
             FROM users WHERE active AND account_id = '{account}';
             INSERT INTO member_workspace_levels (user_id, workspace_id, account_id, level)
             SELECT id, '{prod}', account_id, 'editor' FROM users
             WHERE active AND rowid % 20 = 3 AND account_id = '{account}';
             INSERT INTO member_workspace_levels (user_id, workspace_id, account_id, level)
             SELECT id, '{rare}', account_id, 'viewer' FROM users
             WHERE active AND rowid % 9001 = 12 AND account_id = '{account}';
             INSERT INTO member_logins (user_id, account_id, last_login_at)
             SELECT id, account_id, datetime('2026-12-01', '-' || (rowid % 200) || ' days')
             FROM users WHERE rowid % 3 <> 0 AND account_id = '{account}';
             COMMIT;"
        ))
        .unwrap();
    println!("seeded 100,000 members in {:?}", started.elapsed());
    let deep = roster::access::team::Cursor::after(
        "user50000@example.com".into(),
        "00000000-0000-0000-0000-000000000000".parse().unwrap(),
    )
    .encode();
    let q = |edit: &dyn Fn(&mut TeamQuery)| {
        let mut query = TeamQuery::default();
        edit(&mut query);
        query
    };
    let cases: Vec<(&str, TeamQuery)> = vec![
        ("everyone", q(&|_| {})),
        (
            "everyone, deep cursor",
            q(&|q| q.cursor = Some(deep.clone())),
        ),
        ("everyone, 500 a page", q(&|q| q.page_size = 500)),
        (
            "search 'user4242' (11)",
            q(&|q| q.search = Some("user4242".into())),
        ),
        (
            "search '@example' (all)",
            q(&|q| q.search = Some("@example".into())),
        ),
        ("role admin (90)", q(&|q| q.role = Some("admin".into()))),
        ("role member", q(&|q| q.role = Some("member".into()))),
        (
            "workspace prod (4,500)",
            q(&|q| q.workspace = Some("prod".into())),
        ),
        (
            "workspace rare (10)",
            q(&|q| q.workspace = Some("rare".into())),
        ),
        (
            "inactive (10,000)",
            q(&|q| q.status = Some(Status::Inactive)),
        ),
        ("stale 90 days", q(&|q| q.stale_days = Some(90))),
        (
            "member + prod + stale 30 + active",
            q(&|q| {
                q.role = Some("member".into());
                q.workspace = Some("prod".into());
                q.stale_days = Some(30);
                q.status = Some(Status::Active);
            }),
        ),
        (
            "admin + search 'user1'",
            q(&|q| {
                q.role = Some("admin".into());
                q.search = Some("user1".into());
            }),
        ),
    ];
    for (name, query) in cases {
        let mut best = std::time::Duration::MAX;
        let mut page = None;
        for _ in 0..5 {
            let started = std::time::Instant::now();
            page = Some(team::list(&mut conn, app.account.id, &query).unwrap());
            best = best.min(started.elapsed());
        }
        let page = page.unwrap();
        println!(
            "{name:<40} {:>8.1} ms  total {:>6}  page {:>3}",
            best.as_secs_f64() * 1000.0,
            page.total,
            page.members.len()
        );
    }
    let started = std::time::Instant::now();
    let mut csv = CsvWriter::new(std::io::sink()).unwrap();
    let mut rows = 0;
    for page in team::all_pages(&mut conn, app.account.id, &TeamQuery::default()) {
        for member in page.unwrap() {
            csv.write(&member).unwrap();
            rows += 1;
        }
    }
    println!("CSV of {rows} members in {:?}", started.elapsed());
}
