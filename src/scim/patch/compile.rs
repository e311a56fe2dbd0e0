//! One PATCH operation → edits of single targets, values checked and
//! normalised: a path-less `add`/`replace` becomes one edit per key of its
//! value (RFC 7644 §3.5.2.1, §3.5.2.3), an extension object one per attribute.
//! A group's `members` become [`MemberChange`]s instead (see [`members`]).

use serde_json::Value;

use super::members::{self, MemberChange};
use super::path::{PatchPath, Target, declared_extension, parse_path};
use super::{Operation, PatchOp, ScimError, describe, value};
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

/// What one operation compiles to.
#[derive(Debug, Default)]
pub(super) struct Compiled {
    /// The edits of the document, in the order the operation names them.
    pub edits: Vec<Edit>,
    /// The changes of a group's membership, in the same order.
    pub members: Vec<MemberChange>,
    /// How many values of multi-valued attributes the operation sends for
    /// the document (members not counted), as `RequestLimits::check_patch_values`
    /// counts them: as sent, before normalisation.
    pub values_sent: usize,
    /// A refusal of a `members` key that a path-less value may hold but not
    /// write (`members.display`): it counts only when every operation of the
    /// request compiled, so that an error of a later operation is reported
    /// first, as it always was.
    pub deferred: Option<ScimError>,
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
    operation: &Operation<'_>,
) -> Result<Compiled, ScimError> {
    let mut compiled = Compiled::default();
    let Some(path) = &operation.path else {
        pathless(kind, operation, &mut compiled)?;
        return Ok(compiled);
    };
    if !members::is_members(path) {
        compiled.values_sent = operation.value.map_or(0, values_sent);
    }
    match access(path) {
        Access::Ignored => {}
        Access::ReadOnly => return Err(ScimError::mutability(format!("`{path}` is read-only"))),
        Access::Writable => {
            targeted(
                kind,
                operation.op,
                path.clone(),
                operation.value,
                &mut compiled,
            )?;
        }
    }
    Ok(compiled)
}

fn pathless(
    kind: ResourceKind,
    operation: &Operation<'_>,
    compiled: &mut Compiled,
) -> Result<(), ScimError> {
    if operation.op == PatchOp::Remove {
        return Err(ScimError::no_target(
            "`remove` needs a `path` naming what to remove (RFC 7644 §3.5.2.2)",
        ));
    }
    let Some(Value::Object(members)) = operation.value else {
        return Err(ScimError::invalid_value(format!(
            "without `path`, `value` must be an object of attribute paths and values like {{\"active\": false}}, got {}",
            operation.value.map_or("nothing", describe)
        )));
    };
    for (key, member) in members {
        if key.eq_ignore_ascii_case("schemas") {
            compiled.values_sent += values_sent(member);
            continue;
        }
        let path = parse_path(kind, key)?;
        if members::is_members(&path) {
            // Okta Group Push: `{"members": […]}` among the group's attributes.
            match (
                members::member_change(operation.op, &path, Some(member)),
                access(&path),
            ) {
                (Ok(change), _) => compiled.members.extend(change),
                (Err(error), Access::Writable) => return Err(error),
                (Err(error), _) => {
                    compiled.deferred.get_or_insert(error);
                }
            }
            continue;
        }
        compiled.values_sent += values_sent(member);
        if access(&path) == Access::Writable {
            targeted(kind, operation.op, path, Some(member), compiled)?;
        }
    }
    Ok(())
}

fn targeted(
    kind: ResourceKind,
    op: PatchOp,
    path: PatchPath,
    value: Option<&Value>,
    compiled: &mut Compiled,
) -> Result<(), ScimError> {
    match (&path.target, op) {
        (Target::Extension(urn), PatchOp::Add | PatchOp::Replace) => {
            let value = value.ok_or_else(|| missing_value(op, &path))?;
            extension_object(kind, op, urn, value, compiled)
        }
        _ => single(op, path, value, compiled),
    }
}

/// `{"urn:…:enterprise:2.0:User": {"department": …}}`: each member is an
/// attribute of the extension; `null` removes the extension object.
fn extension_object(
    kind: ResourceKind,
    op: PatchOp,
    urn: &'static str,
    value: &Value,
    compiled: &mut Compiled,
) -> Result<(), ScimError> {
    let members = match value {
        Value::Null => {
            let path = PatchPath::whole(Target::Extension(urn));
            return single(PatchOp::Remove, path, None, compiled);
        }
        Value::Object(members) => members,
        other => {
            return Err(ScimError::invalid_value(format!(
                "`{urn}` takes an object of its attributes, got {}",
                describe(other)
            )));
        }
    };
    for (key, member) in members {
        let path = extension_member(kind, urn, key)?;
        if access(&path) == Access::Writable {
            single(op, path, Some(member), compiled)?;
        }
    }
    Ok(())
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

fn single(
    op: PatchOp,
    path: PatchPath,
    value: Option<&Value>,
    compiled: &mut Compiled,
) -> Result<(), ScimError> {
    if members::is_members(&path) {
        // Group membership: applied by the store, not to the document.
        compiled
            .members
            .extend(members::member_change(op, &path, value)?);
        return Ok(());
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
    compiled.edits.push(Edit { op, path, value });
    Ok(())
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

/// The values of multi-valued attributes in a value as sent: the items of
/// every list in it, at any depth.
fn values_sent(value: &Value) -> usize {
    match value {
        Value::Array(items) => items.len(),
        Value::Object(fields) => fields.values().map(values_sent).sum(),
        _ => 0,
    }
}
