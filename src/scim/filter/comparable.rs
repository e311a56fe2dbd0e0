//! The form of a document that filters are evaluated against: every string
//! of an attribute that is not `caseExact` (RFC 7643 §2.2) case-folded with
//! [`fold_case`], and the names (`userName`, `displayName`) as their
//! [`name_key`], so the store can compare case-insensitively with plain
//! equality and byte order, identically on every backend. Attributes that no
//! filter can name (unknown extensions, `password`) are left out.

use scim_v2::models::scim_schema::Attributes;
use serde_json::{Map, Value};

use super::ValueType;
use crate::model::{fold_case, name_key};
use crate::scim::resource::Document;
use crate::scim::schema::{self, ResourceKind};

/// True when comparisons on a value of this type and `caseExact` ignore case:
/// the strings of [`comparable_document`] and the filter's literals are then
/// both folded.
pub fn folds_case(value_type: ValueType, case_exact: bool) -> bool {
    !case_exact
        && matches!(
            value_type,
            ValueType::String | ValueType::Reference | ValueType::Binary
        )
}

/// `true` for the core attributes compared by their name key: `userName`
/// and `displayName` (of a member or a group).
pub fn is_name(name: &str) -> bool {
    matches!(name, "userName" | "displayName")
}

/// The document as filters see it (see the module documentation).
pub fn comparable_document(kind: ResourceKind, document: &Document) -> Document {
    let mut comparable = Document::new();
    for (key, value) in document {
        if let Some(urn) = kind
            .extension_urns()
            .iter()
            .find(|urn| urn.eq_ignore_ascii_case(key))
        {
            if let Value::Object(attributes) = value {
                let folded = level(kind, Some(urn), attributes);
                if !folded.is_empty() {
                    comparable.insert(key.clone(), Value::Object(folded));
                }
            }
        } else if let Some(folded) = attribute(kind, None, key, value) {
            comparable.insert(key.clone(), folded);
        }
    }
    comparable
}

fn level(kind: ResourceKind, urn: Option<&str>, attributes: &Map<String, Value>) -> Document {
    attributes
        .iter()
        .filter_map(|(name, value)| Some((name.clone(), attribute(kind, urn, name, value)?)))
        .collect()
}

fn attribute(kind: ResourceKind, urn: Option<&str>, name: &str, value: &Value) -> Option<Value> {
    let found = schema::find_attribute(kind, urn, name)?;
    let definition = found.definition;
    if urn.is_none()
        && is_name(&definition.name)
        && let Value::String(text) = value
    {
        return Some(Value::String(name_key(text)));
    }
    if definition
        .returned
        .as_deref()
        .is_some_and(|returned| returned.eq_ignore_ascii_case("never"))
    {
        return None;
    }
    Some(match value {
        Value::Array(items) => Value::Array(
            items
                .iter()
                .map(|item| attribute_value(definition, item))
                .collect(),
        ),
        single => attribute_value(definition, single),
    })
}

fn attribute_value(definition: &Attributes, value: &Value) -> Value {
    match value {
        Value::Object(fields) => Value::Object(
            fields
                .iter()
                .map(|(name, field)| {
                    let folds = schema::find_sub_attribute(definition, name).is_some_and(|sub| {
                        folds_case(
                            ValueType::from_schema(&sub.r#type),
                            sub.case_exact.unwrap_or(false),
                        )
                    });
                    (name.clone(), fold_if(folds, field))
                })
                .collect(),
        ),
        scalar => fold_if(
            folds_case(
                ValueType::from_schema(&definition.r#type),
                definition.case_exact.unwrap_or(false),
            ),
            scalar,
        ),
    }
}

fn fold_if(folds: bool, value: &Value) -> Value {
    match value {
        Value::String(text) if folds => Value::String(fold_case(text)),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn folds_what_is_not_case_exact_and_drops_what_no_filter_names() {
        let Value::Object(document) = json!({
            "userName": "Barbara.Jensen@Example.COM",
            "externalId": "ABC-1",
            "name": {"givenName": "Barbara", "familyName": "JENSEN"},
            "emails": [{"value": "BJ@Example.com", "type": "Work", "primary": true}],
            "active": true,
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {
                "department": "R&D Σ", "manager": {"value": "MGR-1"}
            },
            "urn:example:unknown": {"x": "Y"}
        }) else {
            unreachable!()
        };
        let comparable = comparable_document(ResourceKind::User, &document);
        assert_eq!(
            Value::Object(comparable),
            json!({
                "userName": "barbara.jensen@example.com",
                "externalId": "ABC-1",
                "name": {"givenName": "barbara", "familyName": "jensen"},
                "emails": [{"value": "bj@example.com", "type": "work", "primary": true}],
                "active": true,
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {
                    "department": "r&d σ", "manager": {"value": "mgr-1"}
                }
            })
        );
    }
}
