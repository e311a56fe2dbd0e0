//! Configuration (README "Configuration"): flag > `ROSTER_…` variable >
//! `--config` TOML file > default, errors that name the setting, and
//! `roster config check` with secrets redacted. Runs the real binary.

use std::path::PathBuf;
use std::process::{Command, Output};

use serde_json::Value;

use crate::helpers::{DbKind, TestDb, stderr, stdout};
use crate::server::{Served, port_from_base_line};

/// Runs `roster` with exactly these `ROSTER_…` variables (none inherited).
fn roster(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_roster"));
    for (name, _) in std::env::vars() {
        if name.starts_with("ROSTER_") {
            command.env_remove(name);
        }
    }
    command
        .args(args)
        .envs(env.iter().copied())
        .output()
        .expect("run the roster binary")
}

/// A TOML file in a directory that lives as long as the returned guard.
fn config_file(text: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("roster.toml");
    std::fs::write(&path, text).unwrap();
    (dir, path)
}

/// `roster config check --json`, parsed; asserts success.
fn check(args: &[&str], env: &[(&str, &str)]) -> Value {
    let mut all = vec!["config", "check", "--json"];
    all.extend_from_slice(args);
    let output = roster(&all, env);
    assert!(output.status.success(), "{}", stderr(&output));
    serde_json::from_str(&stdout(&output)).expect("JSON")
}

#[test]
fn flag_beats_variable_beats_file_beats_default() {
    let (_dir, path) = config_file(
        "# Roster settings\n\
         listen = \"0.0.0.0:9000\"\n\
         max_page_size = 50\n\
         pool_size = 5\n\
         workers = \"3\"\n\
         database_url = \"sqlite:///from/file.db\"\n",
    );
    let path = path.to_str().unwrap();
    let env = [
        ("ROSTER_CONFIG", path),
        ("ROSTER_MAX_PAGE_SIZE", "60"),
        ("ROSTER_POOL_SIZE", "6"),
    ];
    let settings = check(&["--pool-size", "7"], &env);
    let expect = |key: &str, value: &str, source: &str| {
        assert_eq!(settings[key]["value"], value, "{key}: {settings}");
        assert_eq!(settings[key]["source"], source, "{key}: {settings}");
    };
    expect("config", path, "env");
    expect("pool_size", "7", "flag");
    expect("max_page_size", "60", "env");
    expect("listen", "0.0.0.0:9000", "file");
    expect("workers", "3", "file");
    expect("database_url", "sqlite:///from/file.db", "file");
    expect("max_body_bytes", "1048576", "default");
    expect("shutdown_timeout", "10s", "default");
    assert_eq!(settings["pool_size"]["from"], "--pool-size");
    assert_eq!(settings["max_page_size"]["from"], "ROSTER_MAX_PAGE_SIZE");
    assert_eq!(settings["listen"]["from"], path);
    assert!(settings["metrics_token"]["value"].is_null());

    // A global flag after the subcommand beats its variable too, and --config
    // beats ROSTER_CONFIG.
    let (_other_dir, other) = config_file("listen = \"127.0.0.1:9001\"\n");
    let settings = check(
        &[
            "--database-url",
            "sqlite://flag.db",
            "--config",
            other.to_str().unwrap(),
        ],
        &[
            ("ROSTER_DATABASE_URL", "sqlite://env.db"),
            ("ROSTER_CONFIG", path),
        ],
    );
    assert_eq!(settings["database_url"]["value"], "sqlite://flag.db");
    assert_eq!(settings["database_url"]["source"], "flag");
    assert_eq!(settings["listen"]["value"], "127.0.0.1:9001");
    assert_eq!(settings["config"]["source"], "flag");

    // The table form says the same, one line per setting.
    let output = roster(&["config", "check", "--pool-size", "7"], &env);
    assert!(output.status.success(), "{}", stderr(&output));
    let table = stdout(&output);
    let line = |key: &str| {
        table
            .lines()
            .find(|line| line.split_whitespace().next() == Some(key))
            .unwrap_or_else(|| panic!("{key} in {table}"))
            .to_owned()
    };
    assert!(line("pool_size").ends_with("flag --pool-size"), "{table}");
    assert!(
        line("max_page_size").ends_with("env ROSTER_MAX_PAGE_SIZE"),
        "{table}"
    );
    assert!(line("listen").ends_with(&format!("file {path}")), "{table}");
    assert!(line("max_body_bytes").ends_with("default"), "{table}");
}

