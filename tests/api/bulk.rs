//! `POST /scim/v2/Bulk` (RFC 7644 §3.7): every operation kind, `bulkId`
//! references in either direction and in a circle, `failOnErrors`, the
//! limits (`maxOperations`, `maxPayloadSize`: 413), errors per operation in
//! SCIM shape, isolation between accounts, and refusals of the whole
//! request. Audit, events and scale: `bulk_scale.rs`.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{TestApp, TestDb, assert_scim_error, cli_token, scim};

crate::on_both_databases!(
    every_operation_kind_with_references_forward_and_backward,
    a_circle_of_references_fails_with_409_and_the_rest_runs,
    fail_on_errors_stops_after_that_many_errors,
    limits_at_the_limit_and_one_above,
    failed_operations_answer_in_scim_shape_while_others_succeed,
    another_accounts_id_in_a_patch_is_404_for_that_operation_only,
    a_request_that_is_not_a_bulk_request_is_refused_whole,
);

const BULK_REQUEST: &str = "urn:ietf:params:scim:api:messages:2.0:BulkRequest";

pub(crate) fn bulk_request(operations: Value) -> Value {
    json!({"schemas": [BULK_REQUEST], "Operations": operations})
}

pub(crate) fn post_user(bulk_id: &str, extra: Value) -> Value {
    let mut data =
        json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": bulk_id});
    if let (Value::Object(data), Value::Object(extra)) = (&mut data, extra) {
        data.extend(extra);
    }
    json!({"method": "POST", "path": "/Users", "bulkId": bulk_id, "data": data})
}

pub(crate) fn post_group(bulk_id: &str, members: &[&str]) -> Value {
    let members: Vec<Value> = members
        .iter()
        .map(|member| json!({"value": format!("bulkId:{member}")}))
        .collect();
    json!({"method": "POST", "path": "/Groups", "bulkId": bulk_id,
           "data": {"displayName": bulk_id, "members": members}})
}

/// Sends a Bulk request with the SCIM token: the status and the body.
async fn send(app: &TestApp, body: &Value) -> (u16, Value) {
    let response = scim(app)
        .send(Method::POST, "/scim/v2/Bulk", Some(body.clone()))
        .await;
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// Sends a Bulk request, asserts 200, returns its `Operations`.
pub(crate) async fn run(app: &TestApp, operations: Value) -> Vec<Value> {
    let (status, body) = send(app, &bulk_request(operations)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["schemas"][0],
        "urn:ietf:params:scim:api:messages:2.0:BulkResponse"
    );
    body["Operations"].as_array().unwrap().clone()
}

/// The response entry of the operation with this `bulkId`.
pub(crate) fn by_bulk_id<'a>(operations: &'a [Value], bulk_id: &str) -> &'a Value {
    operations
        .iter()
        .find(|operation| operation["bulkId"] == bulk_id)
        .unwrap_or_else(|| panic!("no entry for {bulk_id}: {operations:?}"))
}

pub(crate) fn id_of(operation: &Value) -> String {
    let location = operation["location"].as_str().unwrap();
    location.rsplit('/').next().unwrap().to_owned()
}

pub(crate) async fn get(app: &TestApp, path: &str) -> Value {
    scim(app).ok(Method::GET, path, None).await
}

