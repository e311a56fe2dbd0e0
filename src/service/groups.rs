//! Groups (SCIM Groups, RFC 7643 §4.2): reading them with or without their
//! members, and the operations that change them — create (RFC 7644 §3.3),
//! replace (§3.5.1), patch (§3.5.2), delete (§3.6) — each with its audit
//! entries and the recomputed access of exactly the members it touched, in
//! one transaction.
//!
//! Membership lives in the store as rows, so a change that adds or removes
//! members touches only those rows. Member ids that are not users of the
//! account are skipped, never refused: Okta stops a whole group push on a
//! 400 (docs/SCIM.md, "Groups").

use std::collections::HashSet;

use serde_json::Value;

use super::{Caller, Error, Precondition};
use crate::audit::{self, Action, Entry, Origin};
use crate::model::{AccountId, GroupId, UserId};
use crate::scim::ScimError;
use crate::scim::list::ListRequest;
use crate::scim::patch::{GroupPatch, MemberChange};
use crate::scim::resource::{self, Document, Projection, ResourceMeta};
use crate::scim::schema::ResourceKind;
use crate::store::access::Who;
use crate::store::groups::{Member, StoredGroup};
use crate::store::{self, Conn, ListQuery, Seek, StoreError};

/// A group with its members as loaded (`None`: the projection left them out,
/// and they were not read).
pub struct GroupView {
    pub group: StoredGroup,
    pub members: Option<Vec<Member>>,
}

/// A new group: its checked request document, and the ids its `members`
/// names (as sent; those that are not users of the account are skipped).
pub struct NewGroup {
    pub document: Document,
    pub members: Vec<String>,
}

/// How an update changes a group.
pub enum GroupEdit {
    /// PUT: the body's attributes replace the stored ones (what it omits is
    /// kept), and `members`, when the body has it, is the whole membership
    /// (Okta's full push); without it the membership stays.
    Replace {
        body: Value,
        members: Option<Vec<String>>,
    },
    /// PATCH: document operations and membership changes, in request order.
    Patch(GroupPatch),
}

impl GroupEdit {
    fn action(&self) -> Action {
        match self {
            Self::Replace { .. } => Action::Replaced,
            Self::Patch(_) => Action::Modified,
        }
    }

    /// The new document, and the membership changes to make.
    fn apply(self, current: &Document) -> Result<(Document, Vec<MemberChange>), ScimError> {
        match self {
            Self::Replace { body, members } => Ok((
                resource::document_for_put(ResourceKind::Group, current, body)?,
                members.map(MemberChange::Replace).into_iter().collect(),
            )),
            Self::Patch(GroupPatch { document, members }) => {
                Ok((document.apply(current)?, members))
            }
        }
    }
}

pub(crate) fn not_found(id: impl std::fmt::Display) -> Error {
    Error::NotFound(format!("no group with id '{id}' in this account"))
}

fn taken(document: &Document) -> String {
    let name = document
        .get("displayName")
        .and_then(Value::as_str)
        .unwrap_or_default();
    format!(
        "a group named '{name}' already exists (displayName is unique per account, ignoring case and look-alike forms)"
    )
}

/// The account's group `id`, with its members unless the projection leaves
/// them out.
pub fn get(
    conn: &mut Conn,
    account: AccountId,
    id: GroupId,
    projection: &Projection,
) -> Result<GroupView, Error> {
    let group = store::groups::find(conn, account, id)?.ok_or_else(|| not_found(id))?;
    Ok(view_of(conn, group, projection)?)
}

/// The total of the account's groups matching the request, and the `limit`
/// of them after `offset` or from `seek` on (a cursor's page,
/// [`super::paging`]), with their members unless excluded.
pub fn list(
    conn: &mut Conn,
    account: AccountId,
    request: &ListRequest,
    offset: i64,
    limit: i64,
    seek: Option<Seek<'_>>,
) -> Result<(i64, Vec<GroupView>), Error> {
    let query = ListQuery::of(request, offset, limit).seeking(seek);
    let (total, groups) = store::groups::list(conn, account, &query)?;
    let views = groups
        .into_iter()
        .map(|group| view_of(conn, group, &request.projection))
        .collect::<Result<_, _>>()?;
    Ok((total, views))
}

