//! `roster members list` and `roster members grant` (README "Command
//! line"): the team listing and direct grants from a terminal, through the
//! real binary.

use crate::helpers::{TestApp, TestDb};
use crate::team::small_team;

crate::on_both_databases!(the_cli_lists_members_and_grants_local_ones_access);

async fn the_cli_lists_members_and_grants_local_ones_access(db: TestDb) {
    let app = TestApp::spawn(db).await;
    small_team(&app).await;
    let ok = |args: &[&str]| {
        let output = app.cli(args);
        assert!(output.status.success(), "{args:?}: {output:?}");
        crate::helpers::stdout(&output)
    };
    let table = ok(&["members", "list", "--account", "default"]);
    let lines: Vec<&str> = table.lines().collect();
    assert!(lines[0].starts_with("USERNAME"), "{table}");
    assert!(lines[0].contains("LAST LOGIN"), "{table}");
    assert_eq!(lines.len(), 5, "{table}");
    assert!(
        lines[1].starts_with("ada@example.com")
            && lines[1].contains("admin")
            && lines[1].contains("prod=editor"),
        "{table}"
    );
    assert!(lines[3].contains("inactive"), "{table}");
    let json: serde_json::Value = serde_json::from_str(&ok(&[
        "members",
        "list",
        "--account",
        "default",
        "--role",
        "member",
        "--stale-days",
        "0",
        "--json",
    ]))
    .unwrap();
    let names: Vec<&str> = json
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["userName"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["bob@example.com", "Dee0"]);
    assert_eq!(json[1]["provisionedBy"]["via"], "local");
    let csv = ok(&[
        "members",
        "list",
        "--account",
        "default",
        "--status",
        "inactive",
        "--csv",
    ]);
    assert_eq!(csv.lines().count(), 2, "{csv}");
    assert!(
        csv.lines().nth(1).unwrap().contains(",cy@example.com,"),
        "{csv}"
    );

    // Grants, to the local member only.
    let said = ok(&[
        "members",
        "grant",
        "--account",
        "default",
        "dee0",
        "--role",
        "admin",
    ]);
    assert_eq!(said.trim(), "direct grants of Dee0: role admin");
    let said = ok(&[
        "members",
        "grant",
        "--account",
        "default",
        "Dee0",
        "--workspace",
        "prod",
        "--level",
        "viewer",
    ]);
    assert_eq!(
        said.trim(),
        "direct grants of Dee0: role admin, viewer in prod"
    );
    let admins = ok(&[
        "members",
        "list",
        "--account",
        "default",
        "--role",
        "admin",
        "--workspace",
        "prod",
    ]);
    assert!(
        admins.contains("Dee0") && admins.contains("prod=viewer"),
        "{admins}"
    );
    let said = ok(&[
        "members",
        "grant",
        "--account",
        "default",
        "Dee0",
        "--workspace",
        "prod",
        "--level",
        "none",
    ]);
    assert_eq!(said.trim(), "direct grants of Dee0: role admin");
    let said = ok(&[
        "members",
        "grant",
        "--account",
        "default",
        "Dee0",
        "--role",
        "none",
    ]);
    assert_eq!(said.trim(), "direct grants of Dee0: none");
    let show = ok(&["access", "show", "--account", "default", "Dee0"]);
    assert!(show.contains("role: member"), "{show}");

    let refused = |args: &[&str], says: &str| {
        let output = app.cli(args);
        assert_eq!(output.status.code(), Some(1), "{args:?}: {output:?}");
        let error = crate::helpers::stderr(&output);
        assert!(
            error.starts_with("roster: error: ") && error.contains(says),
            "{args:?}: {error}"
        );
        assert!(crate::helpers::stdout(&output).is_empty());
    };
    refused(
        &[
            "members",
            "grant",
            "--account",
            "default",
            "ada@example.com",
            "--role",
            "admin",
        ],
        "provisioned by the identity provider",
    );
    refused(
        &[
            "members",
            "grant",
            "--account",
            "default",
            "Dee0",
            "--role",
            "owner",
        ],
        "role 'owner' is not one of the account's roles (member, admin)",
    );
    refused(
        &[
            "members",
            "grant",
            "--account",
            "default",
            "Dee0",
            "--workspace",
            "nowhere",
            "--level",
            "viewer",
        ],
        "no workspace 'nowhere'",
    );
    refused(
        &[
            "members",
            "grant",
            "--account",
            "default",
            "nobody",
            "--role",
            "admin",
        ],
        "no member 'nobody' in account 'default'",
    );
    refused(
        &["members", "list", "--account", "default", "--role", "owner"],
        "'owner' is not one of the account's roles (member, admin)",
    );
    refused(
        &[
            "members",
            "list",
            "--account",
            "default",
            "--status",
            "gone",
        ],
        "the status is 'active' or 'inactive'",
    );
    refused(
        &[
            "members",
            "list",
            "--account",
            "default",
            "--workspace",
            "nowhere",
        ],
        "no workspace 'nowhere'",
    );
    let usage = app.cli(&["members", "grant", "--account", "default", "Dee0"]);
    assert_eq!(usage.status.code(), Some(2), "{usage:?}");
}
