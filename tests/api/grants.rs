//! Direct grants (PRODUCT.md "Direct grant", docs/ACCESS.md): an admin gives
//! a local member a role and workspace levels without a group, through
//! `PUT /api/v1/members/{id}/grants`; they join the rules under "highest
//! wins", are explained, audited and evented, refused for members an IdP
//! provisioned, worth nothing to an inactive member, and go with their
//! workspace and their member.

use reqwest::Method;
use serde_json::{Value, json};

use crate::access::{access, feed, group, levels, patch_user, rule, user, workspace};
use crate::helpers::{TestApp, TestDb, admin, assert_scim_error, scim};

crate::on_both_databases!(
    grants_raise_access_and_the_highest_wins_with_rules,
    grants_are_refused_for_members_an_idp_provisioned,
    bad_grants_get_clear_errors,
    an_inactive_member_with_grants_has_nothing,
    deleting_a_workspace_or_a_member_drops_their_grants,
);

/// A local member (as `roster members add` makes one): its id.
fn local_member(app: &TestApp, user_name: &str) -> String {
    app.seed_users(user_name, 1).remove(0)
}

async fn put_grants(app: &TestApp, id: &str, body: Value) -> reqwest::Response {
    admin(app)
        .send(
            Method::PUT,
            &format!("/api/v1/members/{id}/grants"),
            Some(body),
        )
        .await
}

async fn grant(app: &TestApp, id: &str, body: Value) -> Value {
    let response = put_grants(app, id, body.clone()).await;
    assert_eq!(response.status(), 200, "{body}");
    response.json().await.unwrap()
}

pub(crate) async fn explanation(app: &TestApp, id: &str) -> Vec<Value> {
    admin(app)
        .ok(Method::GET, &format!("/api/v1/members/{id}/access"), None)
        .await["explanation"]
        .as_array()
        .unwrap()
        .clone()
}

pub(crate) async fn audit_of(app: &TestApp, id: &str) -> Vec<Value> {
    admin(app)
        .ok(Method::GET, &format!("/api/v1/audit?member={id}"), None)
        .await["entries"]
        .as_array()
        .unwrap()
        .clone()
}

