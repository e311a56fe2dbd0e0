//! The audit log: every change through SCIM, the admin API and the CLI is
//! recorded with who made it, in which request, and what changed; it is
//! append-only and read by member, group, time and cursor.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{TestApp, TestDb, admin, assert_scim_error, scim};

crate::on_both_databases!(
    every_change_is_recorded_with_who_and_what,
    the_log_is_read_by_member_group_time_and_pages,
    only_admins_read_it_and_nobody_rewrites_it,
);

const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
const SCIM_TOKEN_LABEL: &str = "IdP SCIM token (created on first start)";

async fn entries(app: &TestApp, query: &str) -> Vec<Value> {
    let body = admin(app)
        .ok(Method::GET, &format!("/api/v1/audit{query}"), None)
        .await;
    body["entries"].as_array().cloned().unwrap_or_default()
}

fn summary(entries: &[Value]) -> Vec<(String, String)> {
    entries
        .iter()
        .map(|entry| {
            (
                entry["resource"]["type"].as_str().unwrap().to_owned(),
                entry["action"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn pairs(expected: &[(&str, &str)]) -> Vec<(String, String)> {
    expected
        .iter()
        .map(|(kind, action)| ((*kind).to_owned(), (*action).to_owned()))
        .collect()
}

/// A user, a group with them, a membership change, a rule, a deletion.
async fn make_history(app: &TestApp) -> (String, String) {
    let user = app
        .create_user(&json!({"userName": "ada@example.com", "password": "hunter2-secret", "title": "Engineer"}))
        .await;
    let user_id = user["id"].as_str().unwrap().to_owned();
    let group = scim(app)
        .ok(
            Method::POST,
            "/scim/v2/Groups",
            Some(json!({"displayName": "Admins", "members": [{"value": user_id}]})),
        )
        .await;
    let group_id = group["id"].as_str().unwrap().to_owned();
    scim(app)
        .ok(
            Method::PATCH,
            &format!("/scim/v2/Users/{user_id}"),
            Some(json!({"schemas": [PATCH_OP], "Operations": [{"op": "replace", "value": {"active": false}}]})),
        )
        .await;
    scim(app)
        .ok(
            Method::PATCH,
            &format!("/scim/v2/Groups/{group_id}"),
            Some(json!({"schemas": [PATCH_OP], "Operations": [
                {"op": "remove", "path": format!("members[value eq \"{user_id}\"]")},
                {"op": "replace", "path": "displayName", "value": "Administrators"},
            ]})),
        )
        .await;
    admin(app)
        .ok(
            Method::POST,
            "/api/v1/workspaces",
            Some(json!({"slug": "prod"})),
        )
        .await;
    admin(app)
        .ok(
            Method::POST,
            "/api/v1/rules",
            Some(json!({"match": {"group_name": "Administrators"}, "role": "admin"})),
        )
        .await;
    (user_id, group_id)
}

async fn every_change_is_recorded_with_who_and_what(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let (user_id, group_id) = make_history(&app).await;
    // A PUT, whose request id the entry must carry.
    let response = scim(&app)
        .send(
            Method::PUT,
            &format!("/scim/v2/Users/{user_id}"),
            Some(json!({"userName": "ada@example.com", "title": "CTO", "active": true})),
        )
        .await;
    assert_eq!(response.status(), 200);
    let request_id = response.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_owned();
    let response = scim(&app)
        .send(Method::DELETE, &format!("/scim/v2/Users/{user_id}"), None)
        .await;
    assert_eq!(response.status(), 204);

    let log = entries(&app, "").await;
    // Account creation and the first start's tokens come first (CLI).
    let first_scim = log
        .iter()
        .position(|entry| entry["actor"]["type"] == "token")
        .expect("entries made with a token");
    assert!(
        log[..first_scim]
            .iter()
            .all(|entry| entry["actor"]["type"] == "cli")
    );
    assert_eq!(
        summary(&log[..first_scim]),
        pairs(&[
            ("Account", "created"),
            ("Token", "created"),
            ("Token", "created")
        ])
    );
    assert_eq!(
        summary(&log[first_scim..]),
        pairs(&[
            ("User", "created"),
            ("Group", "created"),
            ("Group", "member_added"),
            ("User", "modified"),
            ("Group", "member_removed"),
            ("Group", "modified"),
            ("Workspace", "created"),
            ("Rule", "created"),
            ("User", "replaced"),
            ("User", "deleted"),
        ])
    );
    let by_scim = &log[first_scim];
    assert_eq!(by_scim["actor"]["label"], SCIM_TOKEN_LABEL, "{by_scim}");
    assert!(
        by_scim["actor"]["tokenId"]
            .as_str()
            .is_some_and(|id| id.len() == 36)
    );
    assert_eq!(
        log[log.len() - 3]["actor"]["label"],
        "admin token (created on first start)"
    );
    let text = serde_json::to_string(&log).unwrap();
    assert!(!text.contains("hunter2"), "a password never enters the log");
    assert!(!text.contains(&app.scim_token) && !text.contains(&app.admin_token));

    let created = &log[first_scim];
    assert_eq!(created["member"], user_id.as_str());
    assert_eq!(
        created["changes"]["userName"],
        json!({"before": null, "after": "ada@example.com"})
    );
    let deactivated = &log[first_scim + 3];
    assert_eq!(
        deactivated["changes"],
        json!({"active": {"before": null, "after": false}}),
        "only what changed (the user was created without 'active')"
    );
    let membership = &log[first_scim + 2];
    assert_eq!(
        (membership["member"].as_str(), membership["group"].as_str()),
        (Some(user_id.as_str()), Some(group_id.as_str()))
    );
    let renamed = &log[first_scim + 5];
    assert_eq!(
        renamed["changes"],
        json!({"displayName": {"before": "Admins", "after": "Administrators"}})
    );
    let rule = &log[first_scim + 7];
    assert_eq!(
        rule["changes"]["role"],
        json!({"before": null, "after": "admin"})
    );
    let replaced = &log[log.len() - 2];
    assert_eq!(replaced["requestId"], request_id.as_str());
    assert_eq!(
        replaced["changes"]["title"],
        json!({"before": "Engineer", "after": "CTO"})
    );
    assert_eq!(
        replaced["changes"]["active"],
        json!({"before": false, "after": true})
    );
    let deleted = &log[log.len() - 1];
    assert_eq!(
        deleted["changes"]["userName"],
        json!({"before": "ada@example.com", "after": null})
    );

    // The CLI is an actor too.
    let output = app.cli(&["workspaces", "create", "--account", "default", "staging"]);
    assert!(output.status.success(), "{output:?}");
    let last = entries(&app, "").await.pop().unwrap();
    assert_eq!(last["actor"], json!({"type": "cli"}));
    assert_eq!(summary(&[last]), pairs(&[("Workspace", "created")]));
}

async fn the_log_is_read_by_member_group_time_and_pages(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let (user_id, group_id) = make_history(&app).await;
    let everything = entries(&app, "?limit=1000").await;

    let of_member = entries(&app, &format!("?member={user_id}")).await;
    assert_eq!(
        summary(&of_member),
        pairs(&[
            ("User", "created"),
            ("Group", "member_added"),
            ("User", "modified"),
            ("Group", "member_removed"),
        ])
    );
    let of_group = entries(&app, &format!("?group={group_id}")).await;
    assert_eq!(
        summary(&of_group),
        pairs(&[
            ("Group", "created"),
            ("Group", "member_added"),
            ("Group", "member_removed"),
            ("Group", "modified"),
        ])
    );
    let both = entries(&app, &format!("?member={user_id}&group={group_id}")).await;
    assert_eq!(both.len(), 2, "memberships only");

    let first_at = everything[0]["at"].as_str().unwrap();
    assert_eq!(
        entries(&app, &format!("?since={first_at}")).await,
        everything
    );
    assert!(
        entries(&app, &format!("?until={first_at}"))
            .await
            .is_empty(),
        "until is exclusive"
    );
    assert!(
        entries(&app, "?since=2999-01-01T00:00:00Z")
            .await
            .is_empty()
    );
    assert_eq!(
        entries(&app, "?until=2999-01-01T00:00:00%2B01:00").await,
        everything
    );

    // Pages of 3 by cursor give the whole log, once each, in order.
    let mut paged = Vec::new();
    let mut after = 0;
    loop {
        let page = admin(&app)
            .ok(
                Method::GET,
                &format!("/api/v1/audit?limit=3&after={after}"),
                None,
            )
            .await;
        paged.extend(page["entries"].as_array().unwrap().iter().cloned());
        match page["next"].as_i64() {
            Some(next) => after = next,
            None => break,
        }
    }
    assert_eq!(paged, everything);
    let seqs: Vec<i64> = paged
        .iter()
        .map(|entry| entry["seq"].as_i64().unwrap())
        .collect();
    assert!(seqs.windows(2).all(|pair| pair[0] < pair[1]));
}

async fn only_admins_read_it_and_nobody_rewrites_it(db: TestDb) {
    let app = TestApp::spawn(db).await;
    make_history(&app).await;
    let response = scim(&app).send(Method::GET, "/api/v1/audit", None).await;
    assert_scim_error(response, 403).await;
    let access = app.issue(roster::model::Scope::Access, None);
    let response = app
        .client
        .get(app.url("/api/v1/audit"))
        .bearer_auth(access.token.expose())
        .send()
        .await
        .unwrap();
    assert_scim_error(response, 403).await;
    for query in [
        "?member=not-an-id",
        "?group=42",
        "?since=yesterday",
        "?until=2026-13-01T00:00:00Z",
        "?limit=0",
        "?limit=1001",
        "?after=x",
        "?colour=blue",
    ] {
        let response = admin(&app)
            .send(Method::GET, &format!("/api/v1/audit{query}"), None)
            .await;
        assert_scim_error(response, 400).await;
    }
    // Append-only: the database itself refuses to rewrite an entry.
    let before = entries(&app, "").await;
    let mut conn = app.backend().pool.get().unwrap();
    let rewrite = diesel::connection::SimpleConnection::batch_execute(
        &mut *conn,
        "UPDATE audit_log SET action = 'nothing happened'",
    );
    assert!(rewrite.is_err(), "an UPDATE of the audit log must fail");
    drop(conn);
    assert_eq!(entries(&app, "").await, before);
}
