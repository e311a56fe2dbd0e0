//! The OpenAPI document (`GET /api/v1/openapi.json`) against the routes that
//! exist: it is served without a token; every operation it documents reaches
//! its handler, answers one of the documented statuses with the documented
//! body's fields, and refuses the scopes it does not name; and every route
//! `src/http/api/*.rs` registers is documented. SQLite only: the document
//! does not depend on the database.

use std::collections::BTreeSet;

use reqwest::{Method, StatusCode};
use roster::model::Scope;
use serde_json::{Value, json};

use crate::helpers::{Api, DbKind, TestApp, TestDb, admin};

/// Every (method, path) that `src/http/api/*.rs` registers with
/// `web::resource(…).route(…)`. A route added there must be added here (the
/// source scan below fails otherwise) and documented (the comparison with
/// the document fails otherwise).
const REGISTERED: &[(&str, &str)] = &[
    ("GET", "/api/v1/access-model"),
    ("PUT", "/api/v1/access-model"),
    ("GET", "/api/v1/workspaces"),
    ("POST", "/api/v1/workspaces"),
    ("GET", "/api/v1/workspaces/{slug}"),
    ("PATCH", "/api/v1/workspaces/{slug}"),
    ("DELETE", "/api/v1/workspaces/{slug}"),
    ("GET", "/api/v1/rules"),
    ("POST", "/api/v1/rules"),
    ("POST", "/api/v1/rules/preview"),
    ("GET", "/api/v1/rules/{id}"),
    ("PUT", "/api/v1/rules/{id}"),
    ("DELETE", "/api/v1/rules/{id}"),
    ("GET", "/api/v1/members"),
    ("GET", "/api/v1/members/{id}/access"),
    ("POST", "/api/v1/members/{id}/logins"),
    ("GET", "/api/v1/events"),
    ("GET", "/api/v1/workspaces/{slug}/members"),
    ("GET", "/api/v1/members/{id}/grants"),
    ("PUT", "/api/v1/members/{id}/grants"),
    ("GET", "/api/v1/audit"),
    ("GET", "/api/v1/reports/access-review"),
    ("GET", "/api/v1/webhooks"),
    ("POST", "/api/v1/webhooks"),
    ("DELETE", "/api/v1/webhooks/{id}"),
    ("GET", "/api/v1/network-allow-list"),
    ("PUT", "/api/v1/network-allow-list"),
    ("POST", "/api/v1/console/links"),
    ("GET", "/api/v1/oauth-clients"),
    ("POST", "/api/v1/oauth-clients"),
    ("GET", "/api/v1/oauth-clients/{id}"),
    ("DELETE", "/api/v1/oauth-clients/{id}"),
    ("POST", "/api/v1/oauth-clients/{id}/secrets"),
    ("DELETE", "/api/v1/oauth-clients/{id}/secrets/{secretId}"),
    ("GET", "/api/v1/openapi.json"),
];

const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

type Route = (String, String);

fn registered() -> BTreeSet<Route> {
    REGISTERED
        .iter()
        .map(|(method, path)| ((*method).to_owned(), (*path).to_owned()))
        .collect()
}

/// The (method, path) pairs of `src/http/api/*.rs`: each `web::resource("P")`
/// followed by its `.route(web::METHOD()…)` calls.
fn scanned_from_source() -> BTreeSet<Route> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/src/http/api");
    let mut routes = BTreeSet::new();
    for entry in std::fs::read_dir(dir).expect("src/http/api") {
        let path = entry.expect("a directory entry").path();
        if path.extension().is_none_or(|ext| ext != "rs") {
            continue;
        }
        let source = std::fs::read_to_string(&path).expect("a source file");
        for resource in source.split("web::resource(\"").skip(1) {
            let (route, rest) = resource.split_once('"').expect("a quoted path");
            let mut methods = 0;
            for call in rest.split(".route(web::").skip(1) {
                let method = call.split_once("()").expect("web::METHOD()").0;
                routes.insert((method.to_uppercase(), format!("/api/v1{route}")));
                methods += 1;
            }
            assert!(methods > 0, "{}: no route for {route}", path.display());
        }
    }
    routes
}

