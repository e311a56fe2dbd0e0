//! One PATCH operation → edits of single targets, values checked and
//! normalised: a path-less `add`/`replace` becomes one edit per key of its
//! value (RFC 7644 §3.5.2.1, §3.5.2.3), an extension object one per attribute.

use serde_json::Value;

use super::path::{PatchPath, Target, declared_extension, parse_path};
use super::{PatchOp, PatchOperation, ScimError, describe, members, value};
use crate::scim::schema::{self, ResourceKind};

/// One change to one target, its value normalised (see [`value`]). For
/// `remove`, `value` is `None` (remove the target) or a list of what to remove
/// from a multi-valued target: elements (no sub-attribute) or sub-attribute values.
#[derive(Debug)]
pub(super) struct Edit {
    pub op: PatchOp,
    pub path: PatchPath,
    pub value: Option<Value>,
}

/// How an operation may touch a target.
#[derive(PartialEq)]
enum Access {
    Writable,
    /// `readOnly`: `mutability` with an explicit path, skipped in a path-less value.
    ReadOnly,
    /// `writeOnly` (`password`): Roster stores no passwords.
    Ignored,
}

pub(super) fn compile(
    kind: ResourceKind,
    operation: &PatchOperation,
) -> Result<Vec<Edit>, ScimError> {
    let Some(path) = &operation.path else {
        return pathless(kind, operation);
    };
    match access(path) {
        Access::Ignored => Ok(Vec::new()),
        Access::ReadOnly => Err(ScimError::mutability(format!("`{path}` is read-only"))),
        Access::Writable => targeted(kind, operation.op, path.clone(), operation.value.as_ref()),
    }
}

fn pathless(kind: ResourceKind, operation: &PatchOperation) -> Result<Vec<Edit>, ScimError> {
    if operation.op == PatchOp::Remove {
        return Err(ScimError::no_target(
            "`remove` needs a `path` naming what to remove (RFC 7644 §3.5.2.2)",
        ));
    }
    let Some(Value::Object(members)) = &operation.value else {
        return Err(ScimError::invalid_value(format!(
            "without `path`, `value` must be an object of attribute paths and values like {{\"active\": false}}, got {}",
            operation.value.as_ref().map_or("nothing", describe)
        )));
    };
    let mut edits = Vec::new();
    for (key, member) in members {
        if key.eq_ignore_ascii_case("schemas") {
            continue;
        }
        let path = parse_path(kind, key)?;
        if access(&path) == Access::Writable {
            edits.extend(targeted(kind, operation.op, path, Some(member))?);
        }
    }
    Ok(edits)
}

fn targeted(
    kind: ResourceKind,
    op: PatchOp,
    path: PatchPath,
    value: Option<&Value>,
) -> Result<Vec<Edit>, ScimError> {
    match (&path.target, op) {
        (Target::Extension(urn), PatchOp::Add | PatchOp::Replace) => {
            let value = value.ok_or_else(|| missing_value(op, &path))?;
            extension_object(kind, op, urn, value)
        }
        _ => Ok(vec![single(op, path, value)?]),
    }
}

/// `{"urn:…:enterprise:2.0:User": {"department": …}}`: each member is an
/// attribute of the extension; `null` removes the extension object.
fn extension_object(
    kind: ResourceKind,
    op: PatchOp,
    urn: &'static str,
    value: &Value,
) -> Result<Vec<Edit>, ScimError> {
    let members = match value {
        Value::Null => {
            let path = PatchPath::whole(Target::Extension(urn));
            return Ok(vec![single(PatchOp::Remove, path, None)?]);
        }
        Value::Object(members) => members,
        other => {
            return Err(ScimError::invalid_value(format!(
                "`{urn}` takes an object of its attributes, got {}",
                describe(other)
            )));
        }
    };
    let mut edits = Vec::new();
    for (key, member) in members {
        let path = extension_member(kind, urn, key)?;
        if access(&path) == Access::Writable {
            edits.push(single(op, path, Some(member))?);
        }
    }
    Ok(edits)
}

