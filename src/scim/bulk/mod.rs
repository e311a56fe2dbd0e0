//! SCIM Bulk (RFC 7644 §3.7), free of HTTP and storage: the BulkRequest
//! read into its operations (this file), the order they run in with their
//! `bulkId` references (`plan.rs`, §3.7.1 and §3.7.2), and the BulkResponse
//! (`response.rs`, §3.7.3).
//!
//! Which failures are the whole request's and which one operation's: a body
//! that is not a BulkRequest, more operations than `maxOperations` (413), a
//! `failOnErrors` that is not a positive integer, or a `bulkId` two POSTs
//! define refuse the whole request; an operation whose `method`, `path` or
//! `data` is wrong fails alone, with its own status, and the others run.

mod plan;
mod response;

use serde_json::{Map, Value};

pub use plan::{Step, order, references, substitute};
pub use response::{Outcome, render};

use super::schema::ResourceKind;
use super::{ScimError, urns};

/// The method of one operation (§3.7: POST, PUT, PATCH or DELETE).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Post,
    Put,
    Patch,
    Delete,
}

/// One operation, checked: what it does to which resource.
#[derive(Debug, Clone, PartialEq)]
pub struct Operation {
    pub method: Method,
    pub kind: ResourceKind,
    /// The resource's id from the path (PUT, PATCH, DELETE); it may be a
    /// `bulkId:` reference until [`substitute`] resolves it.
    pub id: Option<String>,
    /// `version`: the `If-Match` of this operation (RFC 7644 §3.14).
    pub version: Option<String>,
    /// `data`: the body of the single request (`Null` for DELETE).
    pub data: Value,
}

/// One entry of `Operations` as sent: what the response echoes (`method`,
/// `bulkId`) and the operation, or why it cannot run.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// `method` as sent (empty when absent).
    pub method: String,
    pub bulk_id: Option<String>,
    pub operation: Result<Operation, ScimError>,
}

/// A BulkRequest (§3.7): its operations and `failOnErrors`.
#[derive(Debug, Clone, PartialEq)]
pub struct BulkRequest {
    /// Stop once this many operations have failed (`None`: never stop).
    pub fail_on_errors: Option<usize>,
    pub entries: Vec<Entry>,
}

/// The 413 of §3.7.3 for a request above `maxOperations`.
pub fn too_many_operations(max_operations: usize) -> ScimError {
    ScimError::new(
        413,
        None,
        format!(
            "the bulk request has more operations than maxOperations ({max_operations}); \
             split it into several requests"
        ),
    )
}

/// The 413 of §3.7.3 for a body above `maxPayloadSize`.
pub fn too_large(max_payload_bytes: usize) -> ScimError {
    ScimError::new(
        413,
        None,
        format!(
            "the bulk request is larger than maxPayloadSize ({max_payload_bytes} bytes); \
             split it into several requests"
        ),
    )
}

/// The attribute of `object` named `name`, in any case (RFC 7643 §2.1).
fn field<'a>(object: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    object
        .iter()
        .find(|(key, _)| key.eq_ignore_ascii_case(name))
        .map(|(_, value)| value)
}