/// The (method, path) pairs the document describes.
fn documented(doc: &Value) -> BTreeSet<Route> {
    let mut routes = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (key, _) in item.as_object().expect("a path item") {
            assert!(METHODS.contains(&key.as_str()), "{path}: {key}");
            routes.insert((key.to_uppercase(), path.clone()));
        }
    }
    routes
}

/// A documented schema's property names and required ones, through `$ref`
/// and `allOf`; `None` when it does not list properties.
fn fields(doc: &Value, schema: &Value) -> Option<(BTreeSet<String>, BTreeSet<String>)> {
    if let Some(reference) = schema["$ref"].as_str() {
        let name = reference
            .strip_prefix("#/components/schemas/")
            .expect("a local schema reference");
        return fields(doc, &doc["components"]["schemas"][name]);
    }
    let mut properties = BTreeSet::new();
    let mut required = BTreeSet::new();
    let mut listed = false;
    for part in schema["allOf"].as_array().into_iter().flatten() {
        let (p, r) = fields(doc, part)?;
        (properties, required, listed) = (&properties | &p, &required | &r, true);
    }
    if let Some(own) = schema["properties"].as_object() {
        properties.extend(own.keys().cloned());
        listed = true;
    }
    required.extend(
        schema["required"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|name| name.as_str().expect("a name").to_owned()),
    );
    listed.then_some((properties, required))
}

/// Asserts that `value` has the fields `schema` documents: no other, and
/// every required one, in its objects and their arrays all the way down.
fn check_shape(doc: &Value, schema: &Value, value: &Value, at: &str) {
    let schema = match schema["$ref"].as_str() {
        Some(reference) => {
            let name = reference.trim_start_matches("#/components/schemas/");
            &doc["components"]["schemas"][name]
        }
        None => schema,
    };
    match value {
        Value::Array(items) => {
            for (index, item) in items.iter().enumerate() {
                check_shape(doc, &schema["items"], item, &format!("{at}[{index}]"));
            }
        }
        Value::Object(object) => {
            let Some((properties, required)) = fields(doc, schema) else {
                return;
            };
            let keys: BTreeSet<String> = object.keys().cloned().collect();
            assert!(
                keys.is_subset(&properties),
                "{at}: {keys:?} beyond {properties:?}"
            );
            assert!(
                required.is_subset(&keys),
                "{at}: {required:?} not all in {keys:?}"
            );
            for (key, item) in object {
                check_shape(
                    doc,
                    &property(doc, schema, key),
                    item,
                    &format!("{at}.{key}"),
                );
            }
        }
        _ => {}
    }
}

/// The schema of a documented property, through `$ref` and `allOf`.
fn property(doc: &Value, schema: &Value, key: &str) -> Value {
    if let Some(reference) = schema["$ref"].as_str() {
        let name = reference.trim_start_matches("#/components/schemas/");
        return property(doc, &doc["components"]["schemas"][name], key);
    }
    if let Some(found) = schema["properties"].get(key) {
        return found.clone();
    }
    for part in schema["allOf"].as_array().into_iter().flatten() {
        let found = property(doc, part, key);
        if !found.is_null() {
            return found;
        }
    }
    Value::Null
}

/// The token scopes an operation's security requirements accept; empty
/// when it needs no token.
fn accepted_scopes(operation: &Value) -> BTreeSet<String> {
    let requirements = operation["security"].as_array().expect("security");
    let mut scopes = BTreeSet::new();
    for requirement in requirements {
        for (scheme, roles) in requirement.as_object().expect("a requirement") {
            assert_eq!(scheme, "bearer", "{operation}");
            let roles = roles.as_array().expect("roles");
            assert_eq!(roles.len(), 1, "one scope per requirement: {operation}");
            scopes.insert(roles[0].as_str().expect("a scope").to_owned());
        }
    }
    scopes
}

