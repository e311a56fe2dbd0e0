//! `/scim/v2/Users`: create, read, replace, delete and paging, as Okta and
//! Entra drive them (docs/OKTA.md, docs/ENTRA.md).

use serde_json::{Value, json};

use crate::helpers::{TestApp, TestDb, assert_scim_content_type, assert_scim_error};

crate::on_both_databases!(
    okta_create_then_duplicate_is_409_case_insensitively,
    okta_put_update_and_deactivate_keep_the_user_readable,
    delete_then_404,
    paging_is_stable_and_item_count_is_actual,
    another_accounts_token_sees_nothing,
    bad_bodies_are_400_and_change_nothing,
);

/// Okta's create body (docs/OKTA.md).
pub(crate) fn okta_user(user_name: &str) -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": user_name,
        "name": { "givenName": "Test", "familyName": "User" },
        "emails": [{ "primary": true, "value": user_name, "type": "work" }],
        "displayName": "Test User", "locale": "en-US", "externalId": "00ujl29u0le5T6Aj10h7",
        "groups": [], "password": "1mz050nq", "active": true
    })
}

async fn post(app: &TestApp, body: &Value) -> reqwest::Response {
    app.client
        .post(app.url("/scim/v2/Users"))
        .bearer_auth(&app.scim_token)
        .header("content-type", "application/scim+json; charset=utf-8")
        .json(body)
        .send()
        .await
        .unwrap()
}

async fn create(app: &TestApp, user_name: &str) -> Value {
    let response = post(app, &okta_user(user_name)).await;
    assert_eq!(response.status(), 201);
    response.json().await.unwrap()
}

