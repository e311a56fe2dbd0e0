//! The docs' examples are run, not just read: every ```sh block of the
//! README and the guides (`GUIDES`) runs in order, in one bash, in a
//! temporary directory, against a fresh Roster (http://127.0.0.1:8080
//! becomes the test server; `$SCIM_TOKEN`, `$ADMIN_TOKEN`, `$ACCESS_TOKEN`
//! are set), and what each block printed must agree with the `# …` comments
//! under it. (A ```console block shows a command that is not run here: the
//! README's install, start, token and test commands, which CI and the tests
//! below exercise, and setups that need a machine of their own;
//! docs/OPERATIONS.md's are run by `operations.rs`.)
//!
//! - a block fails the test when any command in it fails (`set -euo pipefail`);
//! - HTTP statuses: each comment line that starts with a status (`# 201 …`)
//!   must match, in order, the statuses the block's requests got (a plain
//!   `curl -s` gets `-w` added to report it; a block printing its own
//!   `%{http_code}` shows it);
//! - bodies: every `"key":value` pair written out in full in a comment must
//!   appear in what the block printed (fields left out or shown as `…` are
//!   not checked); a comment line without JSON must match an output line,
//!   `…` standing for anything;
//! - `# (no output)` means the block printed nothing.
//!
//! Samples of what the binary prints are checked too: docs/OPERATIONS.md's
//! metrics table against the metric families, reasons and outcomes it
//! exposes, and the README's `roster doctor` sample (and every migration
//! count the docs show) against what `roster doctor` prints.

use std::process::Command;

use regex::Regex;

use crate::helpers::{TestApp, TestDb};

crate::on_both_databases!(readme, okta_guide, entra_guide, mapping_guide, access_guide);

/// The files whose ```sh blocks this test runs; any other file of the
/// README and docs/ with ```sh blocks fails [`every_sh_block_is_run`].
const GUIDES: &[&str] = &[
    "README.md",
    "docs/OKTA.md",
    "docs/ENTRA.md",
    "docs/MAPPING.md",
    "docs/ACCESS.md",
    "docs/OPERATIONS.md",
];

const DOCS_BASE_URL: &str = "http://127.0.0.1:8080";
const STATUS_MARK: &str = "__STATUS__";

/// One ```sh block: its commands and the comments that say what they print.
#[derive(Debug)]
pub struct Block {
    line: usize,
    pub code: String,
    expected: Vec<String>,
}

/// The ```sh blocks of a Markdown text, in order.
pub fn sh_blocks(markdown: &str) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut current: Option<Block> = None;
    for (number, line) in markdown.lines().enumerate() {
        let trimmed = line.trim();
        match (&mut current, trimmed) {
            (None, "```sh") => {
                current = Some(Block {
                    line: number + 1,
                    code: String::new(),
                    expected: Vec::new(),
                });
            }
            (Some(_), "```") => blocks.extend(current.take()),
            (Some(block), _) => {
                if let Some(comment) = trimmed.strip_prefix('#') {
                    block.expected.push(comment.trim().to_owned());
                } else {
                    block.code.push_str(trimmed);
                    block.code.push('\n');
                }
            }
            (None, _) => {}
        }
    }
    blocks
}

