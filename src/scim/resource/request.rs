//! A client's POST or PUT body → the stored document (RFC 7644 §3.3; values
//! checked against their attribute's type, RFC 7643 §2.3): attribute names in
//! their schema case, booleans sent as strings (`"True"`, Entra) coerced,
//! read-only attributes (`id`, `meta`, `groups`) and nulls ignored, `password`
//! discarded (Roster does not authenticate members, so it never keeps one),
//! Enterprise attributes under their URN key, and the attributes of a declared
//! extension schema Roster does not know kept as sent.

use scim_v2::models::scim_schema::{Attributes, SubAttributes};
use serde_json::{Map, Value};

use super::{Document, check_indexed_lengths, check_storable};
use crate::scim::ScimError;
use crate::scim::schema::{ResourceKind, find_attribute, find_sub_attribute};

/// Normalises a POST/PUT body into a [`Document`].
pub fn document_from_request(kind: ResourceKind, body: Value) -> Result<Document, ScimError> {
    check_storable(&body)?;
    let Value::Object(body) = body else {
        return Err(ScimError::invalid_syntax("the body must be a JSON object"));
    };
    let declared: Vec<String> = match body.get("schemas") {
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect(),
        _ => Vec::new(),
    };
    let mut document = Document::new();
    for (key, value) in body {
        if value.is_null() || key.eq_ignore_ascii_case("schemas") {
            continue;
        }
        if let Some(extension) = kind
            .extension_urns()
            .iter()
            .find(|urn| urn.eq_ignore_ascii_case(&key))
        {
            let Value::Object(attributes) = value else {
                return Err(ScimError::invalid_value(format!(
                    "'{extension}' must be an object of attributes"
                )));
            };
            for (name, value) in attributes {
                put_attribute(kind, Some(extension), &mut document, &name, value)?;
            }
        } else if key.to_ascii_lowercase().starts_with("urn:") {
            if key.eq_ignore_ascii_case(kind.core_urn()) {
                continue;
            }
            // An extension Roster does not know: kept as sent when the body declares it.
            if value.is_object() && declared.iter().any(|urn| urn.eq_ignore_ascii_case(&key)) {
                document.insert(key, value);
            }
        } else {
            put_attribute(kind, None, &mut document, &key, value)?;
        }
    }
    let required = match kind {
        ResourceKind::User => "userName",
        ResourceKind::Group => "displayName",
    };
    if document
        .get(required)
        .and_then(Value::as_str)
        .is_none_or(|v| v.trim().is_empty())
    {
        return Err(ScimError::invalid_value(format!(
            "'{required}' is required and must be a non-empty string"
        )));
    }
    check_indexed_lengths(&document)?;
    Ok(document)
}

/// Checks and stores one attribute, under its extension key when it has one.
fn put_attribute(
    kind: ResourceKind,
    urn: Option<&str>,
    document: &mut Document,
    name: &str,
    value: Value,
) -> Result<(), ScimError> {
    let Some(found) = find_attribute(kind, urn, name) else {
        // Unknown attributes of the known schemas are ignored (RFC 7644 §3.3 leaves this to the server).
        return Ok(());
    };
    let definition = found.definition;
    if matches!(
        definition.mutability.as_deref(),
        Some("readOnly" | "writeOnly")
    ) {
        return Ok(());
    }
    let Some(value) = normalize_attribute(definition, value)? else {
        return Ok(());
    };
    let target = match (found.in_extension, found.schema) {
        (true, Some(urn)) => document
            .entry(urn.to_owned())
            .or_insert_with(|| Value::Object(Map::new()))
            .as_object_mut()
            .ok_or_else(|| ScimError::invalid_value(format!("'{urn}' must be an object")))?,
        _ => document,
    };
    target.insert(definition.name.clone(), value);
    Ok(())
}

/// A checked value for the attribute, or `None` when it is empty (null, "" or []).
pub fn normalize_attribute(
    definition: &Attributes,
    value: Value,
) -> Result<Option<Value>, ScimError> {
    let name = definition.name.as_str();
    if definition.multi_valued {
        let items = match value {
            Value::Array(items) => items,
            Value::Null => return Ok(None),
            single => vec![single],
        };
        let mut normalized = Vec::with_capacity(items.len());
        // Repeats are dropped by their JSON text (objects serialise with
        // sorted keys, so equal values have equal texts): one hash per value,
        // where comparing each with all before it was quadratic.
        let mut seen = std::collections::HashSet::with_capacity(items.len());
        for item in items {
            let item = if definition.r#type == "complex" {
                normalize_complex(definition, item)?
            } else {
                normalize_scalar(name, &definition.r#type, item)?
            };
            if let Some(item) = item
                && seen.insert(item.to_string())
            {
                normalized.push(item);
            }
        }
        return Ok((!normalized.is_empty()).then_some(Value::Array(normalized)));
    }
    if definition.r#type == "complex" {
        // Entra sends `manager` as a bare id; RFC 7643 §4.3 has it as {"value": id}.
        if name == "manager"
            && let Value::String(id) = value
        {
            return Ok((!id.is_empty()).then(|| serde_json::json!({ "value": id })));
        }
        return normalize_complex(definition, value);
    }
    normalize_scalar(name, &definition.r#type, value)
}

