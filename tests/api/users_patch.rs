//! `PATCH /scim/v2/Users/{id}` (RFC 7644 §3.5.2) over HTTP, replaying the
//! request shapes Okta and Entra send (docs/OKTA.md, docs/ENTRA.md; bodies
//! as those IdPs send them, `…` filled in). Every
//! successful PATCH is checked against a GET afterwards (`patch_ok`).

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{TestApp, TestDb, assert_scim_content_type, assert_scim_error};
use crate::users::okta_user;

crate::on_both_databases!(
    okta_deactivate_and_reactivate_without_path,
    okta_pathless_profile_replace_ignores_read_only_keys,
    entra_replace_email_and_family_name,
    entra_rename_user_name,
    entra_replace_burst_without_flag,
    entra_flag_pathless_value_keyed_by_attribute_paths,
    entra_add_on_single_valued_attributes_sets_them,
    entra_filtered_path_matching_nothing_creates_the_element,
    entra_validator_email_burst,
    entra_remove_with_value_on_email_path_removes,
    entra_manager_shapes_are_returned_as_objects,
    entra_roles_encoded_assertive_and_primary_filter,
    entra_disable_and_enable_with_string_and_boolean,
    operations_are_all_or_nothing,
    errors_carry_their_scim_type,
    too_many_operations_is_413,
    unknown_and_foreign_ids_are_404,
    stale_if_match_is_412,
    taken_user_name_is_409_uniqueness,
    bad_bodies_never_500,
    unchanged_documents_keep_their_version,
    response_honours_attributes_and_excluded_attributes,
    concurrent_patches_lose_nothing,
    over_long_indexed_values_are_400_not_500,
    nul_characters_are_400_not_500,
);

const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

/// A PatchOp request with these operations.
fn ops(operations: Value) -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": operations
    })
}

/// Entra's create body (§2.5), with its employee number mapped.
fn entra_user(user_name: &str) -> Value {
    json!({
        "schemas": [
            "urn:ietf:params:scim:schemas:core:2.0:User",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
        "externalId": "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
        "userName": user_name,
        "active": true,
        "emails": [{ "primary": true, "type": "work", "value": "Test_User_11bb11bb@testuser.com" }],
        "meta": { "resourceType": "User" },
        "name": { "formatted": "givenName familyName", "familyName": "familyName", "givenName": "givenName" },
        "roles": [],
        ENTERPRISE: { "employeeNumber": "701984" }
    })
}

/// A request to `/scim/v2/Users{suffix}` with the SCIM token.
fn users(app: &TestApp, method: Method, suffix: &str) -> reqwest::RequestBuilder {
    app.client
        .request(method, app.url(&format!("/scim/v2/Users{suffix}")))
        .bearer_auth(&app.scim_token)
}

async fn post(app: &TestApp, body: &Value) -> reqwest::Response {
    users(app, Method::POST, "")
        .json(body)
        .send()
        .await
        .unwrap()
}

async fn put(app: &TestApp, id: &str, body: &Value) -> reqwest::Response {
    let path = format!("/{id}");
    users(app, Method::PUT, &path)
        .json(body)
        .send()
        .await
        .unwrap()
}

/// Creates the user (201) and returns its id.
async fn create(app: &TestApp, body: &Value) -> String {
    let response = post(app, body).await;
    assert_eq!(response.status(), 201);
    let user: Value = response.json().await.unwrap();
    user["id"].as_str().unwrap().to_owned()
}

async fn get(app: &TestApp, id: &str) -> Value {
    let response = app.scim_get(&format!("/scim/v2/Users/{id}")).await;
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

/// Sends a PATCH with the SCIM token, as Entra does (`application/scim+json`).
async fn send(app: &TestApp, id: &str, body: &Value) -> reqwest::Response {
    send_as(app, &app.scim_token, id, body.to_string()).await
}

async fn send_as(app: &TestApp, token: &str, id: &str, body: String) -> reqwest::Response {
    app.client
        .patch(app.url(&format!("/scim/v2/Users/{id}")))
        .bearer_auth(token)
        .header("content-type", "application/scim+json; charset=utf-8")
        .body(body)
        .send()
        .await
        .unwrap()
}

/// PATCHes, expects 200 with the user, its `ETag` and `Location`, and
/// returns the user as a GET reads it afterwards — which must be the same.
async fn patch_ok(app: &TestApp, id: &str, body: &Value) -> Value {
    let response = send(app, id, body).await;
    let status = response.status();
    if status != 200 {
        panic!("{status} for {body}: {}", response.text().await.unwrap());
    }
    assert_scim_content_type(&response);
    let header = |name: &str| {
        let value = response.headers().get(name).unwrap().to_str().unwrap();
        value.to_owned()
    };
    let (etag, location) = (header("etag"), header("location"));
    let answered: Value = response.json().await.unwrap();
    assert_eq!(answered["meta"]["version"], etag.as_str());
    assert_eq!(answered["meta"]["location"], location.as_str());
    assert_eq!(location, app.url(&format!("/scim/v2/Users/{id}")));
    let read = get(app, id).await;
    assert_eq!(read, answered, "a GET reads what the PATCH answered");
    read
}

/// Expects a 400 with this `scimType`; returns the detail.
async fn assert_refused(app: &TestApp, id: &str, body: &Value, scim_type: &str) -> String {
    let error = assert_scim_error(send(app, id, body).await, 400).await;
    assert_eq!(error["scimType"], scim_type, "{body} gave {error}");
    error["detail"].as_str().unwrap().to_owned()
}

async fn okta_deactivate_and_reactivate_without_path(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let id = create(&app, &okta_user("test.user@okta.local")).await;
    let before = get(&app, &id).await;
    let deactivate = json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{ "op": "replace", "value": { "active": false } }]
    });
    let user = patch_ok(&app, &id, &deactivate).await;
    assert_eq!(user["active"], false);
    assert_eq!(user["meta"]["version"], "W/\"2\"");
    let reactivate = json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{ "op": "replace", "value": { "active": true } }]
    });
    let user = patch_ok(&app, &id, &reactivate).await;
    assert_eq!(user["meta"]["version"], "W/\"3\"");
    // "The same ID and same attributes" (test plan C9293).
    let mut expected = before.clone();
    expected["meta"] = user["meta"].clone();
    assert_eq!(user, expected);
    assert_eq!(user["meta"]["created"], before["meta"]["created"]);
}