async fn okta_create_then_duplicate_is_409_case_insensitively(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let response = post(&app, &okta_user("test.user@okta.local")).await;
    assert_eq!(response.status(), 201);
    assert_scim_content_type(&response);
    let location = response
        .headers()
        .get("location")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    let etag = response
        .headers()
        .get("etag")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    let user: Value = response.json().await.unwrap();
    let id = user["id"].as_str().unwrap();
    assert_eq!(location, app.url(&format!("/scim/v2/Users/{id}")));
    assert_eq!(user["meta"]["version"], etag);
    assert_eq!(user["active"], true);
    assert_eq!(user["name"]["familyName"], "User");
    assert_eq!(
        user["schemas"][0],
        "urn:ietf:params:scim:schemas:core:2.0:User"
    );
    assert!(user.get("password").is_none(), "password is never returned");

    let fetched: Value = app
        .scim_get(&format!("/scim/v2/Users/{id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(fetched, user);
    let not_modified = app
        .client
        .get(app.url(&format!("/scim/v2/Users/{id}")))
        .bearer_auth(&app.scim_token)
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(not_modified.status(), 304);

    for duplicate in ["test.user@okta.local", "TEST.User@OKTA.local"] {
        let body = assert_scim_error(post(&app, &okta_user(duplicate)).await, 409).await;
        assert_eq!(body["scimType"], "uniqueness");
    }
    // The Okta SPEC test's unknown id.
    assert_scim_error(
        app.scim_get("/scim/v2/Users/010101001010101011001010101011")
            .await,
        404,
    )
    .await;
}

async fn okta_put_update_and_deactivate_keep_the_user_readable(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let mut user = create(&app, "put@okta.local").await;
    let id = user["id"].as_str().unwrap().to_owned();
    user["name"] = json!({ "givenName": "Another", "middleName": "Excited", "familyName": "User" });
    user["active"] = json!(false);
    let response = app
        .client
        .put(app.url(&format!("/scim/v2/Users/{id}")))
        .bearer_auth(&app.scim_token)
        .json(&user)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let updated: Value = response.json().await.unwrap();
    assert_eq!(updated["name"]["givenName"], "Another");
    assert_eq!(updated["active"], false);
    assert_eq!(updated["meta"]["version"], "W/\"2\"");
    assert_eq!(updated["id"], id.as_str());

    let read: Value = app
        .scim_get(&format!("/scim/v2/Users/{id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(read["active"], false, "deactivated users stay readable");

    let stale = app
        .client
        .put(app.url(&format!("/scim/v2/Users/{id}")))
        .bearer_auth(&app.scim_token)
        .header("if-match", "W/\"1\"")
        .json(&user)
        .send()
        .await
        .unwrap();
    assert_scim_error(stale, 412).await;
}

async fn delete_then_404(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let user = create(&app, "gone@example.com").await;
    let path = format!("/scim/v2/Users/{}", user["id"].as_str().unwrap());
    let delete = || {
        app.client
            .delete(app.url(&path))
            .bearer_auth(&app.scim_token)
            .send()
    };
    assert_eq!(delete().await.unwrap().status(), 204);
    assert_scim_error(delete().await.unwrap(), 404).await;
    assert_scim_error(app.scim_get(&path).await, 404).await;
    // The userName is free again.
    assert_eq!(
        post(&app, &okta_user("gone@example.com")).await.status(),
        201
    );
}

async fn paging_is_stable_and_item_count_is_actual(db: TestDb) {
    let app = TestApp::spawn(db).await;
    for n in 0..7 {
        create(&app, &format!("user{n}@example.com")).await;
    }
    let mut seen = Vec::new();
    for start in [1, 4, 7] {
        let page: Value = app
            .scim_get(&format!("/scim/v2/Users?startIndex={start}&count=3"))
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(page["totalResults"], 7);
        assert_eq!(page["startIndex"], start);
        let resources = page["Resources"].as_array().unwrap();
        assert_eq!(page["itemsPerPage"], resources.len());
        seen.extend(
            resources
                .iter()
                .map(|u| u["userName"].as_str().unwrap().to_owned()),
        );
    }
    let mut unique = seen.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(
        (seen.len(), unique.len()),
        (7, 7),
        "no user skipped or repeated: {seen:?}"
    );

    let beyond: Value = app
        .scim_get("/scim/v2/Users?startIndex=101&count=100")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (
            beyond["itemsPerPage"].as_u64(),
            beyond["totalResults"].as_u64()
        ),
        (Some(0), Some(7))
    );
    let only_total: Value = app
        .scim_get("/scim/v2/Users?count=0")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (
            only_total["itemsPerPage"].as_u64(),
            only_total["totalResults"].as_u64()
        ),
        (Some(0), Some(7))
    );
    let projected: Value = app
        .scim_get("/scim/v2/Users?count=1&attributes=userName")
        .await
        .json()
        .await
        .unwrap();
    let first = projected["Resources"][0].as_object().unwrap();
    assert!(
        first.contains_key("userName") && first.contains_key("id") && !first.contains_key("emails")
    );
    assert_scim_error(app.scim_get("/scim/v2/Users?count=ten").await, 400).await;
}

async fn another_accounts_token_sees_nothing(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let user = create(&app, "private@a.example").await;
    let id = user["id"].as_str().unwrap();
    assert!(app.cli(&["accounts", "create", "other"]).status.success());
    let other = app.cli(&["tokens", "issue", "--account", "other", "--scope", "scim"]);
    let token = String::from_utf8(other.stdout).unwrap().trim().to_owned();
    let get = app
        .client
        .get(app.url(&format!("/scim/v2/Users/{id}")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_scim_error(get, 404).await;
    let put = app
        .client
        .put(app.url(&format!("/scim/v2/Users/{id}")))
        .bearer_auth(&token)
        .json(&okta_user("stolen@b.example"))
        .send()
        .await
        .unwrap();
    assert_scim_error(put, 404).await;
    let delete = app
        .client
        .delete(app.url(&format!("/scim/v2/Users/{id}")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_scim_error(delete, 404).await;
    let list: Value = app
        .client
        .get(app.url("/scim/v2/Users"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list["totalResults"], 0);
    // The same userName is free in the other account.
    let created = app
        .client
        .post(app.url("/scim/v2/Users"))
        .bearer_auth(&token)
        .json(&okta_user("private@a.example"))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    let unchanged: Value = app
        .scim_get(&format!("/scim/v2/Users/{id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(unchanged, user);
}

async fn bad_bodies_are_400_and_change_nothing(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let raw = |body: String, content_type: &'static str| {
        app.client
            .post(app.url("/scim/v2/Users"))
            .bearer_auth(&app.scim_token)
            .header("content-type", content_type)
            .body(body)
            .send()
    };
    let body = assert_scim_error(
        raw("{not json".into(), "application/scim+json")
            .await
            .unwrap(),
        400,
    )
    .await;
    assert_eq!(body["scimType"], "invalidSyntax");
    assert_scim_error(raw("{}".into(), "text/plain").await.unwrap(), 415).await;
    let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    assert_scim_error(raw(deep, "application/json").await.unwrap(), 400).await;
    for body in [
        json!({"name": {"givenName": "x"}}),
        json!({"userName": 42}),
        json!({"userName": "x", "active": "maybe"}),
    ] {
        let error = assert_scim_error(post(&app, &body).await, 400).await;
        assert_eq!(error["scimType"], "invalidValue", "{body}");
    }
    let list: Value = app.scim_get("/scim/v2/Users").await.json().await.unwrap();
    assert_eq!(list["totalResults"], 0, "nothing was created");
}
