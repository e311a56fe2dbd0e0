//! PATCH tests, most named after the IdP request shape they replay
//! (docs/OKTA.md and docs/ENTRA.md describe them, with their public sources).

mod errors;
mod groups;
mod properties;
mod robustness;
mod semantics;
mod users;

use serde_json::{Value, json};

use super::{Patch, parse_group_request, parse_user_request};
use crate::scim::limits::RequestLimits;
use crate::scim::resource::Document;
use crate::scim::schema::ResourceKind;
use crate::scim::{ScimError, ScimType};

const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

fn body(operations: Value) -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": operations
    })
}

/// The default limits, but at most `max_patch_operations` operations.
fn limits(max_patch_operations: usize) -> RequestLimits {
    RequestLimits {
        max_patch_operations,
        ..RequestLimits::default()
    }
}

/// Reads a request for a resource of `kind` (for a group, its document
/// edits; its membership changes are left out).
fn read(kind: ResourceKind, body: &Value, max_operations: usize) -> Result<Patch, ScimError> {
    let limits = limits(max_operations);
    match kind {
        ResourceKind::User => parse_user_request(body, &limits),
        ResourceKind::Group => parse_group_request(body, &limits).map(|patch| patch.document),
    }
}

fn parse(kind: ResourceKind, operations: Value) -> Result<Patch, ScimError> {
    read(kind, &body(operations), 100)
}

/// The stored form of a JSON object.
fn document(value: Value) -> Document {
    match value {
        Value::Object(document) => document,
        other => panic!("a document is an object, not {other}"),
    }
}

fn try_patch(kind: ResourceKind, document: Value, operations: Value) -> Result<Value, ScimError> {
    let patch = parse(kind, operations)?;
    patch.apply(&self::document(document)).map(Value::Object)
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
