//! SCIM PATCH (RFC 7644 §3.5.2): parsing a `PatchOp` request and applying it to
//! a resource held as its SCIM JSON representation.
//!
//! A request is read once, by [`parse_user_request`] or [`parse_group_request`]:
//! the limits of one request, the shape, each `op` and path, each value checked
//! and normalised against the attribute definitions of [`super::schema`] and
//! compiled into edits of single targets (every error carries the operation's
//! number). A user's request is a [`Patch`]; a group's is a [`GroupPatch`], whose
//! membership changes go to the store, not the document. [`Patch::apply`] then
//! makes the edits on the stored document.
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
mod request;
mod value;

#[cfg(test)]
mod tests;

use serde_json::Value;

use super::ScimError;
use super::resource::Document;
use super::schema::ResourceKind;
use compile::Edit;

pub use filter::ElementFilter;
pub use members::{GroupPatch, MemberChange};
pub use path::{PatchPath, Target, parse_path};
pub use request::{parse_group_request, parse_user_request};

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

/// One operation of a PATCH request as read from the body: `op` and `path`
/// parsed, the value borrowed as sent; `compile` checks and normalises it.
#[derive(Debug, Clone)]
struct Operation<'a> {
    op: PatchOp,
    path: Option<PatchPath>,
    value: Option<&'a Value>,
}

/// A PATCH request read once ([`parse_user_request`], or the `document`
/// of [`parse_group_request`]): each operation compiled into edits of the
/// resource's document, their values checked and normalised.
/// [`apply`](Self::apply) makes the edits.
#[derive(Debug)]
pub struct Patch {
    kind: ResourceKind,
    /// The operations that edit the document, in request order.
    operations: Vec<CompiledOperation>,
}

/// The edits of one operation, and its place in the request (counted from
/// 0) for error messages.
#[derive(Debug)]
struct CompiledOperation {
    index: usize,
    edits: Vec<Edit>,
}

impl Patch {
    /// The document `current` becomes when every operation applies, in
    /// order, all or nothing; `current` itself is not changed.
    ///
    /// An error is a conflict of an operation with the document (a request
    /// that parsed fails here on nothing else), its detail starting with
    /// the operation's number ("operation 2: …").
    pub fn apply(self, current: &Document) -> Result<Document, ScimError> {
        let mut document = Value::Object(current.clone());
        self.apply_to(&mut document)?;
        match document {
            Value::Object(document) => Ok(document),
            _ => Err(ScimError::internal()),
        }
    }

    /// Makes the edits on `document`, moving their values in; stops at the
    /// first error, `document` then partly edited.
    fn apply_to(self, document: &mut Value) -> Result<(), ScimError> {
        let kind = self.kind;
        for operation in self.operations {
            let index = operation.index;
            for edit in operation.edits {
                document::execute(kind, document, edit).map_err(|e| at_operation(index, e))?;
            }
        }
        Ok(())
    }
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
