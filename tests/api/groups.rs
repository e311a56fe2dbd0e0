//! `/scim/v2/Groups` as Okta and Entra drive it
//! (docs/OKTA.md, docs/ENTRA.md): create, look up,
//! rename, every membership PATCH shape, PUT with the full member list,
//! delete; concurrent membership changes; and the users' `groups` attribute.

use serde_json::{Value, json};

use crate::helpers::{TestApp, TestDb, assert_scim_content_type, assert_scim_error};

crate::on_both_databases!(
    okta_group_push_create_lookup_rename_membership_and_delete,
    entra_group_flow_with_excluded_members_and_204s,
    membership_patch_shapes_and_their_edge_cases,
    unknown_member_ids_are_skipped_never_refused,
    put_replaces_the_member_list_and_keeps_it_when_omitted,
    users_groups_attribute_and_filters_follow_membership,
    concurrent_single_member_patches_lose_nothing,
    concurrent_add_and_remove_of_one_member_end_in_the_last_committed_state,
    display_names_are_unique_ignoring_case_and_other_accounts_see_nothing,
    several_operations_apply_atomically,
    root_search_spans_users_then_groups,
);

const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

async fn users(app: &TestApp, count: usize) -> Vec<String> {
    let mut ids = Vec::with_capacity(count);
    for index in 0..count {
        let user = app
            .create_user(&json!({"userName": format!("member{index}@example.com"), "displayName": format!("Member {index}")}))
            .await;
        ids.push(user["id"].as_str().unwrap().to_owned());
    }
    ids
}

async fn send(
    app: &TestApp,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
) -> reqwest::Response {
    let mut request = app
        .client
        .request(method, app.url(path))
        .bearer_auth(&app.scim_token)
        .header("content-type", "application/scim+json");
    if let Some(body) = body {
        request = request.json(&body);
    }
    request.send().await.unwrap()
}

async fn create_group(app: &TestApp, body: Value) -> Value {
    let response = send(app, reqwest::Method::POST, "/scim/v2/Groups", Some(body)).await;
    assert_eq!(response.status(), 201);
    assert_scim_content_type(&response);
    response.json().await.unwrap()
}

async fn patch(app: &TestApp, id: &str, operations: Value) -> reqwest::Response {
    send(
        app,
        reqwest::Method::PATCH,
        &format!("/scim/v2/Groups/{id}"),
        Some(json!({"schemas": [PATCH_OP], "Operations": operations})),
    )
    .await
}

async fn patch_ok(app: &TestApp, id: &str, operations: Value) {
    let response = patch(app, id, operations.clone()).await;
    assert_eq!(
        response.status(),
        204,
        "{operations}: {}",
        response.text().await.unwrap()
    );
}

/// The group's member ids, sorted.
async fn member_ids(app: &TestApp, id: &str) -> Vec<String> {
    let response = app.scim_get(&format!("/scim/v2/Groups/{id}")).await;
    assert_eq!(response.status(), 200);
    let group: Value = response.json().await.unwrap();
    let mut ids: Vec<String> = group["members"]
        .as_array()
        .unwrap_or(&Vec::new())
        .iter()
        .map(|member| member["value"].as_str().unwrap().to_owned())
        .collect();
    ids.sort();
    ids
}

fn sorted(ids: &[&String]) -> Vec<String> {
    let mut ids: Vec<String> = ids.iter().map(|id| (*id).clone()).collect();
    ids.sort();
    ids
}

