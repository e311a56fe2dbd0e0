//! What the store can keep of a resource: strings without U+0000 (RFC 7643
//! §2.3.1 allows any Unicode character; PostgreSQL's `text` and `jsonb` refuse
//! that one), and indexed attributes short enough for an index entry.

use serde_json::Value;

use super::Document;
use crate::scim::ScimError;

/// Where a string of a body stands (see [`check_strings`]).
#[derive(Debug, Clone, Copy)]
pub enum StringAt<'a> {
    /// An object's key: an attribute name.
    Key,
    /// A value, in the attribute of this name (`None`: not in an object).
    Value(Option<&'a str>),
}

/// Calls `check` with every string and object key of `value`, depth first,
/// and stops at the first error.
pub fn check_strings<'a>(
    value: &'a Value,
    attribute: Option<&'a str>,
    check: &mut impl FnMut(&'a str, StringAt<'a>) -> Result<(), ScimError>,
) -> Result<(), ScimError> {
    match value {
        Value::String(text) => check(text, StringAt::Value(attribute)),
        Value::Array(items) => items
            .iter()
            .try_for_each(|item| check_strings(item, attribute, check)),
        Value::Object(fields) => fields.iter().try_for_each(|(key, field)| {
            check(key, StringAt::Key)?;
            check_strings(field, Some(key), check)
        }),
        _ => Ok(()),
    }
}

/// Refuses text no database can store: U+0000 anywhere in a string or an
/// object key (PostgreSQL's `text` and `jsonb` reject it).
pub fn check_storable(value: &Value) -> Result<(), ScimError> {
    check_strings(value, None, &mut |text, _| storable(text))
}

/// [`check_storable`] for one string.
pub fn storable(text: &str) -> Result<(), ScimError> {
    if text.contains('\0') {
        return Err(ScimError::invalid_value(
            "strings may not contain the NUL character (U+0000)",
        ));
    }
    Ok(())
}

/// The longest value, in bytes of UTF-8, of an attribute the store keeps in
/// an index (`userName`, `displayName`, `externalId`, an e-mail's `value` and
/// `type`): an index entry must fit in a PostgreSQL B-tree page, and no real
/// identifier comes near it.
pub const MAX_INDEXED_BYTES: usize = 1024;

/// Refuses a document whose indexed attributes are longer than
/// [`MAX_INDEXED_BYTES`].
pub fn check_indexed_lengths(document: &Document) -> Result<(), ScimError> {
    let check = |name: &str, value: Option<&Value>| match value.and_then(Value::as_str) {
        Some(text) if text.len() > MAX_INDEXED_BYTES => Err(ScimError::invalid_value(format!(
            "'{name}' is {} bytes long; at most {MAX_INDEXED_BYTES} are accepted",
            text.len()
        ))),
        _ => Ok(()),
    };
    for name in ["userName", "displayName", "externalId"] {
        check(name, document.get(name))?;
    }
    for email in document
        .get("emails")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        check("emails.value", email.get("value"))?;
        check("emails.type", email.get("type"))?;
    }
    Ok(())
}