/// A key of an extension object: an attribute of the extension's schema, a
/// path below one (`manager.value`), or an undeclared attribute kept as sent.
fn extension_member(
    kind: ResourceKind,
    urn: &'static str,
    key: &str,
) -> Result<PatchPath, ScimError> {
    if let Some(found) = schema::find_attribute(kind, Some(urn), key) {
        return Ok(PatchPath::whole(Target::Attribute {
            extension: declared_extension(kind, urn),
            definition: found.definition,
        }));
    }
    if key.contains(['.', '[']) {
        return parse_path(kind, &format!("{urn}:{key}"));
    }
    Ok(PatchPath::whole(Target::Undeclared {
        extension: urn,
        name: key.to_owned(),
    }))
}

fn single(op: PatchOp, path: PatchPath, value: Option<&Value>) -> Result<Edit, ScimError> {
    if members::is_members(&path) {
        // Group membership: checked here, applied by the store (see `members`).
        members::member_change(op, &path, value)?;
        return Ok(Edit {
            op,
            path,
            value: value.cloned(),
        });
    }
    let value = match op {
        PatchOp::Remove => {
            check_removable(&path)?;
            removal(&path, value)?
        }
        PatchOp::Add | PatchOp::Replace => {
            let value = value.ok_or_else(|| missing_value(op, &path))?;
            Some(written(&path, value)?)
        }
    };
    Ok(Edit { op, path, value })
}

fn check_removable(path: &PatchPath) -> Result<(), ScimError> {
    match (path.definition(), &path.filter, path.sub_attribute) {
        (Some(definition), None, None) if definition.required == Some(true) => {
            Err(ScimError::mutability(format!(
                "`{path}` is required: it can be replaced but not removed"
            )))
        }
        _ => Ok(()),
    }
}

/// What a `remove` with a value removes: only matching elements of a
/// multi-valued target; the value is ignored elsewhere.
fn removal(path: &PatchPath, value: Option<&Value>) -> Result<Option<Value>, ScimError> {
    let (Some(value), Some(definition)) = (value.filter(|v| !v.is_null()), path.definition())
    else {
        return Ok(None);
    };
    if !definition.multi_valued {
        return Ok(None);
    }
    let label = path.to_string();
    let matches = match path.sub_attribute {
        None => value::elements(definition, value, &label)?.unwrap_or_default(),
        Some(sub) => {
            let values: Vec<&Value> = match value {
                Value::Array(items) => items.iter().collect(),
                single => vec![single],
            };
            let mut matches = Vec::new();
            for item in values {
                let item = value::scalar(&sub.r#type, item, &label)?;
                if !item.is_null() {
                    matches.push(item);
                }
            }
            matches
        }
    };
    Ok(Some(Value::Array(matches)))
}

/// The normalised value an `add` or `replace` writes; `null` clears.
fn written(path: &PatchPath, value: &Value) -> Result<Value, ScimError> {
    let Some(definition) = path.definition() else {
        return Ok(value.clone());
    };
    let label = path.to_string();
    let normalised = match (path.sub_attribute, &path.filter) {
        (Some(sub), _) => value::scalar(&sub.r#type, value, &label)?,
        (None, Some(_)) if value.is_null() || value.as_str() == Some("") => Value::Null,
        (None, Some(_)) => Value::Object(value::element(definition, value, &label)?),
        (None, None) if definition.multi_valued => {
            value::elements(definition, value, &label)?.map_or(Value::Null, Value::Array)
        }
        (None, None) if definition.r#type == "complex" => {
            value::complex(definition, value, &label)?
        }
        (None, None) => value::scalar(&definition.r#type, value, &label)?,
    };
    // Blank counts as empty, as on POST and PUT (`resource::document_from_request`).
    let blank = normalised.is_null() || normalised.as_str().is_some_and(|s| s.trim().is_empty());
    if blank && definition.required == Some(true) && path.sub_attribute.is_none() {
        return Err(ScimError::invalid_value(format!(
            "`{label}` is required and cannot be empty"
        )));
    }
    Ok(normalised)
}

fn access(path: &PatchPath) -> Access {
    let Some(definition) = path.definition() else {
        return Access::Writable;
    };
    let mutabilities = [
        definition.mutability.as_deref(),
        path.sub_attribute.and_then(|sub| sub.mutability.as_deref()),
    ];
    if mutabilities.contains(&Some("writeOnly")) {
        Access::Ignored
    } else if mutabilities.contains(&Some("readOnly")) {
        Access::ReadOnly
    } else {
        Access::Writable
    }
}

fn missing_value(op: PatchOp, path: &PatchPath) -> ScimError {
    ScimError::invalid_value(format!("`{}` on `{path}` needs a `value`", op.as_str()))
}
