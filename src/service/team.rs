//! The team listing (issue 17's Team page, `roster members list`): the
//! account's members with role, workspace levels, last login and how they
//! were provisioned, filtered (search, role, workspace, status, not logged
//! in for N days), a page at a time in userName order with an opaque
//! cursor, with the number of members the filter matches; and every
//! matching member, a page at a time, for exports (CSV:
//! [`crate::access::team::CsvWriter`]) whose memory stays bounded whatever
//! the account's size.

use chrono::Duration;

use serde_json::json;

use super::users::UserEdit;
use super::{Caller, Error, Precondition};
use crate::access::AccessError;
use crate::access::team::Cursor;
pub use crate::access::team::TeamMember;
use crate::model::{AccountId, UserId, fold_case};
use crate::scim::resource::Projection;
use crate::store::team::TeamFilter;
use crate::store::{self, Conn};

/// The members of a page when the caller does not say.
pub const DEFAULT_PAGE_SIZE: usize = 50;
/// The most members of one page.
pub const MAX_PAGE_SIZE: usize = 500;
/// The longest search text, in bytes.
pub const MAX_SEARCH_LEN: usize = 256;
/// The most days "not logged in for" may count (a hundred years).
pub const MAX_STALE_DAYS: u32 = 36_500;

/// A member's status, as the listing filters by it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Active,
    Inactive,
}

impl Status {
    /// `active` or `inactive`.
    pub fn parse(text: &str) -> Result<Self, Error> {
        match text {
            "active" => Ok(Self::Active),
            "inactive" => Ok(Self::Inactive),
            _ => Err(AccessError::Invalid("the status is 'active' or 'inactive'".into()).into()),
        }
    }
}

/// What to list: every part given must hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TeamQuery {
    /// Part of the userName or displayName, in any case.
    pub search: Option<String>,
    /// Members with this effective role (one of the model's).
    pub role: Option<String>,
    /// Members with a level, any level, in this workspace (by slug).
    pub workspace: Option<String>,
    pub status: Option<Status>,
    /// Members not logged in for this many days: their last login, else
    /// their creation, is older (the access review's "stale"; inactive
    /// members too, unless `status` says otherwise).
    pub stale_days: Option<u32>,
    /// Where the page starts: the `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// 1 to [`MAX_PAGE_SIZE`].
    pub page_size: usize,
}

impl Default for TeamQuery {
    fn default() -> Self {
        Self {
            search: None,
            role: None,
            workspace: None,
            status: None,
            stale_days: None,
            cursor: None,
            page_size: DEFAULT_PAGE_SIZE,
        }
    }
}

/// A page of the listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TeamPage {
    pub members: Vec<TeamMember>,
    /// How many members the filter matches, on every page.
    pub total: i64,
    /// The cursor of the next page; `None` on the last.
    pub next_cursor: Option<String>,
}

/// A page of the account's members matching `query`. A role the model does
/// not have, a page size out of range, a search too long or a cursor
/// Roster did not give are 400; an unknown workspace is 404.
pub fn list(conn: &mut Conn, account: AccountId, query: &TeamQuery) -> Result<TeamPage, Error> {
    read_page(conn, account, query, true)
}

/// [`list`]; its `total` is counted only when `count` (an export reads
/// every page and needs none: it is -1 then).
fn read_page(
    conn: &mut Conn,
    account: AccountId,
    query: &TeamQuery,
    count: bool,
) -> Result<TeamPage, Error> {
    if query.page_size == 0 || query.page_size > MAX_PAGE_SIZE {
        return Err(AccessError::Invalid(format!(
            "the page size is 1 to {MAX_PAGE_SIZE}, not {}",
            query.page_size
        ))
        .into());
    }
    let cursor = query
        .cursor
        .as_deref()
        .map(|text| {
            Cursor::decode(text).ok_or_else(|| {
                AccessError::Invalid(
                    "the cursor is not one this listing gave: start again without it".into(),
                )
            })
        })
        .transpose()?;
    let filter = filter(conn, account, query)?;
    let limit = i64::try_from(query.page_size).unwrap_or(i64::MAX);
    // A first page that holds every match has counted them: only a full
    // page, or a later one, needs the count (which, like a page of few
    // matches, may have to read every member).
    let ((members, next), total) = store::read_transaction(conn, |conn| {
        let page = store::team::page(conn, account, &filter, cursor.as_ref(), limit)?;
        let total = match (&page, &cursor) {
            _ if !count => -1,
            ((members, None), None) => i64::try_from(members.len()).unwrap_or(i64::MAX),
            _ => store::team::count(conn, account, &filter)?,
        };
        Ok((page, total))
    })?;
    Ok(TeamPage {
        members,
        total,
        next_cursor: next.map(|cursor| cursor.encode()),
    })
}

/// Every member matching `query` (its cursor and page size ignored), a
/// page of [`MAX_PAGE_SIZE`] at a time: for exports, which write each page
/// (e.g. with [`crate::access::team::CsvWriter`]) before reading the next,
/// so memory stays bounded whatever the account's size.
pub fn all_pages<'c>(conn: &'c mut Conn, account: AccountId, query: &TeamQuery) -> AllPages<'c> {
    AllPages {
        conn,
        account,
        query: TeamQuery {
            cursor: None,
            page_size: MAX_PAGE_SIZE,
            ..query.clone()
        },
        done: false,
    }
}

