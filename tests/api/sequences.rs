//! Per-account sequence numbers: each account's change events and audit
//! entries are numbered 1, 2, 3 … with no gap left by another account's
//! activity (issue 15: a global `seq` let an account count the others'), and
//! a database written with the old global numbering is renumbered by its
//! migration without reordering a feed or moving a webhook's cursor.

use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection, SqliteConnection};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{Api, TestApp, TestDb, cli_token};
use roster::model::{AccountId, EventId};
use roster::store::{self, Conn};

crate::on_both_databases!(
    two_accounts_writing_in_turn_each_count_from_one,
    old_global_numbers_are_renumbered_per_account,
);

const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

/// A 2xx answer's JSON body (`null` when empty), with this token.
async fn call(
    app: &TestApp,
    token: &str,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> Value {
    let api = Api {
        app,
        token: token.to_owned(),
    };
    api.ok(method, path, body).await
}

/// Every `seq` of a feed (`events` or `entries`), read page by page.
async fn seqs(app: &TestApp, admin_token: &str, path: &str, field: &str) -> Vec<i64> {
    let mut seqs = Vec::new();
    let mut after = 0;
    loop {
        let page = call(
            app,
            admin_token,
            Method::GET,
            &format!("{path}?after={after}&limit=7"),
            None,
        )
        .await;
        let items = page[field].as_array().unwrap().clone();
        if items.is_empty() {
            return seqs;
        }
        for item in &items {
            seqs.push(item["seq"].as_i64().unwrap());
        }
        after = *seqs.last().unwrap();
    }
}

async fn two_accounts_writing_in_turn_each_count_from_one(db: TestDb) {
    // Its webhooks point at this machine: internal addresses must be allowed.
    let app = TestApp::spawn_with(db, |config| {
        config.webhook_allow_private_destinations = true
    })
    .await;
    assert!(app.cli(&["accounts", "create", "other"]).status.success());
    let (other_admin, other_scim) = (
        cli_token(&app, "other", "admin"),
        cli_token(&app, "other", "scim"),
    );
    let accounts = [
        (app.admin_token.clone(), app.scim_token.clone()),
        (other_admin, other_scim),
    ];
    // Each step writes to one account, then to the other, so a global
    // counter would leave gaps in both feeds.
    for round in 0..4 {
        for (index, (_, scim_token)) in accounts.iter().enumerate() {
            let user = call(
                &app,
                scim_token,
                Method::POST,
                "/scim/v2/Users",
                Some(json!({"userName": format!("u{round}@{index}.example.com")})),
            )
            .await;
            let id = user["id"].as_str().unwrap();
            call(
                &app,
                scim_token,
                Method::PATCH,
                &format!("/scim/v2/Users/{id}"),
                Some(json!({"schemas": [PATCH_OP],
                    "Operations": [{"op": "replace", "path": "active", "value": false}]})),
            )
            .await;
        }
    }
    // And both at once, which on PostgreSQL runs the accounts' writers concurrently.
    let app_ref = &app;
    let writes = accounts
        .iter()
        .enumerate()
        .flat_map(|(index, (_, scim_token))| {
            (0..5).map(move |n| {
                call(
                    app_ref,
                    scim_token,
                    Method::POST,
                    "/scim/v2/Users",
                    Some(json!({"userName": format!("c{n}@{index}.example.com")})),
                )
            })
        });
    futures_util::future::join_all(writes).await;

    for (admin_token, _) in &accounts {
        let events = seqs(&app, admin_token, "/api/v1/events", "events").await;
        assert!(events.len() > 10, "{events:?}");
        assert_eq!(events, (1..).take(events.len()).collect::<Vec<i64>>());
        let entries = seqs(&app, admin_token, "/api/v1/audit", "entries").await;
        assert!(entries.len() > 10, "{entries:?}");
        assert_eq!(entries, (1..).take(entries.len()).collect::<Vec<i64>>());
    }
    // A webhook starts at the account's own latest event.
    let hook = call(
        &app,
        &accounts[1].0,
        Method::POST,
        "/api/v1/webhooks",
        Some(json!({"url": "http://127.0.0.1:9/hook"})),
    )
    .await;
    let events = seqs(&app, &accounts[1].0, "/api/v1/events", "events").await;
    assert_eq!(
        hook["delivery"]["deliveredSeq"],
        json!(events.len()),
        "{hook}"
    );
}

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// The last migration with global sequence numbers.
const BEFORE: &str = "20261122000008";

/// Applies the migrations one by one up to and including [`BEFORE`].
fn migrate_to_before<C>(conn: &mut C, source: impl Fn() -> EmbeddedMigrations)
where
    C: MigrationHarness<C::Backend> + Connection,
{
    loop {
        let applied = conn.run_next_migration(source()).expect("a migration");
        if applied.to_string() == BEFORE {
            return;
        }
    }
}

const A: &str = "00000000-0000-7000-8000-00000000000a";
const B: &str = "00000000-0000-7000-8000-00000000000b";

/// The ids of [`OLD_ROWS`]' webhooks, and the names the test gives them.
const WEBHOOKS: [(&str, &str); 5] = [
    ("00000000-0000-7000-8000-00000000a000", "wa-none"),
    ("00000000-0000-7000-8000-00000000a002", "wa-two"),
    ("00000000-0000-7000-8000-00000000a008", "wa-gap"),
    ("00000000-0000-7000-8000-00000000b006", "wb-three"),
    ("00000000-0000-7000-8000-00000000b009", "wb-all"),
];

/// The name the test gives an event of [`OLD_ROWS`]: its id's last digits
/// (`…-0000000000a1`: `a1`).
fn event_name(id: EventId) -> String {
    let id = id.to_string();
    id.rsplit('-')
        .next()
        .unwrap()
        .trim_start_matches('0')
        .to_owned()
}

/// Two accounts whose events and audit entries were numbered globally,
/// interleaved (A: 1, 3, 6, 9; B: 2, 4, 5, 7), each with webhooks part way.
const OLD_ROWS: &str = "
INSERT INTO accounts (id, slug, name, created_at) VALUES
    ('00000000-0000-7000-8000-00000000000a', 'a', 'A', '2026-11-01 00:00:00'),
    ('00000000-0000-7000-8000-00000000000b', 'b', 'B', '2026-11-01 00:00:00');
INSERT INTO signing_keys (id, secret, created_at) VALUES ('00000000-0000-7000-8000-0000000000cc', 's', '2026-11-01 00:00:00');
INSERT INTO events (seq, id, account_id, kind, member_id, payload, created_at) VALUES
    (1, '00000000-0000-7000-8000-0000000000a1', '00000000-0000-7000-8000-00000000000a', 'member.created', NULL, '{}', '2026-11-01 00:00:01'),
    (2, '00000000-0000-7000-8000-0000000000b1', '00000000-0000-7000-8000-00000000000b', 'member.created', NULL, '{}', '2026-11-01 00:00:02'),
    (3, '00000000-0000-7000-8000-0000000000a2', '00000000-0000-7000-8000-00000000000a', 'member.created', NULL, '{}', '2026-11-01 00:00:03'),
    (4, '00000000-0000-7000-8000-0000000000b2', '00000000-0000-7000-8000-00000000000b', 'member.created', NULL, '{}', '2026-11-01 00:00:04'),
    (5, '00000000-0000-7000-8000-0000000000b3', '00000000-0000-7000-8000-00000000000b', 'member.created', NULL, '{}', '2026-11-01 00:00:05'),
    (6, '00000000-0000-7000-8000-0000000000a3', '00000000-0000-7000-8000-00000000000a', 'member.created', NULL, '{}', '2026-11-01 00:00:06'),
    (7, '00000000-0000-7000-8000-0000000000b4', '00000000-0000-7000-8000-00000000000b', 'member.created', NULL, '{}', '2026-11-01 00:00:07'),
    (9, '00000000-0000-7000-8000-0000000000a4', '00000000-0000-7000-8000-00000000000a', 'member.created', NULL, '{}', '2026-11-01 00:00:00');
INSERT INTO audit_log (seq, id, account_id, at, actor, resource_type, resource_id, action, changes) VALUES
    (1, 'xa1', '00000000-0000-7000-8000-00000000000a', '2026-11-01 00:00:01', 'cli', 'User', 'u', 'created', '{}'),
    (2, 'xb1', '00000000-0000-7000-8000-00000000000b', '2026-11-01 00:00:02', 'cli', 'User', 'u', 'created', '{}'),
    (3, 'xb2', '00000000-0000-7000-8000-00000000000b', '2026-11-01 00:00:03', 'cli', 'User', 'u', 'created', '{}'),
    (4, 'xa2', '00000000-0000-7000-8000-00000000000a', '2026-11-01 00:00:04', 'cli', 'User', 'u', 'created', '{}'),
    (6, 'xa3', '00000000-0000-7000-8000-00000000000a', '2026-11-01 00:00:00', 'cli', 'User', 'u', 'created', '{}');
INSERT INTO webhooks (id, account_id, url, key_id, created_at, delivered_seq, next_attempt_at) VALUES
    ('00000000-0000-7000-8000-00000000a000', '00000000-0000-7000-8000-00000000000a', 'http://x/', '00000000-0000-7000-8000-0000000000cc', '2026-11-01 00:00:00', 0, '2026-11-01 00:00:00'),
    ('00000000-0000-7000-8000-00000000a002', '00000000-0000-7000-8000-00000000000a', 'http://x/', '00000000-0000-7000-8000-0000000000cc', '2026-11-01 00:00:01', 3, '2026-11-01 00:00:00'),
    ('00000000-0000-7000-8000-00000000a008', '00000000-0000-7000-8000-00000000000a', 'http://x/', '00000000-0000-7000-8000-0000000000cc', '2026-11-01 00:00:02', 8, '2026-11-01 00:00:00'),
    ('00000000-0000-7000-8000-00000000b006', '00000000-0000-7000-8000-00000000000b', 'http://x/', '00000000-0000-7000-8000-0000000000cc', '2026-11-01 00:00:03', 6, '2026-11-01 00:00:00'),
    ('00000000-0000-7000-8000-00000000b009', '00000000-0000-7000-8000-00000000000b', 'http://x/', '00000000-0000-7000-8000-0000000000cc', '2026-11-01 00:00:04', 9, '2026-11-01 00:00:00');
";

async fn old_global_numbers_are_renumbered_per_account(db: TestDb) {
    let mut conn = if db.url.starts_with("postgres") {
        let mut conn = PgConnection::establish(&db.url).unwrap();
        migrate_to_before(&mut conn, || POSTGRES_MIGRATIONS);
        Conn::Postgresql(conn)
    } else {
        let path = db.url.trim_start_matches("sqlite://");
        let mut conn = SqliteConnection::establish(path).unwrap();
        conn.batch_execute("PRAGMA foreign_keys = ON").unwrap();
        migrate_to_before(&mut conn, || SQLITE_MIGRATIONS);
        Conn::Sqlite(conn)
    };
    conn.batch_execute(OLD_ROWS).unwrap();

    let applied = store::migrate(&mut conn).expect("the later migrations");
    assert!(
        applied.iter().any(|version| version == "20261207000009"),
        "{applied:?}"
    );

    let (a, b): (AccountId, AccountId) = (A.parse().unwrap(), B.parse().unwrap());
    let feed = |conn: &mut Conn, account| {
        store::events::feed(conn, account, 0, 100)
            .unwrap()
            .into_iter()
            .map(|event| (event.seq, event_name(event.id)))
            .collect::<Vec<_>>()
    };
    let numbered = |ids: &[&str]| {
        ids.iter()
            .zip(1..)
            .map(|(id, seq)| (seq, (*id).to_owned()))
            .collect::<Vec<_>>()
    };
    // Ordered by the old numbers, not by time (a4 has the earliest time).
    assert_eq!(feed(&mut conn, a), numbered(&["a1", "a2", "a3", "a4"]));
    assert_eq!(feed(&mut conn, b), numbered(&["b1", "b2", "b3", "b4"]));
    // Resuming after a renumbered seq gives the rest.
    let rest: Vec<_> = store::events::feed(&mut conn, b, 2, 100)
        .unwrap()
        .into_iter()
        .map(|event| event_name(event.id))
        .collect();
    assert_eq!(rest, ["b3", "b4"]);

    let audit = |conn: &mut Conn, account| {
        let query = store::audit::AuditQuery {
            limit: 100,
            ..Default::default()
        };
        store::audit::query(conn, account, &query)
            .unwrap()
            .into_iter()
            .map(|entry| (entry.seq, entry.id))
            .collect::<Vec<_>>()
    };
    assert_eq!(audit(&mut conn, a), numbered(&["xa1", "xa2", "xa3"]));
    assert_eq!(audit(&mut conn, b), numbered(&["xb1", "xb2"]));

    // Each cursor now counts the account's events it had delivered.
    let cursors = |conn: &mut Conn, account| {
        let name = |id: String| {
            let (_, name) = WEBHOOKS.iter().find(|(known, _)| *known == id).unwrap();
            (*name).to_owned()
        };
        roster::service::webhooks::list(conn, account)
            .unwrap()
            .into_iter()
            .map(|hook| {
                let id = name(hook.webhook.id.to_string());
                (id, hook.webhook.delivered_seq, hook.backlog)
            })
            .collect::<Vec<_>>()
    };
    let expected = |rows: &[(&str, i64, i64)]| {
        rows.iter()
            .map(|(id, seq, backlog)| ((*id).to_owned(), *seq, *backlog))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        cursors(&mut conn, a),
        expected(&[("wa-none", 0, 4), ("wa-two", 2, 2), ("wa-gap", 3, 1)])
    );
    assert_eq!(
        cursors(&mut conn, b),
        expected(&[("wb-three", 3, 1), ("wb-all", 4, 0)])
    );

    // New rows continue each account's numbering.
    store::events::append(&mut conn, b, "member.created", None, json!({})).unwrap();
    assert_eq!(feed(&mut conn, b).last().unwrap().0, 5);
    assert_eq!(feed(&mut conn, a).last().unwrap().0, 4);
    let origin = roster::audit::Origin::cli();
    let entry = roster::audit::Entry::configuration(
        roster::audit::Resource::Account,
        A.to_owned(),
        roster::audit::Action::Created,
        serde_json::Map::new(),
    );
    store::audit::record_one(&mut conn, a, &origin, entry).unwrap();
    assert_eq!(audit(&mut conn, a).last().unwrap().0, 4);
    assert_eq!(audit(&mut conn, b).last().unwrap().0, 2);
}
