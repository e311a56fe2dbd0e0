//! Executing one edit on the resource's JSON document (RFC 7644 §3.5.2.1–3).
//!
//! Keys are written in their canonical spelling (a key differing only in case
//! is replaced); an attribute left empty (`{}`, `[]`) is removed, and so is an
//! extension object left empty.

use std::collections::HashMap;

use scim_v2::models::scim_schema::{Attributes, SubAttributes};
use serde_json::{Map, Value};

use super::compile::Edit;
use super::elements::{
    ValueSet, demote_primaries, element_key, is_primary, matching_any, same_element,
};
use super::filter::ElementFilter;
use super::path::Target;
use super::value::{field, has_identity};
use super::{PatchOp, ScimError, members};
use crate::scim::schema::ResourceKind;

/// Makes `edit` on `document`, its value moved into the document.
pub(super) fn execute(
    kind: ResourceKind,
    document: &mut Value,
    edit: Edit,
) -> Result<(), ScimError> {
    if kind == ResourceKind::Group && members::is_members(&edit.path) {
        // A programming error: membership is compiled into `MemberChange`s.
        return Err(ScimError::internal());
    }
    let root = document.as_object_mut().ok_or_else(ScimError::internal)?;
    match &edit.path.target {
        Target::Extension(urn) => {
            take(root, urn);
            Ok(())
        }
        Target::Undeclared { extension, name } => in_container(root, Some(*extension), |object| {
            take(object, name);
            if let (PatchOp::Add | PatchOp::Replace, Some(value)) = (edit.op, edit.value)
                && !value.is_null()
            {
                object.insert(name.clone(), value);
            }
            Ok(())
        }),
        Target::Attribute {
            extension,
            definition,
        } => {
            let definition: &'static Attributes = definition;
            in_container(root, *extension, |object| {
                attribute(object, definition, edit)
            })
        }
    }
}

/// Runs `change` on the object holding the attribute: the document itself, or
/// its extension object (created when needed, removed when left empty).
fn in_container(
    root: &mut Map<String, Value>,
    extension: Option<&str>,
    change: impl FnOnce(&mut Map<String, Value>) -> Result<(), ScimError>,
) -> Result<(), ScimError> {
    let Some(urn) = extension else {
        return change(root);
    };
    let mut object = match take(root, urn) {
        Some(Value::Object(object)) => object,
        _ => Map::new(),
    };
    change(&mut object)?;
    if !object.is_empty() {
        root.insert(urn.to_owned(), Value::Object(object));
    }
    Ok(())
}

fn attribute(
    object: &mut Map<String, Value>,
    definition: &Attributes,
    edit: Edit,
) -> Result<(), ScimError> {
    let path = &edit.path;
    match (definition.multi_valued, path.sub_attribute) {
        (false, None) => {
            single_valued(object, definition, edit);
            Ok(())
        }
        (false, Some(sub)) => {
            sub_of_single(object, definition, sub, edit);
            Ok(())
        }
        (true, None) if path.filter.is_none() => {
            whole_list(object, definition, edit);
            Ok(())
        }
        (true, sub) => selected(object, definition, sub, edit),
    }
}

/// `userName`, `active`, `name`, `manager`: set, merge (complex, RFC 7644
/// §3.5.2.3) or remove; `null` clears.
fn single_valued(object: &mut Map<String, Value>, definition: &Attributes, edit: Edit) {
    let old = take(object, &definition.name);
    let new = match (edit.op, edit.value) {
        (PatchOp::Remove, _) | (_, None | Some(Value::Null)) => None,
        (_, Some(Value::Object(members))) if !has_identity(definition) => {
            let mut merged = match old {
                Some(Value::Object(old)) => old,
                _ => Map::new(),
            };
            merge(&mut merged, members);
            Some(Value::Object(merged))
        }
        (_, Some(Value::Object(members))) => {
            let mut fresh = Map::new();
            merge(&mut fresh, members);
            Some(Value::Object(fresh))
        }
        (_, Some(value)) => Some(value),
    };
    insert_assigned(object, &definition.name, new);
}