/// A body the operation accepts. It must deserialize: actix reports a body
/// that does not before the token is checked, and the refusals of a missing
/// token or a wrong scope are what this test checks with it.
fn valid_body(method: &str, path: &str, rule: &str) -> Value {
    let rule_spec = json!({"match": {"group_name": "Admins"}, "role": "admin"});
    match (method, path) {
        ("PUT", "/api/v1/access-model") => json!({
            "roles": ["member", "admin"],
            "defaultRole": "member",
            "levels": ["viewer", "editor", "admin"],
        }),
        ("POST", "/api/v1/workspaces") => json!({"slug": "staging"}),
        ("PATCH", "/api/v1/workspaces/{slug}") => json!({"name": "Operations"}),
        ("POST", "/api/v1/rules") | ("PUT", "/api/v1/rules/{id}") => rule_spec,
        ("POST", "/api/v1/rules/preview") => json!({"delete": {"id": rule}}),
        ("POST", "/api/v1/members/{id}/logins") => json!({"at": "2020-01-01T09:00:00Z"}),
        ("PUT", "/api/v1/members/{id}/grants") => json!({"role": "admin", "workspaces": []}),
        // Nothing listens on port 9: deliveries fail and are retried, harmlessly.
        ("POST", "/api/v1/webhooks") => json!({"url": "http://127.0.0.1:9/events"}),
        // The test's own address, so the requests after it still pass.
        ("PUT", "/api/v1/network-allow-list") => json!({"networks": ["127.0.0.0/8", "::1"]}),
        ("POST", "/api/v1/console/links") => json!({"expiresInSeconds": 60}),
        ("POST", "/api/v1/oauth-clients") => json!({"label": "Entra"}),
        ("POST", "/api/v1/oauth-clients/{id}/secrets") => json!({"expiresInDays": 30}),
        _ => panic!("{method} {path} takes a body: add one here"),
    }
}

async fn detail(response: reqwest::Response) -> (StatusCode, String) {
    let status = response.status();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    (
        status,
        body["detail"].as_str().unwrap_or_default().to_owned(),
    )
}

