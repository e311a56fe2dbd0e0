//! SCIM PATCH (RFC 7644 §3.5.2): parsing a `PatchOp` request and applying it to
//! a resource held as its SCIM JSON representation.
//!
//! The flow is [`parse_request`] (shape, `op`, paths, values checked against the
//! schema; every error carries the operation's number), then, for groups,
//! [`split_group_operations`] (membership goes to the store, not the document),
//! then [`apply`] on the stored document. Values are checked and normalised
//! against the attribute definitions of [`super::schema`].
//!
//! Semantics follow RFC 7644 §3.5.2.1–3: `add` on a single-valued attribute sets
//! it, on a multi-valued one appends (without duplicating an equal element);
//! `replace` on a multi-valued attribute without a filter replaces the list; a
//! complex value is merged into the existing one for `add` *and* `replace`
//! (§3.5.2.3: "sub-attributes that are not specified in the value parameter are
//! left unchanged"); setting `primary` to true on one element sets it to false
//! on the others (§3.5.2). `remove` of something absent succeeds.
//!
//! # Decisions
//!
//! - A missing `schemas` array is accepted (the URN carries no information and
//!   no client depends on the refusal); a `schemas` array without the PatchOp
//!   URN is refused with `invalidSyntax`, since it signals another message type.
//! - Member keys are matched case-insensitively (`Operations`/`operations`,
//!   `op`, `path`, `value`: attribute names are case-insensitive, RFC 7643 §2.1).
//! - More than `max_operations` operations answer 413, as RFC 7644 §3.7.4 does
//!   for a bulk request over `maxOperations`.
//! - Removing a required attribute (`userName`, a group's `displayName`) is
//!   `mutability` (RFC 7644 §3.12: "not compatible with the target attribute's
//!   mutability or current state": it can be replaced, never unassigned);
//!   setting it to `null` or `""` is `invalidValue` (the value is wrong).
//! - Explicit paths to read-only attributes (`id`, `meta.created`, `groups`,
//!   `manager.displayName`) are `mutability`; the same keys in a path-less value
//!   are ignored (Okta sends `id`). `password` is ignored everywhere: Roster
//!   stores no passwords. `immutable` is not enforced (no User or Group
//!   attribute outside `members`, which the store handles, has it).
//! - Attributes of a declared extension that its schema does not define are
//!   kept as sent (no type check), whether addressed as `urn:…:User:x` or as a
//!   key of the extension object; they can be set or removed only as a whole.
//! - `remove` with a `value` on a multi-valued target removes only the matching
//!   elements and never sets anything; on a single-valued target the value is
//!   ignored. A `null` value counts as no value (RFC 7643 §2.5).
//! - Unassigning an element's `value` sub-attribute (`remove`, or `null`/`""`)
//!   removes the element: `value` is what the element is.
//! - `add` on a complex attribute with a `value` sub-attribute (`manager`)
//!   replaces it rather than merging: `value` is its identity, and merging
//!   would keep the previous manager's `displayName`.
//! - Errors name the operation counted from 1 ("operation 2: …") and never
//!   echo a value (values may be personal data, or huge).
//!
//! # Leniencies, and the client that needs each
//!
//! - `op` in any case: Entra sends `Add`/`Replace`/`Remove`.
//! - Path-less `add`/`replace` whose value keys are attribute *paths*
//!   (`name.givenName`, `urn:…:enterprise:2.0:User:employeeNumber`) or the
//!   extension URN with an object: Entra with `aadOptscim062020`, the Entra
//!   SCIM validator; `{"active": false}` without path: Okta deactivation.
//! - Booleans sent as strings (`"False"`, `"true"`) for any boolean attribute,
//!   in values and in filters (`roles[primary eq "True"]`): Entra.
//! - `add`/`replace` on a value-filter path that matches nothing creates the
//!   element, seeded from the filter's `eq` terms (`emails[type eq "work"].value`
//!   → `{"type": "work", "value": …}`): Entra; RFC 7644 would answer `noTarget`.
//! - `remove` with a value on `members` removes only those members; on
//!   `emails[type eq "work"].value` removes the matching emails: Entra.
//! - `manager` as a bare id string, `{"value": id}`, or `[{"value": id, "$ref": …}]`;
//!   stored as `{"value": id, …}`: Entra (current, and legacy samples).
//! - `roles` elements whose `value` is a JSON-encoded app role
//!   (`"{\"id\":…,\"value\":\"25\",\"displayName\":\"Role1234\"}"`) are decoded to
//!   `{"value": "25", "display": "Role1234"}` (`value` falls back to the app role
//!   `id` when the role has no value); a bare string for `roles` is wrapped as
//!   `[{"value": …}]`: Entra without `aadOptscim062020`.
//! - A single object given for a multi-valued attribute is wrapped in a list;
//!   `null` or `""` for a single-valued attribute clears it: Okta "push empty values".
//! - `$ref: null` inside a value is treated as absent: Entra member objects.

