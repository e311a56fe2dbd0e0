//! Checking PATCH values against attribute definitions (RFC 7643 §2.3 data
//! types) and normalising them: canonical sub-attribute names, booleans from
//! `"True"`/`"false"` strings, `""` as "clear", `manager` and `roles` shapes.
//!
//! In a normalised complex value a `null` member means "unassign this
//! sub-attribute" (it matters when merging); elements of multi-valued
//! attributes carry no `null` members.

use chrono::DateTime;
use scim_v2::models::scim_schema::Attributes;
use serde_json::{Map, Value};

use super::path::shown;
use super::{ScimError, describe};
use crate::scim::schema;

/// A value for a simple (non-complex) attribute or sub-attribute of type
/// `kind`; `null` and `""` become `null` (clear).
pub(super) fn scalar(kind: &str, value: &Value, label: &str) -> Result<Value, ScimError> {
    if value.is_null() || value.as_str().is_some_and(str::is_empty) {
        return Ok(Value::Null);
    }
    let valid = match kind {
        "boolean" => {
            return as_bool(value)
                .map(Value::Bool)
                .ok_or_else(|| wrong(kind, value, label));
        }
        "integer" => value.is_i64() || value.is_u64(),
        "decimal" => value.is_number(),
        "dateTime" => value
            .as_str()
            .is_some_and(|text| DateTime::parse_from_rfc3339(text).is_ok()),
        _ => value.is_string(),
    };
    if valid {
        Ok(value.clone())
    } else {
        Err(wrong(kind, value, label))
    }
}

/// A value for a single-valued complex attribute: an object of its
/// sub-attributes, or `null` (clear). An attribute with a `value`
/// sub-attribute (`manager`) also takes the bare value and a one-element list,
/// and is cleared when `value` is unassigned.
pub(super) fn complex(
    definition: &Attributes,
    value: &Value,
    label: &str,
) -> Result<Value, ScimError> {
    let identity = has_identity(definition);
    let value = match value {
        Value::String(text) if identity && !text.is_empty() => {
            let mut object = Map::new();
            object.insert("value".to_owned(), value.clone());
            return Ok(Value::Object(object));
        }
        Value::Array(items) if identity => match items.as_slice() {
            [] => return Ok(Value::Null),
            [only] => only,
            _ => {
                return Err(ScimError::invalid_value(format!(
                    "`{label}` takes one value, got a list of {}",
                    items.len()
                )));
            }
        },
        other => other,
    };
    match value {
        Value::Null => Ok(Value::Null),
        Value::String(text) if text.is_empty() => Ok(Value::Null),
        Value::Object(members) => {
            let object = sub_values(definition, members, label)?;
            if identity && object.get("value").is_none_or(Value::is_null) {
                return Ok(Value::Null);
            }
            Ok(Value::Object(object))
        }
        other => Err(ScimError::invalid_value(format!(
            "`{label}` takes an object of its sub-attributes, got {}",
            describe(other)
        ))),
    }
}

/// The elements for a multi-valued complex attribute: a list of objects, or
/// one object (wrapped); `None` for `null` or `""` (clear). `roles` also takes
/// a bare string and JSON-encoded app roles (Entra).
pub(super) fn elements(
    definition: &Attributes,
    value: &Value,
    label: &str,
) -> Result<Option<Vec<Value>>, ScimError> {
    let items: Vec<&Value> = match value {
        Value::Null => return Ok(None),
        Value::String(text) if text.is_empty() => return Ok(None),
        Value::Array(items) => items.iter().collect(),
        Value::Object(_) => vec![value],
        Value::String(_) if is_roles(definition) => vec![value],
        other => {
            return Err(ScimError::invalid_value(format!(
                "`{label}` takes a list of objects like [{{\"value\": …}}], got {}",
                describe(other)
            )));
        }
    };
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        let mut object = element(definition, item, label)?;
        object.retain(|_, member| !member.is_null());
        if !object.is_empty() {
            out.push(Value::Object(object));
        }
    }
    Ok(Some(out))
}

/// One element of a multi-valued complex attribute, `null` members kept (for
/// merging into existing elements); a one-element list is unwrapped.
pub(super) fn element(
    definition: &Attributes,
    value: &Value,
    label: &str,
) -> Result<Map<String, Value>, ScimError> {
    let value = match value {
        Value::Array(items) if items.len() == 1 => items.first().unwrap_or(value),
        other => other,
    };
    let decoded = is_roles(definition).then(|| entra_role(value)).flatten();
    if let Some(role) = &decoded {
        // Decoding turns a `\u0000` escape into U+0000, which the request's
        // own check could not see and no database can store.
        crate::scim::resource::check_storable(role)?;
    }
    match decoded.as_ref().unwrap_or(value) {
        Value::Object(members) => sub_values(definition, members, label),
        other => Err(ScimError::invalid_value(format!(
            "each element of `{label}` is an object like {{\"value\": …}}, got {}",
            describe(other)
        ))),
    }
}