fn normalize_complex(definition: &Attributes, value: Value) -> Result<Option<Value>, ScimError> {
    let name = definition.name.as_str();
    let Value::Object(fields) = value else {
        if value.is_null() {
            return Ok(None);
        }
        return Err(ScimError::invalid_value(format!(
            "'{name}' takes objects of sub-attributes"
        )));
    };
    let mut normalized = Map::new();
    for (key, value) in fields {
        let Some(sub) = find_sub_attribute(definition, &key) else {
            continue;
        };
        if sub.mutability.as_deref() == Some("readOnly") {
            continue;
        }
        if let Some(value) = normalize_sub_attribute(name, sub, value)? {
            normalized.insert(sub.name.clone(), value);
        }
    }
    Ok((!normalized.is_empty()).then_some(Value::Object(normalized)))
}

fn normalize_sub_attribute(
    parent: &str,
    sub: &SubAttributes,
    value: Value,
) -> Result<Option<Value>, ScimError> {
    normalize_scalar(&format!("{parent}.{}", sub.name), &sub.r#type, value)
}

/// Checks a scalar against its SCIM type (RFC 7643 §2.3).
fn normalize_scalar(name: &str, r#type: &str, value: Value) -> Result<Option<Value>, ScimError> {
    let wrong = |expected: &str| ScimError::invalid_value(format!("'{name}' must be {expected}"));
    Ok(match (r#type, value) {
        (_, Value::Null) => None,
        ("boolean", Value::Bool(b)) => Some(Value::Bool(b)),
        ("boolean", Value::String(s)) => match s.to_ascii_lowercase().as_str() {
            "true" => Some(Value::Bool(true)),
            "false" => Some(Value::Bool(false)),
            _ => return Err(wrong("a boolean (true or false)")),
        },
        ("boolean", _) => return Err(wrong("a boolean (true or false)")),
        ("integer", Value::Number(n)) if n.is_i64() || n.is_u64() => Some(Value::Number(n)),
        ("integer", _) => return Err(wrong("an integer")),
        ("decimal", Value::Number(n)) => Some(Value::Number(n)),
        ("decimal", _) => return Err(wrong("a number")),
        ("dateTime", Value::String(s)) => {
            chrono::DateTime::parse_from_rfc3339(&s).map_err(|_| wrong("an RFC 3339 date-time"))?;
            Some(Value::String(s))
        }
        (_, Value::String(s)) if s.is_empty() => None,
        (_, Value::String(s)) => Some(Value::String(s)),
        (_, _) => return Err(wrong("a string")),
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::scim::resource::schemas_of;
    use crate::scim::urns;

    #[test]
    fn okta_create_body_is_normalised() {
        let body = json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "userName": "test.user@okta.local",
            "name": { "givenName": "Test", "familyName": "User" },
            "emails": [{ "primary": true, "value": "test.user@okta.local", "type": "work" }],
            "displayName": "Test User", "locale": "en-US", "externalId": "00ujl29u0le5T6Aj10h7",
            "groups": [], "password": "1mz050nq", "active": true, "id": "ignored", "meta": {"resourceType": "User"}
        });
        let doc = document_from_request(ResourceKind::User, body).unwrap();
        assert!(
            doc.get("password").is_none() && doc.get("groups").is_none() && doc.get("id").is_none()
        );
        assert_eq!(doc["externalId"], "00ujl29u0le5T6Aj10h7");
        assert_eq!(doc["emails"][0]["primary"], true);
    }

    #[test]
    fn entra_quirks() {
        let body = json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", urns::ENTERPRISE_USER],
            "USERNAME": "a@b.c", "active": "False", "roles": [], "title": null,
            urns::ENTERPRISE_USER: { "employeeNumber": "701984", "manager": "26118915" },
        });
        let doc = document_from_request(ResourceKind::User, body).unwrap();
        assert_eq!(doc["userName"], "a@b.c");
        assert_eq!(doc["active"], false);
        assert!(doc.get("roles").is_none() && doc.get("title").is_none());
        assert_eq!(
            doc[urns::ENTERPRISE_USER]["manager"],
            json!({"value": "26118915"})
        );
        assert_eq!(schemas_of(ResourceKind::User, &doc).len(), 2);
    }

    #[test]
    fn bad_values_are_invalid_value() {
        for body in [
            json!({"userName": ""}),
            json!({"userName": 5}),
            json!({"userName": "x", "active": "yes"}),
            json!({"userName": "x", "name": "Bob"}),
            json!({"userName": "x", "emails": [{"value": {"deep": 1}}]}),
            json!({"userName": "x", urns::ENTERPRISE_USER: "x"}),
            json!([1, 2]),
        ] {
            assert!(
                document_from_request(ResourceKind::User, body.clone()).is_err(),
                "{body}"
            );
        }
    }

    #[test]
    fn declared_unknown_extensions_are_kept() {
        let body = json!({"schemas": ["urn:example:ext"], "userName": "x",
                          "urn:example:ext": {"badge": 7}, "urn:example:undeclared": {"a": 1}});
        let doc = document_from_request(ResourceKind::User, body).unwrap();
        assert_eq!(doc["urn:example:ext"]["badge"], 7);
        assert!(doc.get("urn:example:undeclared").is_none());
    }
}