/// Creates a group with its members; a taken displayName is
/// [`Error::Taken`].
pub fn create(
    conn: &mut Conn,
    caller: &Caller<'_>,
    new: NewGroup,
    projection: &Projection,
) -> Result<GroupView, Error> {
    let (account, origin) = (caller.account, caller.origin);
    caller.limits.check_document(&new.document)?;
    let group = StoredGroup {
        id: GroupId::new(),
        document: new.document,
        meta: ResourceMeta::first(crate::clock::now()),
    };
    store::account_transaction(conn, account, |conn| {
        store::groups::insert(conn, account, &group)
            .map_err(|error| Error::from_write(error, || taken(&group.document)))?;
        let changes = audit::changes(None, Some(&group.document));
        let entry = Entry::group(group.id, Action::Created, changes);
        store::audit::record_one(conn, account, origin, entry)?;
        let change = MemberChange::Add(new.members);
        change_members(conn, account, origin, group.id, &change)?;
        Ok(view_of(conn, group, projection)?)
    })
}

/// Replaces or patches the group `id` (404 when absent) at the version
/// `precondition` names (412 when stale): its document (within the limits)
/// and its membership change, and its version moves once when anything
/// changed.
pub fn update(
    conn: &mut Conn,
    caller: &Caller<'_>,
    id: GroupId,
    precondition: &Precondition,
    edit: GroupEdit,
    projection: &Projection,
) -> Result<GroupView, Error> {
    let (account, origin) = (caller.account, caller.origin);
    store::account_transaction(conn, account, |conn| {
        let current =
            store::groups::find_for_update(conn, account, id)?.ok_or_else(|| not_found(id))?;
        precondition.check("group", &current.meta)?;
        let action = edit.action();
        let (document, member_changes) = edit.apply(&current.document)?;
        caller.limits.check_document(&document)?;
        let mut changed = 0;
        for change in &member_changes {
            changed += change_members(conn, account, origin, id, change)?;
        }
        if document == current.document && changed == 0 {
            return Ok(view_of(conn, current, projection)?);
        }
        let group = StoredGroup {
            id,
            document,
            meta: current.meta.next(crate::clock::now()),
        };
        let renamed = store::groups::update(conn, account, &group)
            .map_err(|error| Error::from_write(error, || taken(&group.document)))?;
        // Nothing to audit when only the version moved (a membership change).
        let changes = audit::changes(Some(&current.document), Some(&group.document));
        if !changes.is_empty() {
            let entry = Entry::group(id, action, changes);
            store::audit::record_one(conn, account, origin, entry)?;
        }
        // Rules match groups by displayName and externalId: only a change of
        // those changes the other members' access.
        if renamed {
            super::access::recompute(conn, account, Who::MembersOf(id))?;
        }
        Ok(view_of(conn, group, projection)?)
    })
}

/// Deletes the group `id` (404 when absent) and its memberships, never the
/// members; they lose what the group gave them.
pub fn delete(conn: &mut Conn, caller: &Caller<'_>, id: GroupId) -> Result<(), Error> {
    let (account, origin) = (caller.account, caller.origin);
    store::account_transaction(conn, account, |conn| {
        let group = store::groups::find(conn, account, id)?.ok_or_else(|| not_found(id))?;
        let members = store::groups::member_ids(conn, id)?;
        if !store::groups::delete(conn, account, id)? {
            return Err(not_found(id));
        }
        let changes = audit::changes(Some(&group.document), None);
        let mut entries = vec![Entry::group(id, Action::Deleted, changes)];
        entries.extend(
            members
                .iter()
                .map(|member| Entry::membership(id, *member, Action::MemberRemoved)),
        );
        store::audit::record(conn, account, origin, &entries)?;
        super::access::recompute(conn, account, Who::Users(&members))?;
        Ok(())
    })
}

