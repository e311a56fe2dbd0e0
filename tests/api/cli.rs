//! The command-line contract (README): exact forms, token printed alone,
//! one-line errors.

use serde_json::Value;

use crate::helpers::{TestApp, TestDb, roster_cli, stderr, stdout};

crate::on_both_databases!(
    accounts_create_prints_the_id_and_list_shows_it,
    issued_token_is_printed_alone_and_works,
    tokens_list_never_shows_tokens,
    revoking_an_unknown_token_fails_cleanly,
    bad_input_gets_one_line_errors,
    migrate_is_idempotent,
    revoking_a_revoked_token_says_when_it_was,
    who_has_an_unknown_role_is_refused,
);

async fn accounts_create_prints_the_id_and_list_shows_it(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let output = app.cli(&["accounts", "create", "acme", "--name", "Acme Corp"]);
    assert!(output.status.success(), "{output:?}");
    let id = stdout(&output);
    let id = id.trim();
    assert!(uuid::Uuid::parse_str(id).is_ok(), "the id alone: {id:?}");

    let list: Value =
        serde_json::from_str(&stdout(&app.cli(&["accounts", "list", "--json"]))).unwrap();
    let acme = list
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["slug"] == "acme")
        .unwrap();
    assert_eq!(acme["id"], id);
    assert_eq!(acme["name"], "Acme Corp");
    let table = stdout(&app.cli(&["accounts", "list"]));
    assert!(table.starts_with("SLUG"), "{table}");
    assert!(
        table.contains("acme") && table.contains("default"),
        "{table}"
    );

    let again = app.cli(&["accounts", "create", "acme"]);
    assert_eq!(again.status.code(), Some(1));
    assert!(
        stderr(&again).contains("exists already"),
        "{}",
        stderr(&again)
    );
}

async fn issued_token_is_printed_alone_and_works(db: TestDb) {
    let app = TestApp::spawn(db).await;
    assert!(app.cli(&["accounts", "create", "acme"]).status.success());
    let output = app.cli(&[
        "tokens",
        "issue",
        "--account",
        "acme",
        "--scope",
        "scim",
        "--label",
        "Okta prod",
        "--expires-in",
        "90d",
    ]);
    assert!(output.status.success(), "{output:?}");
    let printed = stdout(&output);
    assert_eq!(
        printed.lines().count(),
        1,
        "only the token on stdout: {printed:?}"
    );
    let token = printed.trim_end();
    assert_eq!(token.split('.').count(), 3, "a JWT");
    assert!(
        !stderr(&output).contains(token),
        "the token is not repeated on stderr"
    );

    let response = app
        .client
        .get(app.url("/scim/v2/NoSuchEndpoint"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404, "the new token authenticates");

    let list: Value = serde_json::from_str(&stdout(&app.cli(&[
        "tokens",
        "list",
        "--account",
        "acme",
        "--json",
    ])))
    .unwrap();
    let entry = &list[0];
    assert_eq!(entry["label"], "Okta prod");
    assert_eq!(entry["scope"], "scim");
    let expires = chrono::DateTime::parse_from_rfc3339(entry["expires"].as_str().unwrap()).unwrap();
    let days = (expires.to_utc() - chrono::Utc::now()).num_hours() as f64 / 24.0;
    assert!(
        (89.9..=90.1).contains(&days),
        "expires in 90 days, not {days}"
    );
}

async fn tokens_list_never_shows_tokens(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let table = stdout(&app.cli(&["tokens", "list", "--account", "default"]));
    let json = stdout(&app.cli(&["tokens", "list", "--account", "default", "--json"]));
    for output in [&table, &json] {
        assert!(
            !output.contains(&app.scim_token) && !output.contains(&app.admin_token),
            "{output}"
        );
        // Not even the signature part of a token.
        assert!(!output.contains(app.scim_token.rsplit('.').next().unwrap()));
    }
    let header: Vec<&str> = table
        .lines()
        .next()
        .unwrap()
        .split("  ")
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .collect();
    assert_eq!(
        header,
        [
            "ID",
            "LABEL",
            "SCOPE",
            "CREATED",
            "EXPIRES",
            "LAST USED",
            "REVOKED"
        ]
    );
    assert_eq!(
        table.lines().count(),
        3,
        "the two first-start tokens: {table}"
    );
}

async fn revoking_an_unknown_token_fails_cleanly(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let output = app.cli(&["tokens", "revoke", &uuid::Uuid::now_v7().to_string()]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).starts_with("roster: error: no token with id"),
        "{}",
        stderr(&output)
    );
    let output = app.cli(&["tokens", "revoke", "not-an-id"]);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(stderr(&output).lines().count(), 1, "{}", stderr(&output));
}

