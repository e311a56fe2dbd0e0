//! The pages of `GET /Users`, `GET /Groups` and their `/.search`: by
//! `startIndex` (RFC 7644 §3.4.2.4), or by cursor (RFC 9865): the cursor opened with the signing key it names
//! ([`crate::scim::cursor`]), the page read by keyset from the store (`id >
//! last` in id order, or `id < first` backwards: the `(account_id, id)`
//! index from the cursor on, so a page costs its own rows however deep the
//! walk), and the next and previous cursors sealed with the newest key.
//!
//! The walk's order is the resources' ids (UUIDv7, which never change), so a
//! resource that exists for the whole walk is on exactly one page whatever
//! is created or deleted meanwhile; one created during the walk is on a page
//! when its id falls after the cursor (docs/SCIM.md "Cursor paging").

use std::time::Duration;

use uuid::Uuid;

use super::Error;
use super::groups::{self, GroupView};
use super::users::{self, UserView};
use crate::auth::Authenticator;
use crate::model::AccountId;
use crate::scim::ScimError;
use crate::scim::cursor::CursorRequest;
use crate::scim::cursor::{self, Cursor, CursorKey, Position, Scope, Sealed};
use crate::scim::list::ListRequest;
use crate::scim::schema::ResourceKind;
use crate::store::{Conn, Seek};

/// What cursors need of the server: its signing keys, how long a cursor
/// stays valid (`cursor_timeout`), and the time.
#[derive(Clone, Copy)]
pub struct Cursors<'a> {
    pub keys: &'a Authenticator,
    pub timeout: Duration,
    /// Unix milliseconds.
    pub now_ms: i64,
}

/// One page of a list, by either method.
pub struct Listed<T> {
    /// Every resource matching the filter (RFC 7644 §3.4.2 `totalResults`).
    pub total: i64,
    pub items: Vec<T>,
    pub paging: Paging,
}

/// How the page was chosen, and how to ask for the ones around it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Paging {
    /// `startIndex` (RFC 7644 §3.4.2.4), the default.
    Index { start_index: i64 },
    /// A cursor's page (RFC 9865 §2): the cursors of the next and previous.
    Cursor {
        next: Option<String>,
        previous: Option<String>,
    },
}

impl<T> Listed<T> {
    /// The same page with each resource turned into `f`'s result (rendered).
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Listed<U> {
        Listed {
            total: self.total,
            items: self.items.into_iter().map(f).collect(),
            paging: self.paging,
        }
    }
}

/// How a page of `T` is read: the total matching the request, and `limit`
/// of them after `offset` or from the seek on.
pub type Read<T> = fn(
    &mut Conn,
    AccountId,
    &ListRequest,
    i64,
    i64,
    Option<Seek<'_>>,
) -> Result<(i64, Vec<T>), Error>;

/// A resource type whose lists page: how one page of it is read, and its id.
pub trait Listable: Sized {
    const KIND: ResourceKind;
    const READ: Read<Self>;
    fn id(&self) -> Uuid;
}

impl Listable for UserView {
    const KIND: ResourceKind = ResourceKind::User;
    const READ: Read<Self> = users::list;
    fn id(&self) -> Uuid {
        self.user.id.0
    }
}

impl Listable for GroupView {
    const KIND: ResourceKind = ResourceKind::Group;
    const READ: Read<Self> = groups::list;
    fn id(&self) -> Uuid {
        self.group.id.0
    }
}

/// A page of the account's members or groups: `request`'s `startIndex`
/// page, or its cursor's.
pub fn list<T: Listable>(
    conn: &mut Conn,
    account: AccountId,
    request: &ListRequest,
    cursors: Cursors<'_>,
) -> Result<Listed<T>, Error> {
    let Some(cursor) = &request.cursor else {
        let page = request.page;
        let (total, items) = (T::READ)(conn, account, request, page.offset(), page.count, None)?;
        return Ok(Listed {
            total,
            items,
            paging: Paging::Index {
                start_index: page.start_index,
            },
        });
    };
    walk(conn, account, request, cursor, cursors)
}

fn walk<T: Listable>(
    conn: &mut Conn,
    account: AccountId,
    request: &ListRequest,
    cursor: &CursorRequest,
    cursors: Cursors<'_>,
) -> Result<Listed<T>, Error> {
    let account_text = account.to_string();
    let query = request.cursor_query();
    let scope = Scope {
        account: &account_text,
        resource: T::KIND.core_urn(),
        query: &query,
    };
    let timeout_ms = i64::try_from(cursors.timeout.as_millis()).unwrap_or(i64::MAX);
    let position = match &cursor.cursor {
        None => Position::Start,
        Some(text) => {
            let sealed = Sealed::parse(text)?;
            let key = cursors
                .keys
                .key(conn, crate::model::KeyId(sealed.key_id()))?
                .ok_or_else(cursor::invalid_cursor)?;
            let opened = sealed.open(&key.secret, scope, cursors.now_ms, timeout_ms)?;
            if opened.count != cursor.count {
                return Err(cursor::invalid_count(format!(
                    "'count' must stay {} on every page of this walk (RFC 9865 §2.1)",
                    opened.count
                ))
                .into());
            }
            opened.position
        }
    };
    let seek_id = match position {
        Position::Start => None,
        Position::After(id) | Position::Before(id) => Some(id.hyphenated().to_string()),
    };
    let seek = seek_id.as_deref().map(|id| match position {
        Position::Before(_) => Seek::Before(id),
        _ => Seek::After(id),
    });
    // One more than the page: whether more follow in that direction.
    let (total, read) = (T::READ)(conn, account, request, 0, i64::from(cursor.count) + 1, seek)?;
    let page = cursor::page(position, cursor.count, read, T::id);
    let key = cursors
        .keys
        .newest_key(conn)?
        .ok_or_else(ScimError::internal)?;
    let seal = |position: Position| {
        let key = CursorKey {
            id: key.id.0,
            secret: &key.secret,
        };
        let cursor = Cursor {
            position,
            count: cursor.count,
        };
        cursor::seal(key, scope, cursor, cursors.now_ms)
    };
    Ok(Listed {
        total,
        paging: Paging::Cursor {
            next: page.next.map(seal),
            previous: page.previous.map(seal),
        },
        items: page.items,
    })
}
