//! The console's Connections page over HTTP (docs/CONSOLE.md,
//! "Connections"; its tokens' changes: `console_tokens.rs`): the page, the
//! network allow-list replaced, webhook endpoints added and deleted — each
//! in the audit log as the console session's; a forged CSRF token changes
//! nothing, another account's token or endpoint is not found, bad input is
//! a page that says what is wrong.

use reqwest::Method;
use serde_json::{Value, json};

use crate::console::browserless;
use crate::console_client::{
    Console, console_entries, scim_status, shown_secret, token_id, tokens,
};
use crate::helpers::{TestApp, TestDb, admin, cli_token};

crate::on_both_databases!(
    the_page_shows_tokens_networks_and_webhooks,
    networks_and_webhooks_are_changed_from_the_page,
    a_forged_csrf_token_changes_nothing,
    another_accounts_tokens_and_endpoints_are_not_found,
    bad_input_is_a_page_in_words,
);
async fn the_page_shows_tokens_networks_and_webhooks(db: TestDb) {
    let app = TestApp::spawn_with(db, crate::webhooks::allow_private).await;
    admin(&app)
        .ok(
            Method::POST,
            "/api/v1/webhooks",
            Some(json!({"url": "http://127.0.0.1:9/events", "description": "Product <events>"})),
        )
        .await;
    admin(&app)
        .ok(
            Method::PUT,
            "/api/v1/network-allow-list",
            Some(json!({"networks": ["127.0.0.0/8", "::1", "198.51.100.0/24"]})),
        )
        .await;
    // An event the endpoint has not acknowledged: its backlog.
    app.create_user(&json!({"userName": "ada@example.com"}))
        .await;
    let console = Console::open(&app).await;
    let (status, html) = console.get("/console/connections").await;
    assert_eq!(status, 200, "{html}");
    assert!(
        html.contains(r#"aria-current="page">Connections"#),
        "{html}"
    );
    for shown in [
        "IdP SCIM token (created on first start)",
        "admin token (created on first start)",
        "opened this console",
        "198.51.100.0/24",
        "http://127.0.0.1:9/events",
        // Escaped, as every value.
        "Product &lt;events&gt;",
        "Backlog",
    ] {
        assert!(html.contains(shown), "{shown}: {html}");
    }
    assert!(html.contains("locks your product out"), "{html}");
    // No token is ever on the page.
    assert!(!html.contains(&app.scim_token) && !html.contains(&app.admin_token));
    // The events of the new member wait for the endpoint.
    let backlog: u32 = html
        .split("Product &lt;events&gt;</td><td>")
        .nth(1)
        .and_then(|rest| rest.split('<').next())
        .and_then(|cell| cell.parse().ok())
        .expect("the backlog cell");
    assert!(backlog > 0, "{html}");
    // Without a session: signed out.
    let anonymous = browserless()
        .get(app.url("/console/connections"))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 401);
}

