//! The elements of multi-valued attributes: equality (an `add` does not
//! duplicate an element; a `remove` with a value removes the equal ones) and
//! the single `primary` (RFC 7643 §2.4, RFC 7644 §3.5.2).

use std::collections::{HashMap, HashSet};

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

/// The text of a member's value that equal values (see [`equal`]) always
/// share: strings trimmed and case-folded, anything else as JSON.
fn value_key(value: &Value) -> String {
    match value {
        Value::String(text) => text.trim().to_lowercase(),
        other => other.to_string(),
    }
}

/// A key that equal elements (see [`same_element`]) always share: the
/// assigned members' names and [`value_key`]s. Elements with different keys
/// are never equal, so a list is searched for an element's equal through a
/// hash of keys instead of one comparison per element.
pub(super) fn element_key(element: &Value) -> String {
    let Some(members) = element.as_object() else {
        return element.to_string();
    };
    let mut assigned: Vec<(String, String)> = members
        .iter()
        .filter(|(_, value)| !value.is_null())
        .map(|(name, value)| (name.to_lowercase(), value_key(value)))
        .collect();
    assigned.sort_unstable();
    serde_json::to_string(&assigned).unwrap_or_default()
}

/// Which elements of `list` match at least one of `templates` (see
/// [`matches_template`]). The elements are indexed by their members, and a
/// template is compared only with the elements holding its rarest member, so
/// a `remove` of many listed values does not compare every value with every
/// element.
pub(super) fn matching_any(
    definition: &Attributes,
    list: &[Value],
    templates: &[Value],
) -> Vec<bool> {
    let member_key = |name: &str, value: &Value| (name.to_lowercase(), value_key(value));
    let mut holders: HashMap<(String, String), Vec<usize>> = HashMap::new();
    for (index, element) in list.iter().enumerate() {
        for (name, value) in element.as_object().into_iter().flatten() {
            if !value.is_null() {
                holders
                    .entry(member_key(name, value))
                    .or_default()
                    .push(index);
            }
        }
    }
    let mut matched = vec![false; list.len()];
    let mut seen = HashSet::new();
    for template in templates {
        let Some(members) = template.as_object() else {
            continue;
        };
        if !seen.insert(template.to_string()) {
            continue;
        }
        let rarest = members
            .iter()
            .filter(|(_, value)| !value.is_null())
            .map(|(name, value)| {
                holders
                    .get(&member_key(name, value))
                    .map_or(&[][..], Vec::as_slice)
            })
            .min_by_key(|candidates| candidates.len());
        for &index in rarest.into_iter().flatten() {
            if !matched[index] && matches_template(definition, &list[index], template) {
                matched[index] = true;
            }
        }
    }
    matched
}

/// Whether `current` equals one of `values` (see [`equal`]), through a hash
/// of the values' [`value_key`]s.
pub(super) struct ValueSet<'a> {
    by_key: HashMap<String, Vec<&'a Value>>,
}

impl<'a> ValueSet<'a> {
    pub(super) fn new(values: &'a [Value]) -> Self {
        let mut by_key: HashMap<String, Vec<&Value>> = HashMap::new();
        for value in values {
            by_key.entry(value_key(value)).or_default().push(value);
        }
        Self { by_key }
    }

    pub(super) fn contains(&self, sub: &SubAttributes, current: &Value) -> bool {
        self.by_key
            .get(&value_key(current))
            .is_some_and(|values| values.iter().any(|value| equal(Some(sub), current, value)))
    }
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
