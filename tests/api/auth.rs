//! Token authentication on the SCIM endpoints: every failure is a SCIM error,
//! 401 for a token that is not valid, 403 for a valid token of another scope.

use roster::model::Scope;

use crate::helpers::{TestApp, TestDb, assert_scim_error, stdout};

crate::on_both_databases!(
    both_authorization_forms_work,
    missing_and_malformed_tokens_are_401,
    expired_token_is_401,
    a_token_verified_before_still_expires_on_time,
    revoked_token_is_401_on_the_next_request,
    tampered_signature_is_401,
    token_of_another_roster_is_401,
    other_scope_is_403,
    unknown_scim_paths_need_a_token_then_404,
    last_used_is_recorded,
);

/// A path that needs a valid `scim` token: unknown SCIM paths authenticate
/// before answering 404, so 404 means "authenticated".
const PROBE: &str = "/scim/v2/NoSuchEndpoint";

async fn probe(app: &TestApp, authorization: Option<&str>) -> reqwest::Response {
    let mut request = app.client.get(app.url(PROBE));
    if let Some(value) = authorization {
        request = request.header("authorization", value);
    }
    request.send().await.unwrap()
}

async fn both_authorization_forms_work(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let token = app.scim_token.clone();
    for header in [
        format!("Bearer {token}"),
        format!("bearer {token}"),
        format!("BEARER  {token} "),
        token.clone(),
    ] {
        let response = probe(&app, Some(&header)).await;
        assert_eq!(
            response.status(),
            404,
            "authenticated with {:?}",
            &header[..10]
        );
    }
    let spc = app
        .client
        .get(app.url("/scim/v2/ServiceProviderConfig"))
        .header("authorization", &token)
        .send()
        .await
        .unwrap();
    assert_eq!(spc.status(), 200);
}

async fn missing_and_malformed_tokens_are_401(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let body = assert_scim_error(probe(&app, None).await, 401).await;
    assert!(
        body["detail"].as_str().unwrap().contains("Authorization"),
        "{body}"
    );
    // Okta's SPEC test sends exactly this.
    for header in [
        "non-token",
        "Bearer",
        "Basic dXNlcjpwYXNz",
        "Bearer a.b.c",
        &"x".repeat(5000),
    ] {
        let response = probe(&app, Some(header)).await;
        assert_eq!(
            response.headers().get("www-authenticate").unwrap(),
            "Bearer realm=\"roster\""
        );
        assert_scim_error(response, 401).await;
    }
    let non_ascii = app
        .client
        .get(app.url(PROBE))
        .header(
            "authorization",
            reqwest::header::HeaderValue::from_bytes(b"Bearer \xff\xfe").unwrap(),
        )
        .send()
        .await
        .unwrap();
    assert_scim_error(non_ascii, 401).await;
}

async fn expired_token_is_401(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let past = roster::clock::now() - chrono::Duration::seconds(1);
    let expired = app.issue(Scope::Scim, Some(past));
    let body = assert_scim_error(
        probe(&app, Some(&format!("Bearer {}", expired.token.expose()))).await,
        401,
    )
    .await;
    assert!(
        body["detail"].as_str().unwrap().contains("expired"),
        "{body}"
    );
    let future = roster::clock::now() + chrono::Duration::hours(1);
    let live = app.issue(Scope::Scim, Some(future));
    assert_eq!(probe(&app, Some(live.token.expose())).await.status(), 404);
}

/// A token's first request verifies it in full and the process remembers it
/// (src/auth/cache.rs); the remembered token must still expire on time.
async fn a_token_verified_before_still_expires_on_time(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let expires_at = roster::clock::now() + chrono::Duration::seconds(3);
    let issued = app.issue(Scope::Scim, Some(expires_at));
    let header = format!("Bearer {}", issued.token.expose());
    for _ in 0..3 {
        assert_eq!(
            probe(&app, Some(&header)).await.status(),
            404,
            "still valid"
        );
    }
    while roster::clock::now() <= expires_at {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let body = assert_scim_error(probe(&app, Some(&header)).await, 401).await;
    assert!(
        body["detail"].as_str().unwrap().contains("expired"),
        "{body}"
    );
}

async fn revoked_token_is_401_on_the_next_request(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let issued = app.issue(Scope::Scim, None);
    let header = format!("Bearer {}", issued.token.expose());
    assert_eq!(probe(&app, Some(&header)).await.status(), 404);
    let output = app.cli(&["tokens", "revoke", &issued.record.id.to_string()]);
    assert!(output.status.success(), "{output:?}");
    assert!(stdout(&output).contains("revoked"));
    let body = assert_scim_error(probe(&app, Some(&header)).await, 401).await;
    assert!(
        body["detail"].as_str().unwrap().contains("revoked"),
        "{body}"
    );
    // The other tokens still work.
    assert_eq!(probe(&app, Some(&app.scim_token)).await.status(), 404);
}

async fn tampered_signature_is_401(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let token = &app.scim_token;
    let (rest, signature) = token.rsplit_once('.').unwrap();
    let flipped: String = signature.chars().rev().collect();
    assert_scim_error(probe(&app, Some(&format!("{rest}.{flipped}"))).await, 401).await;
    // Claims swapped to the admin token's, signature kept: also refused.
    let admin_claims = app.admin_token.split('.').nth(1).unwrap();
    let header = token.split('.').next().unwrap();
    assert_scim_error(
        probe(&app, Some(&format!("{header}.{admin_claims}.{signature}"))).await,
        401,
    )
    .await;
}

async fn token_of_another_roster_is_401(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let other = TestApp::spawn(TestDb::create(crate::helpers::DbKind::Sqlite).unwrap()).await;
    assert_scim_error(probe(&app, Some(&other.scim_token)).await, 401).await;
}

async fn other_scope_is_403(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let access = app.issue(Scope::Access, None);
    for token in [app.admin_token.as_str(), access.token.expose()] {
        let body = assert_scim_error(probe(&app, Some(token)).await, 403).await;
        assert!(
            body["detail"].as_str().unwrap().contains("'scim'"),
            "{body}"
        );
    }
}

async fn unknown_scim_paths_need_a_token_then_404(db: TestDb) {
    let app = TestApp::spawn(db).await;
    assert_scim_error(
        app.client
            .get(app.url("/scim/v2/Bulkish"))
            .send()
            .await
            .unwrap(),
        401,
    )
    .await;
    assert_scim_error(app.scim_get("/scim/v2/Bulkish").await, 404).await;
}

async fn last_used_is_recorded(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let tokens = |app: &TestApp| -> serde_json::Value {
        serde_json::from_str(&stdout(&app.cli(&[
            "tokens",
            "list",
            "--account",
            "default",
            "--json",
        ])))
        .unwrap()
    };
    let before = tokens(&app);
    assert_eq!(before.as_array().unwrap().len(), 2);
    assert!(
        before
            .as_array()
            .unwrap()
            .iter()
            .all(|t| t["lastUsed"].is_null()),
        "{before}"
    );
    assert_eq!(probe(&app, Some(&app.scim_token)).await.status(), 404);
    let after = tokens(&app);
    let scim = after
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["scope"] == "scim")
        .unwrap();
    assert!(scim["lastUsed"].is_string(), "last used is set: {after}");
    let admin = after
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["scope"] == "admin")
        .unwrap();
    assert!(admin["lastUsed"].is_null(), "{after}");
}