#[actix_web::test]
async fn the_document_describes_the_routes_that_exist() {
    // The webhook body's URL is on this machine (nothing is sent off it).
    let app = TestApp::spawn_with(
        TestDb::create(DbKind::Sqlite).unwrap(),
        crate::webhooks::allow_private,
    )
    .await;

    // Served without a token, as OpenAPI 3.1 with the bearer scheme.
    let response = app
        .client
        .get(app.url("/api/v1/openapi.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let content_type = response.headers()["content-type"].to_str().unwrap();
    assert_eq!(content_type, "application/json");
    let doc: Value = response.json().await.unwrap();
    assert!(
        doc["openapi"]
            .as_str()
            .is_some_and(|v| v.starts_with("3.1.")),
        "{}",
        doc["openapi"]
    );
    assert_eq!(doc["info"]["title"], "Roster API");
    assert_eq!(doc["info"]["version"], env!("CARGO_PKG_VERSION"));
    assert!(doc.get("servers").is_none(), "servers are omitted");
    let bearer = &doc["components"]["securitySchemes"]["bearer"];
    assert_eq!(
        (&bearer["type"], &bearer["scheme"]),
        (&json!("http"), &json!("bearer"))
    );

    // The routes the code registers, all documented, and nothing else.
    assert_eq!(
        scanned_from_source(),
        registered(),
        "REGISTERED is out of date"
    );
    assert_eq!(documented(&doc), registered());
    let mut operation_ids = BTreeSet::new();
    for (method, path) in registered() {
        let id = doc["paths"][&path][method.to_lowercase()]["operationId"]
            .as_str()
            .unwrap_or_else(|| panic!("{method} {path}: no operationId"))
            .to_owned();
        assert!(
            operation_ids.insert(id.clone()),
            "{method} {path}: {id} twice"
        );
    }

    // What the router answers for a path that names no endpoint.
    let (status, unknown) = detail(admin(&app).send(Method::GET, "/api/v1/nope", None).await).await;
    assert_eq!(status, 404);
    assert!(unknown.ends_with("/api/v1/nope"), "{unknown}");
    let router_404 = |path: &str| unknown.replace("/api/v1/nope", path);

    // Something for every path parameter to name.
    let user = app
        .create_user(&json!({"userName": "alice@example.com"}))
        .await;
    let user = user["id"].as_str().unwrap().to_owned();
    let ops = admin(&app);
    ops.ok(
        Method::POST,
        "/api/v1/workspaces",
        Some(json!({"slug": "ops"})),
    )
    .await;
    let rule = ops
        .ok(
            Method::POST,
            "/api/v1/rules",
            Some(json!({"match": {"group_name": "Admins"}, "role": "admin"})),
        )
        .await;
    let rule = rule["id"].as_str().unwrap().to_owned();
    let client = ops
        .ok(Method::POST, "/api/v1/oauth-clients", Some(json!({})))
        .await;
    let secret = client["client"]["secrets"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let client = client["client"]["id"].as_str().unwrap().to_owned();
    let concrete = |path: &str| {
        let id = if path.starts_with("/api/v1/members/") {
            user.clone()
        } else if path.starts_with("/api/v1/rules/") {
            rule.clone()
        } else if path.starts_with("/api/v1/oauth-clients/") {
            client.clone()
        } else {
            uuid::Uuid::new_v4().to_string()
        };
        let path = path
            .replace("{slug}", "ops")
            .replace("{id}", &id)
            .replace("{secretId}", &secret);
        let query = if path == "/api/v1/members" {
            "?userName=alice@example.com"
        } else {
            ""
        };
        assert!(!path.contains('{'), "{path}");
        format!("{path}{query}")
    };
    let token = |scope| Api {
        app: &app,
        token: app.issue(scope, None).token.expose().to_owned(),
    };
    let (access, scim) = (token(Scope::Access), token(Scope::Scim));

    // Every documented operation, deletions last (they remove what the
    // others name).
    let mut operations: Vec<Route> = documented(&doc).into_iter().collect();
    operations.sort_by_key(|(method, _)| method == "DELETE");
    for (method, path) in operations {
        let operation = &doc["paths"][&path][method.to_lowercase()];
        let what = format!("{method} {path}");
        let url = concrete(&path);
        let body = operation
            .get("requestBody")
            .map(|_| valid_body(&method, &path, &rule));
        let method = Method::from_bytes(method.as_bytes()).unwrap();

        // Without a token: 401, unless the operation needs none.
        let scopes = accepted_scopes(operation);
        let mut request = app.client.request(method.clone(), app.url(&url));
        if let Some(body) = &body {
            request = request.json(body);
        }
        let anonymous = request.send().await.unwrap().status();
        if scopes.is_empty() {
            assert_eq!(anonymous, 200, "{what} without a token");
            assert_eq!(operation["security"], json!([{}]), "{what}");
        } else {
            assert_eq!(anonymous, 401, "{what} without a token");
        }

        // The scopes it does not name: 403.
        for (scope, api) in [("scim", &scim), ("access", &access)] {
            if scopes.is_empty() || scopes.contains(scope) {
                continue;
            }
            let status = api.send(method.clone(), &url, body.clone()).await.status();
            assert_eq!(status, 403, "{what} with a {scope} token");
        }
        if !scopes.is_empty() {
            assert!(
                scopes.contains("admin"),
                "{what}: admin tokens reach all of /api/v1"
            );
        }
        if scopes.contains("access") {
            let status = access
                .send(method.clone(), &url, body.clone())
                .await
                .status();
            assert!(status.is_success(), "{what} with an access token: {status}");
        }

        // An optional body may be left out.
        if operation["requestBody"]["required"] == json!(false) {
            let status = ops.send(method.clone(), &url, None).await.status();
            assert!(status.is_success(), "{what} without a body: {status}");
        }

        // With the admin token: the handler answers, with a documented status.
        let response = ops.send(method, &url, body).await;
        let status = response.status();
        let content_type = response
            .headers()
            .get("content-type")
            .map(|value| value.to_str().unwrap().to_owned());
        let text = response.text().await.unwrap();
        let answer: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        assert_ne!(status, 405, "{what}: {text}");
        if status == 404 {
            assert_ne!(
                answer["detail"],
                router_404(url.split('?').next().unwrap()),
                "{what}"
            );
        }
        let declared = &operation["responses"][status.as_str()];
        assert!(
            declared.is_object(),
            "{what}: {status} is not documented: {text}"
        );

        // A JSON body has the documented fields.
        let Some(content_type) = content_type else {
            assert!(
                declared.get("content").is_none(),
                "{what}: {status} has no body"
            );
            continue;
        };
        let media = content_type.split(';').next().unwrap();
        let schema = &declared["content"][media]["schema"];
        assert!(
            schema.is_object(),
            "{what}: {status} {media} is not documented"
        );
        check_shape(&doc, schema, &answer, &what);
    }
}