async fn okta_pathless_profile_replace_ignores_read_only_keys(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let id = create(&app, &okta_user("test.user@okta.local")).await;
    let body = ops(json!([{ "op": "replace", "value": {
        "id": "23a35c27-23d3-4c03-b4c5-6443c09e7173",
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "meta": { "resourceType": "User" },
        "groups": [],
        "password": "1mz050nq",
        "name": { "givenName": "Another", "middleName": "Excited" },
        "locale": "fr-FR"
    }}]));
    let user = patch_ok(&app, &id, &body).await;
    assert_eq!(user["id"], id.as_str(), "the id in the value is ignored");
    assert_eq!(
        user["name"],
        json!({ "givenName": "Another", "middleName": "Excited", "familyName": "User" }),
        "a complex value merges (RFC 7644 §3.5.2.3)"
    );
    assert_eq!(user["locale"], "fr-FR");
    assert!(user.get("password").is_none() && user.get("groups").is_none());
}

async fn entra_replace_email_and_family_name(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let id = create(&app, &entra_user("Test_User_00aa00aa")).await;
    let body = json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [
            { "op": "Replace", "path": "emails[type eq \"work\"].value", "value": "updatedEmail@microsoft.com" },
            { "op": "Replace", "path": "name.familyName", "value": "updatedFamilyName" }
        ]
    });
    let user = patch_ok(&app, &id, &body).await;
    assert_eq!(
        user["emails"],
        json!([{ "primary": true, "type": "work", "value": "updatedEmail@microsoft.com" }])
    );
    assert_eq!(user["name"]["familyName"], "updatedFamilyName");
    assert_eq!(user["name"]["givenName"], "givenName");
}

async fn entra_rename_user_name(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let id = create(&app, &entra_user("Test_User_00aa00aa")).await;
    let renamed = "5b50642d-1e7d-4a0e-9f3a-2c6f1e0b9d41@testuser.com";
    let body = ops(json!([{"op":"Replace","path":"userName","value": renamed}]));
    let user = patch_ok(&app, &id, &body).await;
    assert_eq!(user["userName"], renamed);
    // The uniqueness index follows: the old name is free, the new one taken.
    create(&app, &entra_user("Test_User_00aa00aa")).await;
    let clash = post(&app, &entra_user(&renamed.to_uppercase())).await;
    let error = assert_scim_error(clash, 409).await;
    assert_eq!(error["scimType"], "uniqueness");
}

