//! SCIM Bulk (RFC 7644 §3.7): a BulkRequest's operations, each run by the
//! very operation its single request calls ([`users`], [`groups`]), after
//! the same parsing, so each is atomic on its own and writes the same audit
//! entries and events.
//!
//! The request is **not** one transaction: each operation commits (or
//! fails) by itself, in the order of [`bulk::order`]; one that fails leaves
//! the others as they are, and a failure of the database fails the
//! operations it meets, not those that committed before. `failOnErrors`
//! stops the run once that many operations have failed.

use std::collections::HashMap;

use super::groups::{self, GroupEdit, NewGroup};
use super::users::{self, UserEdit};
use super::{Caller, Error, Precondition};
use crate::model::{GroupId, UserId};
use crate::scim::bulk::{self, BulkRequest, Method, Operation};
use crate::scim::patch;
use crate::scim::resource::{self, Projection, checked_members};
use crate::scim::schema::ResourceKind;
use crate::store::Conn;

/// What an operation that ran did to which resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applied {
    /// The status its single request answers (201, 200, 204).
    pub status: u16,
    pub kind: ResourceKind,
    pub id: String,
    /// The resource's version after it (`None` once deleted).
    pub version: Option<String>,
}

/// Runs the request's operations; `result[i]` is how `request.entries[i]`
/// ended, `None` for those not run because `failOnErrors` was reached.
pub fn run(
    conn: &mut Conn,
    caller: &Caller<'_>,
    request: &BulkRequest,
) -> Vec<Option<Result<Applied, Error>>> {
    let steps = bulk::order(&request.entries);
    let mut results: Vec<Option<Result<Applied, Error>>> =
        request.entries.iter().map(|_| None).collect();
    let mut resolved: HashMap<String, String> = HashMap::new();
    let mut errors = 0;
    for step in steps {
        if request.fail_on_errors.is_some_and(|limit| errors >= limit) {
            break;
        }
        let Some(entry) = request.entries.get(step.index) else {
            continue;
        };
        let outcome = match (step.failure, &entry.operation) {
            (Some(failure), _) => Err(Error::Invalid(failure)),
            (None, Err(failure)) => Err(Error::Invalid(failure.clone())),
            (None, Ok(operation)) => bulk::substitute(operation.clone(), &resolved)
                .map_err(Error::Invalid)
                .and_then(|operation| apply(conn, caller, operation)),
        };
        match &outcome {
            Ok(applied) => {
                if let (Some(bulk_id), 201) = (&entry.bulk_id, applied.status) {
                    resolved.insert(bulk_id.clone(), applied.id.clone());
                }
            }
            Err(_) => errors += 1,
        }
        if let Some(slot) = results.get_mut(step.index) {
            *slot = Some(outcome);
        }
    }
    results
}

/// One operation, as its single request: parsed by the same functions, run
/// by the same service operation.
fn apply(conn: &mut Conn, caller: &Caller<'_>, operation: Operation) -> Result<Applied, Error> {
    let Operation {
        method,
        kind,
        id,
        version,
        data,
    } = operation;
    let precondition = Precondition::if_match(version);
    let limits = caller.limits;
    let id = id.unwrap_or_default();
    match (kind, method) {
        (ResourceKind::User, Method::Post) => {
            limits.check_body(&data)?;
            let document = resource::document_from_request(ResourceKind::User, data)?;
            let view = users::create(conn, caller, document, &without("groups"))?;
            Ok(user(201, &view))
        }
        (ResourceKind::User, Method::Delete) => {
            users::delete(conn, caller, user_id(&id)?)?;
            Ok(deleted(kind, id))
        }
        (ResourceKind::User, method) => {
            let user_id = user_id(&id)?;
            let edit = if method == Method::Put {
                limits.check_body(&data)?;
                UserEdit::Replace(data)
            } else {
                UserEdit::Patch(patch::parse_user_request(&data, limits)?)
            };
            let view = users::update(
                conn,
                caller,
                user_id,
                &precondition,
                edit,
                &without("groups"),
            )?;
            Ok(user(200, &view))
        }
        (ResourceKind::Group, Method::Post) => {
            let (members, body) = checked_members(limits, data)?;
            let new = NewGroup {
                document: resource::document_from_request(ResourceKind::Group, body)?,
                members: members.unwrap_or_default(),
            };
            let view = groups::create(conn, caller, new, &without("members"))?;
            Ok(group(201, &view))
        }
        (ResourceKind::Group, Method::Delete) => {
            groups::delete(conn, caller, group_id(&id)?)?;
            Ok(deleted(kind, id))
        }
        (ResourceKind::Group, method) => {
            let group_id = group_id(&id)?;
            let edit = if method == Method::Put {
                let (members, body) = checked_members(limits, data)?;
                GroupEdit::Replace { body, members }
            } else {
                GroupEdit::Patch(patch::parse_group_request(&data, limits)?)
            };
            let view = groups::update(
                conn,
                caller,
                group_id,
                &precondition,
                edit,
                &without("members"),
            )?;
            Ok(group(200, &view))
        }
    }
}

/// A projection that leaves `attribute` out: the view is not rendered, so
/// what it would read is not.
fn without(attribute: &str) -> Projection {
    Projection::from_query(None, Some(attribute))
}

/// The id in the path; one that is not an id names no member (404).
fn user_id(id: &str) -> Result<UserId, Error> {
    id.parse().map_err(|_| users::not_found(id))
}

/// The id in the path; one that is not an id names no group (404).
fn group_id(id: &str) -> Result<GroupId, Error> {
    id.parse().map_err(|_| groups::not_found(id))
}

fn user(status: u16, view: &users::UserView) -> Applied {
    Applied {
        status,
        kind: ResourceKind::User,
        id: view.user.id.to_string(),
        version: Some(view.user.meta.etag()),
    }
}

fn group(status: u16, view: &groups::GroupView) -> Applied {
    Applied {
        status,
        kind: ResourceKind::Group,
        id: view.group.id.to_string(),
        version: Some(view.group.meta.etag()),
    }
}

fn deleted(kind: ResourceKind, id: String) -> Applied {
    Applied {
        status: 204,
        kind,
        id,
        version: None,
    }
}
