//! The console's Groups page over HTTP (docs/CONSOLE.md, "Groups"): each
//! group with its externalId, member count and the rules that name it,
//! paged; rules waiting for a group; another account's groups never shown.

use reqwest::Method;
use serde_json::{Value, json};

use crate::console_client::Console;
use crate::helpers::{TestApp, TestDb, admin, cli_token, scim};

crate::on_both_databases!(
    groups_show_members_and_the_rules_that_use_them,
    groups_are_paged,
);

async fn group(app: &TestApp, body: Value) -> String {
    let created = scim(app)
        .ok(Method::POST, "/scim/v2/Groups", Some(body))
        .await;
    created["id"].as_str().unwrap().to_owned()
}

async fn rule(app: &TestApp, body: Value) {
    admin(app)
        .ok(Method::POST, "/api/v1/rules", Some(body))
        .await;
}

/// The table row of the group named `name` on the page.
fn row<'a>(html: &'a str, name: &str) -> &'a str {
    let start = html
        .find(&format!("<td>{name}</td>"))
        .unwrap_or_else(|| panic!("{name} on the page: {html}"));
    let rest = &html[start..];
    &rest[..rest.find("</tr>").unwrap()]
}

async fn groups_show_members_and_the_rules_that_use_them(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let ada = app
        .create_user(&json!({"userName": "ada@example.com"}))
        .await;
    let bob = app
        .create_user(&json!({"userName": "bob@example.com"}))
        .await;
    let members = json!([{"value": ada["id"]}, {"value": bob["id"]}]);
    group(
        &app,
        json!({"displayName": "Engineers", "externalId": "okta-eng", "members": members}),
    )
    .await;
    let support = group(
        &app,
        json!({"displayName": "Support", "members": [{"value": ada["id"]}]}),
    )
    .await;
    group(&app, json!({"displayName": "Empty <b>crew</b>"})).await;
    admin(&app)
        .ok(
            Method::POST,
            "/api/v1/workspaces",
            Some(json!({"slug": "billing"})),
        )
        .await;
    // By displayName in another case, by externalId, by id; one waiting.
    rule(
        &app,
        json!({"match": {"group_name": "ENGINEERS"}, "role": "admin"}),
    )
    .await;
    rule(
        &app,
        json!({"match": {"group_external_id": "okta-eng"}, "workspace": "billing", "level": "editor"}),
    )
    .await;
    rule(
        &app,
        json!({"match": {"group_id": support}, "role": "admin", "workspace": "billing", "level": "viewer"}),
    )
    .await;
    rule(
        &app,
        json!({"match": {"group_name": "Future Team"}, "role": "admin"}),
    )
    .await;
    rule(
        &app,
        json!({"match": {"scim_role": "Owner"}, "role": "admin"}),
    )
    .await;

    // Another account's group is never shown.
    assert!(app.cli(&["accounts", "create", "other"]).status.success());
    let other_scim = cli_token(&app, "other", "scim");
    let created = app
        .client
        .post(app.url("/scim/v2/Groups"))
        .bearer_auth(&other_scim)
        .json(&json!({"displayName": "B Secret Group"}))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);

    let console = Console::open(&app).await;
    let (status, html) = console.get("/console/groups").await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains(r#"aria-current="page">Groups"#));
    assert!(html.contains("3 groups."), "{html}");
    assert!(!html.contains("B Secret Group"));

    let engineers = row(&html, "Engineers");
    assert!(engineers.contains("<code>okta-eng</code>"), "{engineers}");
    assert!(engineers.contains("<td>2</td>"), "two members: {engineers}");
    assert!(
        engineers.contains("role admin") && engineers.contains("by displayName “ENGINEERS”"),
        "{engineers}"
    );
    assert!(
        engineers.contains("level editor in workspace billing")
            && engineers.contains("by externalId “okta-eng”"),
        "{engineers}"
    );
    let support_row = row(&html, "Support");
    assert!(support_row.contains("<td>1</td>"), "{support_row}");
    assert!(
        support_row.contains("role admin and level viewer in workspace billing"),
        "{support_row}"
    );
    assert!(!support_row.contains("ENGINEERS"));
    // Escaped; no members, no rules.
    let empty = row(&html, "Empty &lt;b&gt;crew&lt;/b&gt;");
    assert!(
        empty.contains("<td>0</td>") && empty.contains("none"),
        "{empty}"
    );
    // Sorted by name, case-insensitively.
    let order: Vec<usize> = ["Empty &lt;b&gt;", "Engineers", "Support"]
        .iter()
        .map(|name| html.find(&format!("<td>{name}")).unwrap())
        .collect();
    assert!(order.windows(2).all(|pair| pair[0] < pair[1]), "{order:?}");

    // The rule naming a group that does not exist yet waits; the SCIM role
    // rule names no group.
    let waiting = &html[html.find("Rules waiting for a group").expect(&html)..];
    assert!(
        waiting.contains("by displayName “Future Team”: role admin"),
        "{waiting}"
    );
    assert!(!waiting.contains("Owner") && !waiting.contains("ENGINEERS"));
    // Once the IdP pushes it, it is in use.
    group(&app, json!({"displayName": "future team"})).await;
    let (_, html) = console.get("/console/groups").await;
    assert!(!html.contains("Rules waiting for a group"), "{html}");
    assert!(row(&html, "future team").contains("by displayName “Future Team”"));
}

async fn groups_are_paged(db: TestDb) {
    let app = TestApp::spawn(db).await;
    for index in 0..53 {
        group(&app, json!({"displayName": format!("Team {index:03}")})).await;
    }
    let console = Console::open(&app).await;
    let (status, first) = console.get("/console/groups").await;
    assert_eq!(status, 200);
    assert!(
        first.contains("53 groups.") && first.contains("Page 1 of 2"),
        "{first}"
    );
    assert!(first.contains("Team 049") && !first.contains("Team 050"));
    assert!(first.contains(r#"href="/console/groups?page=2""#));
    let (status, second) = console.get("/console/groups?page=2").await;
    assert_eq!(status, 200);
    assert!(second.contains("Team 050") && second.contains("Team 052"));
    assert!(!second.contains("Team 049") && second.contains("Page 2 of 2"));
    let (status, past) = console.get("/console/groups?page=9").await;
    assert_eq!(status, 200);
    assert!(past.contains("no groups on this page"), "{past}");
    for bad in ["0", "-1", "two", "99999999999999999999"] {
        let (status, html) = console.get(&format!("/console/groups?page={bad}")).await;
        assert_eq!(status, 400, "{bad}: {html}");
        assert!(html.contains("whole number"), "{html}");
    }
}
