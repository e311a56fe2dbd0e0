//! docs/OPERATIONS.md's backup and restore commands, run as written, with
//! the test's database and a temporary backup directory in place of
//! `/var/lib/roster/roster.db`, `/var/backups/roster` and the `roster`
//! databases: a backup taken while Roster serves, restored, brings back
//! exactly what was there when it was taken.

use std::process::Command;

use diesel::{Connection, PgConnection, RunQueryDsl, connection::SimpleConnection};
use reqwest::Method;
use serde_json::{Value, json};

use crate::docs_examples::sh_blocks;
use crate::helpers::{TestApp, TestDb, scim};

crate::on_both_databases!(backups_restore_what_was_written);

/// Runs the blocks as one bash script; panics with its output when it fails.
fn run(blocks: &[String], substitutions: &[(String, String)]) {
    let mut script = String::from("set -euo pipefail\n");
    for block in blocks {
        let mut code = block.clone();
        for (from, to) in substitutions {
            code = code.replace(from.as_str(), to.as_str());
        }
        script.push_str(&code);
    }
    let output = Command::new("bash")
        .arg("-c")
        .arg(&script)
        .output()
        .expect("bash runs");
    assert!(
        output.status.success(),
        "{script}\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

async fn user_names(app: &TestApp) -> Vec<String> {
    let list = scim(app)
        .ok(Method::GET, "/scim/v2/Users?sortBy=userName", None)
        .await;
    list["Resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|user| user["userName"].as_str().unwrap().to_owned())
        .collect()
}

async fn backups_restore_what_was_written(db: TestDb) {
    let markdown =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/OPERATIONS.md"))
            .expect("docs/OPERATIONS.md");
    let blocks: Vec<String> = sh_blocks(&markdown)
        .into_iter()
        .map(|block| block.code)
        .collect();
    let with = |word: &str| -> Vec<String> {
        blocks
            .iter()
            .filter(|code| code.contains(word))
            .cloned()
            .collect()
    };
    let backups = tempfile::tempdir().unwrap();
    let backups_dir = backups.path().display().to_string();
    let sqlite_file = db.url.strip_prefix("sqlite://").map(str::to_owned);
    let mut app = TestApp::spawn(db).await;
    app.create_user(&json!({"userName": "kept@example.com"}))
        .await;

    match sqlite_file {
        Some(file) => {
            let substitutions = vec![
                ("/var/lib/roster/roster.db".to_owned(), file),
                ("/var/backups/roster".to_owned(), backups_dir.clone()),
            ];
            // `.backup` and `VACUUM INTO` while Roster serves.
            run(&with("sqlite3"), &substitutions);
            let copies = std::fs::read_dir(&backups_dir).unwrap().count();
            assert_eq!(copies, 2, "a backup and a vacuumed copy");
            app.create_user(&json!({"userName": "later@example.com"}))
                .await;
            assert_eq!(
                user_names(&app).await,
                ["kept@example.com", "later@example.com"]
            );
            // Stopped, the copy put in place, started again.
            app.restart_with(|| run(&with("install -m 0600"), &substitutions))
                .await;
        }
        None => {
            let url = app.db.url.clone();
            let (base, name) = url.rsplit_once('/').unwrap();
            let restored_name = format!("{name}_restored");
            let restored_url = format!("{base}/{restored_name}");
            let substitutions = vec![
                ("/var/backups/roster".to_owned(), backups_dir.clone()),
                ("roster_restored".to_owned(), restored_name.clone()),
                (
                    "postgres://postgres@127.0.0.1:5432/roster\n".to_owned(),
                    format!("{url}\n"),
                ),
            ];
            run(&with("pg_dump"), &substitutions);
            app.create_user(&json!({"userName": "later@example.com"}))
                .await;
            run(&with("pg_restore"), &substitutions);
            // The restored database holds what the dump saw.
            let mut restored =
                PgConnection::establish(&restored_url).expect("the restored database");
            #[derive(diesel::QueryableByName)]
            struct Name {
                #[diesel(sql_type = diesel::sql_types::Text)]
                user_name: String,
            }
            let names: Vec<String> =
                diesel::sql_query("SELECT user_name FROM users ORDER BY user_name")
                    .load::<Name>(&mut restored)
                    .unwrap()
                    .into_iter()
                    .map(|row| row.user_name)
                    .collect();
            assert_eq!(names, ["kept@example.com"]);
            drop(restored);
            // Point Roster at the restored database.
            let admin_url = format!("{base}/postgres");
            let mut admin = PgConnection::establish(&admin_url).unwrap();
            app.restart_with(|| {
                for statement in [
                    format!("DROP DATABASE {name} WITH (FORCE)"),
                    format!("ALTER DATABASE {restored_name} RENAME TO {name}"),
                ] {
                    admin
                        .batch_execute(&statement)
                        .expect("swap in the restored database");
                }
            })
            .await;
        }
    }
    assert_eq!(
        user_names(&app).await,
        ["kept@example.com"],
        "as at the backup"
    );
    let response: Value = scim(&app)
        .ok(
            Method::POST,
            "/scim/v2/Users",
            Some(json!({"userName": "after@example.com"})),
        )
        .await;
    assert_eq!(
        response["userName"], "after@example.com",
        "the restored database takes writes"
    );
}
