//! Every request limit (issue 6, "Limits"; docs/SCIM.md "Limits"): each is
//! configured, answered with its SCIM error, and a refused request changes
//! nothing. The body size is in errors.rs and PATCH operations in
//! users_patch.rs; page size clamping in users_list.rs.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{TestApp, TestDb, assert_scim_error, scim};

crate::on_both_databases!(
    deep_json_is_400_at_any_depth,
    long_values_are_400_and_change_nothing,
    members_per_request_are_413_and_change_nothing,
    filter_length_and_terms_are_configured,
    limits_are_in_service_provider_config_where_scim_has_a_place
);

async fn post_raw(app: &TestApp, path: &str, body: String) -> reqwest::Response {
    app.client
        .post(app.url(path))
        .bearer_auth(&app.scim_token)
        .header("content-type", "application/scim+json")
        .body(body)
        .send()
        .await
        .unwrap()
}

async fn deep_json_is_400_at_any_depth(db: TestDb) {
    let app = TestApp::spawn(db).await;
    // serde_json refuses nesting past 128 levels; far deeper must not
    // overflow the stack either.
    for depth in [129, 10_000, 400_000] {
        let body = format!(
            r#"{{"userName":"deep","x":{}{}}}"#,
            "[".repeat(depth),
            "]".repeat(depth)
        );
        let response = post_raw(&app, "/scim/v2/Users", body).await;
        let error = assert_scim_error(response, 400).await;
        assert_eq!(error["scimType"], "invalidSyntax", "{error}");
        assert!(
            error["detail"]
                .as_str()
                .unwrap()
                .contains("recursion limit"),
            "{error}"
        );
    }
    // Within the limit, a body nested as deep as SCIM ever is works.
    let response = post_raw(
        &app,
        "/scim/v2/Users",
        json!({"userName": "shallow", "name": {"givenName": "S"}}).to_string(),
    )
    .await;
    assert_eq!(response.status(), 201);
    let list = scim(&app)
        .ok(
            Method::GET,
            "/scim/v2/Users?filter=userName+eq+%22deep%22",
            None,
        )
        .await;
    assert_eq!(list["totalResults"], 0, "nothing was created: {list}");
}

async fn long_values_are_400_and_change_nothing(db: TestDb) {
    let app = TestApp::spawn_with(db, |config| config.limits.max_value_bytes = 300).await;
    let api = scim(&app);
    let user = app
        .create_user(&json!({"userName": "ada", "title": "Engineer"}))
        .await;
    let id = user["id"].as_str().unwrap();
    let group = api
        .ok(
            Method::POST,
            "/scim/v2/Groups",
            Some(json!({"displayName": "Team"})),
        )
        .await;
    let group_id = group["id"].as_str().unwrap();
    let long = "x".repeat(301);
    let refusals = [
        (
            Method::POST,
            "/scim/v2/Users".to_owned(),
            json!({"userName": "bob", "title": long}),
        ),
        (
            Method::PUT,
            format!("/scim/v2/Users/{id}"),
            json!({"userName": "ada", "title": long}),
        ),
        (
            Method::PATCH,
            format!("/scim/v2/Users/{id}"),
            json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                   "Operations": [{"op": "replace", "path": "title", "value": long}]}),
        ),
        (
            Method::POST,
            "/scim/v2/Groups".to_owned(),
            json!({"displayName": long}),
        ),
        (
            Method::PUT,
            format!("/scim/v2/Groups/{group_id}"),
            json!({"displayName": "Team", "externalId": long}),
        ),
        (
            Method::PATCH,
            format!("/scim/v2/Groups/{group_id}"),
            json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                   "Operations": [{"op": "replace", "path": "displayName", "value": long}]}),
        ),
    ];
    for (method, path, body) in refusals {
        let response = api.send(method.clone(), &path, Some(body)).await;
        let error = assert_scim_error(response, 400).await;
        assert_eq!(
            error["scimType"], "invalidValue",
            "{method} {path}: {error}"
        );
        let detail = error["detail"].as_str().unwrap();
        assert!(
            detail.contains("301 bytes") && detail.contains("at most 300"),
            "{method} {path}: {detail}"
        );
    }
    let user = api
        .ok(Method::GET, &format!("/scim/v2/Users/{id}"), None)
        .await;
    assert_eq!(user["title"], "Engineer");
    let group = api
        .ok(Method::GET, &format!("/scim/v2/Groups/{group_id}"), None)
        .await;
    assert_eq!(group["displayName"], "Team");
    assert!(group.get("externalId").is_none(), "{group}");
    let users = api.ok(Method::GET, "/scim/v2/Users", None).await;
    assert_eq!(users["totalResults"], 1);
    let groups = api.ok(Method::GET, "/scim/v2/Groups", None).await;
    assert_eq!(groups["totalResults"], 1);
    // At the limit is accepted.
    api.ok(
        Method::PATCH,
        &format!("/scim/v2/Users/{id}"),
        Some(
            json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
               "Operations": [{"op": "replace", "path": "title", "value": "y".repeat(300)}]}),
        ),
    )
    .await;
}

