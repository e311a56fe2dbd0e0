//! Logins the product reports, and the access review built on them: who
//! has admin, who has not logged in for long, who was not provisioned by
//! the identity provider — as JSON and as CSV.

use chrono::{Duration, SecondsFormat, Utc};
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{TestApp, TestDb, admin, assert_scim_error, scim};

crate::on_both_databases!(
    logins_are_recorded_and_never_move_back,
    the_review_flags_admins_stale_and_inactive_members,
);

fn days_ago(days: i64) -> String {
    (Utc::now() - Duration::days(days)).to_rfc3339_opts(SecondsFormat::Millis, true)
}

async fn login(app: &TestApp, token: &str, member: &str, body: Option<Value>) -> reqwest::Response {
    let mut request = app
        .client
        .post(app.url(&format!("/api/v1/members/{member}/logins")))
        .bearer_auth(token);
    if let Some(body) = body {
        request = request.json(&body);
    }
    request.send().await.unwrap()
}

async fn logins_are_recorded_and_never_move_back(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let ada = app.create_user(&json!({"userName": "ada"})).await;
    let ada = ada["id"].as_str().unwrap();
    let access = app.issue(roster::model::Scope::Access, None);
    let access = access.token.expose();

    let yesterday = days_ago(1);
    let response = login(&app, access, ada, Some(json!({"at": yesterday}))).await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body, json!({"member": ada, "lastLogin": yesterday}));
    // An older report that arrives late does not move it back.
    let response = login(&app, access, ada, Some(json!({"at": days_ago(10)}))).await;
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["lastLogin"], yesterday.as_str());
    // No body: now.
    let response = login(&app, &app.admin_token, ada, None).await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    let now = chrono::DateTime::parse_from_rfc3339(body["lastLogin"].as_str().unwrap()).unwrap();
    assert!(
        (Utc::now() - now.with_timezone(&Utc)).num_seconds().abs() < 60,
        "{body}"
    );

    let future = (Utc::now() + Duration::hours(2)).to_rfc3339();
    for body in [
        json!({"at": future}),
        json!({"at": "last tuesday"}),
        json!({"at": 17}),
        json!({"when": yesterday}),
    ] {
        assert_scim_error(login(&app, access, ada, Some(body)).await, 400).await;
    }
    let response = app
        .client
        .post(app.url(&format!("/api/v1/members/{ada}/logins")))
        .bearer_auth(access)
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_scim_error(response, 400).await;
    let unknown = uuid::Uuid::now_v7().to_string();
    assert_scim_error(login(&app, access, &unknown, None).await, 404).await;
    assert_scim_error(login(&app, access, "x", None).await, 404).await;
    assert_scim_error(login(&app, &app.scim_token, ada, None).await, 403).await;
}

async fn review(app: &TestApp, query: &str) -> reqwest::Response {
    admin(app)
        .send(
            Method::GET,
            &format!("/api/v1/reports/access-review{query}"),
            None,
        )
        .await
}

