//! Members (SCIM Users, RFC 7643 §4.1): reading them with what their
//! representation takes from other rows, and the operations that change
//! them — create (RFC 7644 §3.3), replace (§3.5.1), patch (§3.5.2), delete
//! (§3.6) — each with its audit entry, its change event (`member.created`,
//! `member.updated`, `member.deactivated`, `member.reactivated`,
//! `member.deleted`) and the member's recomputed access — with the direct
//! grants its `roles` and `entitlements` values give
//! (`access::entitlements::follow`) — in one transaction.

use std::collections::HashMap;

use serde_json::{Value, json};

use super::{Caller, Error, Precondition};
use crate::audit::{self, Action, Entry};
use crate::model::{AccountId, UserId};
use crate::scim::list::ListRequest;
use crate::scim::patch::Patch;
use crate::scim::resource::{self, Document, Projection, ResourceMeta};
use crate::scim::schema::ResourceKind;
use crate::scim::user::is_active;
use crate::scim::{ScimError, urns};
use crate::store::groups::Membership;
use crate::store::users::StoredUser;
use crate::store::{self, Conn, ListQuery, Seek, StoreError};

/// A member with what its representation computes from other rows: the
/// groups it belongs to (`groups`) and its manager's display name.
pub struct UserView {
    pub user: StoredUser,
    pub groups: Vec<Membership>,
    pub manager: Option<String>,
}

/// How an update computes the member's new document from the stored one.
pub enum UserEdit {
    /// PUT: the body's attributes replace the stored ones, what it omits is
    /// kept (docs/SCIM.md); the body was checked against the limits.
    Replace(Value),
    /// PATCH: the request read once, applied all or nothing.
    Patch(Patch),
}

impl UserEdit {
    fn action(&self) -> Action {
        match self {
            Self::Replace(_) => Action::Replaced,
            Self::Patch(_) => Action::Modified,
        }
    }

    fn apply(self, current: &Document) -> Result<Document, ScimError> {
        match self {
            Self::Replace(body) => resource::document_for_put(ResourceKind::User, current, body),
            Self::Patch(patch) => patch.apply(current),
        }
    }
}

pub(crate) fn not_found(id: impl std::fmt::Display) -> Error {
    Error::NotFound(format!("no user with id '{id}' in this account"))
}

fn taken(document: &Document) -> String {
    let user_name = document
        .get("userName")
        .and_then(Value::as_str)
        .unwrap_or_default();
    format!(
        "userName '{user_name}' is already taken (userName is unique per account, ignoring case and look-alike forms)"
    )
}

/// The account's member `id`, with its groups unless the projection leaves
/// them out.
pub fn get(
    conn: &mut Conn,
    account: AccountId,
    id: UserId,
    projection: &Projection,
) -> Result<UserView, Error> {
    let user = store::users::find(conn, account, id)?.ok_or_else(|| not_found(id))?;
    Ok(view_of(conn, account, user, projection)?)
}

/// The total of the account's members matching the request, and the
/// `limit` of them after `offset` (the request's page, or a part of a
/// search over every resource type) or from `seek` on (a cursor's page,
/// [`super::paging`]).
pub fn list(
    conn: &mut Conn,
    account: AccountId,
    request: &ListRequest,
    offset: i64,
    limit: i64,
    seek: Option<Seek<'_>>,
) -> Result<(i64, Vec<UserView>), Error> {
    let query = ListQuery::of(request, offset, limit).seeking(seek);
    let (total, users) = store::users::list(conn, account, &query)?;
    Ok((total, views_of(conn, account, users, &request.projection)?))
}

/// Creates a member from a checked request document (`member.created`); a
/// taken userName is [`Error::Taken`].
pub fn create(
    conn: &mut Conn,
    caller: &Caller<'_>,
    document: Document,
    projection: &Projection,
) -> Result<UserView, Error> {
    let (account, origin) = (caller.account, caller.origin);
    caller.limits.check_document(&document)?;
    let user = StoredUser {
        id: UserId::new(),
        document,
        meta: ResourceMeta::first(crate::clock::now()),
    };
    store::account_transaction(conn, account, |conn| -> Result<(), Error> {
        store::users::insert(conn, account, origin, &user)
            .map_err(|error| Error::from_write(error, || taken(&user.document)))?;
        let mut changes = audit::changes(None, Some(&user.document));
        super::access::entitlements::follow(
            conn,
            account,
            user.id,
            None,
            &user.document,
            &mut changes,
        )?;
        store::audit::record_one(
            conn,
            account,
            origin,
            Entry::user(user.id, Action::Created, changes),
        )?;
        store::events::append(
            conn,
            account,
            "member.created",
            Some(user.id),
            member_json(&user),
        )?;
        super::access::recompute(conn, account, store::access::Who::Users(&[user.id]))?;
        Ok(())
    })?;
    // A new member is in no group yet; its manager may already exist.
    Ok(view_of(conn, account, user, projection)?)
}