/// Reads a BulkRequest with at most `max_operations` operations.
pub fn parse(body: Value, max_operations: usize) -> Result<BulkRequest, ScimError> {
    let Value::Object(body) = body else {
        return Err(ScimError::invalid_syntax(
            "the body must be a BulkRequest object",
        ));
    };
    if let Some(schemas) = field(&body, "schemas") {
        let names_bulk = schemas
            .as_array()
            .is_some_and(|list| list.iter().any(|s| s == urns::BULK_REQUEST));
        if !names_bulk {
            return Err(ScimError::invalid_syntax(format!(
                "'schemas' must list {}",
                urns::BULK_REQUEST
            )));
        }
    }
    let fail_on_errors = match field(&body, "failOnErrors") {
        None | Some(Value::Null) => None,
        Some(value) => Some(
            value
                .as_u64()
                .filter(|n| *n >= 1)
                .and_then(|n| usize::try_from(n).ok())
                .ok_or_else(|| {
                    ScimError::invalid_value("'failOnErrors' must be a whole number of at least 1")
                })?,
        ),
    };
    let Some(Value::Array(operations)) = field(&body, "Operations") else {
        return Err(ScimError::invalid_syntax(
            "a BulkRequest needs 'Operations', an array of operations",
        ));
    };
    if operations.len() > max_operations {
        return Err(too_many_operations(max_operations));
    }
    let entries: Vec<Entry> = operations.iter().map(entry).collect();
    plan::check_unique_bulk_ids(&entries)?;
    Ok(BulkRequest {
        fail_on_errors,
        entries,
    })
}