async fn every_operation_kind_with_references_forward_and_backward(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let old_user = app.create_user(&json!({"userName": "old"})).await;
    let old_group = scim(&app)
        .ok(
            Method::POST,
            "/scim/v2/Groups",
            Some(json!({"displayName": "old"})),
        )
        .await;
    let manager = json!({"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":
        {"manager": {"value": "bulkId:ada"}}});
    let operations = run(
        &app,
        json!([
            // Forward: the group names members created after it.
            post_group("eng", &["ada", "bob"]),
            post_user("ada", json!({})),
            // Backward: bob's manager was created before him.
            post_user("bob", manager),
            {"method": "PUT", "path": "/Users/bulkId:ada",
             "data": {"userName": "ada", "displayName": "Ada L."}},
            {"method": "PATCH", "path": "/Groups/bulkId:eng", "data": {
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                "Operations": [{"op": "remove", "path": "members",
                                "value": [{"value": "bulkId:bob"}]}]}},
            {"method": "PATCH", "path": "/Users/bulkId:bob", "data": {
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                "Operations": [{"op": "replace", "path": "active", "value": false}]}},
            {"method": "PUT", "path": format!("/Groups/{}", old_group["id"].as_str().unwrap()),
             "data": {"displayName": "renamed", "members": [{"value": "bulkId:bob"}]}},
            {"method": "DELETE", "path": format!("/Users/{}", old_user["id"].as_str().unwrap())},
        ]),
    )
    .await;
    assert_eq!(operations.len(), 8, "{operations:?}");
    let statuses: Vec<&str> = operations
        .iter()
        .map(|op| op["status"].as_str().unwrap())
        .collect();
    assert_eq!(
        statuses,
        ["201", "201", "201", "200", "200", "200", "200", "204"]
    );
    let (eng, ada, bob) = (
        id_of(by_bulk_id(&operations, "eng")),
        id_of(by_bulk_id(&operations, "ada")),
        id_of(by_bulk_id(&operations, "bob")),
    );
    assert!(
        by_bulk_id(&operations, "eng")["location"]
            .as_str()
            .unwrap()
            .ends_with(&format!("/scim/v2/Groups/{eng}"))
    );
    // The group: created with ada and bob, then bob removed.
    let group = get(&app, &format!("/scim/v2/Groups/{eng}")).await;
    let members: Vec<&str> = group["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|member| member["value"].as_str().unwrap())
        .collect();
    assert_eq!(members, [ada.as_str()]);
    assert_eq!(operations[4]["version"], group["meta"]["version"]);
    let bob_now = get(&app, &format!("/scim/v2/Users/{bob}")).await;
    assert_eq!(bob_now["active"], false);
    assert_eq!(
        bob_now["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"]["manager"]["value"],
        ada
    );
    assert_eq!(operations[5]["version"], bob_now["meta"]["version"]);
    let ada_now = get(&app, &format!("/scim/v2/Users/{ada}")).await;
    assert_eq!(ada_now["displayName"], "Ada L.");
    let renamed = get(
        &app,
        &format!("/scim/v2/Groups/{}", old_group["id"].as_str().unwrap()),
    )
    .await;
    assert_eq!(renamed["displayName"], "renamed");
    assert_eq!(renamed["members"][0]["value"], bob.as_str());
    let deleted = app
        .scim_get(&format!(
            "/scim/v2/Users/{}",
            old_user["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(deleted.status(), 404);
    assert!(operations[7].get("version").is_none());
}

async fn a_circle_of_references_fails_with_409_and_the_rest_runs(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let manager = |of: &str| {
        json!({"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":
            {"manager": {"value": format!("bulkId:{of}")}}})
    };
    let operations = run(
        &app,
        json!([
            post_user("a", manager("b")),
            post_user("b", manager("a")),
            post_user("c", json!({})),
        ]),
    )
    .await;
    for bulk_id in ["a", "b"] {
        let entry = by_bulk_id(&operations, bulk_id);
        assert_eq!(entry["status"], "409", "{entry}");
        assert_eq!(entry["response"]["status"], "409");
        assert!(
            entry["response"]["detail"]
                .as_str()
                .unwrap()
                .contains("circle")
        );
    }
    assert_eq!(by_bulk_id(&operations, "c")["status"], "201");
    let listed = get(&app, "/scim/v2/Users").await;
    assert_eq!(listed["totalResults"], 1, "only c exists: {listed}");
}

async fn fail_on_errors_stops_after_that_many_errors(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let missing =
        json!({"method": "DELETE", "path": "/Users/00000000-0000-7000-8000-000000000000"});
    let mut body = bulk_request(json!([
        missing,
        post_user("one", json!({})),
        missing,
        post_user("two", json!({})),
    ]));
    body["failOnErrors"] = json!(2);
    let (status, response) = send(&app, &body).await;
    assert_eq!(status, 200, "{response}");
    let statuses: Vec<&str> = response["Operations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|op| op["status"].as_str().unwrap())
        .collect();
    assert_eq!(
        statuses,
        ["404", "201", "404"],
        "stopped at the second error"
    );
    let listed = get(&app, "/scim/v2/Users?filter=userName eq \"two\"").await;
    assert_eq!(listed["totalResults"], 0, "'two' did not run");
    // Without failOnErrors every operation runs.
    body.as_object_mut().unwrap().remove("failOnErrors");
    body["Operations"][1]["bulkId"] = json!("three");
    body["Operations"][1]["data"]["userName"] = json!("three");
    let (_, response) = send(&app, &body).await;
    assert_eq!(response["Operations"].as_array().unwrap().len(), 4);
    body["failOnErrors"] = json!(0);
    let response = scim(&app)
        .send(Method::POST, "/scim/v2/Bulk", Some(body))
        .await;
    assert_scim_error(response, 400).await;
}

/// A Bulk body of exactly `bytes` bytes (one POST of a user whose
/// displayName pads it).
fn body_of(bytes: usize) -> String {
    let with = |padding: usize| {
        bulk_request(json!([post_user(
            "padded",
            json!({"displayName": "x".repeat(padding)})
        )]))
        .to_string()
    };
    let base = with(0).len();
    let body = with(bytes - base);
    assert_eq!(body.len(), bytes);
    body
}

/// Asserts a 413 SCIM error whose detail names the limit.
async fn refused(response: reqwest::Response, naming: &str) {
    let error = assert_scim_error(response, 413).await;
    let detail = error["detail"].as_str().unwrap();
    assert!(detail.contains(naming), "{error}");
}

async fn limits_at_the_limit_and_one_above(db: TestDb) {
    let app = TestApp::spawn_with(db, |config| {
        config.bulk_max_operations = 3;
        config.bulk_max_payload_bytes = 2048;
        config.max_body_bytes = 1024;
    })
    .await;
    let spc = get(&app, "/scim/v2/ServiceProviderConfig").await;
    assert_eq!(
        spc["bulk"],
        json!({"supported": true, "maxOperations": 3, "maxPayloadSize": 2048})
    );
    let ops = |n: usize| -> Value {
        (0..n)
            .map(|i| post_user(&format!("limit{n}-{i}"), json!({})))
            .collect()
    };
    assert_eq!(run(&app, ops(3)).await.len(), 3);
    let response = scim(&app)
        .send(Method::POST, "/scim/v2/Bulk", Some(bulk_request(ops(4))))
        .await;
    refused(response, "maxOperations (3)").await;
    let listed = get(&app, "/scim/v2/Users?filter=userName sw \"limit4\"").await;
    assert_eq!(
        listed["totalResults"], 0,
        "nothing of the refused request ran"
    );

    // The payload: its own limit, above max_body_bytes.
    let post = |body: String| {
        app.client
            .post(app.url("/scim/v2/Bulk"))
            .bearer_auth(&app.scim_token)
            .header("content-type", "application/scim+json")
            .body(body)
            .send()
    };
    let at_limit = post(body_of(2048)).await.unwrap();
    assert_eq!(at_limit.status(), 200);
    let above = post(body_of(2049)).await.unwrap();
    refused(above, "maxPayloadSize (2048 bytes)").await;
    // Other endpoints keep max_body_bytes.
    let user = json!({"userName": "big", "displayName": "x".repeat(1100)});
    let response = scim(&app)
        .send(Method::POST, "/scim/v2/Users", Some(user))
        .await;
    assert_scim_error(response, 413).await;
}

async fn failed_operations_answer_in_scim_shape_while_others_succeed(db: TestDb) {
    let app = TestApp::spawn(db).await;
    app.create_user(&json!({"userName": "taken"})).await;
    let operations = run(
        &app,
        json!([
            post_user("taken", json!({})),
            post_user("fresh", json!({})),
            post_user("orphan", json!({"displayName": "bulkId:nowhere"})),
            {"method": "GET", "path": "/Users"},
            {"method": "PATCH", "path": "/Users/bulkId:taken", "data": {
                "Operations": [{"op": "replace", "path": "active", "value": false}]}},
        ]),
    )
    .await;
    let taken = &operations[0];
    assert_eq!(taken["status"], "409");
    assert_eq!(
        taken["response"]["schemas"][0],
        "urn:ietf:params:scim:api:messages:2.0:Error"
    );
    assert_eq!(taken["response"]["scimType"], "uniqueness");
    assert_eq!(operations[1]["status"], "201");
    assert_eq!(operations[2]["status"], "400");
    assert_eq!(operations[2]["response"]["scimType"], "invalidValue");
    assert_eq!(operations[3]["status"], "400");
    assert_eq!(operations[3]["method"], "GET");
    // It references a POST that failed: 409, as §3.7.2's unresolved bulkId.
    assert_eq!(operations[4]["status"], "409", "{:?}", operations[4]);
    let listed = get(&app, "/scim/v2/Users").await;
    assert_eq!(listed["totalResults"], 2, "taken and fresh: {listed}");
}

async fn another_accounts_id_in_a_patch_is_404_for_that_operation_only(db: TestDb) {
    let app = TestApp::spawn(db).await;
    assert!(app.cli(&["accounts", "create", "other"]).status.success());
    let other_token = cli_token(&app, "other", "scim");
    let theirs = app
        .client
        .post(app.url("/scim/v2/Users"))
        .bearer_auth(&other_token)
        .json(&json!({"userName": "theirs"}))
        .send()
        .await
        .unwrap();
    assert_eq!(theirs.status(), 201);
    let theirs: Value = theirs.json().await.unwrap();
    let id = theirs["id"].as_str().unwrap();
    let operations = run(
        &app,
        json!([
            {"method": "PATCH", "path": format!("/Users/{id}"), "data": {
                "Operations": [{"op": "replace", "path": "displayName", "value": "stolen"}]}},
            {"method": "DELETE", "path": format!("/Users/{id}")},
            post_user("mine", json!({})),
        ]),
    )
    .await;
    assert_eq!(operations[0]["status"], "404");
    assert_eq!(operations[0]["response"]["status"], "404");
    assert_eq!(operations[1]["status"], "404");
    assert_eq!(operations[2]["status"], "201");
    let still = app
        .client
        .get(app.url(&format!("/scim/v2/Users/{id}")))
        .bearer_auth(&other_token)
        .send()
        .await
        .unwrap();
    let still: Value = still.json().await.unwrap();
    assert_eq!(still["meta"]["version"], theirs["meta"]["version"]);
    assert!(still.get("displayName").is_none());
}

async fn a_request_that_is_not_a_bulk_request_is_refused_whole(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let duplicate = bulk_request(json!([
        post_user("a", json!({})),
        post_user("a", json!({}))
    ]));
    for body in [
        json!([]),
        json!({"schemas": [BULK_REQUEST]}),
        json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": []}),
        duplicate,
    ] {
        let response = scim(&app)
            .send(Method::POST, "/scim/v2/Bulk", Some(body.clone()))
            .await;
        assert_scim_error(response, 400).await;
    }
    let listed = get(&app, "/scim/v2/Users").await;
    assert_eq!(listed["totalResults"], 0, "nothing ran");
    let response = app.scim_get("/scim/v2/Bulk").await;
    assert_scim_error(response, 405).await;
    // Only a token of scope 'scim' may send it.
    let response = crate::helpers::admin(&app)
        .send(Method::POST, "/scim/v2/Bulk", Some(bulk_request(json!([]))))
        .await;
    assert_scim_error(response, 403).await;
}