async fn revoking_a_revoked_token_says_when_it_was(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let id = app
        .issue(roster::model::Scope::Scim, None)
        .record
        .id
        .to_string();
    let first = app.cli(&["tokens", "revoke", &id]);
    assert!(first.status.success(), "{first:?}");
    assert_eq!(stdout(&first).trim(), format!("revoked token {id}"));
    let again = app.cli(&["tokens", "revoke", &id]);
    assert!(again.status.success(), "{again:?}");
    let said = stdout(&again);
    let pattern = regex::Regex::new(&format!(
        r"^token {id} was already revoked on \d{{4}}-\d\d-\d\d \d\d:\d\d:\d\dZ; nothing changed$"
    ))
    .unwrap();
    assert!(pattern.is_match(said.trim()), "{said}");
}

async fn who_has_an_unknown_role_is_refused(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let known = app.cli(&["access", "who", "--account", "default", "--role", "admin"]);
    assert!(known.status.success(), "{known:?}");
    for role in ["admni", "Admin", ""] {
        let typo = app.cli(&["access", "who", "--account", "default", "--role", role]);
        assert_eq!(typo.status.code(), Some(1), "{role}: {typo:?}");
        assert!(stdout(&typo).is_empty(), "no table: {}", stdout(&typo));
        assert_eq!(
            stderr(&typo).trim_end(),
            format!("roster: error: '{role}' is not one of the account's roles (member, admin)")
        );
    }
}

#[test]
fn migrate_on_a_new_file_creates_it_owner_only_and_says_what_it_applied() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("new.db");
    let url = format!("sqlite://{}", path.display());
    let output = roster_cli(&url, &["migrate"]);
    assert!(output.status.success(), "{output:?}");
    let said = stdout(&output);
    let lines: Vec<&str> = said.lines().collect();
    assert_eq!(
        lines[0],
        format!("created the database {url} (owner-only: mode 0600)")
    );
    assert!(
        lines[1].starts_with(&format!("applied 16 migrations to {url}: 2026"))
            && lines[1].ends_with("; it is up to date"),
        "{said}"
    );
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "{mode:o}");
    let again = roster_cli(&url, &["migrate"]);
    assert_eq!(
        stdout(&again).trim(),
        format!("database {url} is up to date: no migration was pending")
    );
}

/// The database holds the signing keys: a new one, and the `-wal` and
/// `-shm` files beside it, are for its owner only; an existing file keeps
/// the mode it has.
#[test]
fn a_new_sqlite_database_and_its_wal_files_are_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("roster.db");
    let url = roster::store::DatabaseUrl::parse(&format!("sqlite://{}", path.display())).unwrap();
    let backend = roster::startup::Backend::open(&url, 2).unwrap();
    let conn = backend.pool.get().unwrap();
    let mode = |suffix: &str| {
        let file = format!("{}{suffix}", path.display());
        std::fs::metadata(&file)
            .unwrap_or_else(|e| panic!("{file}: {e}"))
            .permissions()
            .mode()
            & 0o777
    };
    for suffix in ["", "-wal", "-shm"] {
        assert_eq!(mode(suffix), 0o600, "roster.db{suffix}: {:o}", mode(suffix));
    }
    drop(conn);
    drop(backend);
    let existing = dir.path().join("existing.db");
    std::fs::write(&existing, b"").unwrap();
    std::fs::set_permissions(&existing, std::fs::Permissions::from_mode(0o640)).unwrap();
    let url =
        roster::store::DatabaseUrl::parse(&format!("sqlite://{}", existing.display())).unwrap();
    drop(roster::startup::Backend::open(&url, 1).unwrap());
    let mode = std::fs::metadata(&existing).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o640, "left as it was");
}

