//! What a hostile client found (issue 15) and how each is now answered:
//! forwarding headers count only behind a proxy the operator declared, and a
//! configured public URL wins over all of them, so no client chooses the
//! scheme or host of a `Location`; a body that never finishes gets 408 and
//! its connection closed. (Request values in the logs: server.rs; bounded
//! work: list_inputs.rs and group_limits.rs.)

use std::time::Duration;

use reqwest::Method;
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::helpers::{TestApp, TestDb, scim};

crate::on_both_databases!(
    forwarding_headers_count_only_behind_a_declared_proxy,
    a_configured_public_url_wins_over_every_header,
    a_body_that_never_finishes_gets_408_and_a_closed_connection,
);

/// The `Location` of a user created with these extra headers.
async fn location_with(app: &TestApp, user_name: &str, headers: &[(&str, &str)]) -> String {
    let mut request = app
        .client
        .post(app.url("/scim/v2/Users"))
        .bearer_auth(&app.scim_token)
        .json(&json!({"userName": user_name}));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = request.send().await.unwrap();
    assert_eq!(response.status(), 201);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["meta"]["location"], location.as_str());
    location
}

const HOSTILE: [(&str, &str); 3] = [
    ("forwarded", "host=evil.example;proto=javascript"),
    ("x-forwarded-host", "evil.example"),
    ("x-forwarded-proto", "javascript"),
];

async fn forwarding_headers_count_only_behind_a_declared_proxy(db: TestDb) {
    let mut app = TestApp::spawn(db).await;
    // No proxy declared: the headers are ignored; the request's own Host counts.
    let location = location_with(&app, "direct", &HOSTILE).await;
    assert!(
        location.starts_with(&format!("{}/scim/v2/Users/", app.address)),
        "{location}"
    );
    // A Host that is not a host falls back to the listening address.
    let location = location_with(&app, "bad.host", &[("host", "evil.example/x;y")]).await;
    assert!(
        location.starts_with(&format!("{}/scim/v2/Users/", app.address)),
        "{location}"
    );

    app.restart_configured(|config| {
        config.client_ip_header = Some("x-forwarded-for".into());
    })
    .await;
    // Behind a declared proxy its headers count, but only http and https
    // ever become the scheme, and only a host the host.
    let location = location_with(
        &app,
        "proxied",
        &[
            ("x-forwarded-host", "roster.example.com"),
            ("x-forwarded-proto", "https"),
        ],
    )
    .await;
    assert!(
        location.starts_with("https://roster.example.com/scim/v2/Users/"),
        "{location}"
    );
    let location = location_with(&app, "proxied.hostile", &HOSTILE[..1]).await;
    assert!(
        location.starts_with("http://evil.example/scim/v2/Users/"),
        "the scheme is never javascript: {location}"
    );
    let location = location_with(&app, "proxied.bad", &[("forwarded", "host=\"a b\"")]).await;
    assert!(
        location.starts_with(&format!("{}/scim/v2/Users/", app.address)),
        "{location}"
    );
}

async fn a_configured_public_url_wins_over_every_header(db: TestDb) {
    let app = TestApp::spawn_with(db, |config| {
        config.client_ip_header = Some("x-forwarded-for".into());
        config.public_url = Some("https://id.example.com/roster".into());
    })
    .await;
    let location = location_with(&app, "public", &HOSTILE).await;
    assert!(
        location.starts_with("https://id.example.com/roster/scim/v2/Users/"),
        "{location}"
    );
    let config = scim(&app)
        .ok(Method::GET, "/scim/v2/ServiceProviderConfig", None)
        .await;
    assert_eq!(
        config["meta"]["location"],
        "https://id.example.com/roster/scim/v2/ServiceProviderConfig"
    );
}

async fn a_body_that_never_finishes_gets_408_and_a_closed_connection(db: TestDb) {
    let app = TestApp::spawn_with(db, |config| {
        config.body_timeout = Duration::from_secs(1);
    })
    .await;
    let address = app.address.trim_start_matches("http://").to_owned();
    let mut stream = tokio::net::TcpStream::connect(&address).await.unwrap();
    let head = format!(
        "POST /scim/v2/Users HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {}\r\n\
         Content-Type: application/scim+json\r\nContent-Length: 100000\r\n\r\n{{\"userName\":",
        app.scim_token
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    // Read until the server closes the connection (a bound on the wait, not
    // a measurement: without the timeout the server waits for ever).
    let mut answer = Vec::new();
    tokio::time::timeout(Duration::from_secs(30), stream.read_to_end(&mut answer))
        .await
        .expect("the server closes the connection")
        .unwrap();
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("connection: close"), "{answer}");
    assert!(answer.contains("did not arrive within 1 s"), "{answer}");
    let users = scim(&app).ok(Method::GET, "/scim/v2/Users", None).await;
    assert_eq!(users["totalResults"], 0, "nothing was created");
}