async fn entra_replace_burst_without_flag(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let id = create(&app, &entra_user("Test_User_00aa00aa")).await;
    let body = json!({ "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
      "Operations": [
        { "op": "Replace", "path": "displayName", "value": "Pvlo" },
        { "op": "Replace", "path": "emails[type eq \"work\"].value", "value": "TestBcwqnm@test.microsoft.com" },
        { "op": "Replace", "path": "name.givenName", "value": "Gtfd" },
        { "op": "Replace", "path": "name.familyName", "value": "Pkqf" },
        { "op": "Replace", "path": "externalId", "value": "Eqpj" },
        { "op": "Replace", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber", "value": "Eqpj" } ] });
    let user = patch_ok(&app, &id, &body).await;
    assert_eq!(user["displayName"], "Pvlo");
    assert_eq!(user["emails"][0]["value"], "TestBcwqnm@test.microsoft.com");
    assert_eq!(
        user["name"],
        json!({ "formatted": "givenName familyName", "givenName": "Gtfd", "familyName": "Pkqf" })
    );
    assert_eq!(user["externalId"], "Eqpj");
    assert_eq!(user[ENTERPRISE], json!({ "employeeNumber": "Eqpj" }));
    assert_eq!(
        user["meta"]["version"], "W/\"2\"",
        "one request, one version"
    );
}

async fn entra_flag_pathless_value_keyed_by_attribute_paths(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let manager = create(&app, &okta_user("boss@example.com")).await;
    let id = create(&app, &entra_user("Test_User_00aa00aa")).await;
    let body = json!({ "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
      "Operations": [
        { "op": "replace", "path": "emails[type eq \"work\"].value", "value": "TestMhvaes@test.microsoft.com" },
        { "op": "replace",
          "value": {
            "displayName": "Bjfe",
            "name.givenName": "Kkom",
            "name.familyName": "Unua",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber": "Aklq" } } ] });
    let user = patch_ok(&app, &id, &body).await;
    assert_eq!(user["emails"][0]["value"], "TestMhvaes@test.microsoft.com");
    assert_eq!(user["displayName"], "Bjfe");
    assert_eq!(user["name"]["givenName"], "Kkom");
    assert_eq!(user["name"]["familyName"], "Unua");
    assert_eq!(user[ENTERPRISE]["employeeNumber"], "Aklq");
    assert!(
        user.get("name.givenName").is_none(),
        "a dotted key is a path, not an attribute name"
    );
    // The SCIM validator's shape, and the manager keyed by its qualified path.
    let validator = ops(json!([
        {"op":"replace","value":{"name.givenName":"Oswaldo","name.familyName":"Rylan"}},
        {"op":"add","value":{format!("{ENTERPRISE}:manager"): manager, format!("{ENTERPRISE}:employeeNumber"): "42"}}
    ]));
    let user = patch_ok(&app, &id, &validator).await;
    assert_eq!(user["name"]["givenName"], "Oswaldo");
    assert_eq!(user["name"]["familyName"], "Rylan");
    assert_eq!(user[ENTERPRISE]["employeeNumber"], "42");
    assert_eq!(user[ENTERPRISE]["manager"]["value"], manager);
}

async fn entra_add_on_single_valued_attributes_sets_them(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let id = create(&app, &entra_user("Test_User_00aa00aa")).await;
    let user = patch_ok(
        &app,
        &id,
        &ops(json!([{"op":"Add","path":"nickName","value":"Babs"}])),
    )
    .await;
    assert_eq!(user["nickName"], "Babs");
    let user = patch_ok(
        &app,
        &id,
        &ops(json!([{"op":"add","path":"nickName","value":"Bee"}])),
    )
    .await;
    assert_eq!(user["nickName"], "Bee", "add on a single value replaces it");
    let mixed = ops(json!([
        {"op": "Replace", "path": "title", "value": "Manager"},
        {"op":"Add","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department","value":"Retail"}
    ]));
    let user = patch_ok(&app, &id, &mixed).await;
    assert_eq!(user["title"], "Manager");
    assert_eq!(
        user[ENTERPRISE],
        json!({ "employeeNumber": "701984", "department": "Retail" })
    );
}

async fn entra_filtered_path_matching_nothing_creates_the_element(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let mut home_only = entra_user("Test_User_00aa00aa");
    home_only["emails"] = json!([{ "type": "home", "value": "home@example.com" }]);
    home_only["addresses"] = json!([{ "type": "home", "locality": "Oslo" }]);
    let id = create(&app, &home_only).await;
    let body = ops(json!([
        {"op":"add","path":"emails[type eq \"work\"].value","value":"work@example.com"},
        {"op":"Add","path":"addresses[type eq \"work\"].formatted","value":"1 Main St, Oslo"},
        {"op":"Replace","path":"addresses[type eq \"work\"].streetAddress","value":"1 Main St"},
        {"op":"Replace","path":"phoneNumbers[type eq \"mobile\"].value","value":"+47 555 0100"}
    ]));
    let user = patch_ok(&app, &id, &body).await;
    assert_eq!(
        user["emails"],
        json!([
            { "type": "home", "value": "home@example.com" },
            { "type": "work", "value": "work@example.com" }
        ])
    );
    assert_eq!(
        user["addresses"],
        json!([
            { "type": "home", "locality": "Oslo" },
            { "type": "work", "formatted": "1 Main St, Oslo", "streetAddress": "1 Main St" }
        ])
    );
    assert_eq!(
        user["phoneNumbers"],
        json!([{ "type": "mobile", "value": "+47 555 0100" }])
    );
    // Now the work address exists: the same path changes it, nothing is added.
    let body = ops(json!([
        {"op":"replace","path":"addresses[type eq \"work\"].streetAddress","value":"2 Side St"}
    ]));
    let user = patch_ok(&app, &id, &body).await;
    assert_eq!(user["addresses"].as_array().unwrap().len(), 2);
    assert_eq!(user["addresses"][1]["streetAddress"], "2 Side St");
    assert_eq!(
        user["addresses"][0],
        json!({ "type": "home", "locality": "Oslo" })
    );
}

async fn entra_validator_email_burst(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let id = create(&app, &entra_user("Test_User_00aa00aa")).await;
    let body = ops(json!([
        {"op":"add","path":"emails[type eq \"home\"].value","value":"home@example.com"},
        {"op":"add","path":"emails[type eq \"other\"].value","value":"other@example.com"},
        {"op":"replace","path":"emails[type eq \"work\"].display","value":"Work"},
        {"op":"replace","path":"emails[type eq \"home\"].primary","value":"True"}
    ]));
    let user = patch_ok(&app, &id, &body).await;
    assert_eq!(
        user["emails"],
        json!([
            { "primary": false, "type": "work", "value": "Test_User_11bb11bb@testuser.com", "display": "Work" },
            { "type": "home", "value": "home@example.com", "primary": true },
            { "type": "other", "value": "other@example.com" }
        ]),
        "one primary at most (RFC 7643 §2.4)"
    );
}

async fn entra_remove_with_value_on_email_path_removes(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let mut user = entra_user("Test_User_00aa00aa");
    user["emails"] = json!([
        { "type": "work", "value": "updated@example.org" },
        { "type": "home", "value": "home@example.org" }
    ]);
    let id = create(&app, &user).await;
    let other = ops(json!([
        {"op":"Remove","path":"emails[type eq \"work\"].value","value":"someone.else@example.org"}
    ]));
    let user = patch_ok(&app, &id, &other).await;
    assert_eq!(
        user["emails"].as_array().unwrap().len(),
        2,
        "no match, no change"
    );
    let body = ops(json!([
        {"op":"Remove","path":"emails[type eq \"work\"].value","value":"updated@example.org"}
    ]));
    let user = patch_ok(&app, &id, &body).await;
    assert_eq!(
        user["emails"],
        json!([{ "type": "home", "value": "home@example.org" }]),
        "removed, never set"
    );
}

async fn entra_manager_shapes_are_returned_as_objects(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let manager = create(&app, &okta_user("boss@example.com")).await;
    let id = create(&app, &entra_user("Test_User_00aa00aa")).await;
    let path = format!("{ENTERPRISE}:manager");
    // Observed from Entra: a bare id string.
    let body = ops(json!([{"op":"add","path": path,"value": manager}]));
    let user = patch_ok(&app, &id, &body).await;
    let reference = app.url(&format!("/scim/v2/Users/{manager}"));
    // A manager who is a user of the account comes back with $ref and displayName (RFC 7643 §4.3).
    assert_eq!(
        user[ENTERPRISE]["manager"],
        json!({ "value": manager, "$ref": reference, "displayName": "Test User" })
    );
    // RFC shape, and the legacy sample's unqualified path with a one-element list.
    let body = ops(json!([{"op":"replace","path": path,"value": {"value": "00aa-other"}}]));
    let user = patch_ok(&app, &id, &body).await;
    assert_eq!(
        user[ENTERPRISE]["manager"],
        json!({ "value": "00aa-other" })
    );
    let body =
        ops(json!([{"op":"Add","path":"manager","value":[{"$ref": reference,"value": manager}]}]));
    let user = patch_ok(&app, &id, &body).await;
    assert_eq!(
        user[ENTERPRISE]["manager"],
        json!({ "value": manager, "$ref": reference, "displayName": "Test User" }),
    );
    // Removal: Remove with the path, or "Replace with empty".
    let body = ops(json!([{"op":"Remove","path": path}]));
    let user = patch_ok(&app, &id, &body).await;
    assert_eq!(user[ENTERPRISE], json!({ "employeeNumber": "701984" }));
    patch_ok(
        &app,
        &id,
        &ops(json!([{"op":"add","path": path,"value": manager}])),
    )
    .await;
    let body = ops(json!([{"op":"Replace","path": path,"value": ""}]));
    let user = patch_ok(&app, &id, &body).await;
    assert!(user[ENTERPRISE].get("manager").is_none(), "{user}");
}

async fn entra_roles_encoded_assertive_and_primary_filter(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let id = create(&app, &entra_user("Test_User_00aa00aa")).await;
    let body = ops(json!([{"op":"Add","path":"roles","value":[
        {"value":"{\"id\":\"06b07648-ecfe-589f-9d2f-6f3db1ec8c14\",\"value\":\"25\",\"displayName\":\"Role1234\"}"}
    ]}]));
    let user = patch_ok(&app, &id, &body).await;
    assert_eq!(
        user["roles"],
        json!([{ "value": "25", "display": "Role1234" }])
    );
    // AssertiveAppRoleAssignmentsComplex: the whole list.
    let body = ops(json!([{"op":"replace","path":"roles","value":[
        {"primary": true, "type": "WindowsAzureActiveDirectoryRole", "value": "Admin"},
        {"primary": false, "type": "WindowsAzureActiveDirectoryRole", "value": "Reader"}
    ]}]));
    let user = patch_ok(&app, &id, &body).await;
    assert_eq!(user["roles"].as_array().unwrap().len(), 2);
    assert_eq!(user["roles"][0]["value"], "Admin");
    let body =
        ops(json!([{"op":"Replace","path":"roles[primary eq \"True\"].value","value":"Owner"}]));
    let user = patch_ok(&app, &id, &body).await;
    assert_eq!(
        user["roles"],
        json!([
            {"primary": true, "type": "WindowsAzureActiveDirectoryRole", "value": "Owner"},
            {"primary": false, "type": "WindowsAzureActiveDirectoryRole", "value": "Reader"}
        ])
    );
}

async fn entra_disable_and_enable_with_string_and_boolean(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let id = create(&app, &entra_user("Test_User_00aa00aa")).await;
    for (value, active) in [
        (json!("False"), false),
        (json!("True"), true),
        (json!(false), false),
        (json!("true"), true),
        (json!("false"), false),
    ] {
        let body = json!({ "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
          "Operations": [{ "op": "Replace", "path": "active", "value": value }] });
        let user = patch_ok(&app, &id, &body).await;
        assert_eq!(user["active"], active, "sent {value}");
    }
    // A disabled user stays listed (§2.8), with active false.
    let list: Value = app.scim_get("/scim/v2/Users").await.json().await.unwrap();
    assert_eq!(list["Resources"][0]["id"], id.as_str());
    assert_eq!(list["Resources"][0]["active"], false);
}

async fn operations_are_all_or_nothing(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let id = create(&app, &entra_user("Test_User_00aa00aa")).await;
    let before = get(&app, &id).await;
    let body = ops(json!([
        {"op":"replace","path":"displayName","value":"Changed"},
        {"op":"replace","path":"name.familyName","value":"Changed"},
        {"op":"replace","path":"emails[type eq \"work\"].primary","value":"maybe"}
    ]));
    let error = assert_scim_error(send(&app, &id, &body).await, 400).await;
    assert_eq!(error["scimType"], "invalidValue");
    assert!(
        error["detail"].as_str().unwrap().starts_with("operation 3"),
        "{error}"
    );
    // Fails while applying, after the first operation was applied to the
    // copy: no email matches, and a `co` filter describes none to create.
    let body = ops(json!([
        {"op":"replace","path":"displayName","value":"Changed"},
        {"op":"add","path":"emails[value co \"nobody\"].display","value":"x"}
    ]));
    let error = assert_scim_error(send(&app, &id, &body).await, 400).await;
    assert_eq!(error["scimType"], "noTarget");
    assert!(
        error["detail"].as_str().unwrap().starts_with("operation 2"),
        "{error}"
    );
    // Fails in the store: the transaction is rolled back.
    create(&app, &okta_user("taken@example.com")).await;
    let body = ops(json!([
        {"op":"replace","path":"displayName","value":"Changed"},
        {"op":"replace","path":"userName","value":"taken@example.com"}
    ]));
    assert_scim_error(send(&app, &id, &body).await, 409).await;
    let response = app.scim_get(&format!("/scim/v2/Users/{id}")).await;
    let etag = response.headers().get("etag").unwrap().to_str().unwrap();
    assert_eq!(etag, "W/\"1\"", "the ETag has not moved");
    let after: Value = response.json().await.unwrap();
    assert_eq!(after, before, "nothing applied");
}

async fn errors_carry_their_scim_type(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let id = create(&app, &entra_user("Test_User_00aa00aa")).await;
    let before = get(&app, &id).await;
    for (operation, scim_type) in [
        (
            json!({"op":"replace","path":"nosuch","value":"x"}),
            "invalidPath",
        ),
        (
            json!({"op":"replace","path":"emails[type eq","value":"x"}),
            "invalidPath",
        ),
        (
            json!({"op":"replace","path":"name.nosuch","value":"x"}),
            "invalidPath",
        ),
        (json!({"op":"remove"}), "noTarget"),
        (
            json!({"op":"replace","path":"active","value":"maybe"}),
            "invalidValue",
        ),
        (
            json!({"op":"replace","path":"userName","value":""}),
            "invalidValue",
        ),
        (
            json!({"op":"replace","path":"userName","value":"   "}),
            "invalidValue",
        ),
        (
            json!({"op":"replace","path":"name.givenName","value":42}),
            "invalidValue",
        ),
        (json!({"op":"replace","path":"displayName"}), "invalidValue"),
        (json!({"op":"remove","path":"userName"}), "mutability"),
        (
            json!({"op":"replace","path":"id","value":"x"}),
            "mutability",
        ),
        (
            json!({"op":"replace","path":"meta.created","value":"2020-01-01T00:00:00Z"}),
            "mutability",
        ),
        (
            json!({"op":"move","path":"displayName","value":"x"}),
            "invalidSyntax",
        ),
        (json!("replace"), "invalidSyntax"),
    ] {
        // After a valid operation, which must not be applied either.
        let rename = json!({"op":"replace","path":"displayName","value":"Changed"});
        let body = ops(json!([rename, operation]));
        let detail = assert_refused(&app, &id, &body, scim_type).await;
        assert!(detail.starts_with("operation 2: "), "{detail}");
    }
    for body in [
        json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "Operations": []}),
        json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": []}),
        json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"]}),
        json!({"Operations": {"op": "replace"}}),
        json!([{"op":"replace","value":{"active":false}}]),
    ] {
        assert_refused(&app, &id, &body, "invalidSyntax").await;
    }
    assert_eq!(
        get(&app, &id).await,
        before,
        "no refused request changed anything"
    );
}

async fn too_many_operations_is_413(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let id = create(&app, &entra_user("Test_User_00aa00aa")).await;
    let limit = roster::scim::limits::RequestLimits::DEFAULT_MAX_PATCH_OPERATIONS;
    let operation = json!({"op":"replace","path":"displayName","value":"x"});
    let error = assert_scim_error(
        send(
            &app,
            &id,
            &ops(Value::Array(vec![operation.clone(); limit + 1])),
        )
        .await,
        413,
    )
    .await;
    assert!(
        error["detail"]
            .as_str()
            .unwrap()
            .contains(&limit.to_string()),
        "{error}"
    );
    let user = patch_ok(&app, &id, &ops(Value::Array(vec![operation; limit]))).await;
    assert_eq!(user["displayName"], "x");
}

async fn unknown_and_foreign_ids_are_404(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let id = create(&app, &entra_user("Test_User_00aa00aa")).await;
    let before = get(&app, &id).await;
    let body = ops(json!([{"op":"replace","value":{"active":false}}]));
    for unknown in [
        "0190a0b0-0000-7000-8000-000000000000",
        "010101001010101011001010101011",
    ] {
        assert_scim_error(send(&app, unknown, &body).await, 404).await;
    }
    assert!(app.cli(&["accounts", "create", "other"]).status.success());
    let other = app.cli(&["tokens", "issue", "--account", "other", "--scope", "scim"]);
    let token = String::from_utf8(other.stdout).unwrap().trim().to_owned();
    assert_scim_error(send_as(&app, &token, &id, body.to_string()).await, 404).await;
    assert_eq!(get(&app, &id).await, before);
}

async fn stale_if_match_is_412(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let id = create(&app, &entra_user("Test_User_00aa00aa")).await;
    let with_if_match = |version: &'static str, value: &'static str| {
        users(&app, Method::PATCH, &format!("/{id}"))
            .header("if-match", version)
            .json(&ops(
                json!([{"op":"replace","path":"displayName","value": value}]),
            ))
            .send()
    };
    assert_eq!(
        with_if_match("W/\"1\"", "first").await.unwrap().status(),
        200
    );
    let error = assert_scim_error(with_if_match("W/\"1\"", "stale").await.unwrap(), 412).await;
    assert!(
        error["detail"].as_str().unwrap().contains("W/\"2\""),
        "{error}"
    );
    assert_eq!(get(&app, &id).await["displayName"], "first");
    assert_eq!(
        with_if_match("W/\"2\"", "second").await.unwrap().status(),
        200
    );
    assert_eq!(with_if_match("*", "any").await.unwrap().status(), 200);
    assert_eq!(get(&app, &id).await["meta"]["version"], "W/\"4\"");
}

async fn taken_user_name_is_409_uniqueness(db: TestDb) {
    let app = TestApp::spawn(db).await;
    create(&app, &okta_user("taken@example.com")).await;
    let id = create(&app, &okta_user("mine@example.com")).await;
    let before = get(&app, &id).await;
    for body in [
        ops(json!([{"op":"replace","path":"userName","value":"TAKEN@Example.com"}])),
        ops(json!([{"op":"replace","value":{"userName":"taken@example.com"}}])),
    ] {
        let error = assert_scim_error(send(&app, &id, &body).await, 409).await;
        assert_eq!(error["scimType"], "uniqueness");
    }
    assert_eq!(get(&app, &id).await, before);
    // Its own name in another case is not a clash.
    let body = ops(json!([{"op":"replace","path":"userName","value":"Mine@Example.com"}]));
    assert_eq!(
        patch_ok(&app, &id, &body).await["userName"],
        "Mine@Example.com"
    );
}

async fn bad_bodies_never_500(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let id = create(&app, &entra_user("Test_User_00aa00aa")).await;
    let before = get(&app, &id).await;
    let huge = "é".repeat(300_000);
    let deep_value = format!("{}1{}", "[".repeat(100), "]".repeat(100));
    let deep_json = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    let raw_bodies = [
        "{not json".to_owned(),
        String::new(),
        "null".to_owned(),
        deep_json,
        format!(
            r#"{{"Operations":[{{"op":"replace","path":"displayName","value":{deep_value}}}]}}"#
        ),
        format!(r#"{{"Operations":[{{"op":"replace","value":{{"nickName":{deep_value}}}}}]}}"#),
        format!(r#"{{"Operations":[{{"op":"replace","path":"{huge}","value":"x"}}]}}"#),
        format!(r#"{{"Operations":[{{"op":"{huge}","path":"displayName","value":"x"}}]}}"#),
        format!(r#"{{"Operations":[{{"op":"replace","value":{{"{huge}":"x"}}}}]}}"#),
        r#"{"Operations":[{"op":5,"path":"displayName","value":"x"}]}"#.to_owned(),
        r#"{"Operations":[{"op":"replace","path":5,"value":"x"}]}"#.to_owned(),
        r#"{"Operations":[{"op":"replace","path":"emails","value":5}]}"#.to_owned(),
        r#"{"Operations":[{"op":"replace","path":"name","value":[1,2]}]}"#.to_owned(),
        r#"{"Operations":[{"op":"add","path":"emails[type eq \"work\"]","value":"x"}]}"#.to_owned(),
        r#"{"Operations":"replace"}"#.to_owned(),
        r#"{"operations":[],"OPERATIONS":[]}"#.to_owned(),
    ];
    for body in raw_bodies {
        let response = send_as(&app, &app.scim_token, &id, body.clone()).await;
        let status = response.status().as_u16();
        assert!(
            (400..500).contains(&status),
            "{status} for {}",
            body.chars().take(120).collect::<String>()
        );
        assert_scim_error(response, status).await;
    }
    let wrong_type = users(&app, Method::PATCH, &format!("/{id}"))
        .header("content-type", "text/plain")
        .body(ops(json!([{"op":"replace","value":{"active":false}}])).to_string())
        .send()
        .await
        .unwrap();
    assert_scim_error(wrong_type, 415).await;
    assert_eq!(get(&app, &id).await, before, "nothing was changed");
}

async fn unchanged_documents_keep_their_version(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let id = create(&app, &entra_user("Test_User_00aa00aa")).await;
    let before = get(&app, &id).await;
    for body in [
        ops(json!([{"op":"replace","path":"active","value":"True"}])),
        ops(json!([{"op":"remove","path":"nickName"}])),
        ops(
            json!([{"op":"add","path":"emails","value":[{"type":"work","value":"Test_User_11bb11bb@testuser.com","primary":true}]}]),
        ),
        ops(json!([{"op":"replace","value":{"name.givenName":"givenName","id":"ignored"}}])),
    ] {
        let user = patch_ok(&app, &id, &body).await;
        assert_eq!(user, before, "{body} changed nothing, so the version stays");
    }
    // PUT shares the rule: sending back what was read changes nothing.
    assert_eq!(put(&app, &id, &before).await.status(), 200);
    assert_eq!(get(&app, &id).await, before);
    let user = patch_ok(
        &app,
        &id,
        &ops(json!([{"op":"replace","path":"nickName","value":"N"}])),
    )
    .await;
    assert_eq!(user["meta"]["version"], "W/\"2\"");
    assert_ne!(user["meta"]["lastModified"], before["meta"]["lastModified"]);
    assert_eq!(user["meta"]["created"], before["meta"]["created"]);
}

async fn response_honours_attributes_and_excluded_attributes(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let id = create(&app, &entra_user("Test_User_00aa00aa")).await;
    let patch = |query: &'static str, value: &'static str| {
        users(&app, Method::PATCH, &format!("/{id}?{query}"))
            .json(&ops(
                json!([{"op":"replace","path":"displayName","value": value}]),
            ))
            .send()
    };
    let only: Value = patch("attributes=displayName", "A")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let keys: Vec<&str> = only
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert!(
        keys.contains(&"displayName") && keys.contains(&"id"),
        "{only}"
    );
    assert!(
        !keys.contains(&"emails") && !keys.contains(&"userName"),
        "{only}"
    );
    let without: Value = patch("excludedAttributes=emails,name", "B")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(without["displayName"], "B");
    assert!(
        without.get("emails").is_none() && without.get("name").is_none(),
        "{without}"
    );
    assert_eq!(without["userName"], "Test_User_00aa00aa");
}

async fn concurrent_patches_lose_nothing(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let id = create(&app, &entra_user("Test_User_00aa00aa")).await;
    let requests = (0..12).map(|n| {
        let body = ops(
            json!([{"op":"add","path":"emails","value":[{"value": format!("{n}@example.com")}]}]),
        );
        send_as(&app, &app.scim_token, &id, body.to_string())
    });
    for response in futures_util::future::join_all(requests).await {
        assert_eq!(response.status(), 200);
    }
    let user = get(&app, &id).await;
    assert_eq!(user["emails"].as_array().unwrap().len(), 13, "{user}");
    assert_eq!(user["meta"]["version"], "W/\"13\"");
}

/// `len` bytes of hex that does not compress (PostgreSQL compresses long index entries).
fn noise(len: usize) -> String {
    let mut text = String::new();
    while text.len() < len {
        text.push_str(&uuid::Uuid::new_v4().simple().to_string());
    }
    text.truncate(len);
    text
}

async fn over_long_indexed_values_are_400_not_500(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let id = create(&app, &entra_user("Test_User_00aa00aa")).await;
    let before = get(&app, &id).await;
    let max = roster::scim::resource::MAX_INDEXED_BYTES;
    let paths = [
        "userName",
        "displayName",
        "externalId",
        "emails[type eq \"work\"].value",
        "emails[type eq \"work\"].type",
    ];
    for path in paths {
        let body = ops(json!([{"op":"replace","path": path,"value": noise(max + 1)}]));
        let error = assert_scim_error(send(&app, &id, &body).await, 400).await;
        assert_eq!(error["scimType"], "invalidValue", "{path}: {error}");
        let attribute = path.split('[').next().unwrap();
        assert!(
            error["detail"].as_str().unwrap().contains(attribute),
            "{error}"
        );
    }
    let mut too_long = entra_user(&noise(max + 1));
    assert_scim_error(post(&app, &too_long).await, 400).await;
    too_long["userName"] = before["userName"].clone();
    too_long["displayName"] = json!(noise(max + 1));
    assert_scim_error(put(&app, &id, &too_long).await, 400).await;
    assert_eq!(get(&app, &id).await, before, "nothing was changed");
    // Up to the limit is taken; attributes that are not indexed go up to
    // the general `max_value_bytes` (tests/api/limits.rs).
    let general = roster::scim::limits::RequestLimits::DEFAULT_MAX_VALUE_BYTES;
    let operations: Vec<Value> = paths
        .iter()
        .map(|path| json!({"op":"replace","path": path,"value": noise(max)}))
        .chain([json!({"op":"replace","path":"nickName","value": noise(general)})])
        .collect();
    let user = patch_ok(&app, &id, &ops(Value::Array(operations))).await;
    assert_eq!(user["userName"].as_str().unwrap().len(), max);
    assert_eq!(user["nickName"].as_str().unwrap().len(), general);
}

async fn nul_characters_are_400_not_500(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let id = create(&app, &entra_user("Test_User_00aa00aa")).await;
    let before = get(&app, &id).await;
    for operation in [
        json!({"op":"replace","path":"displayName","value":"a\u{0}b"}),
        json!({"op":"add","path":"emails[type eq \"home\"].value","value":"\u{0}@example.com"}),
        json!({"op":"replace","value":{"nickName":"\u{0}"}}),
        json!({"op":"add","value":{ENTERPRISE: {"badge\u{0}": "B-1"}}}),
        json!({"op":"add","path":format!("{ENTERPRISE}:badge"),"value":{"x": ["\u{0}"]}}),
    ] {
        let error = assert_scim_error(send(&app, &id, &ops(json!([operation]))).await, 400).await;
        assert_eq!(error["scimType"], "invalidValue", "{error}");
    }
    assert_eq!(get(&app, &id).await, before, "nothing was changed");
}