mod compile;
mod document;
mod elements;
mod filter;
mod members;
mod path;
mod value;

#[cfg(test)]
mod tests;

use serde_json::{Map, Value};

use super::ScimError;
use super::schema::ResourceKind;

pub use filter::ElementFilter;
pub use members::{GroupPatch, MemberChange, split_group_operations};
pub use path::{PatchPath, Target, parse_path};

/// The kind of a PATCH operation (RFC 7644 §3.5.2), parsed case-insensitively.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PatchOp {
    Add,
    Replace,
    Remove,
}

impl PatchOp {
    fn parse(text: &str) -> Option<Self> {
        [Self::Add, Self::Replace, Self::Remove]
            .into_iter()
            .find(|op| op.as_str().eq_ignore_ascii_case(text))
    }

    /// The RFC's (lower-case) spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Add => "add",
            Self::Replace => "replace",
            Self::Remove => "remove",
        }
    }
}

/// One operation of a PATCH request, its path resolved against the schema.
/// `value` is kept as sent; [`apply`] checks and normalises it.
#[derive(Debug, Clone, PartialEq)]
pub struct PatchOperation {
    pub op: PatchOp,
    pub path: Option<PatchPath>,
    pub value: Option<Value>,
}

/// Parses a PatchOp request body (RFC 7644 §3.5.2) for a resource of `kind`.
///
/// Checks that `schemas`, when present, contains
/// `urn:ietf:params:scim:api:messages:2.0:PatchOp` (a missing `schemas` is
/// accepted); reads `Operations` (key in any case, one to `max_operations`
/// entries, more is 413); parses each `op` case-insensitively and each `path`;
/// and checks each value against the schema, so that a request that parses
/// fails in [`apply`] only on a conflict with the document.
///
/// Errors are 400 `invalidSyntax` for a wrong shape, `invalidPath` for a bad
/// path, `invalidValue` for a missing or wrong value, `noTarget` for a `remove`
/// without path, `mutability` for a read-only target; the detail starts with
/// the operation's number ("operation 2: …").
pub fn parse_request(
    body: &Value,
    kind: ResourceKind,
    max_operations: usize,
) -> Result<Vec<PatchOperation>, ScimError> {
    let body = body.as_object().ok_or_else(|| {
        ScimError::invalid_syntax(
            "a PATCH body is a JSON object with `schemas` and `Operations` (RFC 7644 §3.5.2)",
        )
    })?;
    check_schemas(member(body, "schemas")?)?;
    let operations = member(body, "Operations")?
        .and_then(Value::as_array)
        .ok_or_else(|| {
            ScimError::invalid_syntax(
                "a PATCH body needs `Operations`: an array of {\"op\", \"path\", \"value\"} objects",
            )
        })?;
    if operations.is_empty() {
        return Err(ScimError::invalid_syntax(
            "`Operations` is empty; a PATCH request has at least one operation",
        ));
    }
    if operations.len() > max_operations {
        return Err(ScimError::new(
            413,
            None,
            format!(
                "the request has {} operations; Roster takes at most {max_operations} per PATCH, send them in several requests",
                operations.len()
            ),
        ));
    }
    operations
        .iter()
        .enumerate()
        .map(|(index, raw)| {
            parse_operation(kind, raw)
                .and_then(|operation| {
                    compile::compile(kind, &operation)?;
                    Ok(operation)
                })
                .map_err(|error| at_operation(index, error))
        })
        .collect()
}

