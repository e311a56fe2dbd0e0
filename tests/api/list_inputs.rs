//! Bounded work per request (issue 15): every list-shaped input of every
//! SCIM endpoint at its largest allowed size is answered with a success, and
//! one more with the documented error, which changes nothing. The limits are
//! the defaults `roster serve` runs with. (Group members at their limit are
//! in group_limits.rs; how the cost grows with a list's length is measured
//! by `cargo bench -p roster-bench --bench list_inputs`, not here.)

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{TestApp, TestDb, assert_scim_error, scim};
use roster::scim::limits::RequestLimits;

crate::on_both_databases!(
    multi_valued_attributes_at_the_limit_and_one_above,
    the_quadratic_attack_body_is_refused_at_once,
    patch_operations_and_filter_terms_at_the_limit_and_one_above,
);

const VALUES: usize = RequestLimits::DEFAULT_MAX_VALUES;
const OPERATIONS: usize = RequestLimits::DEFAULT_MAX_PATCH_OPERATIONS;
const TERMS: usize = 64;

/// `count` distinct values of a multi-valued attribute.
fn values(attribute: &str, count: usize) -> Value {
    (0..count)
        .map(|index| match attribute {
            "emails" => json!({"value": format!("a{index}@example.com"), "type": "work"}),
            "phoneNumbers" => json!({"value": format!("+1 555 {index:07}"), "type": "work"}),
            _ => json!({"value": format!("{attribute}-{index}")}),
        })
        .collect::<Vec<_>>()
        .into()
}

fn patch(operations: Value) -> Value {
    json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": operations})
}

async fn count_of(app: &TestApp, id: &str, attribute: &str) -> usize {
    let user = scim(app)
        .ok(Method::GET, &format!("/scim/v2/Users/{id}"), None)
        .await;
    user[attribute].as_array().map_or(0, Vec::len)
}

async fn refused(response: reqwest::Response, attribute: &str) {
    let error = assert_scim_error(response, 400).await;
    assert_eq!(error["scimType"], "invalidValue", "{error}");
    let detail = error["detail"].as_str().unwrap();
    assert!(
        detail.contains(&format!("{}", VALUES + 1))
            && detail.contains(&format!("at most {VALUES}")),
        "{attribute}: {detail}"
    );
}

async fn multi_valued_attributes_at_the_limit_and_one_above(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let api = scim(&app);
    for attribute in ["emails", "phoneNumbers", "roles", "entitlements"] {
        let user_name = format!("{attribute}@example.com");
        // POST: at the limit created whole, one above refused.
        let response = api
            .send(
                Method::POST,
                "/scim/v2/Users",
                Some(json!({"userName": format!("over.{user_name}"), attribute: values(attribute, VALUES + 1)})),
            )
            .await;
        refused(response, attribute).await;
        let created = api
            .ok(
                Method::POST,
                "/scim/v2/Users",
                Some(json!({"userName": user_name, attribute: values(attribute, VALUES)})),
            )
            .await;
        let id = created["id"].as_str().unwrap().to_owned();
        assert_eq!(count_of(&app, &id, attribute).await, VALUES, "{attribute}");
        let path = format!("/scim/v2/Users/{id}");

        // PUT one above: refused, nothing changed; at the limit: accepted.
        let response = api
            .send(
                Method::PUT,
                &path,
                Some(json!({"userName": user_name, attribute: values(attribute, VALUES + 1)})),
            )
            .await;
        refused(response, attribute).await;
        api.ok(
            Method::PUT,
            &path,
            Some(json!({"userName": user_name, attribute: values(attribute, VALUES)})),
        )
        .await;

        // PATCH: one value more than the stored limit is refused (the
        // resource the operations leave is checked), and so is a request
        // that sends more values than the limit; replacing with the limit is
        // accepted.
        let one_more =
            json!([{"op": "add", "path": attribute, "value": [{"value": "one.more@example.com"}]}]);
        refused(
            api.send(Method::PATCH, &path, Some(patch(one_more))).await,
            attribute,
        )
        .await;
        let sent_over =
            json!([{"op": "replace", "path": attribute, "value": values(attribute, VALUES + 1)}]);
        let response = api.send(Method::PATCH, &path, Some(patch(sent_over))).await;
        let error = assert_scim_error(response, 400).await;
        assert!(
            error["detail"]
                .as_str()
                .unwrap()
                .contains(&format!("sends {}", VALUES + 1)),
            "{error}"
        );
        assert_eq!(count_of(&app, &id, attribute).await, VALUES, "unchanged");
        let at_limit =
            json!([{"op": "replace", "path": attribute, "value": values(attribute, VALUES)}]);
        api.ok(Method::PATCH, &path, Some(patch(at_limit))).await;
        assert_eq!(count_of(&app, &id, attribute).await, VALUES);
    }
    let users = api.ok(Method::GET, "/scim/v2/Users", None).await;
    assert_eq!(
        users["totalResults"], 4,
        "no 'over.' user was created: {users}"
    );
}

