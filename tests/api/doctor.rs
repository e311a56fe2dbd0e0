//! `roster doctor`: one line per check, ok/FAIL with what to do, exit code 1
//! on failure, and nothing changed (no migration applied, no file created).

use std::process::Output;

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::BigInt;

use crate::helpers::{TestApp, TestDb, roster_cli, stderr, stdout};

crate::on_both_databases!(
    a_served_database_passes,
    pending_and_unknown_migrations_fail_and_stay_as_they_were,
    a_database_without_signing_keys_fails,
);

/// The check lines: (status, check name, detail).
fn check_lines(output: &Output) -> Vec<(String, String, String)> {
    stdout(output)
        .lines()
        .map(|line| {
            let (status, rest) = line.split_once(' ').expect("status first");
            let (check, detail) = rest.trim_start().split_once(": ").expect("check: detail");
            (status.to_owned(), check.to_owned(), detail.to_owned())
        })
        .collect()
}

fn line<'a>(lines: &'a [(String, String, String)], check: &str) -> &'a (String, String, String) {
    lines
        .iter()
        .find(|(_, name, _)| name == check)
        .unwrap_or_else(|| panic!("a {check} line in {lines:?}"))
}

const CHECKS: [&str; 5] = [
    "configuration",
    "database",
    "migrations",
    "signing keys",
    "names",
];

/// How many migrations Roster has (one directory each).
fn migrations() -> i64 {
    let count = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations/sqlite"))
        .unwrap()
        .count();
    i64::try_from(count).unwrap()
}

fn applied_count(app: &TestApp) -> i64 {
    #[derive(QueryableByName)]
    struct Count {
        #[diesel(sql_type = BigInt)]
        n: i64,
    }
    let mut conn = app.backend().pool.get().unwrap();
    diesel::sql_query("SELECT COUNT(*) AS n FROM __diesel_schema_migrations")
        .get_result::<Count>(&mut *conn)
        .unwrap()
        .n
}

async fn a_served_database_passes(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let output = app.cli(&["doctor"]);
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let lines = check_lines(&output);
    let names: Vec<&str> = lines.iter().map(|(_, name, _)| name.as_str()).collect();
    assert_eq!(names, CHECKS);
    assert!(
        lines.iter().all(|(status, _, _)| status == "ok"),
        "{lines:?}"
    );
    assert_eq!(
        line(&lines, "migrations").2,
        format!("all {} applied", migrations())
    );
    assert_eq!(line(&lines, "signing keys").2, "1 active");
    assert!(stderr(&output).is_empty(), "{}", stderr(&output));
}

async fn pending_and_unknown_migrations_fail_and_stay_as_they_were(db: TestDb) {
    let app = TestApp::spawn(db).await;
    app.backend()
        .pool
        .get()
        .unwrap()
        .batch_execute("DELETE FROM __diesel_schema_migrations WHERE version = '20261121000003'")
        .unwrap();

    let output = app.cli(&["doctor"]);
    assert_eq!(output.status.code(), Some(1));
    let lines = check_lines(&output);
    let (status, _, detail) = line(&lines, "migrations");
    assert_eq!(status, "FAIL");
    assert!(
        detail.starts_with(&format!(
            "1 of {} pending: 2026-11-21-000003_groups; apply them with 'roster migrate'",
            migrations()
        )),
        "{detail}"
    );
    assert_eq!(line(&lines, "database").0, "ok");
    assert_eq!(line(&lines, "signing keys").0, "skip");
    assert_eq!(
        stderr(&output).trim_end(),
        "roster: error: 1 of 5 checks failed"
    );
    assert_eq!(
        applied_count(&app),
        migrations() - 1,
        "doctor applied nothing"
    );

    app.backend()
        .pool
        .get()
        .unwrap()
        .batch_execute(
            "INSERT INTO __diesel_schema_migrations (version) VALUES ('20261121000003'), ('20991231000000')",
        )
        .unwrap();
    let output = app.cli(&["doctor"]);
    assert_eq!(output.status.code(), Some(1));
    let lines = check_lines(&output);
    let (status, _, detail) = line(&lines, "migrations");
    assert_eq!(status, "FAIL");
    assert!(
        detail.contains("does not know: 20991231000000") && detail.contains("newer Roster"),
        "{detail}"
    );
    assert_eq!(
        applied_count(&app),
        migrations() + 1,
        "doctor removed nothing"
    );
}

async fn a_database_without_signing_keys_fails(db: TestDb) {
    let app = TestApp::spawn(db).await;
    app.backend()
        .pool
        .get()
        .unwrap()
        .batch_execute("UPDATE signing_keys SET retired_at = created_at")
        .unwrap();
    let output = app.cli(&["doctor"]);
    assert_eq!(output.status.code(), Some(1));
    let lines = check_lines(&output);
    let (status, _, detail) = line(&lines, "signing keys");
    assert_eq!(status, "FAIL");
    assert!(detail.contains("'roster migrate' creates one"), "{detail}");
    assert_eq!(line(&lines, "migrations").0, "ok");

    // What it says to do works.
    assert!(app.cli(&["migrate"]).status.success());
    let output = app.cli(&["doctor"]);
    assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));
}

#[test]
fn bad_configuration_and_unreachable_databases_fail() {
    let output = roster_cli(
        "postgres://nobody@127.0.0.1:1/none",
        &["doctor", "--max-page-size", "0"],
    );
    assert_eq!(output.status.code(), Some(1));
    let found = check_lines(&output);
    let statuses: Vec<&str> = found.iter().map(|(status, _, _)| status.as_str()).collect();
    assert_eq!(
        statuses,
        ["FAIL", "FAIL", "skip", "skip", "skip"],
        "{found:?}"
    );
    let (_, _, detail) = line(&found, "configuration");
    assert!(
        detail.starts_with("invalid max_page_size '0' (from --max-page-size)")
            && detail.contains("roster config check"),
        "{detail}"
    );
    let (_, _, detail) = line(&found, "database");
    assert!(
        detail.contains("cannot connect to the database") && detail.contains("database_url"),
        "{detail}"
    );
    assert_eq!(
        stderr(&output).trim_end(),
        "roster: error: 2 of 5 checks failed"
    );

    // A SQLite file that is not there is reported, not created.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("missing.db");
    let output = roster_cli(&format!("sqlite://{}", path.display()), &["doctor"]);
    assert_eq!(output.status.code(), Some(1));
    let found = check_lines(&output);
    let (status, _, detail) = line(&found, "database");
    assert_eq!(status, "FAIL");
    assert!(
        detail.contains("does not exist yet") && detail.contains("roster migrate"),
        "{detail}"
    );
    assert!(!path.exists(), "doctor created the database file");

    // An empty database: every migration pending, none applied by doctor.
    std::fs::write(&path, b"").unwrap();
    let url = format!("sqlite://{}", path.display());
    let output = roster_cli(&url, &["doctor"]);
    let found = check_lines(&output);
    assert!(
        line(&found, "migrations").2.starts_with(&format!(
            "{0} of {0} pending: 2026-11-21-000001_foundation, ",
            migrations()
        )),
        "{found:?}"
    );
    let output = roster_cli(&url, &["doctor"]);
    assert!(
        line(&check_lines(&output), "migrations")
            .2
            .starts_with(&format!("{0} of {0} pending", migrations())),
        "still nothing applied"
    );
}
