//! Issue 18: every refusal of `POST /oauth/token` in the exact shape of RFC
//! 6749 §5.2 — `{"error", "error_description"}` as JSON, 400 or 401 with
//! `WWW-Authenticate` for `invalid_client`, `Cache-Control: no-store` —
//! never a SCIM body, never a 500; each counted in `/metrics`; and the
//! endpoint's rate limits per client and per source address.

use reqwest::{Method, RequestBuilder};
use serde_json::{Value, json};

use crate::helpers::{TestApp, TestDb, admin};
use crate::oauth::{Credentials, access_token, create_client, token_basic};

crate::on_both_databases!(
    every_refusal_has_the_shape_of_rfc_6749_5_2,
    token_requests_are_rate_limited_per_client_and_address,
);

/// Checks the shape of a refusal and returns its `error`.
async fn refusal(response: reqwest::Response, status: u16, what: &str) -> String {
    assert_eq!(response.status(), status, "{what}");
    let headers = response.headers().clone();
    assert_eq!(headers["cache-control"], "no-store", "{what}");
    assert!(
        headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json"),
        "{what}: never a SCIM body"
    );
    assert_eq!(
        headers.contains_key("www-authenticate"),
        status == 401,
        "{what}"
    );
    let body: Value = response.json().await.unwrap();
    let fields: Vec<&String> = body.as_object().unwrap().keys().collect();
    assert_eq!(fields, ["error", "error_description"], "{what}: {body}");
    let description = body["error_description"].as_str().unwrap();
    // RFC 6749 §5.2: printable ASCII without '"' and '\'.
    assert!(
        description
            .bytes()
            .all(|b| (0x20..=0x7e).contains(&b) && b != b'"' && b != b'\\'),
        "{what}: {description}"
    );
    body["error"].as_str().unwrap().to_owned()
}