async fn networks_and_webhooks_are_changed_from_the_page(db: TestDb) {
    let app = TestApp::spawn_with(db, crate::webhooks::allow_private).await;
    let console = Console::open(&app).await;
    let (status, location, _) = console
        .post(
            "/console/connections/networks",
            &[("networks", "127.0.0.1/8\r\n::1, 203.0.113.7\n\n")],
        )
        .await;
    assert_eq!(
        (status, location.as_str()),
        (303, "/console/connections?done=networks")
    );
    let stored = admin(&app)
        .ok(Method::GET, "/api/v1/network-allow-list", None)
        .await;
    assert_eq!(
        stored["networks"],
        json!(["127.0.0.0/8", "203.0.113.7/32", "::1/128"])
    );
    let (_, page) = console.get(&location).await;
    assert!(page.contains("allow-list is saved") && page.contains("203.0.113.7/32"));
    // Emptied: any network.
    let (status, _, _) = console
        .post("/console/connections/networks", &[("networks", "")])
        .await;
    assert_eq!(status, 303);
    let (_, page) = console.get("/console/connections").await;
    assert!(page.contains("any network"), "{page}");
    assert_eq!(console_entries(&app, "Account").await.len(), 2);

    // A webhook endpoint: added (its secret shown once), then deleted.
    let (status, _, html) = console
        .post(
            "/console/connections/webhooks",
            &[
                ("url", "http://127.0.0.1:9/hook"),
                ("description", "CRM sync"),
            ],
        )
        .await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("will not be shown again"));
    let secret = shown_secret(&html);
    assert!(!secret.is_empty());
    let listed = admin(&app).ok(Method::GET, "/api/v1/webhooks", None).await;
    let id = listed["webhooks"][0]["id"].as_str().unwrap().to_owned();
    let (_, page) = console.get("/console/connections").await;
    assert!(page.contains("CRM sync") && !page.contains(&secret));
    let delete = format!("/console/connections/webhooks/{id}/delete");
    let (status, confirm) = console.get(&delete).await;
    assert_eq!(status, 200);
    assert!(
        confirm.contains("http://127.0.0.1:9/hook") && confirm.contains("no more events"),
        "{confirm}"
    );
    let (status, location, _) = console.post(&delete, &[]).await;
    assert_eq!(
        (status, location.as_str()),
        (303, "/console/connections?done=webhook-deleted")
    );
    let listed = admin(&app).ok(Method::GET, "/api/v1/webhooks", None).await;
    assert_eq!(listed["webhooks"], json!([]));
    let entries = console_entries(&app, "Webhook").await;
    let actions: Vec<&str> = entries
        .iter()
        .map(|entry| entry["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions.len(), 2, "{entries:?}");
    assert!(actions.contains(&"created") && actions.contains(&"deleted"));
    assert!(!Value::Array(entries).to_string().contains(&secret));
}

async fn a_forged_csrf_token_changes_nothing(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let console = Console::open(&app).await;
    let id = token_id(&app, "IdP SCIM token (created on first start)");
    let before = tokens(&app, "default").len();
    for (path, fields) in [
        (
            "/console/connections/tokens".to_owned(),
            vec![("scope", "admin")],
        ),
        (format!("/console/connections/tokens/{id}/revoke"), vec![]),
        (
            format!("/console/connections/tokens/{id}/rotate"),
            vec![("old", "revoke")],
        ),
        (
            "/console/connections/networks".to_owned(),
            vec![("networks", "10.0.0.0/8")],
        ),
        (
            "/console/connections/webhooks".to_owned(),
            vec![("url", "http://127.0.0.1:9/x")],
        ),
    ] {
        let (status, _, html) = console.post_with_csrf(&path, &fields, "forged").await;
        assert_eq!(status, 403, "{path}: {html}");
    }
    assert_eq!(tokens(&app, "default").len(), before);
    assert_eq!(scim_status(&app, &app.scim_token).await, 200);
    let networks = admin(&app)
        .ok(Method::GET, "/api/v1/network-allow-list", None)
        .await;
    assert_eq!(networks["networks"], json!([]));
    let webhooks = admin(&app).ok(Method::GET, "/api/v1/webhooks", None).await;
    assert_eq!(webhooks["webhooks"], json!([]));
}

async fn another_accounts_tokens_and_endpoints_are_not_found(db: TestDb) {
    let app = TestApp::spawn_with(db, crate::webhooks::allow_private).await;
    assert!(app.cli(&["accounts", "create", "other"]).status.success());
    let other_admin = cli_token(&app, "other", "admin");
    let other_scim = cli_token(&app, "other", "scim");
    let hook = app
        .client
        .post(app.url("/api/v1/webhooks"))
        .bearer_auth(&other_admin)
        .json(&json!({"url": "http://127.0.0.1:9/b-secret-hook"}))
        .send()
        .await
        .unwrap();
    assert_eq!(hook.status(), 201);
    let hook: Value = hook.json().await.unwrap();
    let hook = hook["id"].as_str().unwrap().to_owned();
    let other_tokens = tokens(&app, "other");
    let theirs = other_tokens
        .iter()
        .find(|token| token["scope"] == "scim")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();

    let console = Console::open(&app).await;
    let (_, page) = console.get("/console/connections").await;
    assert!(!page.contains("b-secret-hook") && !page.contains(&theirs));
    for path in [
        format!("/console/connections/tokens/{theirs}/revoke"),
        format!("/console/connections/tokens/{theirs}/rotate"),
        format!("/console/connections/webhooks/{hook}/delete"),
        "/console/connections/tokens/not-an-id/revoke".to_owned(),
        format!(
            "/console/connections/tokens/{}/revoke",
            theirs.to_uppercase()
        ),
        "/console/connections/webhooks/not-an-id/delete".to_owned(),
    ] {
        let (status, html) = console.get(&path).await;
        assert_eq!(status, 404, "GET {path}: {html}");
        assert!(!html.contains("b-secret-hook"));
        let fields: &[(&str, &str)] = if path.ends_with("rotate") {
            &[("old", "revoke")]
        } else {
            &[]
        };
        let (status, _, html) = console.post(&path, fields).await;
        assert_eq!(status, 404, "POST {path}: {html}");
    }
    // B is unchanged.
    assert_eq!(scim_status(&app, &other_scim).await, 200);
    assert_eq!(tokens(&app, "other").len(), other_tokens.len());
    let hooks = app
        .client
        .get(app.url("/api/v1/webhooks"))
        .bearer_auth(&other_admin)
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap();
    assert_eq!(hooks["webhooks"].as_array().unwrap().len(), 1);

    // B's own session sees B's and not A's.
    let theirs_console = Console::open_with(&app, &other_admin).await;
    let (_, page) = theirs_console.get("/console/connections").await;
    assert!(page.contains("b-secret-hook"));
    let ours = token_id(&app, "IdP SCIM token (created on first start)");
    let (status, _) = theirs_console
        .get(&format!("/console/connections/tokens/{ours}/revoke"))
        .await;
    assert_eq!(status, 404);
}

async fn bad_input_is_a_page_in_words(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let console = Console::open(&app).await;
    let id = token_id(&app, "IdP SCIM token (created on first start)");
    let long_label = "x".repeat(201);
    let long_entry = "1".repeat(5000);
    // The form's path, its fields, and words the page must say.
    type Case<'a> = (String, Vec<(&'a str, &'a str)>, &'a str);
    let cases: Vec<Case> = vec![
        (
            "/console/connections/tokens".into(),
            vec![("scope", "root")],
            "scope",
        ),
        ("/console/connections/tokens".into(), vec![], "scope"),
        (
            "/console/connections/tokens".into(),
            vec![("scope", "scim"), ("expires_in_days", "0")],
            "1 to 3650 days",
        ),
        (
            "/console/connections/tokens".into(),
            vec![("scope", "scim"), ("expires_in_days", "soon")],
            "1 to 3650 days",
        ),
        (
            "/console/connections/tokens".into(),
            vec![("scope", "scim"), ("label", &long_label)],
            "at most 200 bytes",
        ),
        (
            "/console/connections/networks".into(),
            vec![("networks", "10.0.0.0/8\nexample.com")],
            "not a CIDR block",
        ),
        (
            "/console/connections/networks".into(),
            vec![("networks", &long_entry)],
            "entry 1 of the list",
        ),
        (
            "/console/connections/webhooks".into(),
            vec![("url", "ftp://example.com/x")],
            "url",
        ),
        (
            format!("/console/connections/tokens/{id}/rotate"),
            vec![("old", "maybe")],
            "keep",
        ),
    ];
    for (path, fields, words) in cases {
        let (status, _, html) = console.post(&path, &fields).await;
        assert_eq!(status, 400, "{path} {fields:?}: {html}");
        assert!(html.contains(words), "{path} {fields:?}: {html}");
        assert!(html.contains("<!DOCTYPE html>"), "a page, not JSON: {html}");
        assert!(!html.contains(&long_entry[..100]), "not echoed");
    }
    // Nothing changed.
    assert_eq!(tokens(&app, "default").len(), 2);
    assert_eq!(scim_status(&app, &app.scim_token).await, 200);
}