/// Replaces or patches the member `id` (404 when absent) at the version
/// `precondition` names (412 when stale): the new document, within the
/// limits, is stored as the next version unless it equals the stored one
/// (then nothing is written, and version and `lastModified` stay).
pub fn update(
    conn: &mut Conn,
    caller: &Caller<'_>,
    id: UserId,
    precondition: &Precondition,
    edit: UserEdit,
    projection: &Projection,
) -> Result<UserView, Error> {
    let (account, origin) = (caller.account, caller.origin);
    store::account_transaction(conn, account, |conn| {
        let current =
            store::users::find_for_update(conn, account, id)?.ok_or_else(|| not_found(id))?;
        precondition.check("user", &current.meta)?;
        let action = edit.action();
        let document = edit.apply(&current.document)?;
        caller.limits.check_document(&document)?;
        if document == current.document {
            return Ok(view_of(conn, account, current, projection)?);
        }
        let user = StoredUser {
            id,
            document,
            meta: current.meta.next(crate::clock::now()),
        };
        store::users::update(conn, account, origin, &user)
            .map_err(|error| Error::from_write(error, || taken(&user.document)))?;
        let mut changes = audit::changes(Some(&current.document), Some(&user.document));
        super::access::entitlements::follow(
            conn,
            account,
            id,
            Some(&current.document),
            &user.document,
            &mut changes,
        )?;
        store::audit::record_one(conn, account, origin, Entry::user(id, action, changes))?;
        let kind = match (is_active(&current.document), is_active(&user.document)) {
            (true, false) => "member.deactivated",
            (false, true) => "member.reactivated",
            _ => "member.updated",
        };
        store::events::append(conn, account, kind, Some(id), member_json(&user))?;
        super::access::recompute(conn, account, store::access::Who::Users(&[id]))?;
        Ok(view_of(conn, account, user, projection)?)
    })
}

/// Deletes the member `id` and its memberships (404 when absent); the
/// audit entry keeps its last document as "before", the `member.deleted`
/// event the access it had.
pub fn delete(conn: &mut Conn, caller: &Caller<'_>, id: UserId) -> Result<(), Error> {
    let (account, origin) = (caller.account, caller.origin);
    store::account_transaction(conn, account, |conn| {
        let before = store::users::find(conn, account, id)?.ok_or_else(|| not_found(id))?;
        let held = super::access::held(conn, account, id)?;
        if !store::users::delete(conn, account, id)? {
            return Err(not_found(id));
        }
        let changes = audit::changes(Some(&before.document), None);
        store::audit::record_one(
            conn,
            account,
            origin,
            Entry::user(id, Action::Deleted, changes),
        )?;
        let data = json!({"id": id.to_string(), "access": held});
        store::events::append(conn, account, "member.deleted", Some(id), data)?;
        Ok(())
    })
}

/// What member events say about a member.
fn member_json(user: &StoredUser) -> Value {
    json!({
        "id": user.id.to_string(),
        "userName": user.document.get("userName"),
        "externalId": user.document.get("externalId"),
        "active": is_active(&user.document),
    })
}

/// The enterprise `manager.value` of a member, if it names a member id.
fn manager_id(user: &StoredUser) -> Option<UserId> {
    user.document
        .get(urns::ENTERPRISE_USER)?
        .get("manager")?
        .get("value")?
        .as_str()?
        .parse()
        .ok()
}

/// The members with their groups (unless the projection leaves `groups`
/// out: then memberships are not read) and their managers' display names.
fn views_of(
    conn: &mut Conn,
    account: AccountId,
    users: Vec<StoredUser>,
    projection: &Projection,
) -> Result<Vec<UserView>, StoreError> {
    let mut memberships = if projection.excludes("groups") {
        HashMap::new()
    } else {
        let ids: Vec<UserId> = users.iter().map(|user| user.id).collect();
        store::groups::memberships(conn, &ids)?
    };
    let managers: Vec<UserId> = users.iter().filter_map(manager_id).collect();
    let managers = store::users::display_names(conn, account, &managers)?;
    Ok(users
        .into_iter()
        .map(|user| UserView {
            groups: memberships.remove(&user.id).unwrap_or_default(),
            manager: manager_id(&user).and_then(|id| managers.get(&id).cloned()),
            user,
        })
        .collect())
}

fn view_of(
    conn: &mut Conn,
    account: AccountId,
    user: StoredUser,
    projection: &Projection,
) -> Result<UserView, StoreError> {
    let mut views = views_of(conn, account, vec![user], projection)?;
    views
        .pop()
        .ok_or_else(|| StoreError::Corrupt("a user vanished while read".into()))
}
