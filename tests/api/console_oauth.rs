//! OAuth clients on the console's Connections page over HTTP (docs/CONSOLE.md,
//! "OAuth clients"): a client created with its secret shown once (and the
//! token endpoint and SCIM URL), a secret added, one revoked and the client
//! deleted after their confirmations — each in the audit log as the console
//! session's, and each secret on one page only; another account's clients
//! are not found, a forged CSRF token and bad input change nothing.
//! Federated clients: console_oauth_federated.rs.

use reqwest::Method;
use serde_json::{Value, json};

use crate::console_client::{Console, console_entries, scim_status, shown_secret};
use crate::helpers::{Api, TestApp, TestDb, admin, cli_token};
use crate::oauth::{Credentials, access_token, create_client, token_basic};

crate::on_both_databases!(
    a_client_is_created_given_a_secret_revoked_and_deleted,
    another_accounts_clients_are_not_found,
    a_forged_csrf_token_changes_no_client,
    bad_client_input_is_a_page_in_words,
);

/// The text of `<code id="{id}">` on a page.
pub fn code(html: &str, id: &str) -> String {
    let start = html
        .find(&format!(r#"id="{id}""#))
        .unwrap_or_else(|| panic!("{id}: {html}"));
    let after = &html[start..];
    after[after.find('>').unwrap() + 1..after.find("</code>").unwrap()].to_owned()
}

/// The account's clients through `/api/v1`.
pub async fn clients(app: &TestApp) -> Vec<Value> {
    let listed = admin(app)
        .ok(Method::GET, "/api/v1/oauth-clients", None)
        .await;
    listed["clients"].as_array().unwrap().clone()
}

async fn a_client_is_created_given_a_secret_revoked_and_deleted(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let console = Console::open(&app).await;
    let (_, page) = console.get("/console/connections").await;
    assert!(page.contains("This account has no OAuth client."), "{page}");
    let (status, _, html) = console
        .post(
            "/console/connections/oauth-clients",
            &[
                ("scope", "scim"),
                ("label", "Entra production"),
                ("expires_in_days", "90"),
            ],
        )
        .await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("will not be shown again") && html.contains(r#"data-copy="secret""#));
    assert_eq!(code(&html, "token-endpoint"), app.url("/oauth/token"));
    assert_eq!(code(&html, "scim-endpoint"), app.url("/scim/v2"));
    let first = Credentials {
        id: code(&html, "client-id"),
        secret: shown_secret(&html),
    };
    let first_token = access_token(token_basic(&app, &first).await).await;
    assert_eq!(scim_status(&app, &first_token).await, 200);
    let listed = clients(&app).await;
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["id"], first.id.as_str());
    assert_eq!(listed[0]["label"], "Entra production");
    let first_secret = listed[0]["secrets"][0]["id"].as_str().unwrap().to_owned();
    // Listed with its secret's id, never the secret.
    let (_, page) = console.get("/console/connections").await;
    for shown in [
        "Entra production",
        &first.id,
        &first_secret,
        "client secret",
    ] {
        assert!(page.contains(shown), "{shown}: {page}");
    }
    assert!(!page.contains(&first.secret));

    // A second secret: shown once; both work.
    let (status, _, html) = console
        .post(
            &format!("/console/connections/oauth-clients/{}/secrets", first.id),
            &[("expires_in_days", "30")],
        )
        .await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("Secret added") && html.contains("will not be shown again"));
    let second = Credentials {
        id: first.id.clone(),
        secret: shown_secret(&html),
    };
    assert_ne!(second.secret, first.secret);
    assert!(!html.contains(&first.secret));
    let second_token = access_token(token_basic(&app, &second).await).await;
    assert_eq!(token_basic(&app, &first).await.status(), 200);

    // Revoking the first secret asks, then refuses it and its tokens.
    let revoke = format!(
        "/console/connections/oauth-clients/{}/secrets/{first_secret}/revoke",
        first.id
    );
    let (status, confirm) = console.get(&revoke).await;
    assert_eq!(status, 200);
    assert!(
        confirm.contains("Revoke this secret?")
            && confirm.contains("Entra production")
            && confirm.contains("identity provider's SCIM provisioning")
            && confirm.contains(&format!(r#"action="{revoke}""#)),
        "{confirm}"
    );
    let (status, location, _) = console.post(&revoke, &[]).await;
    assert_eq!(
        (status, location.as_str()),
        (303, "/console/connections?done=secret-revoked")
    );
    assert_eq!(token_basic(&app, &first).await.status(), 401);
    assert_eq!(scim_status(&app, &first_token).await, 401);
    assert_eq!(scim_status(&app, &second_token).await, 200);
    let (_, page) = console.get(&location).await;
    assert!(page.contains("The secret is revoked") && page.contains("revoked"));
    // Neither secret is on any page but the one that made it.
    for html in [&page, &confirm] {
        assert!(!html.contains(&first.secret) && !html.contains(&second.secret));
    }
    // Again: nothing changes, and the page says so.
    let (status, location, _) = console.post(&revoke, &[]).await;
    assert_eq!(
        (status, location.as_str()),
        (303, "/console/connections?done=secret-already-revoked")
    );

    // Deleting asks, then ends the client and every token it got.
    let delete = format!("/console/connections/oauth-clients/{}/delete", first.id);
    let (status, confirm) = console.get(&delete).await;
    assert_eq!(status, 200);
    assert!(
        confirm.contains("Delete this OAuth client?") && confirm.contains(&first.id),
        "{confirm}"
    );
    let (status, location, _) = console.post(&delete, &[]).await;
    assert_eq!(
        (status, location.as_str()),
        (303, "/console/connections?done=client-deleted")
    );
    assert_eq!(scim_status(&app, &second_token).await, 401);
    assert_eq!(token_basic(&app, &second).await.status(), 401);
    assert_eq!(clients(&app).await, Vec::<Value>::new());
    let (_, page) = console.get(&location).await;
    assert!(page.contains("The OAuth client is deleted") && !page.contains(&first.id));

    // Each change is the console session's in the audit log, no secret in it.
    let actions = |entries: &[Value]| -> Vec<String> {
        entries
            .iter()
            .map(|entry| entry["action"].as_str().unwrap().to_owned())
            .collect()
    };
    let made = console_entries(&app, "OAuthClient").await;
    let mut made_actions = actions(&made);
    made_actions.sort();
    assert_eq!(made_actions, ["created", "deleted"], "{made:?}");
    let secrets = console_entries(&app, "OAuthClientSecret").await;
    let mut secret_actions = actions(&secrets);
    secret_actions.sort();
    assert_eq!(secret_actions, ["created", "created", "revoked"]);
    let log = Value::Array([made, secrets].concat()).to_string();
    assert!(!log.contains(&first.secret) && !log.contains(&second.secret));
}

async fn another_accounts_clients_are_not_found(db: TestDb) {
    let app = TestApp::spawn(db).await;
    assert!(app.cli(&["accounts", "create", "other"]).status.success());
    let other_admin = cli_token(&app, "other", "admin");
    let other = Api {
        app: &app,
        token: other_admin.clone(),
    };
    let created = (other.ok(
        Method::POST,
        "/api/v1/oauth-clients",
        Some(json!({"label": "their-entra"})),
    ))
    .await;
    let theirs = Credentials {
        id: created["client"]["id"].as_str().unwrap().to_owned(),
        secret: created["clientSecret"].as_str().unwrap().to_owned(),
    };
    let their_secret = created["client"]["secrets"][0]["id"].as_str().unwrap();
    let ours = create_client(&app, &["--label", "ours"]);
    let our_secret = clients(&app).await[0]["secrets"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();

    let console = Console::open(&app).await;
    let (_, page) = console.get("/console/connections").await;
    assert!(page.contains("ours") && !page.contains("their-entra") && !page.contains(&theirs.id));
    let base = "/console/connections/oauth-clients";
    for (path, confirmation) in [
        (format!("{base}/{}/delete", theirs.id), true),
        (
            format!("{base}/{}/secrets/{their_secret}/revoke", theirs.id),
            true,
        ),
        // Our client with their secret, their client with ours.
        (
            format!("{base}/{}/secrets/{their_secret}/revoke", ours.id),
            true,
        ),
        (
            format!("{base}/{}/secrets/{our_secret}/revoke", theirs.id),
            true,
        ),
        (format!("{base}/{}/delete", theirs.id.to_uppercase()), true),
        (format!("{base}/not-an-id/delete"), true),
        (format!("{base}/{}/secrets/not-an-id/revoke", ours.id), true),
        (format!("{base}/{}/secrets", theirs.id), false),
    ] {
        if confirmation {
            let (status, html) = console.get(&path).await;
            assert_eq!(status, 404, "GET {path}: {html}");
            assert!(!html.contains("their-entra"));
        }
        let (status, _, html) = console.post(&path, &[("expires_in_days", "30")]).await;
        assert_eq!(status, 404, "POST {path}: {html}");
        assert!(!html.contains("will not be shown again"));
    }
    // Theirs is unchanged: one secret, which works.
    let listed = other.ok(Method::GET, "/api/v1/oauth-clients", None).await;
    assert_eq!(listed["clients"][0]["secrets"].as_array().unwrap().len(), 1);
    assert_eq!(listed["clients"][0]["secrets"][0]["revokedAt"], Value::Null);
    assert_eq!(token_basic(&app, &theirs).await.status(), 200);
    assert_eq!(token_basic(&app, &ours).await.status(), 200);
    // Their own session sees theirs and not ours.
    let their_console = Console::open_with(&app, &other_admin).await;
    let (_, page) = their_console.get("/console/connections").await;
    assert!(page.contains("their-entra") && !page.contains(&ours.id));
}

async fn a_forged_csrf_token_changes_no_client(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let client = create_client(&app, &["--label", "kept"]);
    let secret = clients(&app).await[0]["secrets"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let console = Console::open(&app).await;
    let base = "/console/connections/oauth-clients";
    for (path, fields) in [
        (
            base.to_owned(),
            vec![("scope", "admin"), ("expires_in_days", "30")],
        ),
        (
            format!("{base}/{}/secrets", client.id),
            vec![("expires_in_days", "30")],
        ),
        (
            format!("{base}/{}/secrets/{secret}/revoke", client.id),
            vec![],
        ),
        (format!("{base}/{}/delete", client.id), vec![]),
    ] {
        let (status, _, html) = console.post_with_csrf(&path, &fields, "forged").await;
        assert_eq!(status, 403, "{path}: {html}");
        assert!(!html.contains("will not be shown again"));
    }
    let listed = clients(&app).await;
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["secrets"].as_array().unwrap().len(), 1);
    assert_eq!(token_basic(&app, &client).await.status(), 200);
    assert!(console_entries(&app, "OAuthClient").await.is_empty());
}

async fn bad_client_input_is_a_page_in_words(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let console = Console::open(&app).await;
    let base = "/console/connections/oauth-clients";
    let at_limit = "x".repeat(200);
    let too_long = "x".repeat(201);
    type Case<'a> = (Vec<(&'a str, &'a str)>, &'a str);
    let cases: Vec<Case> = vec![
        (vec![("scope", "root"), ("expires_in_days", "30")], "scope"),
        (vec![("expires_in_days", "30")], "scope"),
        (
            vec![("scope", "scim"), ("expires_in_days", "0")],
            "1 to 1095 days",
        ),
        (
            vec![("scope", "scim"), ("expires_in_days", "1096")],
            "1 to 1095 days",
        ),
        (vec![("scope", "scim")], "1 to 1095 days"),
        (
            vec![
                ("scope", "scim"),
                ("expires_in_days", "30"),
                ("label", &too_long),
            ],
            "at most 200 bytes",
        ),
    ];
    for (fields, words) in cases {
        let (status, _, html) = console.post(base, &fields).await;
        assert_eq!(status, 400, "{fields:?}: {html}");
        assert!(html.contains(words), "{fields:?}: {html}");
        assert!(html.contains("<!DOCTYPE html>") && !html.contains(&too_long));
    }
    assert!(clients(&app).await.is_empty());
    // At the limits: a 200-byte label, a secret of 1095 days.
    let (status, _, html) = console
        .post(
            base,
            &[
                ("scope", "access"),
                ("expires_in_days", "1095"),
                ("label", &at_limit),
            ],
        )
        .await;
    assert_eq!(status, 200, "{html}");
    let id = code(&html, "client-id");
    // Five live secrets at most: four more, then a refusal.
    let add = format!("{base}/{id}/secrets");
    for _ in 0..4 {
        let (status, _, html) = console.post(&add, &[("expires_in_days", "1")]).await;
        assert_eq!(status, 200, "{html}");
    }
    let (status, _, html) = console.post(&add, &[("expires_in_days", "1")]).await;
    assert_eq!(status, 409, "{html}");
    assert!(html.contains("at most 5 live secrets"), "{html}");
    let (status, _, html) = console.post(&add, &[("expires_in_days", "1096")]).await;
    assert_eq!(status, 400, "{html}");
    assert_eq!(
        clients(&app).await[0]["secrets"].as_array().unwrap().len(),
        5
    );
}