async fn okta_group_push_create_lookup_rename_membership_and_delete(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let ids = users(&app, 3).await;
    let missing = app
        .scim_get(
            "/scim/v2/Groups?filter=displayName%20eq%20%22Test%20SCIMv2%22&startIndex=1&count=100",
        )
        .await;
    let missing: Value = missing.json().await.unwrap();
    assert_eq!(missing["totalResults"], 0);
    let group = create_group(
        &app,
        json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "Test SCIMv2", "members": []}),
    )
    .await;
    let id = group["id"].as_str().unwrap();
    assert_eq!(group["displayName"], "Test SCIMv2");
    assert_eq!(group["members"], json!([]));
    assert_eq!(group["meta"]["resourceType"], "Group");
    let found: Value = app
        .scim_get(
            "/scim/v2/Groups?filter=displayName%20eq%20%22test%20scimv2%22&startIndex=1&count=100",
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(found["totalResults"], 1);
    assert_eq!(found["Resources"][0]["id"], id);
    // Rename with the read-only id in a path-less value.
    patch_ok(
        &app,
        id,
        json!([{"op": "replace", "value": {"id": id, "displayName": "Test SCIMv2 renamed"}}]),
    )
    .await;
    // Mixed remove and add in one request; member objects carry display and no type.
    patch_ok(
        &app,
        id,
        json!([
            {"op": "remove", "path": format!("members[value eq \"{}\"]", ids[2])},
            {"op": "add", "path": "members", "value": [
                {"value": ids[0], "display": "member0@example.com"},
                {"value": ids[1], "display": "member1@example.com"}]}
        ]),
    )
    .await;
    assert_eq!(member_ids(&app, id).await, sorted(&[&ids[0], &ids[1]]));
    let group: Value = app
        .scim_get(&format!("/scim/v2/Groups/{id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(group["displayName"], "Test SCIMv2 renamed");
    let member = group["members"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["value"] == ids[0])
        .unwrap();
    assert_eq!(member["display"], "Member 0");
    assert_eq!(member["type"], "User");
    assert!(
        member["$ref"]
            .as_str()
            .unwrap()
            .ends_with(&format!("/scim/v2/Users/{}", ids[0]))
    );
    // Push now: the full set with replace, then the empty set.
    patch_ok(
        &app,
        id,
        json!([{"op": "replace", "path": "members", "value": [{"value": ids[2]}]}]),
    )
    .await;
    assert_eq!(member_ids(&app, id).await, [ids[2].clone()]);
    patch_ok(
        &app,
        id,
        json!([{"op": "replace", "path": "members", "value": []}]),
    )
    .await;
    assert!(member_ids(&app, id).await.is_empty());
    // Path-less replace with members (Okta Group Push).
    patch_ok(
        &app,
        id,
        json!([{"op": "replace", "value": {"members": [{"value": ids[0]}, {"value": ids[1]}]}}]),
    )
    .await;
    assert_eq!(member_ids(&app, id).await, sorted(&[&ids[0], &ids[1]]));
    // A rename alone never touches membership.
    patch_ok(
        &app,
        id,
        json!([{"op": "replace", "value": {"id": id, "displayName": "Test SCIMv2 renamed"}}]),
    )
    .await;
    assert_eq!(member_ids(&app, id).await.len(), 2);
    let deleted = send(
        &app,
        reqwest::Method::DELETE,
        &format!("/scim/v2/Groups/{id}"),
        None,
    )
    .await;
    assert_eq!(deleted.status(), 204);
    assert_eq!(
        app.scim_get(&format!("/scim/v2/Groups/{id}"))
            .await
            .status(),
        404
    );
    let user = app.scim_get(&format!("/scim/v2/Users/{}", ids[0])).await;
    assert_eq!(
        user.status(),
        200,
        "deleting a group never deletes its members"
    );
}

async fn entra_group_flow_with_excluded_members_and_204s(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let ids = users(&app, 2).await;
    let group = create_group(
        &app,
        json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group",
                        "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"],
            "externalId": "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159",
            "displayName": "displayName",
            "meta": {"resourceType": "Group"}
        }),
    )
    .await;
    let id = group["id"].as_str().unwrap();
    assert_eq!(group["externalId"], "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159");
    assert_eq!(group["members"], json!([]));
    patch_ok(
        &app,
        id,
        json!([{"op": "Add", "path": "members", "value": [{"$ref": null, "value": ids[0]}]}]),
    )
    .await;
    // Idempotent add.
    patch_ok(
        &app,
        id,
        json!([{"op": "Add", "path": "members", "value": [{"$ref": null, "value": ids[0]}]}]),
    )
    .await;
    patch_ok(
        &app,
        id,
        json!([{"op": "Add", "path": "members", "value": [{"$ref": null, "value": ids[1]}]}]),
    )
    .await;
    let by_id: Value = app
        .scim_get(&format!("/scim/v2/Groups/{id}?excludedAttributes=members"))
        .await
        .json()
        .await
        .unwrap();
    assert!(by_id.get("members").is_none(), "{by_id}");
    assert_eq!(by_id["displayName"], "displayName");
    let by_name: Value = app
        .scim_get(
            "/scim/v2/Groups?excludedAttributes=members&filter=displayName+eq+%22displayName%22",
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(by_name["totalResults"], 1);
    assert!(by_name["Resources"][0].get("members").is_none());
    let by_external: Value = app
        .scim_get("/scim/v2/Groups?filter=externalId+eq+%228aa1a0c0-c4c3-4bc0-b4a5-2ef676900159%22")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(by_external["Resources"][0]["id"], id);
    // Entra's default remove: path members with a value list removes only those.
    patch_ok(
        &app,
        id,
        json!([{"op": "Remove", "path": "members", "value": [{"$ref": null, "value": ids[0]}]}]),
    )
    .await;
    assert_eq!(member_ids(&app, id).await, [ids[1].clone()]);
    // Removing an absent member succeeds; the RFC form too.
    patch_ok(
        &app,
        id,
        json!([{"op": "Remove", "path": "members", "value": [{"value": ids[0]}]}]),
    )
    .await;
    patch_ok(
        &app,
        id,
        json!([{"op": "remove", "path": format!("members[value eq \"{}\"]", ids[0])}]),
    )
    .await;
    assert_eq!(member_ids(&app, id).await, [ids[1].clone()]);
    patch_ok(
        &app,
        id,
        json!([{"op": "Replace", "path": "displayName", "value": "1879db59-updatedDisplayName"}]),
    )
    .await;
    let renamed: Value = app
        .scim_get(&format!("/scim/v2/Groups/{id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(renamed["displayName"], "1879db59-updatedDisplayName");
    assert_eq!(member_ids(&app, id).await, [ids[1].clone()]);
    let deleted = send(
        &app,
        reqwest::Method::DELETE,
        &format!("/scim/v2/Groups/{id}"),
        None,
    )
    .await;
    assert_eq!(deleted.status(), 204);
}

async fn membership_patch_shapes_and_their_edge_cases(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let ids = users(&app, 3).await;
    let group = create_group(
        &app,
        json!({"displayName": "Edge", "members": [{"value": ids[0]}, {"value": ids[1]}]}),
    )
    .await;
    let id = group["id"].as_str().unwrap();
    assert_eq!(
        group["members"].as_array().unwrap().len(),
        2,
        "POST with members"
    );
    // An empty value list on remove removes nothing, never everything.
    patch_ok(
        &app,
        id,
        json!([{"op": "remove", "path": "members", "value": []}]),
    )
    .await;
    assert_eq!(member_ids(&app, id).await.len(), 2);
    // PATCH with attributes in the query answers 200 with the group.
    let response = app
        .client
        .patch(app.url(&format!("/scim/v2/Groups/{id}?attributes=displayName,members")))
        .bearer_auth(&app.scim_token)
        .json(&json!({"schemas": [PATCH_OP], "Operations": [{"op": "add", "path": "members", "value": [{"value": ids[2]}]}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["members"].as_array().unwrap().len(), 3);
    // Remove without a value empties the group.
    patch_ok(&app, id, json!([{"op": "remove", "path": "members"}])).await;
    assert!(member_ids(&app, id).await.is_empty());
    // Version moves with membership.
    let before: Value = app
        .scim_get(&format!("/scim/v2/Groups/{id}"))
        .await
        .json()
        .await
        .unwrap();
    patch_ok(
        &app,
        id,
        json!([{"op": "add", "path": "members", "value": [{"value": ids[0]}]}]),
    )
    .await;
    let after: Value = app
        .scim_get(&format!("/scim/v2/Groups/{id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_ne!(before["meta"]["version"], after["meta"]["version"]);
    // Unknown group → 404; bad operations → 400 with scimType.
    let missing = patch(
        &app,
        "00000000-0000-7000-8000-000000000000",
        json!([{"op": "add", "path": "members", "value": [{"value": ids[0]}]}]),
    )
    .await;
    assert_scim_error(missing, 404).await;
    for (operations, scim_type) in [
        (json!([{"op": "jump", "path": "members"}]), "invalidSyntax"),
        (
            json!([{"op": "add", "path": "nosuch", "value": "x"}]),
            "invalidPath",
        ),
        (
            json!([{"op": "replace", "path": "displayName", "value": 42}]),
            "invalidValue",
        ),
        (
            json!([{"op": "remove", "path": "displayName"}]),
            "mutability",
        ),
    ] {
        let error = assert_scim_error(patch(&app, id, operations.clone()).await, 400).await;
        assert_eq!(error["scimType"], scim_type, "{operations}");
    }
}

async fn unknown_member_ids_are_skipped_never_refused(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let ids = users(&app, 1).await;
    let group = create_group(
        &app,
        json!({"displayName": "Mixed", "members": [{"value": ids[0]}, {"value": "not-a-uuid"}, {"value": "01234567-89ab-7def-8123-456789abcdef"}]}),
    )
    .await;
    let id = group["id"].as_str().unwrap();
    assert_eq!(member_ids(&app, id).await, [ids[0].clone()]);
    patch_ok(&app, id, json!([{"op": "remove", "path": "members"}])).await;
    patch_ok(
        &app,
        id,
        json!([{"op": "add", "path": "members", "value": [{"value": "deleted-or-unknown"}, {"value": ids[0].to_uppercase()}]}]),
    )
    .await;
    assert_eq!(
        member_ids(&app, id).await,
        [ids[0].clone()],
        "valid members of the same request are kept"
    );
}

async fn put_replaces_the_member_list_and_keeps_it_when_omitted(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let ids = users(&app, 3).await;
    let group = create_group(
        &app,
        json!({"displayName": "AIW", "members": [{"value": ids[0]}]}),
    )
    .await;
    let id = group["id"].as_str().unwrap();
    let path = format!("/scim/v2/Groups/{id}");
    let put = |body: Value| send(&app, reqwest::Method::PUT, &path, Some(body));
    let response = put(
        json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "AIW",
                              "members": [{"value": ids[1], "display": "x"}, {"value": ids[2]}]}),
    )
    .await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["members"].as_array().unwrap().len(), 2);
    assert_eq!(member_ids(&app, id).await, sorted(&[&ids[1], &ids[2]]));
    let response = put(json!({"displayName": "AIW renamed"})).await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        member_ids(&app, id).await.len(),
        2,
        "a PUT without members keeps them"
    );
    let response = put(json!({"displayName": "AIW renamed", "members": []})).await;
    assert_eq!(response.status(), 200);
    assert!(member_ids(&app, id).await.is_empty());
    let stale = app
        .client
        .put(app.url(&format!("/scim/v2/Groups/{id}")))
        .bearer_auth(&app.scim_token)
        .header("if-match", "W/\"1\"")
        .json(&json!({"displayName": "stale"}))
        .send()
        .await
        .unwrap();
    assert_scim_error(stale, 412).await;
}

async fn users_groups_attribute_and_filters_follow_membership(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let ids = users(&app, 2).await;
    let engineering = create_group(
        &app,
        json!({"displayName": "Engineering", "members": [{"value": ids[0]}]}),
    )
    .await;
    let sales = create_group(
        &app,
        json!({"displayName": "Sales", "members": [{"value": ids[0]}, {"value": ids[1]}]}),
    )
    .await;
    let user: Value = app
        .scim_get(&format!("/scim/v2/Users/{}", ids[0]))
        .await
        .json()
        .await
        .unwrap();
    let mut groups: Vec<(String, String)> = user["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            (
                g["value"].as_str().unwrap().to_owned(),
                g["display"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    groups.sort();
    let mut expected = vec![
        (
            engineering["id"].as_str().unwrap().to_owned(),
            "Engineering".to_owned(),
        ),
        (sales["id"].as_str().unwrap().to_owned(), "Sales".to_owned()),
    ];
    expected.sort();
    assert_eq!(groups, expected);
    assert!(
        user["groups"][0]["$ref"]
            .as_str()
            .unwrap()
            .contains("/scim/v2/Groups/")
    );
    // groups is read-only: sending it changes nothing.
    let put = send(
        &app,
        reqwest::Method::PUT,
        &format!("/scim/v2/Users/{}", ids[1]),
        Some(json!({"userName": "member1@example.com", "groups": [{"value": engineering["id"]}]})),
    )
    .await;
    assert_eq!(put.status(), 200);
    let other: Value = put.json().await.unwrap();
    assert_eq!(
        other["groups"].as_array().unwrap().len(),
        1,
        "only Sales: {other}"
    );
    // Filters on membership, both ways.
    let in_engineering: Value = app
        .scim_get(&format!(
            "/scim/v2/Users?filter=groups.value+eq+%22{}%22",
            engineering["id"].as_str().unwrap()
        ))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(in_engineering["totalResults"], 1);
    assert_eq!(in_engineering["Resources"][0]["id"], ids[0]);
    let with_member: Value = app
        .scim_get(&format!(
            "/scim/v2/Groups?filter=members.value+eq+%22{}%22&excludedAttributes=members",
            ids[1]
        ))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(with_member["totalResults"], 1);
    assert_eq!(with_member["Resources"][0]["displayName"], "Sales");
    // Deleting a user removes its memberships.
    let deleted = send(
        &app,
        reqwest::Method::DELETE,
        &format!("/scim/v2/Users/{}", ids[0]),
        None,
    )
    .await;
    assert_eq!(deleted.status(), 204);
    assert_eq!(
        member_ids(&app, sales["id"].as_str().unwrap()).await,
        [ids[1].clone()]
    );
}

async fn concurrent_single_member_patches_lose_nothing(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let ids = users(&app, 50).await;
    let group = create_group(&app, json!({"displayName": "Concurrent"})).await;
    let id = group["id"].as_str().unwrap().to_owned();
    let requests = ids.iter().map(|member| {
        patch(
            &app,
            &id,
            json!([{"op": "Add", "path": "members", "value": [{"$ref": null, "value": member}]}]),
        )
    });
    for response in futures_util::future::join_all(requests).await {
        assert_eq!(response.status(), 204, "{}", response.text().await.unwrap());
    }
    let mut expected = ids.clone();
    expected.sort();
    assert_eq!(member_ids(&app, &id).await, expected);
    let group: Value = app
        .scim_get(&format!("/scim/v2/Groups/{id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        group["meta"]["version"], "W/\"51\"",
        "one version per change"
    );
}

async fn concurrent_add_and_remove_of_one_member_end_in_the_last_committed_state(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let ids = users(&app, 1).await;
    let group = create_group(&app, json!({"displayName": "Flip"})).await;
    let id = group["id"].as_str().unwrap().to_owned();
    for round in 0..10 {
        let add = patch(
            &app,
            &id,
            json!([{"op": "add", "path": "members", "value": [{"value": ids[0]}]}]),
        );
        let remove = patch(
            &app,
            &id,
            json!([{"op": "remove", "path": format!("members[value eq \"{}\"]", ids[0])}]),
        );
        let (added, removed) = futures_util::future::join(add, remove).await;
        let (added_etag, removed_etag) = (etag(&added), etag(&removed));
        assert_eq!(
            (added.status().as_u16(), removed.status().as_u16()),
            (204, 204),
            "round {round}"
        );
        // The change that committed last has the higher version.
        let last_was_add = version(&added_etag) > version(&removed_etag);
        let members = member_ids(&app, &id).await;
        assert_eq!(
            members.len(),
            usize::from(last_was_add),
            "round {round}: {added_etag} vs {removed_etag}"
        );
    }
}

fn etag(response: &reqwest::Response) -> String {
    response
        .headers()
        .get("etag")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned()
}

fn version(etag: &str) -> u64 {
    etag.trim_start_matches("W/\"")
        .trim_end_matches('"')
        .parse()
        .unwrap()
}

async fn display_names_are_unique_ignoring_case_and_other_accounts_see_nothing(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let ids = users(&app, 1).await;
    let group = create_group(
        &app,
        json!({"displayName": "Admins", "members": [{"value": ids[0]}]}),
    )
    .await;
    let clash = send(
        &app,
        reqwest::Method::POST,
        "/scim/v2/Groups",
        Some(json!({"displayName": "ADMINS"})),
    )
    .await;
    assert_eq!(
        assert_scim_error(clash, 409).await["scimType"],
        "uniqueness"
    );
    let other = create_group(&app, json!({"displayName": "Other"})).await;
    let rename = patch(
        &app,
        other["id"].as_str().unwrap(),
        json!([{"op": "replace", "path": "displayName", "value": "admins"}]),
    )
    .await;
    assert_eq!(
        assert_scim_error(rename, 409).await["scimType"],
        "uniqueness"
    );
    assert!(
        app.cli(&["accounts", "create", "tenant-b"])
            .status
            .success()
    );
    let output = app.cli(&[
        "tokens",
        "issue",
        "--account",
        "tenant-b",
        "--scope",
        "scim",
    ]);
    let token = String::from_utf8(output.stdout).unwrap().trim().to_owned();
    let id = group["id"].as_str().unwrap();
    let as_b = |method: reqwest::Method, path: String, body: Option<Value>| {
        let mut request = app
            .client
            .request(method, app.url(&path))
            .bearer_auth(&token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        request.send()
    };
    assert_eq!(
        as_b(reqwest::Method::GET, format!("/scim/v2/Groups/{id}"), None)
            .await
            .unwrap()
            .status(),
        404
    );
    let add = json!({"schemas": [PATCH_OP], "Operations": [{"op": "remove", "path": "members"}]});
    assert_eq!(
        as_b(
            reqwest::Method::PATCH,
            format!("/scim/v2/Groups/{id}"),
            Some(add)
        )
        .await
        .unwrap()
        .status(),
        404
    );
    assert_eq!(
        as_b(
            reqwest::Method::DELETE,
            format!("/scim/v2/Groups/{id}"),
            None
        )
        .await
        .unwrap()
        .status(),
        404
    );
    let list: Value = as_b(
        reqwest::Method::GET,
        "/scim/v2/Groups?filter=displayName+eq+%22Admins%22".into(),
        None,
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    assert_eq!(list["totalResults"], 0);
    // B creates a group with A's user as member: the id is unknown to B.
    let response = as_b(
        reqwest::Method::POST,
        "/scim/v2/Groups".into(),
        Some(json!({"displayName": "Admins", "members": [{"value": ids[0]}]})),
    )
    .await
    .unwrap();
    assert_eq!(
        response.status(),
        201,
        "display names are unique per account only"
    );
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["members"], json!([]));
    assert_eq!(
        member_ids(&app, id).await,
        [ids[0].clone()],
        "A's group is untouched"
    );
}

async fn several_operations_apply_atomically(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let ids = users(&app, 2).await;
    let group = create_group(
        &app,
        json!({"displayName": "Atomic", "members": [{"value": ids[0]}]}),
    )
    .await;
    let id = group["id"].as_str().unwrap();
    let taken = create_group(&app, json!({"displayName": "Taken"})).await;
    assert!(taken["id"].is_string());
    // The rename fails on uniqueness after the member changes: nothing stays.
    let response = patch(
        &app,
        id,
        json!([
            {"op": "add", "path": "members", "value": [{"value": ids[1]}]},
            {"op": "remove", "path": format!("members[value eq \"{}\"]", ids[0])},
            {"op": "replace", "path": "displayName", "value": "TAKEN"}
        ]),
    )
    .await;
    assert_eq!(response.status(), 409);
    assert_eq!(member_ids(&app, id).await, [ids[0].clone()]);
    let unchanged: Value = app
        .scim_get(&format!("/scim/v2/Groups/{id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(unchanged["displayName"], "Atomic");
    assert_eq!(unchanged["meta"]["version"], group["meta"]["version"]);
}

async fn root_search_spans_users_then_groups(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let user = app
        .create_user(&json!({"userName": "shared@example.com", "displayName": "Shared"}))
        .await;
    let group = create_group(
        &app,
        json!({"displayName": "Shared", "members": [{"value": user["id"]}]}),
    )
    .await;
    create_group(&app, json!({"displayName": "Other"})).await;
    let search = |body: Value| send(&app, reqwest::Method::POST, "/scim/v2/.search", Some(body));
    let page = |body: &Value| -> Vec<String> {
        body["Resources"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["id"].as_str().unwrap().to_owned())
            .collect()
    };
    let both: Value = search(json!({"filter": "displayName eq \"shared\""}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(both["totalResults"], 2);
    assert_eq!(
        page(&both),
        [user["id"].as_str().unwrap(), group["id"].as_str().unwrap()]
    );
    let second: Value =
        search(json!({"filter": "displayName eq \"shared\"", "startIndex": 2, "count": 1}))
            .await
            .json()
            .await
            .unwrap();
    assert_eq!(
        (
            second["totalResults"].clone(),
            second["itemsPerPage"].clone()
        ),
        (json!(2), json!(1))
    );
    assert_eq!(page(&second), [group["id"].as_str().unwrap()]);
    assert_eq!(second["Resources"][0]["members"][0]["value"], user["id"]);
    let users_only: Value = search(json!({"filter": "userName sw \"shared\""}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page(&users_only), [user["id"].as_str().unwrap()]);
    let groups_only: Value = search(json!({"filter": format!("members.value eq \"{}\"", user["id"].as_str().unwrap()), "excludedAttributes": ["members"]}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page(&groups_only), [group["id"].as_str().unwrap()]);
    assert!(groups_only["Resources"][0].get("members").is_none());
    let everything: Value = search(json!({})).await.json().await.unwrap();
    assert_eq!(everything["totalResults"], 3);
    let neither = search(json!({"filter": "nosuch eq 1"})).await;
    assert_eq!(
        assert_scim_error(neither, 400).await["scimType"],
        "invalidFilter"
    );
}
