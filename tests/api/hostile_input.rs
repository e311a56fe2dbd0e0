//! No request body, query or header makes the server answer 5xx: every
//! attribute of the User schema with every wrong JSON type, random JSON
//! bodies, random query strings and headers. Each answer is a SCIM error
//! (4xx) or a success, and what was refused changed nothing.

use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::TestRunner;
use serde_json::{Value, json};

use crate::helpers::{TestApp, TestDb};

crate::on_both_databases!(
    every_attribute_with_every_wrong_type_is_refused_or_accepted_never_500,
    random_bodies_queries_and_headers_never_give_500,
);

const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

/// Values of every JSON type, huge and deeply nested ones included.
fn wrong_values() -> Vec<Value> {
    let mut deep = json!("bottom");
    for _ in 0..60 {
        deep = json!({ "a": [deep] });
    }
    vec![
        json!(null),
        json!(true),
        json!(-1),
        json!(1.5e300),
        json!(""),
        json!(incompressible(20_000)),
        json!(incompressible(1025)),
        json!("\u{0000}\u{FFFF}é"),
        json!([]),
        json!([null, 1, "x", {}]),
        json!({}),
        json!({ "value": { "nested": true } }),
        deep,
    ]
}

/// `len` pseudo-random letters: a database cannot compress them away (an
/// index entry of 200,000 `x` compresses to a few bytes).
fn incompressible(len: usize) -> String {
    let mut state: u64 = 0x2545_f491_4f6c_dd1d;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            char::from(b'a' + (state % 26) as u8)
        })
        .collect()
}

const ATTRIBUTES: &[&str] = &[
    "userName",
    "name",
    "displayName",
    "nickName",
    "profileUrl",
    "title",
    "userType",
    "preferredLanguage",
    "locale",
    "timezone",
    "active",
    "password",
    "emails",
    "phoneNumbers",
    "ims",
    "photos",
    "addresses",
    "groups",
    "entitlements",
    "roles",
    "x509Certificates",
    "externalId",
    "id",
    "meta",
    "schemas",
];

async fn status_of(request: reqwest::RequestBuilder) -> u16 {
    let response = request.send().await.expect("the server answers");
    let status = response.status().as_u16();
    let body = response.text().await.unwrap_or_default();
    assert!(status < 500, "{status}: {body}");
    if status >= 400 {
        let error: Value =
            serde_json::from_str(&body).unwrap_or_else(|_| panic!("a SCIM error body: {body}"));
        assert_eq!(error["status"], status.to_string(), "{body}");
    }
    status
}

async fn every_attribute_with_every_wrong_type_is_refused_or_accepted_never_500(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let existing = app
        .create_user(&json!({"userName": "existing@example.com", "title": "Keep"}))
        .await;
    let id = existing["id"].as_str().unwrap();
    let mut created = 0;
    for (index, attribute) in ATTRIBUTES.iter().enumerate() {
        for (variant, value) in wrong_values().into_iter().enumerate() {
            let mut body = json!({"userName": format!("u{index}-{variant}@example.com")});
            body[*attribute] = value.clone();
            let mut in_extension = json!({"userName": format!("e{index}-{variant}@example.com")});
            in_extension[ENTERPRISE] =
                json!({ "department": value.clone(), "manager": value.clone() });
            for body in [&body, &in_extension] {
                let post = app
                    .client
                    .post(app.url("/scim/v2/Users"))
                    .bearer_auth(&app.scim_token)
                    .json(body);
                created += usize::from(status_of(post).await == 201);
            }
            let mut put_body = body;
            put_body["userName"] = json!("existing@example.com");
            let put = app
                .client
                .put(app.url(&format!("/scim/v2/Users/{id}")))
                .bearer_auth(&app.scim_token)
                .json(&put_body);
            status_of(put).await;
        }
    }
    let list: Value = app
        .scim_get("/scim/v2/Users?count=0")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        list["totalResults"],
        created + 1,
        "every 201 was kept, nothing else"
    );
    let after: Value = app
        .scim_get(&format!("/scim/v2/Users/{id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(after["userName"], "existing@example.com");
}

fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        ".{0,20}".prop_map(Value::from),
        prop::sample::select(
            &[
                "userName",
                "emails",
                "value",
                "primary",
                "True",
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
            ][..]
        )
        .prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::btree_map(
                prop_oneof![
                    prop::sample::select(
                        &[
                            "userName", "emails", "name", "active", "schemas", "value", "type",
                            "manager", ENTERPRISE
                        ][..]
                    )
                    .prop_map(str::to_owned),
                    ".{0,8}",
                ],
                inner,
                0..6
            )
            .prop_map(|map| Value::Object(map.into_iter().collect())),
        ]
    })
}

async fn random_bodies_queries_and_headers_never_give_500(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let existing = app
        .create_user(&json!({"userName": "existing@example.com"}))
        .await;
    let id = existing["id"].as_str().unwrap().to_owned();
    let mut runner = TestRunner::default();
    let bodies = any_json();
    let text = "[ -~]{0,40}|\\PC{0,20}";
    for _ in 0..150 {
        let body = bodies.new_tree(&mut runner).unwrap().current();
        let post = app
            .client
            .post(app.url("/scim/v2/Users"))
            .bearer_auth(&app.scim_token)
            .json(&body);
        status_of(post).await;
        let put = app
            .client
            .put(app.url(&format!("/scim/v2/Users/{id}")))
            .bearer_auth(&app.scim_token)
            .json(&body);
        status_of(put).await;
        let search = app
            .client
            .post(app.url("/scim/v2/Users/.search"))
            .bearer_auth(&app.scim_token)
            .json(&body);
        status_of(search).await;
        let query: Vec<(String, String)> = [
            "filter",
            "sortBy",
            "sortOrder",
            "startIndex",
            "count",
            "attributes",
            "excludedAttributes",
        ]
        .iter()
        .map(|name| {
            (
                (*name).to_owned(),
                text.new_tree(&mut runner).unwrap().current(),
            )
        })
        .collect();
        let list = app
            .client
            .get(app.url("/scim/v2/Users"))
            .query(&query)
            .bearer_auth(&app.scim_token);
        status_of(list).await;
        let header: String = "[!-~]{0,30}".new_tree(&mut runner).unwrap().current();
        let get = app
            .client
            .get(app.url(&format!("/scim/v2/Users/{id}")))
            .bearer_auth(&app.scim_token)
            .header("if-none-match", header.clone())
            .header("if-match", header);
        status_of(get).await;
    }
}