/// The pages of [`all_pages`]: each a `Vec` of members, or the error that
/// ended them.
pub struct AllPages<'c> {
    conn: &'c mut Conn,
    account: AccountId,
    query: TeamQuery,
    done: bool,
}

impl Iterator for AllPages<'_> {
    type Item = Result<Vec<TeamMember>, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let page = read_page(self.conn, self.account, &self.query, false);
        match page {
            Ok(page) => {
                self.done = page.next_cursor.is_none();
                self.query.cursor = page.next_cursor;
                // A last page may be empty (no member matches): then there is none.
                (!page.members.is_empty()).then_some(Ok(page.members))
            }
            Err(error) => {
                self.done = true;
                Some(Err(error))
            }
        }
    }
}

/// The account's member `id` as the listing shows it (404 when absent).
pub fn member(conn: &mut Conn, account: AccountId, id: UserId) -> Result<TeamMember, Error> {
    let filter = TeamFilter {
        member: Some(id),
        ..TeamFilter::default()
    };
    let (mut members, _) = store::team::page(conn, account, &filter, None, 1)?;
    members
        .pop()
        .ok_or_else(|| Error::NotFound(format!("no member '{id}' in this account")))
}

/// Offboards the local member `id` now: deactivates them with the PATCH an
/// identity provider sends (`active` false), so their access ends and the
/// same audit entry and events follow. A member an IdP manages is refused
/// (409): they are offboarded in the IdP.
pub fn offboard_local(conn: &mut Conn, caller: &Caller<'_>, id: UserId) -> Result<(), Error> {
    ensure_local(conn, caller.account, id, "offboard")?;
    let deactivate = json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "replace", "path": "active", "value": false}],
    });
    let patch = crate::scim::patch::parse_user_request(&deactivate, caller.limits)?;
    super::users::update(
        conn,
        caller,
        id,
        &Precondition::none(),
        UserEdit::Patch(patch),
        &Projection::default(),
    )?;
    Ok(())
}

/// Removes (deletes) the local member `id`; an IdP's member is refused
/// (409), as for [`offboard_local`].
pub fn remove_local(conn: &mut Conn, caller: &Caller<'_>, id: UserId) -> Result<(), Error> {
    ensure_local(conn, caller.account, id, "remove")?;
    super::users::delete(conn, caller, id)
}

/// 404 when the account has no member `id`; 409 when an IdP manages it.
fn ensure_local(conn: &mut Conn, account: AccountId, id: UserId, what: &str) -> Result<(), Error> {
    let (user_name, via) = store::users::provenance(conn, account, id)?
        .ok_or_else(|| Error::NotFound(format!("no member '{id}' in this account")))?;
    if via == "scim" {
        return Err(Error::Conflict(format!(
            "'{user_name}' is managed by the identity provider: {what} them there (deactivate or \
             unassign them), and Roster ends their access the moment it hears"
        )));
    }
    Ok(())
}

/// The query's filter, checked against the account: its role is the
/// model's, its workspace exists.
fn filter(conn: &mut Conn, account: AccountId, query: &TeamQuery) -> Result<TeamFilter, Error> {
    let search = match query.search.as_deref().map(str::trim) {
        Some(text) if text.len() > MAX_SEARCH_LEN => {
            return Err(AccessError::Invalid(format!(
                "the search text is at most {MAX_SEARCH_LEN} bytes"
            ))
            .into());
        }
        Some("") | None => None,
        Some(text) => Some(fold_case(text)),
    };
    if let Some(role) = &query.role {
        let model = store::access::model::read(conn, account)?;
        if model.role_rank(role).is_none() {
            return Err(AccessError::Invalid(format!(
                "'{}' is not one of the account's roles ({})",
                shown(role),
                model.roles.join(", ")
            ))
            .into());
        }
    }
    let workspace = match query.workspace.as_deref() {
        Some(slug) => Some(
            store::access::workspaces::find(conn, account, slug)?
                .ok_or_else(|| {
                    Error::NotFound(format!("no workspace '{}' in this account", shown(slug)))
                })?
                .id,
        ),
        None => None,
    };
    let not_seen_since = match query.stale_days {
        Some(days) if days > MAX_STALE_DAYS => {
            return Err(AccessError::Invalid(format!(
                "'not logged in for' counts at most {MAX_STALE_DAYS} days"
            ))
            .into());
        }
        Some(days) => Some(crate::clock::now() - Duration::days(i64::from(days))),
        None => None,
    };
    Ok(TeamFilter {
        search,
        role: query.role.clone(),
        workspace,
        active: query.status.map(|status| status == Status::Active),
        not_seen_since,
        member: None,
    })
}

/// A name as an error may show it: a long one cut short (it names nothing
/// anyway).
fn shown(name: &str) -> &str {
    match name.char_indices().nth(crate::access::MAX_NAME_LEN) {
        Some((end, _)) => &name[..end],
        None => name,
    }
}
