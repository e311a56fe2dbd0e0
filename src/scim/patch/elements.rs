//! The elements of multi-valued attributes: equality (an `add` does not
//! duplicate an element; a `remove` with a value removes the equal ones) and
//! the single `primary` (RFC 7643 §2.4, RFC 7644 §3.5.2).

use scim_v2::models::scim_schema::{Attributes, SubAttributes};
use serde_json::{Map, Value};

use super::value::{as_bool, field};
use crate::scim::schema;

/// RFC 7644 §3.5.2: setting `primary` on some elements sets it to false on the others.
pub(super) fn demote_primaries(list: &mut [Value], keep: impl Fn(usize) -> bool) {
    for (index, element) in list.iter_mut().enumerate() {
        if !keep(index)
            && is_primary(element)
            && let Some(members) = element.as_object_mut()
        {
            members.insert("primary".to_owned(), Value::Bool(false));
        }
    }
}

pub(super) fn is_primary(element: &Value) -> bool {
    field(element, "primary").and_then(as_bool) == Some(true)
}

/// Equal elements have the same assigned members, compared as their sub-attributes say.
pub(super) fn same_element(definition: &Attributes, a: &Value, b: &Value) -> bool {
    let (Some(left), Some(right)) = (a.as_object(), b.as_object()) else {
        return a == b;
    };
    let assigned = |members: &Map<String, Value>| members.values().filter(|v| !v.is_null()).count();
    assigned(left) == assigned(right) && matches_template(definition, a, b)
}

/// Whether `element` has every assigned member of a non-empty `template`.
pub(super) fn matches_template(definition: &Attributes, element: &Value, template: &Value) -> bool {
    let Some(template) = template.as_object() else {
        return false;
    };
    let mut assigned = template.iter().filter(|(_, v)| !v.is_null()).peekable();
    assigned.peek().is_some()
        && assigned.all(|(key, expected)| {
            let sub = schema::find_sub_attribute(definition, key);
            field(element, key).is_some_and(|actual| equal(sub, actual, expected))
        })
}

/// Strings compare case-insensitively ([`crate::model::fold_case`], as
/// filters do) unless the sub-attribute is `caseExact`.
pub(super) fn equal(sub: Option<&SubAttributes>, a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::String(a), Value::String(b)) if sub.is_some_and(|s| s.case_exact != Some(true)) => {
            crate::model::fold_case(a) == crate::model::fold_case(b)
        }
        (a, b) => match (as_bool(a), as_bool(b)) {
            (Some(a), Some(b)) if sub.is_some_and(|s| s.r#type == "boolean") => a == b,
            _ => a == b,
        },
    }
}
