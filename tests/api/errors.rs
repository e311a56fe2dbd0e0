//! Transport-level behaviour: 404 and 413 as SCIM errors, trailing slashes,
//! request ids.

use crate::helpers::{TestApp, TestDb, assert_scim_error};

crate::on_both_databases!(
    unknown_paths_are_scim_404,
    oversized_bodies_are_413,
    trailing_slash_is_tolerated
);

async fn unknown_paths_are_scim_404(db: TestDb) {
    let app = TestApp::spawn(db).await;
    // `/` answers a page (discovery.rs); other unknown paths a SCIM 404.
    for path in ["/nope", "/scim/v1/Users", "/index.html"] {
        let response = app.client.get(app.url(path)).send().await.unwrap();
        assert!(response.headers().contains_key("x-request-id"));
        assert_scim_error(response, 404).await;
    }
    // Like /scim/v2, /api/v1 tells only a valid token what does not exist.
    let anonymous = app
        .client
        .get(app.url("/api/v1/whatever"))
        .send()
        .await
        .unwrap();
    assert_scim_error(anonymous, 401).await;
    let known = app
        .client
        .get(app.url("/api/v1/whatever"))
        .bearer_auth(&app.admin_token)
        .send()
        .await
        .unwrap();
    assert_scim_error(known, 404).await;
}

async fn oversized_bodies_are_413(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let big = vec![b' '; 1024 * 1024 + 1];
    for path in ["/scim/v2/Users", "/scim/v2/Schemas", "/anything"] {
        let response = app
            .client
            .post(app.url(path))
            .bearer_auth(&app.scim_token)
            .header("content-type", "application/scim+json")
            .body(big.clone())
            .send()
            .await
            .unwrap();
        let body = assert_scim_error(response, 413).await;
        assert!(
            body["detail"].as_str().unwrap().contains("1048576"),
            "{body}"
        );
    }
    // Just under the limit is not refused for its size.
    let response = app
        .client
        .post(app.url("/scim/v2/Schemas"))
        .header("content-type", "application/scim+json")
        .body(vec![b' '; 1024 * 1024])
        .send()
        .await
        .unwrap();
    assert_scim_error(response, 405).await;
}

async fn trailing_slash_is_tolerated(db: TestDb) {
    let app = TestApp::spawn(db).await;
    for path in [
        "/scim/v2/ServiceProviderConfig/",
        "/scim/v2/Schemas/",
        "/healthz/",
        // Endpoint names in any case.
        "/scim/v2/serviceproviderconfig",
        "/SCIM/V2/users/?count=1",
        "/scim/v2/groups?filter=displayName+eq+%22x%22",
    ] {
        assert_eq!(app.scim_get(path).await.status(), 200, "{path}");
    }
    let user = app
        .create_user(&serde_json::json!({"userName": "case@example.com"}))
        .await;
    let id = user["id"].as_str().unwrap();
    assert_eq!(
        app.scim_get(&format!("/scim/v2/USERS/{id}")).await.status(),
        200
    );
}
