//! Reading a PatchOp request body (RFC 7644 §3.5.2) once, with every check of
//! one PATCH request in one place: the body within the limits of any value,
//! its shape, the number of operations (more than `max_patch_operations` is
//! 413, as RFC 7644 §3.7.4 answers a bulk request over `maxOperations`), each
//! operation parsed and compiled, then the members and the values of
//! multi-valued attributes the request sends in all (see [`RequestLimits`]).

use serde_json::{Map, Value};

use super::compile::{self, Compiled};
use super::{
    CompiledOperation, GroupPatch, Operation, Patch, PatchOp, ScimError, at_operation, parse_path,
};
use crate::scim::limits::RequestLimits;
use crate::scim::schema::ResourceKind;
use crate::scim::urns;

/// Reads a User PATCH request; see [`parse_group_request`].
pub fn parse_user_request(body: &Value, limits: &RequestLimits) -> Result<Patch, ScimError> {
    // A user has no `members`: every change is an edit of its document.
    parse_request(body, ResourceKind::User, limits).map(|patch| patch.document)
}

/// Reads a Group PATCH request: its document edits and membership changes.
///
/// In order, the first failure answering: [`RequestLimits::check_body`];
/// `schemas`, when present, must contain
/// `urn:ietf:params:scim:api:messages:2.0:PatchOp` (a missing `schemas` is
/// accepted); `Operations` (key in any case) must hold one to
/// `max_patch_operations` entries (more is 413); each `op` is parsed
/// case-insensitively, each `path` against the schema, each value checked,
/// so that a request read here fails in [`Patch::apply`] only on a conflict
/// with the document; then [`RequestLimits::check_member_count`] and
/// [`RequestLimits::check_patch_values`].
///
/// Errors are 400 `invalidSyntax` for a wrong shape, `invalidPath` for a bad
/// path, `invalidValue` for a missing or wrong value, `noTarget` for a `remove`
/// without path, `mutability` for a read-only target; the detail of an error
/// of one operation starts with its number ("operation 2: …").
pub fn parse_group_request(body: &Value, limits: &RequestLimits) -> Result<GroupPatch, ScimError> {
    parse_request(body, ResourceKind::Group, limits)
}

fn parse_request(
    body: &Value,
    kind: ResourceKind,
    limits: &RequestLimits,
) -> Result<GroupPatch, ScimError> {
    limits.check_body(body)?;
    let operations = operations(body, limits.max_patch_operations)?;
    let mut patch = GroupPatch {
        document: Patch {
            kind,
            operations: Vec::with_capacity(operations.len()),
        },
        members: Vec::new(),
    };
    let mut values_sent = 0_usize;
    let mut deferred = None;
    for (index, raw) in operations.iter().enumerate() {
        let Compiled {
            edits,
            members,
            values_sent: sent,
            deferred: refused,
        } = parse_operation(kind, raw)
            .and_then(|operation| compile::compile(kind, &operation))
            .map_err(|error| at_operation(index, error))?;
        values_sent = values_sent.saturating_add(sent);
        if deferred.is_none() {
            deferred = refused.map(|error| at_operation(index, error));
        }
        patch.members.extend(members);
        if !edits.is_empty() {
            patch
                .document
                .operations
                .push(CompiledOperation { index, edits });
        }
    }
    if let Some(error) = deferred {
        return Err(error);
    }
    limits.check_member_count(patch.member_count())?;
    limits.check_patch_values(values_sent)?;
    Ok(patch)
}

/// The `Operations` of a PatchOp body, after its `schemas`.
fn operations(body: &Value, max_operations: usize) -> Result<&Vec<Value>, ScimError> {
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
    Ok(operations)
}

fn parse_operation(kind: ResourceKind, raw: &Value) -> Result<Operation<'_>, ScimError> {
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
    let value = member(raw, "value")?;
    Ok(Operation { op, path, value })
}

fn check_schemas(schemas: Option<&Value>) -> Result<(), ScimError> {
    let Some(schemas) = schemas else {
        return Ok(());
    };
    let listed = schemas.as_array().is_some_and(|listed| {
        listed
            .iter()
            .filter_map(Value::as_str)
            .any(|urn| urn.eq_ignore_ascii_case(urns::PATCH_OP))
    });
    if listed {
        Ok(())
    } else {
        Err(ScimError::invalid_syntax(format!(
            "`schemas` must be [\"{}\"]",
            urns::PATCH_OP
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