async fn the_review_flags_admins_stale_and_inactive_members(db: TestDb) {
    let app = TestApp::spawn(db).await;
    admin(&app)
        .ok(
            Method::POST,
            "/api/v1/workspaces",
            Some(json!({"slug": "prod"})),
        )
        .await;
    admin(&app)
        .ok(
            Method::POST,
            "/api/v1/rules",
            Some(json!({"match": {"group_name": "Admins"}, "role": "admin", "workspace": "prod", "level": "admin"})),
        )
        .await;
    let mut ids = Vec::new();
    for (name, active) in [("ada", true), ("bob", true), ("cy", false)] {
        let user = app
            .create_user(
                &json!({"userName": name, "displayName": name.to_uppercase(), "active": active}),
            )
            .await;
        ids.push(user["id"].as_str().unwrap().to_owned());
    }
    scim(&app)
        .ok(
            Method::POST,
            "/scim/v2/Groups",
            Some(json!({"displayName": "Admins", "members": [{"value": ids[0]}]})),
        )
        .await;
    let ada_login = days_ago(1);
    login(
        &app,
        &app.admin_token,
        &ids[0],
        Some(json!({"at": ada_login})),
    )
    .await;
    login(
        &app,
        &app.admin_token,
        &ids[1],
        Some(json!({"at": days_ago(200)})),
    )
    .await;

    let report: Value = review(&app, "?stale_days=90&max_admins=0")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        report["summary"],
        json!({"members": 3, "active": 2, "admins": 1, "tooManyAdmins": true, "stale": 1, "local": 0}),
        "{report}"
    );
    assert_eq!(report["policy"]["staleDays"], 90);
    let members = report["members"].as_array().unwrap();
    let names: Vec<&str> = members
        .iter()
        .map(|m| m["userName"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["ada", "bob", "cy"]);
    let ada = &members[0];
    assert_eq!(ada["role"], "admin");
    assert_eq!(
        ada["workspaces"],
        json!([{"workspace": "prod", "level": "admin"}])
    );
    // One shape: the review lists levels as the member's access does.
    let access = admin(&app)
        .ok(
            Method::GET,
            &format!("/api/v1/members/{}/access", ids[0]),
            None,
        )
        .await;
    assert_eq!(ada["workspaces"], access["workspaces"], "{access}");
    assert_eq!(ada["lastLogin"], ada_login.as_str());
    assert_eq!(ada["flags"], json!(["admin", "too_many_admins"]));
    assert_eq!(ada["provisionedBy"]["via"], "scim");
    assert_eq!(
        ada["provisionedBy"]["tokenLabel"],
        "IdP SCIM token (created on first start)"
    );
    assert_eq!(members[1]["role"], "member");
    assert_eq!(members[1]["flags"], json!(["stale"]));
    assert_eq!(members[2]["active"], false);
    assert_eq!(members[2]["role"], Value::Null, "inactive: no access");
    assert_eq!(members[2]["lastLogin"], Value::Null);
    assert_eq!(members[2]["flags"], json!([]), "no access, so not stale");

    // Defaults: 90 days, at most 5 admins.
    let report: Value = review(&app, "").await.json().await.unwrap();
    assert_eq!(report["summary"]["tooManyAdmins"], false);
    assert_eq!(report["members"][0]["flags"], json!(["admin"]));
    // With a one-day window, ada's login of a day ago is stale too.
    let report: Value = review(&app, "?stale_days=1").await.json().await.unwrap();
    assert_eq!(report["summary"]["stale"], 2, "{report}");

    let response = review(&app, "?format=csv&max_admins=0").await;
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let csv = response.text().await.unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 4, "{csv}");
    assert!(lines[0].starts_with("id,userName,displayName,active,role,workspaces,lastLogin"));
    assert!(
        lines[1].starts_with(&format!(
            "{},ada,ADA,true,admin,prod=admin,{ada_login},",
            ids[0]
        )),
        "{csv}"
    );
    assert!(
        lines[1].ends_with(",scim,IdP SCIM token (created on first start),admin;too_many_admins"),
        "{csv}"
    );
    assert!(lines[2].ends_with(",stale"), "{csv}");
    assert!(lines[3].contains(",cy,CY,false,,,"), "{csv}");

    // A member created with the CLI is local: no IdP offboards it.
    let output = app.cli(&[
        "members",
        "add",
        "--account",
        "default",
        "breakglass",
        "--display-name",
        "Break Glass",
    ]);
    assert!(
        output.status.success(),
        "{}",
        crate::helpers::stderr(&output)
    );
    let local_id = crate::helpers::stdout(&output).trim().to_owned();
    let report: Value = review(&app, "").await.json().await.unwrap();
    assert_eq!(report["summary"]["local"], 1, "{report}");
    let members = report["members"].as_array().unwrap();
    let names: Vec<&str> = members
        .iter()
        .map(|m| m["userName"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["ada", "bob", "breakglass", "cy"], "by userName");
    let local = &members[2];
    assert_eq!(local["id"], local_id.as_str());
    assert_eq!(local["userName"], "breakglass");
    assert_eq!(local["role"], "member");
    assert_eq!(
        local["provisionedBy"],
        json!({"via": "local", "tokenId": null, "tokenLabel": null})
    );
    assert_eq!(local["flags"], json!(["local"]));
    let output = app.cli(&["members", "add", "--account", "default", "BreakGlass"]);
    assert!(!output.status.success());
    assert!(
        crate::helpers::stderr(&output).contains("already taken"),
        "{output:?}"
    );

    for query in [
        "?format=xml",
        "?stale_days=0",
        "?stale_days=-3",
        "?max_admins=many",
        "?since=1",
    ] {
        assert_scim_error(review(&app, query).await, 400).await;
    }
    let response = scim(&app)
        .send(Method::GET, "/api/v1/reports/access-review", None)
        .await;
    assert_scim_error(response, 403).await;
}
