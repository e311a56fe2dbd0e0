//! Group membership in PATCH requests (RFC 7644 §3.5.2 on `members`), turned
//! into changes the store applies member by member instead of rewriting the
//! group document: Entra sends concurrent single-member PATCHes, and a
//! read-modify-write of the member list loses some of them.
//!
//! The shapes, and the client that sends each:
//! - `add` path `members`, value `[{"value": id, "display"?, "$ref"?: null}]`:
//!   Okta, Entra → [`MemberChange::Add`] (`display`, `type`, `$ref` ignored);
//! - `remove` path `members[value eq "id"]` (an `or` of such terms is taken too):
//!   Okta, Entra with `aadOptscim062020` → [`MemberChange::Remove`];
//! - `remove` path `members` with a value list: Entra by default; removes only
//!   those ids (an empty list removes nothing, never everything);
//! - `remove` path `members` without value → [`MemberChange::RemoveAll`];
//! - `replace` path `members` (full set, `[]` included, Okta "Push now") →
//!   [`MemberChange::Replace`];
//! - path-less `replace`/`add` with `{"members": […]}` (Okta Group Push):
//!   replace = full set, add = add; other keys (`displayName`, Okta's `id`)
//!   stay document operations. A `replace` that does not name `members` never
//!   changes membership.
//!
//! The changes are made while an operation compiles (see `compile`), so a
//! group PATCH is read once into a [`GroupPatch`].

use std::collections::HashSet;

use scim_v2::filter::{CompValue, CompareOp};
use serde_json::Value;

use super::filter::ElementFilter;
use super::path::{PatchPath, Target};
use super::value::{self, field};
use super::{Patch, PatchOp, ScimError};
use crate::scim::schema::{self, ResourceKind};

/// A change to a group's membership, for the store; ids are member ids as sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MemberChange {
    /// Add these members; adding a present member is a no-op.
    Add(Vec<String>),
    /// Remove these members; removing an absent member is a no-op.
    Remove(Vec<String>),
    /// Remove every member.
    RemoveAll,
    /// Make these the only members (`[]`: none).
    Replace(Vec<String>),
}

/// A group PATCH, compiled once: the edits of the group's document and the
/// changes of its membership, each in request order.
#[derive(Debug)]
pub struct GroupPatch {
    /// The edits of the group document (`displayName`, `externalId`).
    pub document: Patch,
    /// Membership changes, for the store.
    pub members: Vec<MemberChange>,
}

impl GroupPatch {
    /// How many members the membership changes name, repeats included.
    pub fn member_count(&self) -> usize {
        self.members
            .iter()
            .map(|change| match change {
                MemberChange::Add(ids) | MemberChange::Remove(ids) | MemberChange::Replace(ids) => {
                    ids.len()
                }
                MemberChange::RemoveAll => 0,
            })
            .sum()
    }
}

/// Whether a path targets a group's `members` (and not only a sub-attribute
/// of a core `members`-less resource).
pub(super) fn is_members(path: &PatchPath) -> bool {
    matches!(
        path.target,
        Target::Attribute { extension: None, definition }
            if definition.name == "members"
    )
}

/// The membership change one operation on `members` makes, if any.
pub(super) fn member_change(
    op: PatchOp,
    path: &PatchPath,
    value: Option<&Value>,
) -> Result<Option<MemberChange>, ScimError> {
    if path.sub_attribute.is_some() || (path.filter.is_some() && op != PatchOp::Remove) {
        return Err(ScimError::invalid_path(format!(
            "`{path}`: add members with `add` on `members` and remove them with `remove`; a member's sub-attributes cannot be changed"
        )));
    }
    let given = value.filter(|value| !value.is_null());
    let change = match (op, &path.filter) {
        (PatchOp::Remove, Some(filter)) => Some(MemberChange::Remove(filter_ids(filter)?)),
        (PatchOp::Remove, None) => match given {
            None => Some(MemberChange::RemoveAll),
            Some(value) => Some(MemberChange::Remove(member_ids(value)?)).filter(has_ids),
        },
        (PatchOp::Add, None) => match value {
            None => return Err(missing_value(op)),
            Some(value) => Some(MemberChange::Add(member_ids(value)?)).filter(has_ids),
        },
        (PatchOp::Replace, None) => match (value, given) {
            (None, _) => return Err(missing_value(op)),
            (Some(_), None) => Some(MemberChange::Replace(Vec::new())),
            (Some(_), Some(value)) => Some(MemberChange::Replace(member_ids(value)?)),
        },
        (PatchOp::Add | PatchOp::Replace, Some(_)) => None,
    };
    Ok(change)
}

fn has_ids(change: &MemberChange) -> bool {
    match change {
        MemberChange::Add(ids) | MemberChange::Remove(ids) => !ids.is_empty(),
        MemberChange::RemoveAll | MemberChange::Replace(_) => true,
    }
}

/// The ids in a `members` value: a list of `{"value": id, …}` (or one object);
/// other sub-attributes are ignored, duplicates dropped.
fn member_ids(value: &Value) -> Result<Vec<String>, ScimError> {
    let definition = schema::find_attribute(ResourceKind::Group, None, "members")
        .ok_or_else(ScimError::internal)?
        .definition;
    let items: Vec<&Value> = match value {
        Value::Array(items) => items.iter().collect(),
        Value::Object(_) => vec![value],
        Value::String(text) if text.is_empty() => Vec::new(),
        other => {
            // Reuse the element check for its error message.
            value::elements(definition, other, "members")?;
            Vec::new()
        }
    };
    let mut seen = HashSet::new();
    let mut ids = Vec::new();
    for item in items {
        let id = field(item, "value")
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|id| !id.is_empty())
            .ok_or_else(|| {
                ScimError::invalid_value(
                    "each member is an object whose `value` is the id of a user or group",
                )
            })?;
        if seen.insert(id) {
            ids.push(id.to_owned());
        }
    }
    Ok(ids)
}

/// The ids a `members[…]` filter selects: `value eq "id"`, or an `or` of those.
fn filter_ids(filter: &ElementFilter) -> Result<Vec<String>, ScimError> {
    match filter {
        ElementFilter::Compare {
            sub,
            op: CompareOp::Eq,
            value: CompValue::Str(id),
        } if sub.name == "value" => Ok(vec![id.clone()]),
        ElementFilter::Or(items) => items.iter().try_fold(Vec::new(), |mut ids, item| {
            ids.extend(filter_ids(item)?);
            Ok(ids)
        }),
        _ => Err(ScimError::invalid_filter(
            "`members[…]` selects members by id: `members[value eq \"<id>\"]`, terms optionally joined with `or`",
        )),
    }
}

fn missing_value(op: PatchOp) -> ScimError {
    ScimError::invalid_value(format!("`{}` on `members` needs a `value`", op.as_str()))
}
