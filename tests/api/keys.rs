//! Signing-key rotation: a new key signs new tokens while the old tokens
//! keep working; retiring the old key refuses its tokens at the very next
//! request on the running server; the last active key cannot be retired.

use base64::Engine;
use serde_json::Value;

use crate::helpers::{TestApp, TestDb, assert_scim_error, stderr, stdout};

crate::on_both_databases!(rotating_and_retiring_signing_keys);

fn run(app: &TestApp, args: &[&str]) -> String {
    let output = app.cli(args);
    assert!(output.status.success(), "{args:?}: {}", stderr(&output));
    stdout(&output)
}

/// The `kid` of a token's JWT header.
fn key_of(token: &str) -> String {
    let header = token.split('.').next().unwrap();
    let header = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(header)
        .unwrap();
    let header: Value = serde_json::from_slice(&header).unwrap();
    header["kid"].as_str().unwrap().to_owned()
}

async fn status(app: &TestApp, token: &str) -> reqwest::Response {
    app.client
        .get(app.url("/scim/v2/Users?count=1"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}

async fn rotating_and_retiring_signing_keys(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let old_key = key_of(&app.scim_token);
    let keys: Value = serde_json::from_str(&run(&app, &["keys", "list", "--json"])).unwrap();
    assert_eq!(keys.as_array().unwrap().len(), 1);
    assert_eq!(keys[0]["liveTokens"], 2, "the first start's two tokens");

    let new_key = run(&app, &["keys", "rotate"]).trim().to_owned();
    assert_ne!(new_key, old_key);
    let new_token = run(
        &app,
        &["tokens", "issue", "--account", "default", "--scope", "scim"],
    );
    let new_token = new_token.trim().lines().last().unwrap().to_owned();
    assert_eq!(
        key_of(&new_token),
        new_key,
        "new tokens are signed with the new key"
    );
    assert_eq!(
        status(&app, &app.scim_token).await.status(),
        200,
        "old tokens stay valid"
    );
    assert_eq!(status(&app, &new_token).await.status(), 200);
    let keys: Value = serde_json::from_str(&run(&app, &["keys", "list", "--json"])).unwrap();
    let listed: Vec<(&str, i64)> = keys
        .as_array()
        .unwrap()
        .iter()
        .map(|key| {
            (
                key["id"].as_str().unwrap(),
                key["liveTokens"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(listed, [(new_key.as_str(), 1), (old_key.as_str(), 2)]);

    // Retired: the old key's tokens fail at once on the running server.
    run(&app, &["keys", "retire", &old_key]);
    let error = assert_scim_error(status(&app, &app.scim_token).await, 401).await;
    assert!(
        error["detail"].as_str().unwrap().contains("retired"),
        "{error}"
    );
    assert_eq!(status(&app, &app.admin_token).await.status(), 401);
    assert_eq!(status(&app, &new_token).await.status(), 200);

    let output = app.cli(&["keys", "retire", &new_key]);
    assert!(!output.status.success());
    assert!(
        stderr(&output).contains("only active signing key"),
        "{output:?}"
    );
    let output = app.cli(&["keys", "retire", &old_key]);
    assert!(!output.status.success(), "already retired");
    assert!(!app.cli(&["keys", "retire", "not-a-key"]).status.success());
    assert_eq!(status(&app, &new_token).await.status(), 200);
}