async fn bad_input_gets_one_line_errors(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let unknown_account = app.cli(&["tokens", "issue", "--account", "nope", "--scope", "scim"]);
    assert_eq!(unknown_account.status.code(), Some(1));
    assert!(
        stderr(&unknown_account).contains("no account 'nope'"),
        "{}",
        stderr(&unknown_account)
    );
    assert!(stdout(&unknown_account).is_empty());

    let bad_scope = app.cli(&["tokens", "issue", "--account", "default", "--scope", "root"]);
    assert_eq!(bad_scope.status.code(), Some(2), "usage error");
    assert!(
        stderr(&bad_scope).contains("unknown scope 'root'"),
        "{}",
        stderr(&bad_scope)
    );

    let bad_lifetime = app.cli(&[
        "tokens",
        "issue",
        "--account",
        "default",
        "--scope",
        "scim",
        "--expires-in",
        "soon",
    ]);
    assert_eq!(bad_lifetime.status.code(), Some(2));

    // clap's usage errors too: one line, its tip and the usage kept.
    let unknown_flag = app.cli(&["tokens", "list", "--account", "default", "--jsn"]);
    assert_eq!(unknown_flag.status.code(), Some(2));
    let said = stderr(&unknown_flag);
    assert_eq!(said.trim_end().lines().count(), 1, "one line: {said}");
    assert!(
        said.starts_with("roster: error: unexpected argument '--jsn' found; tip: ")
            && said.contains("; usage: roster tokens list"),
        "{said}"
    );
    let missing = app.cli(&["tokens", "issue", "--scope", "scim"]);
    assert_eq!(missing.status.code(), Some(2));
    let said = stderr(&missing);
    assert_eq!(said.trim_end().lines().count(), 1, "one line: {said}");
    assert!(
        said.starts_with(
            "roster: error: the following required arguments were not provided: \
             --account <ACCOUNT>; usage: roster tokens issue --account <ACCOUNT> --scope <SCOPE>"
        ) && said.trim_end().ends_with("; see '--help'"),
        "{said}"
    );

    let bad_slug = app.cli(&["accounts", "create", "Bad Slug"]);
    assert_eq!(bad_slug.status.code(), Some(1));
    assert!(
        stderr(&bad_slug).contains("not a valid slug"),
        "{}",
        stderr(&bad_slug)
    );
}

async fn migrate_is_idempotent(db: TestDb) {
    let app = TestApp::spawn(db).await;
    for _ in 0..2 {
        let output = app.cli(&["migrate"]);
        assert!(output.status.success(), "{output:?}");
        assert!(stdout(&output).contains("up to date"));
    }
}

#[test]
fn wrong_database_urls_are_one_line_errors() {
    let cases = [
        ("mysql://root@localhost/x", "unsupported database scheme"),
        (
            "postgres://nobody@127.0.0.1:1/none",
            "cannot connect to the database",
        ),
        (
            "sqlite:///nonexistent-dir/sub/roster.db",
            "cannot connect to the database",
        ),
    ];
    for (url, expected) in cases {
        let output = roster_cli(url, &["accounts", "list"]);
        assert_eq!(output.status.code(), Some(1), "{url}");
        let err = stderr(&output);
        assert!(
            err.starts_with("roster: error:") && err.contains(expected),
            "{url}: {err}"
        );
        assert!(!err.contains("panicked"), "{err}");
        assert_eq!(err.trim_end().lines().count(), 1, "one line: {err}");
    }
}

#[test]
fn help_tells_a_newcomer_where_to_start() {
    let output = roster_cli("sqlite://unused.db", &["--help"]);
    assert!(output.status.success());
    let help = stdout(&output);
    for word in ["serve", "migrate", "accounts", "tokens", "roster serve"] {
        assert!(help.contains(word), "{word} in {help}");
    }
    let output = roster_cli("sqlite://unused.db", &["tokens", "issue", "--help"]);
    assert!(stdout(&output).contains("--expires-in"));
}
