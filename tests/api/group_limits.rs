//! Every group operation at `max_members` (the default, 10,000 members in one
//! request) succeeds on both databases, and one member more is 413 and
//! changes nothing (issue 15: on SQLite a group of more than 6,552 members
//! could neither be emptied nor deleted: its id list was bound several times
//! over SQLite's 32,766-variable limit).

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{TestApp, TestDb, assert_scim_error, scim};
use roster::scim::limits::RequestLimits;

crate::on_both_databases!(every_group_operation_works_at_the_member_limit);

const LIMIT: usize = RequestLimits::DEFAULT_MAX_MEMBERS;

fn members(ids: &[String]) -> Value {
    ids.iter()
        .map(|id| json!({ "value": id }))
        .collect::<Vec<_>>()
        .into()
}

fn patch(operations: Value) -> Value {
    json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": operations})
}

async fn member_count(app: &TestApp, path: &str) -> usize {
    let group = scim(app).ok(Method::GET, path, None).await;
    group["members"].as_array().map_or(0, Vec::len)
}

async fn role_of(app: &TestApp, id: &str) -> Value {
    crate::helpers::admin(app)
        .ok(Method::GET, &format!("/api/v1/members/{id}/access"), None)
        .await["role"]
        .clone()
}

async fn every_group_operation_works_at_the_member_limit(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let api = scim(&app);
    let ids = app.seed_users("member", LIMIT + 1);
    let (at_limit, over) = (&ids[..LIMIT], &ids[..]);
    // A rule on the group, so that every membership change moves access.
    crate::helpers::admin(&app)
        .ok(
            Method::POST,
            "/api/v1/rules",
            Some(json!({"match": {"group_name": "Everyone"}, "role": "admin"})),
        )
        .await;

    // Over the limit: 413 everywhere, nothing written.
    let response = api
        .send(
            Method::POST,
            "/scim/v2/Groups",
            Some(json!({"displayName": "Everyone", "members": members(over)})),
        )
        .await;
    assert_scim_error(response, 413).await;
    let groups = api.ok(Method::GET, "/scim/v2/Groups", None).await;
    assert_eq!(groups["totalResults"], 0, "{groups}");

    // POST at the limit.
    let group = api
        .ok(
            Method::POST,
            "/scim/v2/Groups",
            Some(json!({"displayName": "Everyone", "members": members(at_limit)})),
        )
        .await;
    let path = format!("/scim/v2/Groups/{}", group["id"].as_str().unwrap());
    assert_eq!(member_count(&app, &path).await, LIMIT);

    for body in [
        json!({"displayName": "Everyone", "members": members(over)}),
        patch(json!([{"op": "add", "path": "members", "value": members(over)}])),
    ] {
        let method = if body.get("Operations").is_some() {
            Method::PATCH
        } else {
            Method::PUT
        };
        assert_scim_error(api.send(method, &path, Some(body)).await, 413).await;
    }
    assert_eq!(member_count(&app, &path).await, LIMIT, "unchanged");

    // Remove every member (no value), then add them all back in one PATCH.
    api.ok(
        Method::PATCH,
        &path,
        Some(patch(json!([{"op": "remove", "path": "members"}]))),
    )
    .await;
    assert_eq!(member_count(&app, &path).await, 0);
    api.ok(
        Method::PATCH,
        &path,
        Some(patch(
            json!([{"op": "add", "path": "members", "value": members(at_limit)}]),
        )),
    )
    .await;
    assert_eq!(member_count(&app, &path).await, LIMIT);

    // Remove them all by a value list (Entra's shape), then PUT them back.
    api.ok(
        Method::PATCH,
        &path,
        Some(patch(
            json!([{"op": "remove", "path": "members", "value": members(at_limit)}]),
        )),
    )
    .await;
    assert_eq!(member_count(&app, &path).await, 0);
    api.ok(
        Method::PUT,
        &path,
        Some(json!({"displayName": "Everyone", "members": members(at_limit)})),
    )
    .await;
    assert_eq!(member_count(&app, &path).await, LIMIT);

    // Okta's "Push now" replace with the full list of other members, then
    // PUT with `members: []`.
    api.ok(
        Method::PATCH,
        &path,
        Some(patch(
            json!([{"op": "replace", "path": "members", "value": members(&ids[1..])}]),
        )),
    )
    .await;
    assert_eq!(member_count(&app, &path).await, LIMIT);
    api.ok(
        Method::PUT,
        &path,
        Some(json!({"displayName": "Everyone", "members": []})),
    )
    .await;
    assert_eq!(member_count(&app, &path).await, 0);

    // Fill it again and delete the group: everyone's admin role goes with it.
    api.ok(
        Method::PATCH,
        &path,
        Some(patch(
            json!([{"op": "add", "path": "members", "value": members(at_limit)}]),
        )),
    )
    .await;
    let last = &ids[LIMIT - 1];
    assert_eq!(role_of(&app, last).await, "admin");
    let response = api.send(Method::DELETE, &path, None).await;
    assert_eq!(response.status(), 204);
    assert_eq!(api.send(Method::GET, &path, None).await.status(), 404);
    assert_eq!(role_of(&app, last).await, "member");
}