/// The block's code, aimed at the test server, with status reporting added
/// to plain `curl -s` requests whose output is not captured.
fn runnable(code: &str, base_url: &str) -> String {
    let code = code.replace(DOCS_BASE_URL, base_url);
    let mut commands = Vec::new();
    let mut command = String::new();
    for line in code.lines() {
        command.push_str(line);
        if let Some(continued) = command.strip_suffix('\\') {
            command = format!("{continued} ");
            continue;
        }
        commands.push(std::mem::take(&mut command));
    }
    commands
        .into_iter()
        .map(|command| {
            let plain = command.starts_with("curl -s ")
                && !command.contains(" -i ")
                && !command.contains(" -o ")
                && !command.contains(" -w ")
                && !command.contains('|')
                && !command.contains("$(");
            if plain {
                command.replacen(
                    "curl -s ",
                    &format!("curl -s -w '\\n{STATUS_MARK}%{{http_code}}\\n' "),
                    1,
                )
            } else {
                command
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The `"key":value` pairs written out in full in an expectation.
fn literal_pairs(text: &str) -> Vec<String> {
    let pair = Regex::new(
        r#""[A-Za-z_$][\w$.:]*":(?:"(?:[^"\\…]|\\.)*"|-?\d+(?:\.\d+)?|true|false|null)"#,
    )
    .expect("a valid regex");
    pair.find_iter(text)
        .map(|found| found.as_str().to_owned())
        .collect()
}

/// `…` stands for anything; the rest must match the whole line.
fn line_pattern(text: &str) -> Regex {
    let parts: Vec<String> = text.split('…').map(regex::escape).collect();
    Regex::new(&format!("^{}$", parts.join(".*"))).expect("a valid regex")
}

/// The status a line starts with (`201`, `200,`, `HTTP/1.1 204 No Content`), if any.
fn status_of(line: &str) -> Option<&str> {
    let line = line.strip_prefix("HTTP/1.1 ").unwrap_or(line);
    let first = line.split_whitespace().next()?;
    let status = first.trim_end_matches([',', ';', ':']);
    (status.len() == 3 && status.bytes().all(|b| b.is_ascii_digit())).then_some(status)
}

/// The status of a `(no output) 201` comment: of a request whose output the
/// block captures, so it is checked only when the block reports statuses.
fn quiet_status(line: &str) -> Option<&str> {
    status_of(line.strip_prefix("(no output)")?.trim())
}

/// Checks one block's output against its comments; the failures, in words.
fn check(block: &Block, output: &str) -> Vec<String> {
    let mut problems = Vec::new();
    let lines: Vec<&str> = output.lines().collect();
    let is_status = |line: &str| {
        line.starts_with(STATUS_MARK) || line.starts_with("HTTP/1.1 ") || line.trim().len() == 3
    };
    let statuses: Vec<&str> = lines
        .iter()
        .filter(|line| is_status(line))
        .filter_map(|line| line.strip_prefix(STATUS_MARK).or_else(|| status_of(line)))
        .collect();
    // With `curl -i`, the headers and the blank line before the body.
    let mut printed = Vec::new();
    let mut in_headers = false;
    for line in &lines {
        if line.starts_with("HTTP/1.1 ") {
            in_headers = true;
        } else if in_headers {
            in_headers = !line.trim().is_empty();
        } else if !is_status(line) && !line.trim().is_empty() {
            printed.push(*line);
        }
    }
    let mut expected_statuses: Vec<&str> =
        block.expected.iter().filter_map(|l| status_of(l)).collect();
    let quiet: Vec<&str> = block
        .expected
        .iter()
        .filter_map(|l| quiet_status(l))
        .collect();
    if !statuses.is_empty() || !expected_statuses.is_empty() {
        expected_statuses.extend(quiet);
    }
    if expected_statuses != statuses {
        problems.push(format!(
            "statuses: the comments say {expected_statuses:?}, the requests got {statuses:?}"
        ));
    }
    let body = printed.join("\n");
    for expectation in &block.expected {
        if expectation.starts_with("(no output)") {
            if !printed.is_empty() {
                problems.push(format!("'(no output)', yet it printed: {body}"));
            }
            continue;
        }
        let status = status_of(expectation);
        let text = match status {
            Some(status) => expectation[status.len()..]
                .trim_start_matches([',', ';', ':'])
                .trim(),
            None => expectation.as_str(),
        };
        if text.contains('{') || text.contains('[') {
            for pair in literal_pairs(text) {
                if !body.contains(&pair) {
                    problems.push(format!("{pair} is not in what it printed: {body}"));
                }
            }
        } else if status.is_none() && !text.is_empty() && !text.starts_with('(') {
            let pattern = line_pattern(text);
            if !printed.iter().any(|line| pattern.is_match(line.trim())) {
                problems.push(format!("no line is '{text}': {body}"));
            }
        }
    }
    problems
}

/// Runs every block of the guide in order against a fresh Roster.
async fn run_guide(db: TestDb, path: &str) {
    // The webhook example's public host is not resolved (no DNS lookup of an
    // outside name from the tests): internal destinations are allowed here.
    let app = TestApp::spawn_with(db, |config| {
        config.webhook_allow_private_destinations = true;
    })
    .await;
    let access = app.issue(roster::model::Scope::Access, None);
    let markdown = std::fs::read_to_string(format!("{}/{path}", env!("CARGO_MANIFEST_DIR")))
        .expect("the guide");
    let blocks = sh_blocks(&markdown);
    assert!(!blocks.is_empty(), "{path} has no sh blocks");
    let mut script = String::from("set -euo pipefail\n");
    for (index, block) in blocks.iter().enumerate() {
        // On a line of its own even after a body without a final newline.
        script.push_str(&format!("printf '\\n__BLOCK__ {index}\\n'\n"));
        script.push_str(&runnable(&block.code, &app.address));
        script.push('\n');
    }
    script.push_str("printf '\\n__BLOCK__ end\\n'\n");
    let app_address = app.address.clone();
    let (scim, admin, access) = (
        app.scim_token.clone(),
        app.admin_token.clone(),
        access.token.expose().to_owned(),
    );
    // bash blocks the thread: the server runs on its own worker threads.
    let workdir = tempfile::tempdir().expect("a temporary directory");
    let cwd = workdir.path().to_owned();
    let output = actix_web::rt::task::spawn_blocking(move || {
        Command::new("bash")
            .current_dir(cwd)
            .arg("-c")
            .arg(script)
            .env("SCIM_TOKEN", scim)
            .env("ADMIN_TOKEN", admin)
            .env("ACCESS_TOKEN", access)
            .env("ROSTER_URL", app_address)
            .output()
            .expect("bash runs")
    })
    .await
    .expect("the script ran");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    let mut outputs: Vec<String> = Vec::new();
    for line in stdout.lines() {
        if line.starts_with("__BLOCK__ ") {
            outputs.push(String::new());
        } else if let Some(current) = outputs.last_mut() {
            current.push_str(line);
            current.push('\n');
        }
    }
    let finished = outputs.len() == blocks.len() + 1;
    let mut problems = Vec::new();
    for (index, block) in blocks.iter().enumerate() {
        let Some(printed) = outputs.get(index) else {
            break;
        };
        let last_started = index + 1 == outputs.len();
        if last_started && !finished {
            problems.push(format!(
                "{path}:{}: the block failed ({}): {printed}{stderr}",
                block.line, output.status
            ));
            break;
        }
        for problem in check(block, printed) {
            problems.push(format!("{path}:{}: {problem}", block.line));
        }
    }
    assert!(finished || !problems.is_empty(), "{stdout}{stderr}");
    assert!(problems.is_empty(), "\n{}", problems.join("\n"));
}

async fn readme(db: TestDb) {
    run_guide(db, "README.md").await;
}

async fn access_guide(db: TestDb) {
    run_guide(db, "docs/ACCESS.md").await;
}

#[test]
fn every_sh_block_is_run() {
    let root = env!("CARGO_MANIFEST_DIR");
    let mut files = vec!["README.md".to_owned()];
    for entry in std::fs::read_dir(format!("{root}/docs")).expect("docs/") {
        let name = entry
            .expect("an entry")
            .file_name()
            .to_string_lossy()
            .into_owned();
        if name.ends_with(".md") {
            files.push(format!("docs/{name}"));
        }
    }
    for file in files {
        let markdown = std::fs::read_to_string(format!("{root}/{file}")).expect("a doc");
        if !sh_blocks(&markdown).is_empty() {
            assert!(
                GUIDES.contains(&file.as_str()),
                "{file} has ```sh blocks that no test runs: add it to GUIDES, or mark blocks that cannot run here ```console"
            );
        }
    }
}

async fn okta_guide(db: TestDb) {
    run_guide(db, "docs/OKTA.md").await;
}

async fn entra_guide(db: TestDb) {
    run_guide(db, "docs/ENTRA.md").await;
}

async fn mapping_guide(db: TestDb) {
    run_guide(db, "docs/MAPPING.md").await;
}

#[test]
fn the_checker_catches_a_wrong_status_a_wrong_value_and_unexpected_output() {
    let block = |expected: &[&str]| Block {
        line: 1,
        code: String::new(),
        expected: expected.iter().map(|line| (*line).to_owned()).collect(),
    };
    let ok = block(&[r#"201 {"slug":"prod","name":"Production","createdAt":"…"}"#]);
    let printed = format!(
        "{{\"id\":\"x\",\"slug\":\"prod\",\"name\":\"Production\",\"createdAt\":\"t\"}}\n{STATUS_MARK}201\n"
    );
    assert!(
        check(&ok, &printed).is_empty(),
        "{:?}",
        check(&ok, &printed)
    );
    assert_eq!(
        check(&ok, &printed.replace("201", "409")).len(),
        1,
        "status"
    );
    assert_eq!(
        check(&ok, &printed.replace("Production", "Prod")).len(),
        1,
        "value"
    );
    let quiet = block(&["(no output) 201"]);
    assert!(check(&quiet, "").is_empty());
    assert_eq!(check(&quiet, "surprise\n").len(), 1);
    let lines = block(&["alice@example.com admin", "… owner"]);
    assert!(check(&lines, "alice@example.com admin\ncarol@example.com owner\n").is_empty());
    assert_eq!(check(&lines, "alice@example.com member\n").len(), 2);
    let code = runnable(
        "curl -s -H 'A: b' http://127.0.0.1:8080/x\nX=$(curl -s http://127.0.0.1:8080/y | jq .)",
        "http://h:1",
    );
    assert!(
        code.starts_with("curl -s -w '\\n__STATUS__%{http_code}\\n' -H 'A: b' http://h:1/x"),
        "{code}"
    );
    assert!(code.ends_with("X=$(curl -s http://h:1/y | jq .)"), "{code}");
}

/// Every reason a refused token is counted under. The match fails to compile
/// when `AuthError` gains a variant, so this list cannot fall behind.
fn every_auth_failure_reason() -> Vec<&'static str> {
    use roster::auth::AuthError;
    use roster::model::Scope;
    let exhaustive = |error: &AuthError| match error {
        AuthError::Missing
        | AuthError::Malformed(_)
        | AuthError::BadSignature
        | AuthError::Expired
        | AuthError::Revoked
        | AuthError::KeyRetired
        | AuthError::Unknown
        | AuthError::WrongScope { .. }
        | AuthError::Store(_) => error.reason(),
    };
    [
        AuthError::Missing,
        AuthError::Malformed("not a JWT"),
        AuthError::BadSignature,
        AuthError::Expired,
        AuthError::Revoked,
        AuthError::KeyRetired,
        AuthError::Unknown,
        AuthError::WrongScope {
            needed: Scope::Scim,
            actual: Scope::Admin,
        },
    ]
    .iter()
    .filter_map(exhaustive)
    .collect()
}

/// The rows of docs/OPERATIONS.md's metrics table: name → (type, labels and
/// description).
fn documented_metrics() -> std::collections::BTreeMap<String, (String, String)> {
    let text =
        std::fs::read_to_string(format!("{}/docs/OPERATIONS.md", env!("CARGO_MANIFEST_DIR")))
            .expect("docs/OPERATIONS.md");
    let row = Regex::new(r"^\| `(roster_[a-z_]+)` \| ([a-z]+)[^|]*\|(.*)$").expect("a valid regex");
    text.lines()
        .filter_map(|line| row.captures(line))
        .map(|found| {
            (
                found[1].to_owned(),
                (found[2].to_owned(), found[3].to_owned()),
            )
        })
        .collect()
}

/// The metric families of a classic-format exposition: name → type.
fn families(exposition: &str) -> std::collections::BTreeMap<String, String> {
    exposition
        .lines()
        .filter_map(|line| line.strip_prefix("# TYPE "))
        .filter_map(|rest| rest.split_once(' '))
        .map(|(name, kind)| (name.to_owned(), kind.to_owned()))
        .collect()
}

/// docs/OPERATIONS.md's metrics table lists exactly the families the binary
/// exposes, with their types, every `reason` of refused tokens and every
/// webhook `outcome`; a live scrape shows nothing the table lacks.
#[actix_web::test]
async fn the_metrics_table_is_what_the_binary_exposes() {
    use roster::metrics::{Format, Metrics, NO_ACCOUNT, PoolUsage, RequestOutcome};
    let documented = documented_metrics();
    let metrics = Metrics::new();
    metrics.observe_request(&RequestOutcome {
        method: "GET",
        route: "/scim/v2/Users",
        status: 200,
        account: NO_ACCOUNT,
        elapsed: std::time::Duration::from_millis(1),
    });
    let reasons = every_auth_failure_reason();
    for reason in &reasons {
        metrics.observe_auth_failure(reason);
    }
    metrics.observe_webhook_delivery(true);
    metrics.observe_webhook_delivery(false);
    metrics.set_webhook_backlog(1);
    let token_outcomes = [
        "issued",
        "invalid_request",
        "invalid_client",
        "invalid_grant",
        "unsupported_grant_type",
        "invalid_scope",
        "rate_limited",
        "unavailable",
    ];
    for outcome in token_outcomes {
        metrics.observe_oauth_token(outcome);
    }
    let pool = PoolUsage {
        connections: 1,
        idle: 1,
        max: 1,
    };
    let exposition = metrics.render(pool, Format::Text);
    let exposed = families(&exposition);
    let table: std::collections::BTreeMap<String, String> = documented
        .iter()
        .map(|(name, (kind, _))| (name.clone(), kind.clone()))
        .collect();
    assert_eq!(
        table, exposed,
        "docs/OPERATIONS.md's metrics table (left) and the binary's families (right)"
    );
    let (_, auth_row) = &documented["roster_auth_failures_total"];
    let listed: Vec<&str> = Regex::new(r"`([a-z_]+)`")
        .expect("a valid regex")
        .captures_iter(auth_row)
        .map(|found| found.get(1).expect("a name").as_str())
        .filter(|name| *name != "reason")
        .collect();
    assert_eq!(listed, reasons, "the reasons of roster_auth_failures_total");
    let help = exposition
        .lines()
        .find(|line| line.starts_with("# HELP roster_auth_failures_total "))
        .expect("its HELP line");
    for reason in &reasons {
        assert!(help.contains(reason), "{reason} in {help}");
    }
    let (_, webhook_row) = &documented["roster_webhook_deliveries_total"];
    for outcome in ["delivered", "failed"] {
        assert!(
            exposition.contains(&format!("outcome=\"{outcome}\"")),
            "{exposition}"
        );
        assert!(
            webhook_row.contains(&format!("`{outcome}`")),
            "{webhook_row}"
        );
    }

    let (_, token_row) = &documented["roster_oauth_token_requests_total"];
    for outcome in token_outcomes {
        assert!(token_row.contains(&format!("`{outcome}`")), "{token_row}");
    }

    // The running server: every family it shows is in the table.
    let db = TestDb::create(crate::helpers::DbKind::Sqlite).expect("a database");
    let app = TestApp::spawn(db).await;
    let scraped = app
        .client
        .get(app.url("/metrics"))
        .send()
        .await
        .expect("a scrape")
        .text()
        .await
        .expect("a body");
    for name in families(&scraped).keys() {
        assert!(documented.contains_key(name), "{name} is not in the table");
    }
}

/// What `roster doctor` prints, run in `dir` with the default settings.
fn doctor_in(dir: &std::path::Path) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_roster"))
        .current_dir(dir)
        .arg("doctor")
        .env_remove("ROSTER_DATABASE_URL")
        .env_remove("ROSTER_CONFIG")
        .env_remove("ROSTER_LOG")
        .output()
        .expect("roster doctor runs");
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// The lines after `$ roster doctor` in the first fenced block that has it.
fn doctor_sample(markdown: &str) -> Vec<String> {
    let mut lines = markdown.lines();
    lines
        .by_ref()
        .find(|line| line.trim() == "$ roster doctor")
        .expect("a '$ roster doctor' sample");
    lines
        .take_while(|line| !line.trim().starts_with("```") && !line.trim().starts_with('$'))
        .map(|line| line.trim().to_owned())
        .collect()
}

/// The README's `roster doctor` sample is what the binary prints on a
/// database one migration behind (the last one's row removed), and every
/// migration count the docs show is the binary's.
#[test]
fn the_doctor_samples_are_what_the_binary_prints() {
    use diesel::{Connection, RunQueryDsl};
    let dir = tempfile::tempdir().expect("a temporary directory");
    let migrated = Command::new(env!("CARGO_BIN_EXE_roster"))
        .current_dir(dir.path())
        .arg("migrate")
        .env_remove("ROSTER_DATABASE_URL")
        .env_remove("ROSTER_CONFIG")
        .output()
        .expect("roster migrate runs");
    assert!(migrated.status.success(), "{migrated:?}");
    let said = String::from_utf8_lossy(&migrated.stdout).into_owned();
    let count: usize = Regex::new(r"applied (\d+) migrations")
        .expect("a valid regex")
        .captures(&said)
        .unwrap_or_else(|| panic!("a count in {said}"))[1]
        .parse()
        .expect("a number");
    let mut conn =
        diesel::SqliteConnection::establish(&format!("{}/roster.db", dir.path().display()))
            .expect("the database");
    diesel::sql_query(
        "DELETE FROM __diesel_schema_migrations \
         WHERE version = (SELECT MAX(version) FROM __diesel_schema_migrations)",
    )
    .execute(&mut conn)
    .expect("one migration undone on paper");
    drop(conn);

    let root = env!("CARGO_MANIFEST_DIR");
    let readme = std::fs::read_to_string(format!("{root}/README.md")).expect("README.md");
    let printed: Vec<String> = doctor_in(dir.path())
        .lines()
        .map(|line| line.trim().to_owned())
        .collect();
    assert_eq!(
        doctor_sample(&readme),
        printed,
        "README.md's roster doctor sample (left) and what roster doctor prints (right)"
    );

    let counts = Regex::new(r"(?:\d+ of (\d+) pending|all (\d+) applied)").expect("a valid regex");
    for file in ["README.md", "docs/OPERATIONS.md"] {
        let text = std::fs::read_to_string(format!("{root}/{file}")).expect("a doc");
        for found in counts.captures_iter(&text) {
            let shown: usize = found
                .get(1)
                .or_else(|| found.get(2))
                .expect("a count")
                .as_str()
                .parse()
                .expect("a number");
            assert_eq!(shown, count, "{file}: '{}'", &found[0]);
        }
    }
}

/// The docs cite what a reader can open: RFC sections ("RFC 7644 §3.12",
/// "RFC 7644 §3.4.1, §3.14") and public pages, never the "§" numbers of a
/// file that is not in the repository.
#[test]
fn the_docs_cite_only_what_a_reader_can_open() {
    let root = env!("CARGO_MANIFEST_DIR");
    let mut files = vec!["README.md".to_owned()];
    for entry in std::fs::read_dir(format!("{root}/docs")).expect("docs/") {
        let name = entry.expect("an entry").file_name();
        let name = name.to_string_lossy();
        if name.ends_with(".md") {
            files.push(format!("docs/{name}"));
        }
    }
    let rfc_sections = Regex::new(r"RFC \d+ §[\d.–-]+(?:, §[\d.–-]+)*").expect("a valid regex");
    for file in files {
        let text = std::fs::read_to_string(format!("{root}/{file}")).expect("a doc");
        for (number, line) in text.lines().enumerate() {
            let at = format!("{file}:{}", number + 1);
            assert!(
                !line.contains("shared/reference") && !line.contains("idp-behaviour"),
                "{at} names a file outside the repository: {line}"
            );
            let rest = rfc_sections.replace_all(line, "");
            assert!(
                !rest.contains('§'),
                "{at}: a '§' that is not an RFC section: {line}"
            );
        }
    }
}

/// The README's sample of what the first start prints (the `export` lines)
/// is what `roster serve` prints on a new database, `…` standing for the
/// rest of each token.
#[actix_web::test]
async fn the_first_start_sample_is_what_roster_serve_prints() {
    let readme = std::fs::read_to_string(format!("{}/README.md", env!("CARGO_MANIFEST_DIR")))
        .expect("README.md");
    let mut lines = readme.lines();
    lines
        .by_ref()
        .find(|line| line.starts_with("On the first start"))
        .expect("the README's first start paragraph");
    lines
        .by_ref()
        .find(|line| line.trim() == "```")
        .expect("its sample");
    let sample: Vec<&str> = lines.take_while(|line| line.trim() != "```").collect();
    assert!(
        sample
            .iter()
            .any(|line| line.starts_with("export SCIM_TOKEN=")),
        "{sample:?}"
    );
    let db = TestDb::create(crate::helpers::DbKind::Sqlite).expect("a database");
    let served = crate::server::Served::start(&db.url);
    let printed = served.stdout_until("SCIM base URL:");
    // Stopped at once, perhaps before its signal handler is in place: how
    // it exits is server.rs's subject, not this test's.
    drop(served.terminate());
    for line in sample {
        let pattern = line_pattern(line.trim());
        assert!(
            printed.iter().any(|out| pattern.is_match(out.trim())),
            "README's '{line}' is not what roster serve printed: {printed:?}"
        );
    }
}
