//! The console's one-time links and sessions (docs/CONSOLE.md): rows with
//! the SHA-256 of their secret, never the secret. A link is used once: the
//! `UPDATE … WHERE used_at IS NULL` that marks it is what decides, so two
//! replicas opening the same link at once cannot both succeed.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{console_links, console_sessions};
use super::{Conn, StoreError};
use crate::model::{AccountId, ConsoleLinkId, ConsoleSessionId, TokenId};

/// Who issued a link: a token (`POST /api/v1/console/links`) or the CLI.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkIssuer {
    pub token: Option<TokenId>,
    pub label: Option<String>,
}

/// A stored link.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = console_links)]
pub struct LinkRow {
    pub id: ConsoleLinkId,
    pub account_id: AccountId,
    pub secret_hash: String,
    /// `token` or `cli`.
    pub issued_by: String,
    pub token_id: Option<TokenId>,
    pub token_label: Option<String>,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub used_at: Option<NaiveDateTime>,
}

impl LinkRow {
    pub fn issuer(&self) -> LinkIssuer {
        LinkIssuer {
            token: self.token_id,
            label: self.token_label.clone(),
        }
    }
}

/// A stored session.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = console_sessions)]
pub struct SessionRow {
    pub id: ConsoleSessionId,
    pub account_id: AccountId,
    pub link_id: ConsoleLinkId,
    pub secret_hash: String,
    pub created_at: NaiveDateTime,
    pub last_seen_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub ended_at: Option<NaiveDateTime>,
}

pub fn insert_link(conn: &mut Conn, link: &LinkRow) -> Result<(), StoreError> {
    diesel::insert_into(console_links::table)
        .values(link)
        .execute(conn)?;
    Ok(())
}

pub fn find_link(conn: &mut Conn, id: ConsoleLinkId) -> Result<Option<LinkRow>, StoreError> {
    Ok(console_links::table
        .find(id)
        .select(LinkRow::as_select())
        .first(conn)
        .optional()?)
}

/// Marks the link used at `now` if it was not; whether this call did.
pub fn use_link(
    conn: &mut Conn,
    id: ConsoleLinkId,
    now: NaiveDateTime,
) -> Result<bool, StoreError> {
    let marked = diesel::update(
        console_links::table
            .filter(console_links::id.eq(id))
            .filter(console_links::used_at.is_null())
            .filter(console_links::expires_at.gt(now)),
    )
    .set(console_links::used_at.eq(now))
    .execute(conn)?;
    Ok(marked == 1)
}

pub fn insert_session(conn: &mut Conn, session: &SessionRow) -> Result<(), StoreError> {
    diesel::insert_into(console_sessions::table)
        .values(session)
        .execute(conn)?;
    Ok(())
}

/// A session and the link that opened it.
pub fn find_session(
    conn: &mut Conn,
    id: ConsoleSessionId,
) -> Result<Option<(SessionRow, LinkRow)>, StoreError> {
    Ok(console_sessions::table
        .inner_join(console_links::table)
        .filter(console_sessions::id.eq(id))
        .select((SessionRow::as_select(), LinkRow::as_select()))
        .first(conn)
        .optional()?)
}

/// Records that the session was used at `now`.
pub fn touch_session(
    conn: &mut Conn,
    id: ConsoleSessionId,
    now: NaiveDateTime,
) -> Result<(), StoreError> {
    diesel::update(console_sessions::table.find(id))
        .set(console_sessions::last_seen_at.eq(now))
        .execute(conn)?;
    Ok(())
}

/// Ends the session at `now` (sign-out); whether it was still open.
pub fn end_session(
    conn: &mut Conn,
    id: ConsoleSessionId,
    now: NaiveDateTime,
) -> Result<bool, StoreError> {
    let ended = diesel::update(
        console_sessions::table
            .filter(console_sessions::id.eq(id))
            .filter(console_sessions::ended_at.is_null()),
    )
    .set(console_sessions::ended_at.eq(now))
    .execute(conn)?;
    Ok(ended == 1)
}

/// Forgets links and sessions that ended or expired before `before`: they
/// open nothing, and the audit log keeps what their sessions changed.
pub fn forget_expired(conn: &mut Conn, before: NaiveDateTime) -> Result<usize, StoreError> {
    let sessions = diesel::delete(
        console_sessions::table.filter(
            console_sessions::expires_at
                .lt(before)
                .or(console_sessions::ended_at.lt(before)),
        ),
    )
    .execute(conn)?;
    let links = diesel::delete(
        console_links::table
            .filter(console_links::expires_at.lt(before))
            .filter(
                console_links::id.ne_all(console_sessions::table.select(console_sessions::link_id)),
            ),
    )
    .execute(conn)?;
    Ok(sessions + links)
}
