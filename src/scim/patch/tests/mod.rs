//! PATCH tests, most named after the IdP request shape they replay
//! (docs/OKTA.md and docs/ENTRA.md describe them, with their public sources).

mod errors;
mod groups;
mod properties;
mod robustness;
mod semantics;
mod users;

use serde_json::{Value, json};

use super::{PatchOperation, apply, parse_request};
use crate::scim::schema::ResourceKind;
use crate::scim::{ScimError, ScimType};

const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

fn body(operations: Value) -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": operations
    })
}

fn parse(kind: ResourceKind, operations: Value) -> Result<Vec<PatchOperation>, ScimError> {
    parse_request(&body(operations), kind, 100)
}

fn try_patch(kind: ResourceKind, document: Value, operations: Value) -> Result<Value, ScimError> {
    let operations = parse(kind, operations)?;
    let mut document = document;
    apply(kind, &mut document, &operations)?;
    Ok(document)
}

/// Parses and applies `operations` to a user document, expecting success.
fn patch_user(document: Value, operations: Value) -> Value {
    try_patch(ResourceKind::User, document, operations).unwrap_or_else(|e| panic!("{e}"))
}

/// Parses and applies `operations` to a user document, expecting an error.
fn user_error(document: Value, operations: Value) -> ScimError {
    match try_patch(ResourceKind::User, document, operations) {
        Ok(document) => panic!("expected an error, got {document}"),
        Err(error) => error,
    }
}

fn assert_error(error: &ScimError, status: u16, scim_type: Option<ScimType>, detail_has: &str) {
    assert_eq!(error.status, status, "{error}");
    assert_eq!(error.scim_type, scim_type, "{error}");
    assert!(
        error.detail.contains(detail_has),
        "`{}` should mention `{detail_has}`",
        error.detail
    );
}

fn barbara() -> Value {
    json!({
        "userName": "bjensen@example.com",
        "name": {"givenName": "Barbara", "familyName": "Jensen"},
        "displayName": "Babs Jensen",
        "emails": [{"value": "bjensen@example.com", "type": "work", "primary": true}],
        "active": true
    })
}

/// Values of the shapes IdPs send (docs/OKTA.md, docs/ENTRA.md), so
/// that many generated requests get past parsing; JSON-encoded roles too,
/// one with an escaped NUL.
fn plausible_values() -> Vec<Value> {
    vec![
        json!("x"),
        json!("True"),
        json!(false),
        json!(""),
        json!(null),
        json!({"value": "a", "type": "work"}),
        json!([{"value": "a"}, {"value": "b", "primary": "true"}]),
        json!({"givenName": "B"}),
        json!({"active": false, "name.givenName": "B"}),
        json!({"displayName": "G", "id": "1", "members": [{"value": "a"}]}),
        json!({"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": "D", "badge": 1}}),
        json!([{"value": "{\"id\":\"06b0\",\"value\":\"25\",\"displayName\":\"R\"}"}]),
        json!([{"value": "{\"value\":\"a\\u0000\"}"}]),
        json!("{\"id\":\"1\",\"displayName\":\"\\u0000\"}"),
    ]
}