async fn the_quadratic_attack_body_is_refused_at_once(db: TestDb) {
    // The hostile client's body: 22,000 e-mail addresses (~430 KB, under the
    // 1 MiB body limit), which took seconds of CPU on a worker thread when
    // duplicates were removed by comparing each value with all before it.
    let app = TestApp::spawn(db).await;
    let emails: Vec<Value> = (0..22_000)
        .map(|index| json!({"value": format!("x{index}@e.io")}))
        .collect();
    let response = scim(&app)
        .send(
            Method::POST,
            "/scim/v2/Users",
            Some(json!({"userName": "flood", "emails": emails})),
        )
        .await;
    let error = assert_scim_error(response, 400).await;
    assert!(
        error["detail"]
            .as_str()
            .unwrap()
            .contains("'emails' has 22000 values"),
        "{error}"
    );
    // Duplicates within the limit are still removed (by hash, not by pairs).
    let twice: Vec<Value> = (0..VALUES)
        .map(|index| json!({"value": format!("x{}@e.io", index % 10)}))
        .collect();
    let user = scim(&app)
        .ok(
            Method::POST,
            "/scim/v2/Users",
            Some(json!({"userName": "repeats", "emails": twice})),
        )
        .await;
    assert_eq!(user["emails"].as_array().unwrap().len(), 10, "{user}");
}

async fn patch_operations_and_filter_terms_at_the_limit_and_one_above(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let api = scim(&app);
    let user = app.create_user(&json!({"userName": "ops"})).await;
    let group = api
        .ok(
            Method::POST,
            "/scim/v2/Groups",
            Some(json!({"displayName": "Ops"})),
        )
        .await;
    let user_path = format!("/scim/v2/Users/{}", user["id"].as_str().unwrap());
    let group_path = format!("/scim/v2/Groups/{}", group["id"].as_str().unwrap());
    let operations = |count: usize, path: &str, prefix: &str| -> Value {
        (0..count)
            .map(
                |index| json!({"op": "replace", "path": path, "value": format!("{prefix}{index}")}),
            )
            .collect::<Vec<_>>()
            .into()
    };
    for (path, attribute, prefix) in [
        (&user_path, "title", "Title "),
        (&group_path, "externalId", "ext-"),
    ] {
        let response = api
            .send(
                Method::PATCH,
                path,
                Some(patch(operations(OPERATIONS + 1, attribute, "never "))),
            )
            .await;
        let error = assert_scim_error(response, 413).await;
        assert!(
            error["detail"]
                .as_str()
                .unwrap()
                .contains(&format!("at most {OPERATIONS}")),
            "{error}"
        );
        let response = api
            .send(
                Method::PATCH,
                path,
                Some(patch(operations(OPERATIONS, attribute, prefix))),
            )
            .await;
        assert!(response.status().is_success(), "{}", response.status());
        let read = api.ok(Method::GET, path, None).await;
        assert_eq!(read[attribute], format!("{prefix}{}", OPERATIONS - 1));
    }

    let filter = |terms: usize| {
        (0..terms)
            .map(|index| format!("userName eq \"u{index}\""))
            .collect::<Vec<_>>()
            .join(" or ")
            + " or userName eq \"ops\""
    };
    let encoded = |text: &str| -> String { text.bytes().map(|b| format!("%{b:02X}")).collect() };
    for resource in ["Users", "Groups"] {
        let attribute = if resource == "Users" {
            "userName"
        } else {
            "displayName"
        };
        let within = filter(TERMS - 1)
            .replace("userName", attribute)
            .replace("\"ops\"", "\"Ops\"");
        let over = filter(TERMS).replace("userName", attribute);
        let found = api
            .ok(
                Method::GET,
                &format!("/scim/v2/{resource}?filter={}", encoded(&within)),
                None,
            )
            .await;
        assert_eq!(found["totalResults"], 1, "{resource}: {found}");
        let searched = api
            .ok(
                Method::POST,
                &format!("/scim/v2/{resource}/.search"),
                Some(json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"], "filter": within})),
            )
            .await;
        assert_eq!(searched["totalResults"], 1, "{resource}: {searched}");
        let response = api
            .send(
                Method::GET,
                &format!("/scim/v2/{resource}?filter={}", encoded(&over)),
                None,
            )
            .await;
        let error = assert_scim_error(response, 400).await;
        assert_eq!(error["scimType"], "invalidFilter", "{error}");
    }
}