async fn members_per_request_are_413_and_change_nothing(db: TestDb) {
    let app = TestApp::spawn_with(db, |config| config.limits.max_members = 3).await;
    let api = scim(&app);
    let mut ids = Vec::new();
    for name in ["a", "b", "c", "d"] {
        let user = app.create_user(&json!({ "userName": name })).await;
        ids.push(user["id"].as_str().unwrap().to_owned());
    }
    let members = |ids: &[String]| -> Value {
        ids.iter()
            .map(|id| json!({ "value": id }))
            .collect::<Vec<_>>()
            .into()
    };
    let patch = |operations: Value| json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": operations});
    let group = api
        .ok(
            Method::POST,
            "/scim/v2/Groups",
            Some(json!({"displayName": "Three", "members": members(&ids[..3])})),
        )
        .await;
    let group_id = group["id"].as_str().unwrap();
    let path = format!("/scim/v2/Groups/{group_id}");
    let refusals = [
        (
            Method::POST,
            "/scim/v2/Groups".to_owned(),
            json!({"displayName": "Four", "members": members(&ids)}),
        ),
        (
            Method::PUT,
            path.clone(),
            json!({"displayName": "Three", "members": members(&ids)}),
        ),
        (
            Method::PATCH,
            path.clone(),
            patch(json!([{"op": "replace", "path": "members", "value": members(&ids)}])),
        ),
        // Two operations together over the limit: Okta's remove-and-add shape.
        (
            Method::PATCH,
            path.clone(),
            patch(json!([
                {"op": "remove", "path": "members", "value": members(&ids[..2])},
                {"op": "add", "path": "members", "value": members(&ids[2..])}
            ])),
        ),
    ];
    for (method, request_path, body) in refusals {
        let response = api.send(method.clone(), &request_path, Some(body)).await;
        let error = assert_scim_error(response, 413).await;
        assert!(
            error["detail"].as_str().unwrap().contains("4 members"),
            "{method} {request_path}: {error}"
        );
    }
    let group = api.ok(Method::GET, &path, None).await;
    let mut held: Vec<&str> = group["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|member| member["value"].as_str().unwrap())
        .collect();
    held.sort_unstable();
    let mut expected: Vec<&str> = ids[..3].iter().map(String::as_str).collect();
    expected.sort_unstable();
    assert_eq!(held, expected, "the membership is unchanged");
    let groups = api.ok(Method::GET, "/scim/v2/Groups", None).await;
    assert_eq!(groups["totalResults"], 1, "no group 'Four': {groups}");
    // Three at once is accepted.
    let response = api
        .send(
            Method::PATCH,
            &path,
            Some(patch(
                json!([{"op": "replace", "path": "members", "value": members(&ids[1..])}]),
            )),
        )
        .await;
    assert!(response.status().is_success(), "{}", response.status());
}

async fn filter_length_and_terms_are_configured(db: TestDb) {
    let app = TestApp::spawn_with(db, |config| {
        config.limits.filter.max_len = 64;
        config.limits.filter.max_terms = 2;
    })
    .await;
    let api = scim(&app);
    app.create_user(&json!({"userName": "ada"})).await;
    let query = |filter: &str| {
        let encoded: String = filter.bytes().map(|b| format!("%{b:02X}")).collect();
        format!("/scim/v2/Users?filter={encoded}")
    };
    let two = r#"userName eq "ada" or userName eq "bob""#;
    let found = api.ok(Method::GET, &query(two), None).await;
    assert_eq!(found["totalResults"], 1);

    let three = r#"userName eq "a" or userName eq "b" or userName eq "c""#;
    let error = assert_scim_error(api.send(Method::GET, &query(three), None).await, 400).await;
    assert_eq!(error["scimType"], "invalidFilter");
    assert!(
        error["detail"].as_str().unwrap().contains("at most 2"),
        "{error}"
    );
    let long = format!(r#"userName eq "{}""#, "a".repeat(60));
    for response in [
        api.send(Method::GET, &query(&long), None).await,
        api.send(
            Method::POST,
            "/scim/v2/Users/.search",
            Some(
                json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
                        "filter": long}),
            ),
        )
        .await,
    ] {
        let error = assert_scim_error(response, 400).await;
        assert_eq!(error["scimType"], "invalidFilter");
        assert!(
            error["detail"].as_str().unwrap().contains("at most 64"),
            "{error}"
        );
    }
}

async fn limits_are_in_service_provider_config_where_scim_has_a_place(db: TestDb) {
    let app = TestApp::spawn_with(db, |config| {
        config.max_page_size = 250;
        config.bulk_max_operations = 40;
        config.bulk_max_payload_bytes = 5000;
    })
    .await;
    let config = scim(&app)
        .ok(Method::GET, "/scim/v2/ServiceProviderConfig", None)
        .await;
    assert_eq!(config["filter"]["maxResults"], 250, "{config}");
    assert_eq!(config["bulk"]["supported"], true);
    assert_eq!(config["bulk"]["maxOperations"], 40);
    assert_eq!(config["bulk"]["maxPayloadSize"], 5000);
}
