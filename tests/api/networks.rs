//! Network allow-lists: an account that allows only some networks refuses
//! every token's request from elsewhere with 403 at once, IPv4 and IPv6; the
//! client's address is the socket's unless a trusted proxy header is
//! configured; the CLI can always repair a list that locked admins out.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{TestApp, TestDb, admin, assert_scim_error, stdout};

crate::on_both_databases!(
    requests_from_outside_the_list_are_refused,
    a_trusted_proxy_header_gives_the_client_address,
);

async fn put(app: &TestApp, networks: Value) -> reqwest::Response {
    admin(app)
        .send(
            Method::PUT,
            "/api/v1/network-allow-list",
            Some(json!({"networks": networks})),
        )
        .await
}

async fn scim_status(app: &TestApp, forwarded_for: Option<&str>) -> u16 {
    let mut request = app
        .client
        .get(app.url("/scim/v2/Users?count=1"))
        .bearer_auth(&app.scim_token);
    if let Some(address) = forwarded_for {
        request = request.header("X-Forwarded-For", address);
    }
    request.send().await.unwrap().status().as_u16()
}

async fn requests_from_outside_the_list_are_refused(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let listed = admin(&app)
        .ok(Method::GET, "/api/v1/network-allow-list", None)
        .await;
    assert_eq!(listed, json!({"networks": []}), "empty: any network");

    // Normalized, sorted, without repeats; the test runs on 127.0.0.1.
    let response = put(
        &app,
        json!(["127.0.0.1/8", "2001:db8::1/32", "127.0.0.0/8"]),
    )
    .await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body, json!({"networks": ["127.0.0.0/8", "2001:db8::/32"]}));
    assert_eq!(scim_status(&app, None).await, 200);

    for bad in [
        json!(["10.0.0.0/33"]),
        json!(["intranet"]),
        json!("10.0.0.0/8"),
    ] {
        assert_eq!(put(&app, bad).await.status(), 400);
    }

    // Only other networks: this client is refused on every API at once.
    assert_eq!(
        put(&app, json!(["10.0.0.0/8", "::1/128"])).await.status(),
        200
    );
    let response = app
        .client
        .get(app.url("/scim/v2/Users"))
        .bearer_auth(&app.scim_token)
        .send()
        .await
        .unwrap();
    let error = assert_scim_error(response, 403).await;
    assert!(
        error["detail"].as_str().unwrap().contains("127.0.0.1"),
        "{error}"
    );
    let response = admin(&app)
        .send(Method::GET, "/api/v1/network-allow-list", None)
        .await;
    assert_scim_error(response, 403).await;
    // A bad token is still 401: the list is checked after the token.
    let response = app
        .client
        .get(app.url("/scim/v2/Users"))
        .bearer_auth("not-a-token")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    // Without a proxy header configured, X-Forwarded-For is ignored.
    assert_eq!(scim_status(&app, Some("10.1.2.3")).await, 403);

    // Another account is not affected.
    assert!(app.cli(&["accounts", "create", "other"]).status.success());
    let output = app.cli(&["tokens", "issue", "--account", "other", "--scope", "scim"]);
    let other = stdout(&output).trim().lines().last().unwrap().to_owned();
    let response = app
        .client
        .get(app.url("/scim/v2/Users"))
        .bearer_auth(other)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);

    // The CLI shows and repairs the list.
    let output = app.cli(&["accounts", "networks", "--account", "default"]);
    assert_eq!(stdout(&output), "10.0.0.0/8\n::1/128\n");
    let output = app.cli(&[
        "accounts",
        "networks",
        "--account",
        "default",
        "127.0.0.0/8",
    ]);
    assert!(output.status.success(), "{output:?}");
    assert_eq!(scim_status(&app, None).await, 200);
    let output = app.cli(&["accounts", "networks", "--account", "default", "--any"]);
    assert_eq!(stdout(&output), "any network\n");
    let output = app.cli(&[
        "accounts",
        "networks",
        "--account",
        "default",
        "300.0.0.0/8",
    ]);
    assert!(!output.status.success());

    // Every change is audited.
    let audit = admin(&app)
        .ok(Method::GET, "/api/v1/audit?limit=1000", None)
        .await;
    let changes: Vec<&Value> = audit["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|entry| entry["changes"].get("networks").is_some())
        .map(|entry| &entry["changes"]["networks"]["after"])
        .collect();
    assert_eq!(
        changes,
        [
            &json!(["127.0.0.0/8", "2001:db8::/32"]),
            &json!(["10.0.0.0/8", "::1/128"]),
            &json!(["127.0.0.0/8"]),
            &json!([]),
        ]
    );
}

async fn a_trusted_proxy_header_gives_the_client_address(db: TestDb) {
    let app = TestApp::spawn_with(db, |config| {
        config.client_ip_header = Some("x-forwarded-for".into());
    })
    .await;
    // An empty list needs no address: the PUT comes without the header.
    assert_eq!(
        put(&app, json!(["10.0.0.0/8", "2001:db8::/32"]))
            .await
            .status(),
        200
    );
    // The last address is the one the trusted proxy appended.
    assert_eq!(scim_status(&app, Some("10.1.2.3")).await, 200);
    assert_eq!(scim_status(&app, Some("192.0.2.1, 10.1.2.3")).await, 200);
    assert_eq!(
        scim_status(&app, Some("10.1.2.3, 192.0.2.1")).await,
        403,
        "a client's own entry does not count"
    );
    assert_eq!(scim_status(&app, Some("[2001:db8::7]:443")).await, 200);
    assert_eq!(scim_status(&app, Some("2001:db9::7")).await, 403);
    assert_eq!(scim_status(&app, Some("not an address")).await, 403);
    assert_eq!(
        scim_status(&app, None).await,
        403,
        "the header is required then"
    );
}
