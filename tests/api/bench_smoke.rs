//! `roster-bench` (issue 7, crates/roster-bench), kept from rotting: a small
//! run of the real binary — every scenario against the Roster it starts (this
//! build's `roster`, given with `--server`), on SQLite, and on PostgreSQL
//! through `--postgres` with the test server's URL — must exit 0 and report
//! every scenario with a positive throughput and no error.
//!
//! The bench binary is another package's: cargo builds it into the same
//! directory as `roster` when the test command builds the workspace
//! (`cargo test --workspace`, scripts/test), and the test fails, saying so,
//! when it is not there.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::helpers::{TestDb, stderr, stdout};

crate::on_both_databases!(a_small_run_measures_every_scenario);

const USERS: u64 = 300;

async fn a_small_run_measures_every_scenario(db: TestDb) {
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("bench.json");
    let mut command = Command::new(bench_binary());
    command.arg("--server").arg(env!("CARGO_BIN_EXE_roster"));
    command.args([
        "--users",
        &USERS.to_string(),
        "--groups",
        "12",
        "--group-sizes",
        "5,50,200",
        "--duration",
        "500ms",
        "--warmup",
        "100ms",
        "--samples",
        "30",
        "--no-pin",
        "--json",
    ]);
    command.arg(&json);
    if db.url.starts_with("postgres") {
        // The bench creates and drops a database of its own on that server.
        command.args(["--postgres", &db.url]);
    }
    let output = command.output().expect("run roster-bench");
    assert!(
        output.status.success(),
        "roster-bench failed\nstdout:\n{}\nstderr:\n{}",
        stdout(&output),
        stderr(&output)
    );

    let summary: Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(summary["errors"], 0, "{summary}");
    assert_eq!(summary["failed_checks"], 0, "{summary}");
    let scenarios = summary["scenarios"].as_array().unwrap();
    for number in 1..=7 {
        assert!(
            scenarios.iter().any(|s| s["scenario"] == number),
            "scenario {number} is missing: {summary}"
        );
    }
    for scenario in scenarios {
        assert!(scenario["throughput"].as_f64().unwrap() > 0.0, "{scenario}");
        assert_eq!(scenario["errors"], 0, "{scenario}");
    }
    let list = &summary["list"];
    assert!(list["users_seen"].as_u64().unwrap() >= USERS, "{list}");
    assert_eq!(list["users_seen"], list["total_results"], "{list}");
    let granted = summary["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|check| check["name"] == "rule.level_granted")
        .expect("the rule change was checked");
    assert_eq!(granted["passed"], true, "{granted}");
    assert!(summary["lookup_scaling"]["ratio"].as_f64().unwrap() > 0.0);
    assert!(summary["server_peak_rss_bytes"].as_u64().unwrap() > 1_000_000);
}

/// `roster-bench` beside the `roster` binary cargo built for this test.
fn bench_binary() -> PathBuf {
    let path = Path::new(env!("CARGO_BIN_EXE_roster"))
        .with_file_name(format!("roster-bench{}", std::env::consts::EXE_SUFFIX));
    assert!(
        path.is_file(),
        "{} is not built: run the tests with `cargo test --workspace` (or `cargo build -p roster-bench` first)",
        path.display()
    );
    path
}