/// `name.givenName`, `manager.value`: one sub-attribute of a single-valued
/// complex attribute; `manager` without `value` is removed.
fn sub_of_single(
    object: &mut Map<String, Value>,
    definition: &Attributes,
    sub: &SubAttributes,
    edit: Edit,
) {
    let mut complex = match take(object, &definition.name) {
        Some(Value::Object(complex)) => complex,
        _ => Map::new(),
    };
    take(&mut complex, &sub.name);
    if let (PatchOp::Add | PatchOp::Replace, Some(value)) = (edit.op, edit.value)
        && !value.is_null()
    {
        complex.insert(sub.name.clone(), value);
    }
    if has_identity(definition) && field_assigned(&complex, "value").is_none() {
        return;
    }
    insert_assigned(object, &definition.name, Some(Value::Object(complex)));
}

/// `emails` without filter: `add` appends what is not there yet, `replace`
/// replaces the list, `remove` removes it or the elements matching its value.
fn whole_list(object: &mut Map<String, Value>, definition: &Attributes, edit: Edit) {
    let mut list = take_list(object, &definition.name);
    let removes_all = edit.value.is_none();
    let given = match edit.value {
        Some(Value::Array(items)) => items,
        _ => Vec::new(),
    };
    match edit.op {
        PatchOp::Remove if removes_all => list.clear(),
        PatchOp::Remove => {
            let matched = matching_any(definition, &list, &given);
            let mut matched = matched.into_iter();
            list.retain(|_| !matched.next().unwrap_or(false));
        }
        PatchOp::Replace => {
            list = given;
            let first_primary = list.iter().position(is_primary);
            demote_primaries(&mut list, |index| Some(index) == first_primary);
        }
        PatchOp::Add => {
            let start = list.len();
            // The elements by key ([`element_key`]): only those sharing an
            // item's key are compared with it.
            let mut by_key: HashMap<String, Vec<usize>> = HashMap::with_capacity(list.len());
            for (index, element) in list.iter().enumerate() {
                by_key.entry(element_key(element)).or_default().push(index);
            }
            for item in given {
                let candidates = by_key.entry(element_key(&item)).or_default();
                if !candidates
                    .iter()
                    .any(|&index| same_element(definition, &list[index], &item))
                {
                    candidates.push(list.len());
                    list.push(item);
                }
            }
            let added_primary = list.iter().skip(start).any(is_primary);
            if added_primary {
                demote_primaries(&mut list, |index| index >= start);
            }
        }
    }
    insert_list(object, &definition.name, list);
}

/// `emails[type eq "work"]`, `emails[type eq "work"].value`, `emails.value`
/// (every element): the selected elements are changed or removed; `add` and
/// `replace` create the element the filter describes when none is selected.
fn selected(
    object: &mut Map<String, Value>,
    definition: &Attributes,
    sub: Option<&SubAttributes>,
    edit: Edit,
) -> Result<(), ScimError> {
    let filter = edit.path.filter.as_ref();
    let mut list = take_list(object, &definition.name);
    let chosen: Vec<bool> = list
        .iter()
        .map(|element| filter.is_none_or(|filter| filter.matches(element)))
        .collect();
    match edit.op {
        PatchOp::Remove => {
            remove_selected(definition, &mut list, &chosen, sub, edit.value.as_ref())
        }
        PatchOp::Add | PatchOp::Replace => {
            let value = edit.value.unwrap_or(Value::Null);
            if chosen.contains(&true) {
                write_selected(&mut list, &chosen, sub, &value);
            } else if !value.is_null() {
                let created = create_described(filter, sub, value).ok_or_else(|| {
                    ScimError::no_target(format!(
                        "`{}` selects no element, and its filter does not say which to create: use `eq` terms joined by `and`",
                        edit.path
                    ))
                })?;
                list.push(created);
                let last = list.len().saturating_sub(1);
                if list.last().is_some_and(is_primary) {
                    demote_primaries(&mut list, |index| index == last);
                }
            }
        }
    }
    list.retain(|element| {
        element
            .as_object()
            .is_some_and(|members| !members.is_empty())
    });
    insert_list(object, &definition.name, list);
    Ok(())
}