/// Whether a single-valued complex attribute is identified by its `value`
/// sub-attribute (`manager`): `add` replaces it, and it is gone without `value`.
pub(super) fn has_identity(definition: &Attributes) -> bool {
    !definition.multi_valued
        && definition.r#type == "complex"
        && schema::find_sub_attribute(definition, "value").is_some()
}

/// `true`/`false`, or a string spelling one in any case (Entra sends `"False"`).
pub(super) fn as_bool(value: &Value) -> Option<bool> {
    match value {
        Value::Bool(flag) => Some(*flag),
        Value::String(text) if text.trim().eq_ignore_ascii_case("true") => Some(true),
        Value::String(text) if text.trim().eq_ignore_ascii_case("false") => Some(false),
        _ => None,
    }
}

/// The member `name` of an object, its key compared case-insensitively.
pub(super) fn field<'a>(value: &'a Value, name: &str) -> Option<&'a Value> {
    let object = value.as_object()?;
    object.get(name).or_else(|| {
        object
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, member)| member)
    })
}

fn sub_values(
    definition: &Attributes,
    members: &Map<String, Value>,
    label: &str,
) -> Result<Map<String, Value>, ScimError> {
    let mut object = Map::new();
    for (key, member) in members {
        let sub = schema::find_sub_attribute(definition, key).ok_or_else(|| {
            ScimError::invalid_value(format!("`{label}` has no sub-attribute `{}`", shown(key)))
        })?;
        let member = scalar(&sub.r#type, member, &format!("{label}.{}", sub.name))?;
        object.insert(sub.name.clone(), member);
    }
    Ok(object)
}

fn is_roles(definition: &Attributes) -> bool {
    definition.multi_valued && definition.name == "roles"
}

/// An Entra app role sent without `aadOptscim062020`: a bare string, or an
/// element whose `value` is the JSON-encoded app role
/// `{"id", "value", "displayName", …}`. Returns the role element to check, or
/// `None` when `value` holds nothing to decode.
fn entra_role(value: &Value) -> Option<Value> {
    let (encoded, others) = match value {
        Value::String(text) => (text.as_str(), None),
        Value::Object(members) => (field(value, "value")?.as_str()?, Some(members)),
        _ => return None,
    };
    let mut role = decode_app_role(encoded).or_else(|| {
        others.is_none().then(|| {
            let mut plain = Map::new();
            plain.insert("value".to_owned(), Value::String(encoded.to_owned()));
            plain
        })
    })?;
    for (key, member) in others.into_iter().flatten() {
        if !key.eq_ignore_ascii_case("value") {
            role.insert(key.clone(), member.clone());
        }
    }
    Some(Value::Object(role))
}

/// `{"id": "06b0…", "value": "25", "displayName": "Role1234"}` → `{"value":
/// "25", "display": "Role1234"}`; the app role `id` stands in for a missing value.
fn decode_app_role(encoded: &str) -> Option<Map<String, Value>> {
    let trimmed = encoded.trim();
    if !trimmed.starts_with('{') {
        return None;
    }
    let app_role = serde_json::from_str::<Value>(trimmed).ok()?;
    let text = |name: &str| match field(&app_role, name)? {
        Value::String(text) if !text.is_empty() => Some(Value::String(text.clone())),
        Value::Number(number) => Some(Value::String(number.to_string())),
        _ => None,
    };
    let mut role = Map::new();
    let fields = [
        ("value", text("value").or_else(|| text("id"))),
        ("display", text("displayName").or_else(|| text("display"))),
        ("type", text("type")),
        ("primary", field(&app_role, "primary").cloned()),
    ];
    for (name, member) in fields {
        if let Some(member) = member {
            role.insert(name.to_owned(), member);
        }
    }
    Some(role)
}

fn wrong(kind: &str, value: &Value, label: &str) -> ScimError {
    let expected = match kind {
        "boolean" => "true or false",
        "integer" => "an integer",
        "decimal" => "a number",
        "dateTime" => "a date-time like \"2025-01-31T12:00:00Z\"",
        _ => "a string",
    };
    ScimError::invalid_value(format!(
        "`{label}` must be {expected}, got {}",
        describe(value)
    ))
}