async fn grants_raise_access_and_the_highest_wins_with_rules(db: TestDb) {
    let app = TestApp::spawn(db).await;
    workspace(&app, "prod").await;
    workspace(&app, "staging").await;
    let ada = local_member(&app, "ada");
    assert_eq!(access(&app, &ada).await, (json!("member"), levels(&[])));
    let empty = admin(&app)
        .ok(Method::GET, &format!("/api/v1/members/{ada}/grants"), None)
        .await;
    assert_eq!(empty, json!({"role": null, "workspaces": []}));

    // Given alone, grants are the member's access, explained as grants.
    let events_before = feed(&app, 0, 1000).await["next"].as_i64().unwrap();
    let stored = grant(
        &app,
        &ada,
        json!({"role": "admin", "workspaces": [
            {"workspace": "staging", "level": "viewer"},
            {"workspace": "prod", "level": "viewer"}]}),
    )
    .await;
    assert_eq!(
        stored,
        json!({"role": "admin", "workspaces": [
            {"workspace": "prod", "level": "viewer"},
            {"workspace": "staging", "level": "viewer"}]}),
        "sorted by workspace"
    );
    assert_eq!(
        access(&app, &ada).await,
        (
            json!("admin"),
            levels(&[("prod", "viewer"), ("staging", "viewer")])
        )
    );
    let reasons = explanation(&app, &ada).await;
    assert_eq!(reasons.len(), 3, "{reasons:?}");
    for reason in &reasons {
        assert!(reason.get("rule").is_none(), "{reason}");
        assert_eq!(reason["via"]["kind"], "grant", "{reason}");
        assert_eq!(reason["via"]["source"], "admin", "{reason}");
        assert!(reason["via"]["grantedAt"].as_str().unwrap().ends_with('Z'));
    }
    let events = feed(&app, events_before, 1000).await;
    let changed: Vec<&Value> = events["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|event| event["kind"] == "access.changed" && event["member"] == ada.as_str())
        .collect();
    assert_eq!(changed.len(), 1, "{events}");
    assert_eq!(changed[0]["data"]["new"]["role"], "admin");
    let entries = audit_of(&app, &ada).await;
    let last = entries.last().unwrap();
    assert_eq!(
        (&last["action"], &last["resource"]["type"]),
        (&json!("modified"), &json!("User"))
    );
    assert_eq!(last["changes"]["grant"]["before"]["role"], Value::Null);
    assert_eq!(last["changes"]["grant"]["after"]["role"], "admin");

    // The same grants again change nothing: no entry, no event.
    grant(&app, &ada, stored.clone()).await;
    assert_eq!(audit_of(&app, &ada).await.len(), entries.len());

    // A rule's higher level wins over a granted one; a granted higher one
    // wins over a rule's.
    rule(
        &app,
        json!({"match": {"group_name": "Eng"}, "role": "member", "workspace": "prod", "level": "editor"}),
    )
    .await;
    group(&app, "Eng", &[&ada]).await;
    assert_eq!(
        access(&app, &ada).await,
        (
            json!("admin"),
            levels(&[("prod", "editor"), ("staging", "viewer")])
        )
    );
    let reasons = explanation(&app, &ada).await;
    assert!(reasons[0]["rule"].is_string(), "rules first: {reasons:?}");
    grant(
        &app,
        &ada,
        json!({"workspaces": [{"workspace": "prod", "level": "admin"}]}),
    )
    .await;
    assert_eq!(
        access(&app, &ada).await,
        (json!("member"), levels(&[("prod", "admin")])),
        "role and staging taken away, prod raised"
    );

    // Taking every grant away leaves what the rules give.
    grant(&app, &ada, json!({})).await;
    assert_eq!(
        access(&app, &ada).await,
        (json!("member"), levels(&[("prod", "editor")]))
    );
    assert_eq!(explanation(&app, &ada).await.len(), 1);
}

async fn grants_are_refused_for_members_an_idp_provisioned(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let bob = user(&app, "bob@example.com").await;
    let body = assert_scim_error(put_grants(&app, &bob, json!({"role": "admin"})).await, 409).await;
    let detail = body["detail"].as_str().unwrap();
    assert!(
        detail.contains("bob@example.com") && detail.contains("identity provider"),
        "{detail}"
    );
    assert_eq!(access(&app, &bob).await, (json!("member"), levels(&[])));
    // Reading them is fine: there are none.
    let none = admin(&app)
        .ok(Method::GET, &format!("/api/v1/members/{bob}/grants"), None)
        .await;
    assert_eq!(none, json!({"role": null, "workspaces": []}));
}

async fn bad_grants_get_clear_errors(db: TestDb) {
    let app = TestApp::spawn(db).await;
    workspace(&app, "prod").await;
    let ada = local_member(&app, "ada");
    let long = "x".repeat(65);
    let cases = [
        (json!({"role": "owner"}), 400, "role 'owner' is not one of"),
        (
            json!({"workspaces": [{"workspace": "prod", "level": "superuser"}]}),
            400,
            "level 'superuser' is not one of",
        ),
        (
            json!({"workspaces": [{"workspace": "prod", "level": "viewer"},
                                  {"workspace": "prod", "level": "admin"}]}),
            400,
            "listed twice",
        ),
        (json!({"role": long}), 400, "at most 64 bytes"),
        (
            json!({"workspaces": [{"workspace": "nowhere", "level": "viewer"}]}),
            404,
            "no workspace 'nowhere'",
        ),
        (json!({"role": "admin", "extra": 1}), 400, "extra"),
        (json!({"workspaces": [{"workspace": "prod"}]}), 400, "level"),
    ];
    for (body, status, says) in cases {
        let error = assert_scim_error(put_grants(&app, &ada, body.clone()).await, status).await;
        assert!(
            error["detail"].as_str().unwrap().contains(says),
            "{body}: {error}"
        );
    }
    assert_eq!(access(&app, &ada).await, (json!("member"), levels(&[])));
    assert!(audit_of(&app, &ada).await.is_empty(), "nothing recorded");
    for id in ["not-an-id", &uuid::Uuid::new_v4().to_string()] {
        assert_scim_error(put_grants(&app, id, json!({"role": "admin"})).await, 404).await;
        let response = admin(&app)
            .send(Method::GET, &format!("/api/v1/members/{id}/grants"), None)
            .await;
        assert_scim_error(response, 404).await;
    }
    // Admin tokens only.
    let access_token = crate::helpers::cli_token(&app, "default", "access");
    let api = crate::helpers::Api {
        app: &app,
        token: access_token,
    };
    let response = api
        .send(
            Method::PUT,
            &format!("/api/v1/members/{ada}/grants"),
            Some(json!({"role": "admin"})),
        )
        .await;
    assert_eq!(response.status(), 403);
    // A model that drops a granted role is refused, naming the member.
    grant(&app, &ada, json!({"role": "admin"})).await;
    let model = json!({"roles": ["member"], "defaultRole": "member",
                       "levels": ["viewer", "editor", "admin"]});
    let response = admin(&app)
        .send(Method::PUT, "/api/v1/access-model", Some(model))
        .await;
    let error = assert_scim_error(response, 409).await;
    assert!(
        error["detail"].as_str().unwrap().contains("'ada0'"),
        "{error}"
    );
}

async fn an_inactive_member_with_grants_has_nothing(db: TestDb) {
    let app = TestApp::spawn(db).await;
    workspace(&app, "prod").await;
    let ada = local_member(&app, "ada");
    grant(
        &app,
        &ada,
        json!({"role": "admin", "workspaces": [{"workspace": "prod", "level": "admin"}]}),
    )
    .await;
    patch_user(
        &app,
        &ada,
        json!([{"op": "replace", "path": "active", "value": false}]),
    )
    .await;
    assert_eq!(access(&app, &ada).await, (Value::Null, levels(&[])));
    // Granting more to an inactive member is kept, and gives nothing yet.
    grant(&app, &ada, json!({"role": "member"})).await;
    assert_eq!(access(&app, &ada).await, (Value::Null, levels(&[])));
    let who = admin(&app)
        .ok(Method::GET, "/api/v1/workspaces/prod/members", None)
        .await;
    assert_eq!(who["totalResults"], 0, "{who}");
    patch_user(
        &app,
        &ada,
        json!([{"op": "replace", "path": "active", "value": true}]),
    )
    .await;
    assert_eq!(access(&app, &ada).await, (json!("member"), levels(&[])));
}

async fn deleting_a_workspace_or_a_member_drops_their_grants(db: TestDb) {
    let app = TestApp::spawn(db).await;
    workspace(&app, "prod").await;
    workspace(&app, "staging").await;
    let ada = local_member(&app, "ada");
    grant(
        &app,
        &ada,
        json!({"role": "admin", "workspaces": [
            {"workspace": "prod", "level": "admin"},
            {"workspace": "staging", "level": "viewer"}]}),
    )
    .await;
    let before = feed(&app, 0, 1000).await["next"].as_i64().unwrap();
    admin(&app)
        .ok(Method::DELETE, "/api/v1/workspaces/prod", None)
        .await;
    assert_eq!(
        access(&app, &ada).await,
        (json!("admin"), levels(&[("staging", "viewer")]))
    );
    let events = feed(&app, before, 1000).await;
    let changed = events["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|event| event["kind"] == "access.changed" && event["member"] == ada.as_str())
        .unwrap_or_else(|| panic!("an access.changed event: {events}"));
    assert_eq!(
        changed["data"]["new"]["workspaces"],
        json!([{"workspace": "staging", "level": "viewer"}])
    );
    // A new workspace of the same slug starts without the old grant.
    workspace(&app, "prod").await;
    assert_eq!(
        access(&app, &ada).await,
        (json!("admin"), levels(&[("staging", "viewer")]))
    );
    let grants = admin(&app)
        .ok(Method::GET, &format!("/api/v1/members/{ada}/grants"), None)
        .await;
    assert_eq!(
        grants,
        json!({"role": "admin", "workspaces": [{"workspace": "staging", "level": "viewer"}]})
    );

    // A deleted member's grants go with it: the model may then drop the
    // role it was granted.
    admin(&app)
        .ok(
            Method::PUT,
            "/api/v1/access-model",
            Some(
                json!({"roles": ["member", "admin", "owner"], "defaultRole": "member",
                        "levels": ["viewer", "editor", "admin"]}),
            ),
        )
        .await;
    grant(&app, &ada, json!({"role": "owner"})).await;
    let response = scim(&app)
        .send(Method::DELETE, &format!("/scim/v2/Users/{ada}"), None)
        .await;
    assert_eq!(response.status(), 204);
    admin(&app)
        .ok(
            Method::PUT,
            "/api/v1/access-model",
            Some(
                json!({"roles": ["member", "admin"], "defaultRole": "member",
                        "levels": ["viewer", "editor", "admin"]}),
            ),
        )
        .await;
}