fn remove_selected(
    definition: &Attributes,
    list: &mut [Value],
    chosen: &[bool],
    sub: Option<&SubAttributes>,
    value: Option<&Value>,
) {
    let given = match value {
        Some(Value::Array(items)) => Some(items.as_slice()),
        _ => None,
    };
    let matched = match (sub, given) {
        (None, Some(templates)) => matching_any(definition, list, templates),
        _ => Vec::new(),
    };
    let values = given.map(ValueSet::new);
    for (index, element) in list.iter_mut().enumerate() {
        if !chosen.get(index).copied().unwrap_or(false) {
            continue;
        }
        match (sub, &values) {
            (None, None) => *element = Value::Null,
            (None, Some(_)) => {
                if matched.get(index).copied().unwrap_or(false) {
                    *element = Value::Null;
                }
            }
            (Some(sub), None) => unassign_sub(element, sub),
            (Some(sub), Some(values)) => {
                if field(element, &sub.name).is_some_and(|current| values.contains(sub, current)) {
                    *element = Value::Null;
                }
            }
        }
    }
}

fn write_selected(list: &mut [Value], chosen: &[bool], sub: Option<&SubAttributes>, value: &Value) {
    let mut wrote_primary = false;
    for (element, _) in list.iter_mut().zip(chosen).filter(|(_, chosen)| **chosen) {
        match (sub, value, element.as_object_mut()) {
            (Some(sub), Value::Null, _) => unassign_sub(element, sub),
            (None, Value::Null, _) => *element = Value::Null,
            (Some(sub), value, Some(members)) => {
                take(members, &sub.name);
                members.insert(sub.name.clone(), value.clone());
            }
            (None, Value::Object(given), Some(members)) => {
                // Each chosen element takes a copy.
                merge(members, given.iter().map(|(k, v)| (k.clone(), v.clone())));
                if given.get("value").is_some_and(Value::is_null) {
                    *element = Value::Null;
                }
            }
            _ => {}
        }
        wrote_primary |= is_primary(element);
    }
    if wrote_primary {
        demote_primaries(list, |index| chosen.get(index).copied().unwrap_or(false));
    }
}

/// The element the filter's `eq` terms describe, with the written value.
fn create_described(
    filter: Option<&ElementFilter>,
    sub: Option<&SubAttributes>,
    value: Value,
) -> Option<Value> {
    let mut element = match filter {
        Some(filter) => filter.seed()?,
        None => Map::new(),
    };
    match (sub, value) {
        (Some(sub), value) => {
            element.insert(sub.name.clone(), value);
        }
        (None, Value::Object(given)) => merge(&mut element, given),
        (None, _) => return None,
    }
    Some(Value::Object(element))
}

/// Unassigns a sub-attribute of an element; an element without `value` is removed.
fn unassign_sub(element: &mut Value, sub: &SubAttributes) {
    if sub.name == "value" {
        *element = Value::Null;
    } else if let Some(members) = element.as_object_mut() {
        take(members, &sub.name);
    }
}

/// Merges normalised members into `target`: `null` unassigns.
fn merge(target: &mut Map<String, Value>, members: impl IntoIterator<Item = (String, Value)>) {
    for (key, value) in members {
        take(target, &key);
        if !value.is_null() {
            target.insert(key, value);
        }
    }
}

/// Removes every key equal to `name` ignoring case; returns the first value.
fn take(object: &mut Map<String, Value>, name: &str) -> Option<Value> {
    let exact = object.remove(name);
    let others: Vec<String> = object
        .keys()
        .filter(|key| key.eq_ignore_ascii_case(name))
        .cloned()
        .collect();
    let mut found = exact;
    for key in others {
        let value = object.remove(&key);
        found = found.or(value);
    }
    found
}

fn take_list(object: &mut Map<String, Value>, name: &str) -> Vec<Value> {
    match take(object, name) {
        Some(Value::Array(items)) => items,
        _ => Vec::new(),
    }
}

fn insert_list(object: &mut Map<String, Value>, name: &str, list: Vec<Value>) {
    if !list.is_empty() {
        object.insert(name.to_owned(), Value::Array(list));
    }
}

fn insert_assigned(object: &mut Map<String, Value>, name: &str, value: Option<Value>) {
    match value {
        None | Some(Value::Null) => {}
        Some(Value::Object(members)) if members.is_empty() => {}
        Some(value) => {
            object.insert(name.to_owned(), value);
        }
    }
}

fn field_assigned<'a>(object: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    object
        .iter()
        .find(|(key, _)| key.eq_ignore_ascii_case(name))
        .map(|(_, value)| value)
        .filter(|value| !value.is_null())
}
