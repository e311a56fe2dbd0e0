//! Issue 18: Entra's OAuth flow against the real server — a client created
//! with the CLI, tokens by `client_secret_basic` and `client_secret_post`,
//! users and groups provisioned with them, rotation (two secrets valid, the
//! old one revoked and its tokens refused at the next request on two
//! replicas), deletion, and the expiry of secrets and tokens. The errors of
//! RFC 6749 §5.2: tests/api/oauth_errors.rs.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{TestApp, TestDb, admin, stdout};

crate::on_both_databases!(
    entras_flow_provisions_with_tokens_from_basic_and_post,
    rotation_keeps_two_secrets_then_the_revoked_ones_tokens_fail_at_once,
    secrets_and_tokens_expire,
    clients_through_the_api_and_their_limits,
);

/// A client's id and secret.
pub struct Credentials {
    pub id: String,
    pub secret: String,
}

/// `roster clients create --account default` with `args`: the client id
/// (from the `client_id:` line) and the secret (alone on the last line).
pub fn create_client(app: &TestApp, args: &[&str]) -> Credentials {
    let mut all = vec!["clients", "create", "--account", "default"];
    all.extend_from_slice(args);
    let output = app.cli(&all);
    assert!(output.status.success(), "{output:?}");
    let out = stdout(&output);
    let lines: Vec<&str> = out.trim().lines().collect();
    let id = lines[0]
        .strip_prefix("client_id: ")
        .expect("a client_id line");
    Credentials {
        id: id.to_owned(),
        secret: (*lines.last().unwrap()).to_owned(),
    }
}

/// `POST /oauth/token` with `client_secret_basic`.
pub async fn token_basic(app: &TestApp, client: &Credentials) -> reqwest::Response {
    app.client
        .post(app.url("/oauth/token"))
        .basic_auth(&client.id, Some(&client.secret))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap()
}

/// `POST /oauth/token` with `client_secret_post` and a scope.
pub async fn token_post(app: &TestApp, client: &Credentials) -> reqwest::Response {
    app.client
        .post(app.url("/oauth/token"))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", &client.id),
            ("client_secret", &client.secret),
            ("scope", "scim"),
        ])
        .send()
        .await
        .unwrap()
}

/// The access token of a successful answer, after checking its shape.
pub async fn access_token(response: reqwest::Response) -> String {
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["cache-control"], "no-store");
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );
    let body: Value = response.json().await.unwrap();
    let fields: Vec<&String> = body.as_object().unwrap().keys().collect();
    assert_eq!(
        fields,
        ["access_token", "expires_in", "scope", "token_type"],
        "{body}"
    );
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["scope"], "scim");
    assert_eq!(body["expires_in"], 3600);
    body["access_token"].as_str().unwrap().to_owned()
}