/// Makes one membership change; returns how many members it added or
/// removed.
fn change_members(
    conn: &mut Conn,
    account: AccountId,
    origin: &Origin,
    group: GroupId,
    change: &MemberChange,
) -> Result<usize, StoreError> {
    let mut changed = Changed {
        conn,
        account,
        origin,
        group,
    };
    match change {
        MemberChange::Add(ids) => {
            let known = known_members(changed.conn, account, group, ids)?;
            changed.added(&known)
        }
        MemberChange::Remove(ids) => {
            let ids: Vec<UserId> = ids.iter().filter_map(|id| id.parse().ok()).collect();
            changed.removed(&ids)
        }
        MemberChange::RemoveAll => {
            let removed = store::groups::remove_all_members(changed.conn, group)?;
            changed.audit(&removed, Action::MemberRemoved)
        }
        MemberChange::Replace(ids) => {
            // Only the difference is written, audited and recomputed: Okta's
            // full-list PUT of a large group changes little.
            let wanted = known_members(changed.conn, account, group, ids)?;
            let current: HashSet<UserId> = store::groups::member_ids(changed.conn, group)?
                .into_iter()
                .collect();
            let wanted_set: HashSet<UserId> = wanted.iter().copied().collect();
            let leaving: Vec<UserId> = current.difference(&wanted_set).copied().collect();
            let joining: Vec<UserId> = wanted
                .into_iter()
                .filter(|member| !current.contains(member))
                .collect();
            Ok(changed.removed(&leaving)? + changed.added(&joining)?)
        }
    }
}

/// Membership changes of one group, each written, audited and followed by
/// the recomputed access of exactly the members it changed.
struct Changed<'a> {
    conn: &'a mut Conn,
    account: AccountId,
    origin: &'a Origin,
    group: GroupId,
}

impl Changed<'_> {
    /// Adds these users; returns how many were not members yet.
    fn added(&mut self, members: &[UserId]) -> Result<usize, StoreError> {
        let added = store::groups::add_members(self.conn, self.account, self.group, members)?;
        self.audit(&added, Action::MemberAdded)
    }

    /// Removes these users; returns how many were members.
    fn removed(&mut self, members: &[UserId]) -> Result<usize, StoreError> {
        let removed = store::groups::remove_members(self.conn, self.group, members)?;
        self.audit(&removed, Action::MemberRemoved)
    }

    fn audit(&mut self, members: &[UserId], action: Action) -> Result<usize, StoreError> {
        if members.is_empty() {
            return Ok(0);
        }
        let entries: Vec<Entry> = members
            .iter()
            .map(|member| Entry::membership(self.group, *member, action))
            .collect();
        store::audit::record(self.conn, self.account, self.origin, &entries)?;
        super::access::recompute(self.conn, self.account, Who::Users(members))?;
        Ok(members.len())
    }
}

/// The ids of `sent` that are users of the account, in order of id, without
/// duplicates; the others are skipped, and counted in a warning (never
/// logged themselves: they are request values).
fn known_members(
    conn: &mut Conn,
    account: AccountId,
    group: GroupId,
    sent: &[String],
) -> Result<Vec<UserId>, StoreError> {
    let mut parsed: Vec<UserId> = sent.iter().filter_map(|id| id.parse().ok()).collect();
    parsed.sort_unstable();
    parsed.dedup();
    let known = store::groups::existing_users(conn, account, &parsed)?;
    if known.len() < sent.len() {
        let unknown = sent
            .iter()
            .filter(|id| {
                id.parse::<UserId>()
                    .map_or(true, |id| known.binary_search(&id).is_err())
            })
            .count();
        if unknown > 0 {
            tracing::warn!(
                group = %group,
                skipped = unknown,
                "skipped member ids that are not users of this account"
            );
        }
    }
    Ok(known)
}

/// The group with its members, unless the projection leaves them out (then
/// they are not read at all).
fn view_of(
    conn: &mut Conn,
    group: StoredGroup,
    projection: &Projection,
) -> Result<GroupView, StoreError> {
    let members = if projection.excludes("members") {
        None
    } else {
        Some(store::groups::members(conn, group.id)?)
    };
    Ok(GroupView { group, members })
}