/// Applies `operations` in order to `document`, the resource's SCIM
/// representation (core attributes at top level, extension attributes under
/// their URN key), all or nothing.
///
/// The edits are made on a copy that replaces `document` only when every
/// operation succeeded: on error `document` is unchanged, and the caller
/// discards the request. The first error is returned, its detail starting with
/// the operation's number. Group membership (`members`) must be split off with
/// [`split_group_operations`] first: here it is an internal error.
pub fn apply(
    kind: ResourceKind,
    document: &mut Value,
    operations: &[PatchOperation],
) -> Result<(), ScimError> {
    let mut working = document.clone();
    for (index, operation) in operations.iter().enumerate() {
        let edits = compile::compile(kind, operation).map_err(|e| at_operation(index, e))?;
        for edit in &edits {
            document::execute(kind, &mut working, edit).map_err(|e| at_operation(index, e))?;
        }
    }
    *document = working;
    Ok(())
}

fn parse_operation(kind: ResourceKind, raw: &Value) -> Result<PatchOperation, ScimError> {
    let raw = raw.as_object().ok_or_else(|| {
        ScimError::invalid_syntax("an operation is an object {\"op\", \"path\", \"value\"}")
    })?;
    let op = member(raw, "op")?
        .and_then(Value::as_str)
        .and_then(PatchOp::parse)
        .ok_or_else(|| {
            ScimError::invalid_syntax("`op` must be \"add\", \"replace\" or \"remove\"")
        })?;
    let path = match member(raw, "path")? {
        None | Some(Value::Null) => None,
        Some(Value::String(text)) => Some(parse_path(kind, text)?),
        Some(_) => return Err(ScimError::invalid_path("`path` must be a string")),
    };
    let value = member(raw, "value")?.cloned();
    Ok(PatchOperation { op, path, value })
}

fn check_schemas(schemas: Option<&Value>) -> Result<(), ScimError> {
    let Some(schemas) = schemas else {
        return Ok(());
    };
    let listed = schemas.as_array().is_some_and(|urns| {
        urns.iter()
            .filter_map(Value::as_str)
            .any(|urn| urn.eq_ignore_ascii_case(super::urns::PATCH_OP))
    });
    if listed {
        Ok(())
    } else {
        Err(ScimError::invalid_syntax(format!(
            "`schemas` must be [\"{}\"]",
            super::urns::PATCH_OP
        )))
    }
}

/// The member `name` of a JSON object, its key compared case-insensitively;
/// two keys differing only in case are ambiguous.
fn member<'a>(object: &'a Map<String, Value>, name: &str) -> Result<Option<&'a Value>, ScimError> {
    let mut found = object
        .iter()
        .filter(|(key, _)| key.eq_ignore_ascii_case(name));
    let first = found.next().map(|(_, value)| value);
    if found.next().is_some() {
        return Err(ScimError::invalid_syntax(format!(
            "`{name}` is given twice, in different cases"
        )));
    }
    Ok(first)
}

fn at_operation(index: usize, mut error: ScimError) -> ScimError {
    error.detail = format!("operation {}: {}", index.saturating_add(1), error.detail);
    error
}

/// A short description of a JSON value's type for error messages, which never
/// echo the value itself.
fn describe(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(text) if text.is_empty() => "an empty string",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}