async fn status_with(app_url: String, client: &reqwest::Client, token: &str) -> u16 {
    client
        .get(app_url)
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

async fn entras_flow_provisions_with_tokens_from_basic_and_post(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let metadata: Value = app
        .client
        .get(app.url("/.well-known/oauth-authorization-server"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(metadata["issuer"], app.address);
    assert_eq!(metadata["token_endpoint"], app.url("/oauth/token"));
    assert_eq!(
        metadata["token_endpoint_auth_methods_supported"],
        json!([
            "client_secret_basic",
            "client_secret_post",
            "private_key_jwt"
        ])
    );
    assert_eq!(
        metadata["grant_types_supported"],
        json!(["client_credentials"])
    );

    let client = create_client(&app, &["--label", "Entra gallery"]);
    let by_basic = access_token(token_basic(&app, &client).await).await;
    let by_post = access_token(token_post(&app, &client).await).await;
    assert_ne!(by_basic, by_post);

    // Entra provisions with them as with any token.
    for (token, name) in [(&by_basic, "ada"), (&by_post, "grace")] {
        let user = app
            .client
            .post(app.url("/scim/v2/Users"))
            .bearer_auth(token)
            .json(&json!({"userName": format!("{name}@example.com"), "active": true}))
            .send()
            .await
            .unwrap();
        assert_eq!(user.status(), 201);
    }
    let group = app
        .client
        .post(app.url("/scim/v2/Groups"))
        .bearer_auth(&by_basic)
        .json(&json!({"displayName": "Engineering"}))
        .send()
        .await
        .unwrap();
    assert_eq!(group.status(), 201);
    // A scim client's token is a scim token: not for /api/v1.
    let url = app.url("/api/v1/audit");
    assert_eq!(status_with(url, &app.client, &by_post).await, 403);

    // The audit log names the client's token as the author, and the client
    // and its secret were audited when made.
    let audit = admin(&app).ok(Method::GET, "/api/v1/audit", None).await;
    let entries = audit["entries"].as_array().unwrap();
    let types: Vec<&str> = entries
        .iter()
        .filter_map(|e| e["resource"]["type"].as_str())
        .collect();
    assert!(types.contains(&"OAuthClient"), "{audit}");
    assert!(types.contains(&"OAuthClientSecret"), "{audit}");
    let by_client = entries
        .iter()
        .find(|e| e["resource"]["type"] == "User")
        .unwrap();
    assert_eq!(
        by_client["actor"]["label"], "OAuth client Entra gallery",
        "{by_client}"
    );

    // The CLI lists the client, its secret and when it was last used; the
    // access tokens are not among the account's tokens.
    let listed = app.cli(&["clients", "list", "--account", "default", "--json"]);
    let listed: Value = serde_json::from_str(&stdout(&listed)).unwrap();
    assert_eq!(listed[0]["id"], client.id.as_str());
    assert_eq!(listed[0]["scope"], "scim");
    assert!(listed[0]["secrets"][0]["lastUsed"].is_string(), "{listed}");
    assert!(!listed.to_string().contains(&client.secret));
    let tokens = app.cli(&["tokens", "list", "--account", "default", "--json"]);
    assert!(
        !stdout(&tokens).contains("OAuth client"),
        "{}",
        stdout(&tokens)
    );
}

async fn rotation_keeps_two_secrets_then_the_revoked_ones_tokens_fail_at_once(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let replica = app.replica();
    let old = create_client(&app, &[]);
    let old_token = access_token(token_basic(&app, &old).await).await;

    // A second secret: both are valid at once.
    let output = app.cli(&["clients", "add-secret", &old.id, "--expires-in", "2y"]);
    assert!(output.status.success(), "{output:?}");
    let new = Credentials {
        id: old.id.clone(),
        secret: stdout(&output).trim().lines().last().unwrap().to_owned(),
    };
    let new_token = access_token(token_post(&app, &new).await).await;
    let again = access_token(token_basic(&app, &old).await).await;
    let users = |base: &str| format!("{base}/scim/v2/Users?count=1");
    // Both replicas have verified (and remembered) the tokens.
    for token in [&old_token, &again, &new_token] {
        for base in [&app.address, &replica.address] {
            assert_eq!(status_with(users(base), &app.client, token).await, 200);
        }
    }

    // The old secret revoked: its tokens fail on the very next request, on
    // either replica; the new secret's token goes on working.
    let listed: Value = admin(&app)
        .ok(
            Method::GET,
            &format!("/api/v1/oauth-clients/{}", old.id),
            None,
        )
        .await;
    let secrets = listed["secrets"].as_array().unwrap();
    assert_eq!(secrets.len(), 2);
    let old_secret = secrets[0]["id"].as_str().unwrap();
    let revoked = admin(&app)
        .send(
            Method::DELETE,
            &format!("/api/v1/oauth-clients/{}/secrets/{old_secret}", old.id),
            None,
        )
        .await;
    assert_eq!(revoked.status(), 204);
    for token in [&old_token, &again] {
        for base in [&replica.address, &app.address] {
            assert_eq!(status_with(users(base), &app.client, token).await, 401);
        }
    }
    for base in [&replica.address, &app.address] {
        assert_eq!(status_with(users(base), &app.client, &new_token).await, 200);
    }
    let refused = token_basic(&app, &old).await;
    assert_eq!(refused.status(), 401);
    access_token(token_basic(&app, &new).await).await;

    // Revoking it again changes nothing.
    let output = app.cli(&["clients", "revoke-secret", &old.id, old_secret]);
    assert!(stdout(&output).contains("already revoked"), "{output:?}");

    // The client deleted: all of its tokens fail at once, everywhere.
    let output = app.cli(&["clients", "delete", &old.id]);
    assert!(output.status.success(), "{output:?}");
    for base in [&replica.address, &app.address] {
        assert_eq!(status_with(users(base), &app.client, &new_token).await, 401);
    }
    assert_eq!(token_basic(&app, &new).await.status(), 401);
    let audit = admin(&app).ok(Method::GET, "/api/v1/audit", None).await;
    let actions: Vec<(String, String)> = audit["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| {
            e["resource"]["type"]
                .as_str()
                .is_some_and(|t| t.starts_with("OAuth"))
        })
        .map(|e| {
            (
                e["resource"]["type"].as_str().unwrap().to_owned(),
                e["action"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    for expected in [
        ("OAuthClient", "created"),
        ("OAuthClientSecret", "created"),
        ("OAuthClientSecret", "revoked"),
        ("OAuthClient", "deleted"),
    ] {
        assert!(
            actions.contains(&(expected.0.to_owned(), expected.1.to_owned())),
            "{expected:?} in {actions:?}"
        );
    }
}

async fn secrets_and_tokens_expire(db: TestDb) {
    let app = TestApp::spawn_with(db, |config| {
        config.oauth_token_lifetime = std::time::Duration::from_secs(6 * 3600);
    })
    .await;
    // The setting: 6 hours at most.
    let long = create_client(&app, &["--secret-expires-in", "3y"]);
    let answer: Value = token_basic(&app, &long).await.json().await.unwrap();
    assert_eq!(answer["expires_in"], 6 * 3600);

    // A token never outlives its secret: both end together.
    let short = create_client(&app, &["--secret-expires-in", "4s"]);
    let answer: Value = token_basic(&app, &short).await.json().await.unwrap();
    let expires_in = answer["expires_in"].as_i64().unwrap();
    assert!((1..=4).contains(&expires_in), "{answer}");
    let token = answer["access_token"].as_str().unwrap().to_owned();
    let url = app.url("/scim/v2/Users?count=1");
    assert_eq!(status_with(url.clone(), &app.client, &token).await, 200);
    let past_it = u64::try_from(expires_in).unwrap() * 1000 + 1000;
    tokio::time::sleep(std::time::Duration::from_millis(past_it)).await;
    assert_eq!(status_with(url, &app.client, &token).await, 401);
    let refused = token_basic(&app, &short).await;
    assert_eq!(refused.status(), 401);
    let body: Value = refused.json().await.unwrap();
    assert_eq!(body["error"], "invalid_client");

    // Lifetimes: at most three years.
    let over = app.cli(&[
        "clients",
        "create",
        "--account",
        "default",
        "--secret-expires-in",
        "1096d",
    ]);
    assert!(!over.status.success());
    assert!(crate::helpers::stderr(&over).contains("at most 3 years"));
}

async fn clients_through_the_api_and_their_limits(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let ops = admin(&app);
    let created = ops
        .send(
            Method::POST,
            "/api/v1/oauth-clients",
            Some(json!({"label": "Entra", "scope": "access", "secretExpiresInDays": 1095})),
        )
        .await;
    assert_eq!(created.status(), 201);
    let created: Value = created.json().await.unwrap();
    let client = Credentials {
        id: created["client"]["id"].as_str().unwrap().to_owned(),
        secret: created["clientSecret"].as_str().unwrap().to_owned(),
    };
    assert_eq!(created["client"]["scope"], "access");
    // An access client's token reads /api/v1 and is refused on /scim/v2.
    let answer: Value = token_basic(&app, &client).await.json().await.unwrap();
    let token = answer["access_token"].as_str().unwrap();
    assert_eq!(answer["scope"], "access");
    let members = app.url("/api/v1/members?userName=x@example.com");
    assert_eq!(status_with(members, &app.client, token).await, 200);
    let users = app.url("/scim/v2/Users");
    assert_eq!(status_with(users, &app.client, token).await, 403);

    // Never the secret again.
    let listed = ops.ok(Method::GET, "/api/v1/oauth-clients", None).await;
    assert_eq!(listed["clients"][0]["id"], client.id.as_str());
    assert!(!listed.to_string().contains(&client.secret));

    let secrets = format!("/api/v1/oauth-clients/{}/secrets", client.id);
    for (body, status) in [
        (json!({"expiresInDays": 1096}), 400),
        (json!({"expiresInDays": 0}), 400),
        (json!({"expiresInDays": 1095}), 201),
        (json!({}), 201),
        (json!({}), 201),
        (json!({}), 201),
        // Five live secrets at most.
        (json!({}), 409),
    ] {
        let response = ops.send(Method::POST, &secrets, Some(body.clone())).await;
        assert_eq!(response.status(), status, "{body}");
    }
    for (body, status) in [
        (json!({"scope": "root"}), 400),
        (json!({"label": "x".repeat(201)}), 400),
        (json!({"label": "x".repeat(200)}), 201),
    ] {
        let response = ops
            .send(Method::POST, "/api/v1/oauth-clients", Some(body))
            .await;
        assert_eq!(response.status(), status);
    }
    for path in [
        "/api/v1/oauth-clients/not-an-id".to_owned(),
        format!("/api/v1/oauth-clients/{}", uuid::Uuid::now_v7()),
        format!("{secrets}/{}", uuid::Uuid::now_v7()),
    ] {
        let method = if path.contains("/secrets/") {
            Method::DELETE
        } else {
            Method::GET
        };
        assert_eq!(ops.send(method, &path, None).await.status(), 404, "{path}");
    }
}