fn entry(value: &Value) -> Entry {
    let text = |name| {
        value
            .as_object()
            .and_then(|object| field(object, name))
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    let mut method = text("method").unwrap_or_default();
    if let Some((end, _)) = method.char_indices().nth(16) {
        // Echoed in the response: never a huge request value.
        method.truncate(end);
    }
    Entry {
        method,
        bulk_id: text("bulkId"),
        operation: operation(value),
    }
}

fn operation(value: &Value) -> Result<Operation, ScimError> {
    let Value::Object(object) = value else {
        return Err(ScimError::invalid_syntax(
            "each operation must be an object",
        ));
    };
    let text = |name| field(object, name).and_then(Value::as_str);
    let method = match text("method").map(str::to_ascii_uppercase).as_deref() {
        Some("POST") => Method::Post,
        Some("PUT") => Method::Put,
        Some("PATCH") => Method::Patch,
        Some("DELETE") => Method::Delete,
        _ => {
            return Err(ScimError::invalid_value(
                "'method' must be POST, PUT, PATCH or DELETE",
            ));
        }
    };
    let path =
        text("path").ok_or_else(|| ScimError::invalid_value("each operation needs a 'path'"))?;
    let (kind, id) = target(path)?;
    if (method == Method::Post) != id.is_none() {
        return Err(ScimError::invalid_value(if method == Method::Post {
            "POST goes to '/Users' or '/Groups'"
        } else {
            "PUT, PATCH and DELETE go to '/Users/{id}' or '/Groups/{id}'"
        }));
    }
    let data = match field(object, "data") {
        None | Some(Value::Null) if method == Method::Delete => Value::Null,
        _ if method == Method::Delete => {
            return Err(ScimError::invalid_value("DELETE takes no 'data'"));
        }
        Some(data @ Value::Object(_)) => data.clone(),
        _ => {
            return Err(ScimError::invalid_value(
                "POST, PUT and PATCH need 'data', the body of the request as an object",
            ));
        }
    };
    let version = match field(object, "version") {
        None | Some(Value::Null) => None,
        Some(Value::String(version)) => Some(version.clone()),
        Some(_) => return Err(ScimError::invalid_value("'version' must be a string")),
    };
    Ok(Operation {
        method,
        kind,
        id,
        version,
        data,
    })
}

/// `/Users`, `/Groups`, `/Users/{id}` or `/Groups/{id}` (names in any case).
fn target(path: &str) -> Result<(ResourceKind, Option<String>), ScimError> {
    let unknown =
        || ScimError::invalid_value("'path' must be /Users, /Groups, /Users/{id} or /Groups/{id}");
    let rest = path.strip_prefix('/').ok_or_else(unknown)?;
    let (endpoint, id) = match rest.split_once('/') {
        Some((endpoint, id)) if !id.is_empty() && !id.contains('/') => {
            (endpoint, Some(id.to_owned()))
        }
        Some(_) => return Err(unknown()),
        None => (rest, None),
    };
    let kind = if endpoint.eq_ignore_ascii_case("Users") {
        ResourceKind::User
    } else if endpoint.eq_ignore_ascii_case("Groups") {
        ResourceKind::Group
    } else {
        return Err(unknown());
    };
    Ok((kind, id))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn request(operations: Value) -> Value {
        json!({"schemas": [urns::BULK_REQUEST], "Operations": operations})
    }

    #[test]
    fn reads_every_method_and_target() {
        let body = request(json!([
            {"method": "POST", "path": "/Users", "bulkId": "a", "data": {"userName": "a"}},
            {"method": "put", "path": "/Groups/g1", "version": "W/\"1\"", "data": {}},
            {"method": "PATCH", "path": "/users/u1", "data": {"Operations": []}},
            {"method": "DELETE", "path": "/Groups/g2"},
        ]));
        let parsed = parse(body, 4).unwrap();
        let ops: Vec<_> = parsed
            .entries
            .iter()
            .map(|entry| entry.operation.clone().unwrap())
            .collect();
        assert_eq!(ops[0].method, Method::Post);
        assert_eq!(ops[0].kind, ResourceKind::User);
        assert_eq!(ops[0].id, None);
        assert_eq!(parsed.entries[0].bulk_id.as_deref(), Some("a"));
        assert_eq!(ops[1].method, Method::Put);
        assert_eq!(ops[1].kind, ResourceKind::Group);
        assert_eq!(ops[1].version.as_deref(), Some("W/\"1\""));
        assert_eq!(ops[2].kind, ResourceKind::User);
        assert_eq!(ops[2].id.as_deref(), Some("u1"));
        assert_eq!(ops[3].data, Value::Null);
        assert_eq!(parsed.fail_on_errors, None);
    }

    #[test]
    fn max_operations_at_the_limit_and_one_above() {
        let one = json!({"method": "DELETE", "path": "/Users/x"});
        assert!(parse(request(json!([one, one])), 2).is_ok());
        let error = parse(request(json!([one, one, one])), 2).unwrap_err();
        assert_eq!(error.status, 413);
        assert!(
            error.detail.contains("maxOperations (2)"),
            "{}",
            error.detail
        );
    }

    #[test]
    fn refuses_what_is_not_a_bulk_request() {
        assert_eq!(parse(json!([]), 9).unwrap_err().status, 400);
        assert_eq!(parse(json!({"Operations": {}}), 9).unwrap_err().status, 400);
        let wrong_schema = json!({"schemas": [urns::USER], "Operations": []});
        assert_eq!(parse(wrong_schema, 9).unwrap_err().status, 400);
        for fail_on_errors in [json!(0), json!(-1), json!("2"), json!(1.5)] {
            let mut body = request(json!([]));
            body["failOnErrors"] = fail_on_errors;
            assert_eq!(parse(body, 9).unwrap_err().status, 400);
        }
        let mut body = request(json!([]));
        body["failOnErrors"] = json!(2);
        assert_eq!(parse(body, 9).unwrap().fail_on_errors, Some(2));
    }

    #[test]
    fn a_wrong_operation_fails_alone() {
        let body = request(json!([
            {"method": "GET", "path": "/Users"},
            {"method": "POST", "path": "/Users/x", "data": {}},
            {"method": "PUT", "path": "/Users", "data": {}},
            {"method": "POST", "path": "/Schemas", "data": {}},
            {"method": "POST", "path": "/Users"},
            {"method": "DELETE", "path": "/Users/x", "data": {"a": 1}},
            {"method": "DELETE", "path": "/Users/x/y"},
            "not an object",
            {"method": "POST", "path": "/Users", "data": {"userName": "ok"}},
        ]));
        let parsed = parse(body, 9).unwrap();
        let failed = parsed
            .entries
            .iter()
            .filter(|entry| entry.operation.is_err())
            .count();
        assert_eq!(failed, 8);
        assert!(parsed.entries[8].operation.is_ok());
        assert_eq!(parsed.entries[0].method, "GET");
    }
}
