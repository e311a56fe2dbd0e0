//! Tenant isolation: with every token of account A (`scim`, `access`,
//! `admin`), every endpoint — each operation of the OpenAPI document of
//! `/api/v1`, and every SCIM endpoint, filters, `.search`, sorting and
//! paging included — aimed at account B's ids, userNames, group names,
//! workspace slug, rule id and webhook id answers 404, 403 or an empty
//! result, never B's data; and B is unchanged afterwards.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{TestApp, TestDb};

crate::on_both_databases!(no_token_of_one_account_reaches_another);

/// Account B's things, as A would name them.
struct Other {
    admin: String,
    scim: String,
    user: String,
    group: String,
    rule: String,
    webhook: String,
    /// An OAuth client of B's, and its secret's id.
    client: String,
    client_secret: String,
}

fn issue(app: &TestApp, scope: &str) -> String {
    crate::helpers::cli_token(app, "other", scope)
}

async fn call(
    app: &TestApp,
    token: &str,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> (u16, String) {
    let mut request = app.client.request(method, app.url(path)).bearer_auth(token);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

async fn ok(app: &TestApp, token: &str, method: Method, path: &str, body: Value) -> Value {
    let (status, text) = call(app, token, method, path, Some(body)).await;
    assert!((200..300).contains(&status), "{path}: {status} {text}");
    serde_json::from_str(&text).unwrap_or(Value::Null)
}

/// Account B, with one of everything.
async fn other_account(app: &TestApp) -> Other {
    assert!(app.cli(&["accounts", "create", "other"]).status.success());
    let (admin, scim) = (issue(app, "admin"), issue(app, "scim"));
    let user = ok(app, &scim, Method::POST, "/scim/v2/Users",
        json!({"userName": "b-secret@example.com", "externalId": "b-ext", "displayName": "B Secret"})).await;
    let user = user["id"].as_str().unwrap().to_owned();
    let group = ok(app, &scim, Method::POST, "/scim/v2/Groups",
        json!({"displayName": "B Admins", "externalId": "b-group-ext", "members": [{"value": user}]})).await;
    let group = group["id"].as_str().unwrap().to_owned();
    ok(
        app,
        &admin,
        Method::POST,
        "/api/v1/workspaces",
        json!({"slug": "b-secret-ws"}),
    )
    .await;
    let rule = ok(app, &admin, Method::POST, "/api/v1/rules",
        json!({"match": {"group_name": "B Admins"}, "role": "admin", "workspace": "b-secret-ws", "level": "admin"})).await;
    let rule = rule["id"].as_str().unwrap().to_owned();
    let webhook = ok(
        app,
        &admin,
        Method::POST,
        "/api/v1/webhooks",
        json!({"url": "http://127.0.0.1:9/b-secret-hook"}),
    )
    .await;
    let webhook = webhook["id"].as_str().unwrap().to_owned();
    ok(
        app,
        &admin,
        Method::POST,
        &format!("/api/v1/members/{user}/logins"),
        json!({}),
    )
    .await;
    let client = ok(
        app,
        &admin,
        Method::POST,
        "/api/v1/oauth-clients",
        json!({"label": "b-secret-client"}),
    )
    .await;
    let client_secret = client["client"]["secrets"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let client = client["client"]["id"].as_str().unwrap().to_owned();
    Other {
        admin,
        scim,
        user,
        group,
        rule,
        webhook,
        client,
        client_secret,
    }
}

/// What B looks like to its own admin: it must not change.
async fn snapshot(app: &TestApp, other: &Other) -> Vec<Value> {
    let mut state = Vec::new();
    for path in [
        format!("/scim/v2/Users/{}", other.user),
        format!("/scim/v2/Groups/{}", other.group),
    ] {
        let (status, text) = call(app, &other.scim, Method::GET, &path, None).await;
        assert_eq!(status, 200, "{path}");
        let mut value: Value = serde_json::from_str(&text).unwrap();
        value["meta"]["lastModified"] = Value::Null;
        state.push(value);
    }
    for path in [
        "/api/v1/access-model",
        "/api/v1/workspaces",
        "/api/v1/rules",
        "/api/v1/network-allow-list",
        &format!("/api/v1/members/{}/access", other.user),
    ] {
        let (status, text) = call(app, &other.admin, Method::GET, path, None).await;
        assert_eq!(status, 200, "{path}");
        state.push(serde_json::from_str(&text).unwrap());
    }
    let (_, text) = call(
        app,
        &other.admin,
        Method::GET,
        "/api/v1/oauth-clients",
        None,
    )
    .await;
    state.push(serde_json::from_str(&text).unwrap());
    let (_, text) = call(app, &other.admin, Method::GET, "/api/v1/webhooks", None).await;
    let hooks: Value = serde_json::from_str(&text).unwrap();
    state.push(json!(
        hooks["webhooks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| &h["id"])
            .collect::<Vec<_>>()
    ));
    state
}

fn documented_operations(doc: &Value) -> Vec<(String, String)> {
    let mut operations = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            operations.push((method.to_uppercase(), path.clone()));
        }
    }
    operations
}

/// A body the operation accepts, naming B's things where it names any.
fn body_for(method: &str, path: &str, other: &Other) -> Option<Value> {
    let rule = json!({"match": {"group_id": other.group}, "role": "admin"});
    Some(match (method, path) {
        ("PUT", "/api/v1/access-model") => return None, // A's own model: not B's
        ("POST", "/api/v1/workspaces") => return None,
        ("PATCH", "/api/v1/workspaces/{slug}") => json!({"name": "taken over"}),
        ("POST", "/api/v1/rules") => return None,
        ("PUT", "/api/v1/rules/{id}") => rule,
        ("POST", "/api/v1/rules/preview") => json!({"delete": {"id": other.rule}}),
        ("POST", "/api/v1/members/{id}/logins") => json!({}),
        ("PUT", "/api/v1/members/{id}/grants") => json!({"role": "admin", "workspaces": []}),
        ("POST", "/api/v1/webhooks") | ("PUT", "/api/v1/network-allow-list") => return None,
        ("POST", "/api/v1/oauth-clients") => return None,
        ("POST", "/api/v1/oauth-clients/{id}/secrets") => json!({}),
        (_, _) => Value::Null,
    })
}

async fn no_token_of_one_account_reaches_another(db: TestDb) {
    // Account B's webhook points at this machine (nothing is sent off it).
    let app = TestApp::spawn_with(db, crate::webhooks::allow_private).await;
    let other = other_account(&app).await;
    let before = snapshot(&app, &other).await;
    let access = app.issue(roster::model::Scope::Access, None);
    let tokens = [
        app.scim_token.clone(),
        app.admin_token.clone(),
        access.token.expose().to_owned(),
    ];
    // Anything that would show B's data.
    let secrets = [
        other.user.as_str(),
        other.group.as_str(),
        other.rule.as_str(),
        other.webhook.as_str(),
        other.client.as_str(),
        other.client_secret.as_str(),
        "b-secret",
        "b-ext",
        "b-group-ext",
        "B Admins",
        "B Secret",
    ];
    // What a request names itself may come back (`no member '<id>'`).
    let leaks = |request: &str, text: &str| {
        for secret in secrets {
            let echoed = request.contains(secret)
                || request.contains(&secret.replace(' ', "+"))
                || request.contains(&secret.replace('@', "%40"));
            assert!(
                echoed || !text.contains(secret),
                "{request} shows B's '{secret}': {text}"
            );
        }
    };

    // Every /api/v1 operation, with B's ids in the path.
    let (_, text) = call(
        &app,
        &app.admin_token,
        Method::GET,
        "/api/v1/openapi.json",
        None,
    )
    .await;
    let doc: Value = serde_json::from_str(&text).unwrap();
    let operations = documented_operations(&doc);
    assert!(operations.len() >= 20, "{operations:?}");
    for (method, template) in &operations {
        let Some(body) = body_for(method, template, &other) else {
            continue; // creates A's own things: nothing of B's to name
        };
        let path = template
            .replace("{slug}", "b-secret-ws")
            .replace("{secretId}", &other.client_secret)
            .replace(
                "{id}",
                if template.contains("rules") {
                    &other.rule
                } else if template.contains("webhooks") {
                    &other.webhook
                } else if template.contains("oauth-clients") {
                    &other.client
                } else {
                    &other.user
                },
            );
        let body = (!body.is_null()).then_some(body);
        for token in &tokens {
            let method = Method::from_bytes(method.as_bytes()).unwrap();
            let (status, text) = call(&app, token, method.clone(), &path, body.clone()).await;
            assert!(status < 500, "{method} {path}: {status} {text}");
            if template.contains('{') {
                assert!(
                    matches!(status, 403 | 404),
                    "{method} {path}: {status} {text}"
                );
            }
            leaks(
                &format!("{path} {}", body.clone().unwrap_or_default()),
                &text,
            );
        }
    }
    // Lists and lookups of A by B's names find nothing.
    for path in [
        "/api/v1/members?userName=b-secret@example.com".to_owned(),
        "/api/v1/members?externalId=b-ext".to_owned(),
        format!("/api/v1/audit?member={}", other.user),
        format!("/api/v1/audit?group={}", other.group),
        "/api/v1/events?after=0&limit=1000".to_owned(),
        "/api/v1/reports/access-review?format=csv".to_owned(),
    ] {
        let (status, text) = call(&app, &app.admin_token, Method::GET, &path, None).await;
        assert_eq!(status, 200, "{path}: {text}");
        leaks(&path, &text);
    }

    // SCIM, as A's identity provider.
    let scim = &app.scim_token;
    for (method, path) in [
        (Method::GET, format!("/scim/v2/Users/{}", other.user)),
        (Method::PUT, format!("/scim/v2/Users/{}", other.user)),
        (Method::PATCH, format!("/scim/v2/Users/{}", other.user)),
        (Method::DELETE, format!("/scim/v2/Users/{}", other.user)),
        (Method::GET, format!("/scim/v2/Groups/{}", other.group)),
        (Method::PUT, format!("/scim/v2/Groups/{}", other.group)),
        (Method::PATCH, format!("/scim/v2/Groups/{}", other.group)),
        (Method::DELETE, format!("/scim/v2/Groups/{}", other.group)),
    ] {
        let body = match method {
            Method::PUT => Some(json!({"userName": "taken", "displayName": "taken"})),
            Method::PATCH => Some(
                json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                "Operations": [{"op": "replace", "path": "displayName", "value": "taken"}]}),
            ),
            _ => None,
        };
        let (status, text) = call(&app, scim, method.clone(), &path, body).await;
        assert_eq!(status, 404, "{method} {path}: {text}");
        leaks(&path, &text);
    }
    for query in [
        "/scim/v2/Users?filter=userName+eq+%22b-secret%40example.com%22",
        "/scim/v2/Users?filter=userName+sw+%22b%22",
        "/scim/v2/Users?filter=externalId+eq+%22b-ext%22",
        "/scim/v2/Users?filter=id+pr&sortBy=userName&startIndex=1&count=1000",
        "/scim/v2/Users?filter=groups.value+eq+%22GROUP%22",
        "/scim/v2/Groups?filter=displayName+eq+%22B+Admins%22",
        "/scim/v2/Groups?filter=members.value+eq+%22USER%22",
        "/scim/v2/Groups?startIndex=1&count=1000",
    ] {
        let path = query
            .replace("GROUP", &other.group)
            .replace("USER", &other.user);
        let (status, text) = call(&app, scim, Method::GET, &path, None).await;
        assert_eq!(status, 200, "{path}: {text}");
        leaks(&path, &text);
    }
    for (path, filter) in [
        ("/scim/v2/.search", "displayName sw \"B\""),
        (
            "/scim/v2/Users/.search",
            "userName sw \"b\" or displayName sw \"B\"",
        ),
        (
            "/scim/v2/Groups/.search",
            "displayName sw \"B\" or externalId pr",
        ),
    ] {
        let body = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
            "filter": filter, "startIndex": 1, "count": 1000});
        let (status, text) = call(&app, scim, Method::POST, path, Some(body)).await;
        assert_eq!(status, 200, "{path}: {text}");
        leaks(path, &text);
    }
    // A's own group cannot take B's user as a member.
    let group = ok(
        &app,
        scim,
        Method::POST,
        "/scim/v2/Groups",
        json!({"displayName": "A group", "members": [{"value": other.user}]}),
    )
    .await;
    assert!(
        group
            .get("members")
            .is_none_or(|m| m.as_array().is_some_and(Vec::is_empty)),
        "{group}"
    );
    let id = group["id"].as_str().unwrap();
    ok(
        &app,
        scim,
        Method::PATCH,
        &format!("/scim/v2/Groups/{id}"),
        json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
               "Operations": [{"op": "add", "path": "members", "value": [{"value": other.user}]}]}),
    )
    .await;
    let (_, text) = call(
        &app,
        scim,
        Method::GET,
        &format!("/scim/v2/Groups/{id}"),
        None,
    )
    .await;
    leaks("A's group", &text);

    assert_eq!(snapshot(&app, &other).await, before, "B is unchanged");
}