async fn every_refusal_has_the_shape_of_rfc_6749_5_2(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let client = create_client(&app, &[]);
    let other = create_client(&app, &[]);
    let post = || app.client.post(app.url("/oauth/token"));
    let grant = [("grant_type", "client_credentials")];
    let basic = |request: RequestBuilder, id: &str, secret: &str| {
        request.basic_auth(id, Some(secret)).form(&grant)
    };
    let (id, secret) = (client.id.as_str(), client.secret.as_str());
    let (head, last) = secret.split_at(secret.len() - 1);
    let wrong_secret = format!("{head}{}", if last == "x" { "y" } else { "x" });
    let other_secret = other.secret.as_str();
    let unknown = uuid::Uuid::now_v7().to_string();
    let cases: Vec<(&str, RequestBuilder, u16, &str)> = vec![
        (
            "no grant_type",
            post()
                .basic_auth(id, Some(secret))
                .form(&[("scope", "scim")]),
            400,
            "invalid_request",
        ),
        (
            "a password grant",
            post()
                .basic_auth(id, Some(secret))
                .form(&[("grant_type", "password")]),
            400,
            "unsupported_grant_type",
        ),
        (
            "a JSON body",
            post()
                .basic_auth(id, Some(secret))
                .json(&json!({"grant_type": "client_credentials"})),
            400,
            "invalid_request",
        ),
        (
            "a repeated parameter",
            post()
                .basic_auth(id, Some(secret))
                .body("grant_type=client_credentials&grant_type=client_credentials")
                .header("content-type", "application/x-www-form-urlencoded"),
            400,
            "invalid_request",
        ),
        (
            "two authentication methods",
            post().basic_auth(id, Some(secret)).form(&[
                ("grant_type", "client_credentials"),
                ("client_id", id),
                ("client_secret", secret),
            ]),
            400,
            "invalid_request",
        ),
        (
            "a body over 16 KiB",
            post().basic_auth(id, Some(secret)).form(&[
                ("grant_type", "client_credentials"),
                ("scope", &"s".repeat(16 * 1024)),
            ]),
            400,
            "invalid_request",
        ),
        (
            "the scope of another client",
            basic(post(), id, secret)
                .query(&[("x", "y")])
                .form(&[("grant_type", "client_credentials"), ("scope", "admin")]),
            400,
            "invalid_scope",
        ),
        (
            "no client authentication",
            post().form(&grant),
            401,
            "invalid_client",
        ),
        (
            "a client_id alone",
            post().form(&[("grant_type", "client_credentials"), ("client_id", id)]),
            401,
            "invalid_client",
        ),
        (
            "a wrong secret",
            basic(post(), id, &wrong_secret),
            401,
            "invalid_client",
        ),
        (
            "a wrong secret by post",
            post().form(&[
                ("grant_type", "client_credentials"),
                ("client_id", id),
                ("client_secret", &wrong_secret),
            ]),
            401,
            "invalid_client",
        ),
        (
            "another client's secret",
            basic(post(), id, other_secret),
            401,
            "invalid_client",
        ),
        (
            "an unknown client",
            basic(post(), &unknown, secret),
            401,
            "invalid_client",
        ),
        (
            "a client id that is no id",
            basic(post(), "entra", secret),
            401,
            "invalid_client",
        ),
        (
            "a secret of another shape",
            basic(post(), id, "hunter2"),
            401,
            "invalid_client",
        ),
        (
            "a bearer header",
            post().bearer_auth(secret).form(&grant),
            401,
            "invalid_client",
        ),
        (
            "basic that is not base64",
            post().header("authorization", "Basic ***").form(&grant),
            401,
            "invalid_client",
        ),
    ];
    let mut counted = std::collections::BTreeMap::<String, u64>::new();
    for (what, request, status, error) in cases {
        let response = request.send().await.unwrap();
        assert_eq!(refusal(response, status, what).await, error, "{what}");
        *counted.entry(error.to_owned()).or_default() += 1;
    }

    // A GET: 405, in the same shape.
    let response = app
        .client
        .get(app.url("/oauth/token"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["allow"], "POST");
    assert_eq!(refusal(response, 405, "GET").await, "invalid_request");

    // An account that allows only other networks: invalid_grant.
    let body = Some(json!({ "networks": ["192.0.2.0/24"] }));
    admin(&app)
        .ok(Method::PUT, "/api/v1/network-allow-list", body)
        .await;
    let response = token_basic(&app, &client).await;
    assert_eq!(refusal(response, 400, "elsewhere").await, "invalid_grant");
    let output = app.cli(&["accounts", "networks", "--account", "default", "--any"]);
    assert!(output.status.success(), "{output:?}");
    access_token(token_basic(&app, &client).await).await;

    // A revoked secret: invalid_client.
    let view = admin(&app)
        .ok(Method::GET, &format!("/api/v1/oauth-clients/{id}"), None)
        .await;
    let secret_id = view["secrets"][0]["id"].as_str().unwrap();
    let output = app.cli(&["clients", "revoke-secret", id, secret_id]);
    assert!(output.status.success(), "{output:?}");
    let response = token_basic(&app, &client).await;
    assert_eq!(refusal(response, 401, "revoked").await, "invalid_client");

    // Every outcome is counted.
    let metrics = app
        .client
        .get(app.url("/metrics"))
        .header("accept", "text/plain")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let count = |outcome: &str| {
        let prefix = format!("roster_oauth_token_requests_total{{outcome=\"{outcome}\"}} ");
        metrics
            .lines()
            .find_map(|line| line.strip_prefix(&prefix))
            .map_or(0, |n| n.parse::<u64>().unwrap())
    };
    assert_eq!(
        count("invalid_client"),
        counted["invalid_client"] + 1,
        "{metrics}"
    );
    assert_eq!(count("invalid_request"), counted["invalid_request"]);
    assert_eq!(count("invalid_scope"), 1);
    assert_eq!(count("unsupported_grant_type"), 1);
    assert_eq!(count("invalid_grant"), 1);
    assert_eq!(count("issued"), 1);
}

async fn token_requests_are_rate_limited_per_client_and_address(db: TestDb) {
    // One a second per client (a new one every second), four per address.
    let app = TestApp::spawn_with(db, |config| config.rate_limit = 1).await;
    let client = create_client(&app, &[]);
    let mut statuses = Vec::new();
    for _ in 0..2 {
        statuses.push(token_basic(&app, &client).await);
    }
    let limited = statuses.pop().unwrap();
    for ok in statuses {
        assert_eq!(ok.status(), 200);
    }
    let retry_after: u64 = limited.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=1).contains(&retry_after), "{retry_after}");
    assert_eq!(
        refusal(limited, 429, "over the client's rate").await,
        "temporarily_unavailable"
    );
    // The address's own limit (4 a second) refuses even unknown clients.
    let mut statuses = Vec::new();
    for _ in 0..10 {
        let nobody = Credentials {
            id: uuid::Uuid::now_v7().to_string(),
            secret: "x".into(),
        };
        statuses.push(token_basic(&app, &nobody).await.status().as_u16());
    }
    assert!(statuses.contains(&429), "{statuses:?}");
    assert!(statuses.contains(&401), "{statuses:?}");
    let metrics = app
        .client
        .get(app.url("/metrics"))
        .header("accept", "text/plain");
    let metrics = metrics.send().await.unwrap().text().await.unwrap();
    assert!(
        metrics.contains("roster_oauth_token_requests_total{outcome=\"rate_limited\"}"),
        "{metrics}"
    );
}