/// `roster serve` itself reads the file under its variables: the page size
/// comes from the variable, the body limit from the file.
#[actix_web::test]
async fn serve_uses_the_file_under_the_variables() {
    let db = TestDb::create(DbKind::Sqlite).unwrap();
    let (_dir, path) = config_file(
        "listen = \"127.0.0.1:0\"\nworkers = 1\nmax_page_size = 7\nmax_body_bytes = 2048\n",
    );
    let served = Served::start_with(
        &db.url,
        &["--config", path.to_str().unwrap()],
        &[("ROSTER_MAX_PAGE_SIZE", "9")],
    );
    let out = served.stdout_until("SCIM base URL:");
    let base = format!(
        "http://127.0.0.1:{}",
        port_from_base_line(out.last().unwrap())
    );
    let client = reqwest::Client::new();
    let spc: Value = client
        .get(format!("{base}/scim/v2/ServiceProviderConfig"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(spc["filter"]["maxResults"], 9, "{spc}");
    let big = client
        .post(format!("{base}/scim/v2/Users"))
        .header("content-type", "application/scim+json")
        .body("x".repeat(3000))
        .send()
        .await
        .unwrap();
    assert_eq!(big.status(), 413, "the file's max_body_bytes applies");
    let (clean, logs, _) = served.terminate();
    assert!(clean, "{logs}");
}

#[test]
fn a_bad_value_is_one_line_naming_the_setting_and_its_source() {
    let (_dir, path) = config_file("max_page_size = 0\n");
    let path = path.to_str().unwrap();
    type Case<'a> = (Vec<&'a str>, Vec<(&'a str, &'a str)>, &'a str);
    let cases: [Case; 3] = [
        (
            vec!["--max-page-size", "0"],
            vec![],
            "(from --max-page-size)",
        ),
        (
            vec![],
            vec![("ROSTER_MAX_PAGE_SIZE", "0")],
            "(from ROSTER_MAX_PAGE_SIZE)",
        ),
        (vec!["--config", path], vec![], path),
    ];
    for (args, env, source) in cases {
        for command in [["config", "check"], ["serve", "--workers"]] {
            let mut all: Vec<&str> = command.to_vec();
            if command[0] == "serve" {
                all.push("1");
            }
            all.extend(&args);
            let output = roster(&all, &env);
            let err = stderr(&output);
            assert_eq!(output.status.code(), Some(1), "{all:?}: {err}");
            assert!(
                err.starts_with("roster: error: invalid max_page_size '0'"),
                "{all:?}: {err}"
            );
            assert!(err.contains(source), "{source} in {err}");
            assert!(err.contains("from 1 to 10000"), "says what is valid: {err}");
            assert_eq!(err.lines().count(), 1, "one line: {err}");
            assert!(stdout(&output).is_empty(), "serve did not start");
        }
    }

    let bad = [
        ("listen = \"8080\"\n", "invalid listen '8080'"),
        ("log_format = \"xml\"\n", "invalid log_format 'xml'"),
        ("shutdown_timeout = \"soon\"\n", "invalid shutdown_timeout"),
        ("database_url = \"mysql://x/y\"\n", "invalid database_url"),
        ("max_pagesize = 10\n", "unknown setting 'max_pagesize'"),
        (
            "listen = [8080]\n",
            "'listen' must be a string or an integer",
        ),
        ("pool_size = 4\nlisten = 127.0.0.1\n", "line 2:"),
    ];
    for (text, expected) in bad {
        let (_dir, path) = config_file(text);
        let output = roster(
            &["--config", path.to_str().unwrap(), "config", "check"],
            &[],
        );
        let err = stderr(&output);
        assert_eq!(output.status.code(), Some(1), "{text}: {err}");
        assert!(err.contains(expected), "{expected:?} in {err}");
        assert_eq!(err.lines().count(), 1, "one line: {err}");
    }

    let missing = roster(&["--config", "/nonexistent/roster.toml", "migrate"], &[]);
    assert_eq!(missing.status.code(), Some(1));
    assert!(
        stderr(&missing).contains("/nonexistent/roster.toml"),
        "{}",
        stderr(&missing)
    );
}

#[test]
fn config_check_redacts_secrets() {
    let password = "hunter2-db-password";
    let token = "metrics-token-0123456789";
    let url = format!("postgres://roster:{password}@db.internal:5432/roster?sslmode=require");
    let (_dir, path) = config_file(&format!("metrics_token = \"{token}\"\n"));
    let env = [
        ("ROSTER_DATABASE_URL", url.as_str()),
        ("ROSTER_CONFIG", path.to_str().unwrap()),
    ];
    let table = roster(&["config", "check"], &env);
    let json = roster(&["config", "check", "--json"], &env);
    for output in [&table, &json] {
        assert!(output.status.success(), "{}", stderr(output));
        let all = format!("{}{}", stdout(output), stderr(output));
        assert!(!all.contains(password), "the password is shown: {all}");
        assert!(!all.contains(token), "the metrics token is shown: {all}");
    }
    let settings: Value = serde_json::from_str(&stdout(&json)).unwrap();
    assert_eq!(
        settings["database_url"]["value"],
        "postgres://roster:***@db.internal:5432/roster?sslmode=require"
    );
    assert_eq!(settings["metrics_token"]["value"], "<redacted>");
    assert_eq!(settings["metrics_token"]["source"], "file");

    // Nor do errors or --help show them.
    let short = roster(
        &["config", "check", "--metrics-token", "short secret"],
        &env,
    );
    assert_eq!(short.status.code(), Some(1));
    assert!(stderr(&short).contains("invalid metrics_token (from --metrics-token)"));
    assert!(
        !stderr(&short).contains("short secret"),
        "{}",
        stderr(&short)
    );
    let help = roster(
        &["serve", "--help"],
        &[
            ("ROSTER_DATABASE_URL", url.as_str()),
            ("ROSTER_METRICS_TOKEN", token),
        ],
    );
    assert!(help.status.success());
    let help = stdout(&help);
    assert!(help.contains("ROSTER_DATABASE_URL") && help.contains("--metrics-token"));
    assert!(!help.contains(password) && !help.contains(token), "{help}");
}

/// Every setting is in the README's configuration table, with its flag and variable.
#[test]
fn the_readme_lists_every_setting() {
    let readme = include_str!("../../README.md");
    for setting in roster::config::settings::ALL
        .iter()
        .chain([&&roster::config::settings::CONFIG])
    {
        let row = readme
            .lines()
            .find(|line| line.starts_with('|') && line.contains(&format!("`{}`", setting.env)))
            .unwrap_or_else(|| panic!("{} has no row in the README", setting.env));
        let keyed = setting.key == "config" || row.contains(&format!("`{}`", setting.key));
        assert!(
            row.contains(&format!("--{}", setting.flag)) && keyed,
            "{row}"
        );
    }
}
