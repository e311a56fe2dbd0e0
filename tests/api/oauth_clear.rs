//! Issue 18, "Done when": no client secret, client assertion or access
//! token appears in clear in the logs, the audit log, an error's details or
//! the database. The real binary at `debug` level runs the OAuth flows —
//! clients made, secrets added and revoked, tokens by basic and post,
//! a near-miss secret, a federated client's good, replayed and spoiled
//! assertions — then everything it wrote is searched: its logs, every audit
//! entry, every answer, and a dump of the database (`sqlite3 .dump`,
//! `pg_dump`).

use std::process::Command;

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::TestDb;
use crate::oauth_federated::{AUDIENCE, Issuer, SUBJECT, assertion_request, claims, signed};
use crate::server::{Served, exported, port_from_base_line};

crate::on_both_databases!(no_secret_assertion_or_access_token_is_kept_in_clear);

async fn no_secret_assertion_or_access_token_is_kept_in_clear(db: TestDb) {
    let served = Served::start_with(
        &db.url,
        &[
            "--listen",
            "127.0.0.1:0",
            "--log-format",
            "json",
            "--workers",
            "1",
        ],
        &[
            ("ROSTER_LOG", "debug"),
            ("ROSTER_OAUTH_ALLOW_HTTP_LOOPBACK_ISSUERS", "true"),
        ],
    );
    let out = served.stdout_until("SCIM base URL:");
    let admin = exported(&out, "ADMIN_TOKEN");
    let base = format!(
        "http://127.0.0.1:{}",
        port_from_base_line(out.last().unwrap())
    );
    let http = reqwest::Client::new();
    let mut answers = String::new();
    let mut secrets: Vec<String> = Vec::new();

    // A client, a second secret, tokens by basic and by post.
    let clients = format!("{base}/api/v1/oauth-clients");
    let post = |url: String, body: Value| as_admin(&http, Method::POST, url, &admin, Some(body));
    let created: Value =
        serde_json::from_str(&post(clients.clone(), json!({"label": "Entra"})).await).unwrap();
    let id = created["client"]["id"].as_str().unwrap().to_owned();
    secrets.push(created["clientSecret"].as_str().unwrap().to_owned());
    let added: Value =
        serde_json::from_str(&post(format!("{clients}/{id}/secrets"), json!({})).await).unwrap();
    secrets.push(added["clientSecret"].as_str().unwrap().to_owned());
    // The secret with its last character changed (to one it is not).
    let (head, last) = secrets[0].split_at(secrets[0].len() - 1);
    let near_miss = format!("{head}{}", if last == "A" { "B" } else { "A" });
    let mut tokens = Vec::new();
    for (secret, basic) in [
        (&secrets[0], true),
        (&secrets[1], false),
        (&near_miss, true),
    ] {
        let request = http.post(format!("{base}/oauth/token"));
        let request = if basic {
            request
                .basic_auth(&id, Some(secret))
                .form(&[("grant_type", "client_credentials")])
        } else {
            request.form(&[
                ("grant_type", "client_credentials"),
                ("client_id", id.as_str()),
                ("client_secret", secret.as_str()),
            ])
        };
        let text = request.send().await.unwrap().text().await.unwrap();
        let body: Value = serde_json::from_str(&text).unwrap();
        match body["access_token"].as_str() {
            Some(token) => tokens.push(token.to_owned()),
            None => answers.push_str(&text),
        }
    }
    assert_eq!(tokens.len(), 2, "{answers}");
    for token in &tokens {
        let status = http
            .post(format!("{base}/scim/v2/Users"))
            .bearer_auth(token)
            .json(&json!({"userName": format!("{}@example.com", &token[token.len() - 6..])}))
            .send()
            .await
            .unwrap()
            .status();
        assert_eq!(status, 201);
    }

    // A federated client: a good assertion, its replay, a spoiled one.
    let issuer = Issuer::start();
    let federated: Value = http
        .post(format!("{base}/api/v1/oauth-clients"))
        .bearer_auth(&admin)
        .json(
            &json!({"federated": {"issuer": issuer.url, "subject": SUBJECT, "audience": AUDIENCE}}),
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let federated_id = federated["client"]["id"].as_str().unwrap();
    let good_claims = claims(&issuer.url);
    let jti = good_claims["jti"].as_str().unwrap().to_owned();
    let good = signed(&good_claims, "a");
    let mut spoiled_claims = claims(&issuer.url);
    spoiled_claims["aud"] = json!("api://other");
    let spoiled = signed(&spoiled_claims, "a");
    for assertion in [&good, &good, &spoiled] {
        let response = assertion_request(&http, &base, Some(federated_id), assertion).await;
        let text = response.text().await.unwrap();
        let body: Value = serde_json::from_str(&text).unwrap();
        match body["access_token"].as_str() {
            Some(token) => tokens.push(token.to_owned()),
            None => answers.push_str(&text),
        }
    }
    assert_eq!(tokens.len(), 3, "{answers}");

    // The first secret revoked; its token refused, the answer kept.
    let first_secret = created["client"]["secrets"][0]["id"].as_str().unwrap();
    http.delete(format!(
        "{base}/api/v1/oauth-clients/{id}/secrets/{first_secret}"
    ))
    .bearer_auth(&admin)
    .send()
    .await
    .unwrap();
    let refused = http
        .get(format!("{base}/scim/v2/Users"))
        .bearer_auth(&tokens[0])
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 401);
    answers.push_str(&refused.text().await.unwrap());
    let audit_url = format!("{base}/api/v1/audit?limit=1000");
    let audit = as_admin(&http, Method::GET, audit_url, &admin, None).await;
    assert!(audit.contains("OAuthClientSecret"), "{audit}");
    let listed = as_admin(&http, Method::GET, clients, &admin, None).await;

    let (clean, logs, _) = served.terminate();
    assert!(clean, "{logs}");
    assert!(
        logs.contains("token request refused"),
        "refusals are logged"
    );
    let dump = dump(&db.url);
    assert!(
        dump.contains("oauth_client_secrets"),
        "the dump has the tables"
    );

    // Whole values, and their secret parts alone.
    let mut needles: Vec<(String, &str)> = Vec::new();
    for secret in secrets.iter().chain([&near_miss]) {
        needles.push((secret.clone(), "a client secret"));
        needles.push((
            secret.rsplit('.').next().unwrap().to_owned(),
            "a secret's random part",
        ));
    }
    for token in &tokens {
        needles.push((token.clone(), "an access token"));
        needles.push((
            token.rsplit('.').next().unwrap().to_owned(),
            "a token's signature",
        ));
    }
    for assertion in [&good, &spoiled] {
        needles.push((assertion.clone(), "a client assertion"));
        needles.push((
            assertion.rsplit('.').next().unwrap().to_owned(),
            "an assertion's signature",
        ));
    }
    needles.push((jti, "an assertion's jti"));
    for (name, text) in [
        ("the logs", &logs),
        ("the audit log", &audit),
        ("the listing", &listed),
        ("an error answer", &answers),
        ("the database", &dump),
    ] {
        for (needle, what) in &needles {
            assert!(!text.contains(needle.as_str()), "{what} is in {name}");
        }
    }
}

/// An admin request's answer, as text.
async fn as_admin(
    http: &reqwest::Client,
    method: reqwest::Method,
    url: String,
    admin: &str,
    body: Option<Value>,
) -> String {
    let mut request = http.request(method, url).bearer_auth(admin);
    if let Some(body) = body {
        request = request.json(&body);
    }
    request.send().await.unwrap().text().await.unwrap()
}

/// Everything the database holds, as SQL text.
fn dump(url: &str) -> String {
    let output = match url.strip_prefix("sqlite://") {
        Some(path) => Command::new("sqlite3").arg(path).arg(".dump").output(),
        None => Command::new("pg_dump").arg(url).output(),
    }
    .expect("run the database's dump tool");
    assert!(output.status.success(), "{output:?}");
    String::from_utf8_lossy(&output.stdout).into_owned()
}
