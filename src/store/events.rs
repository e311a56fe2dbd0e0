//! Change events (PRODUCT.md "Change event"): an outbox written in the
//! transaction of the change, read as a feed by `seq` (`/api/v1/events`).
//!
//! `seq` is the account's own: its events are numbered 1, 2, 3 … whatever
//! other accounts write, so no account can count another's activity from
//! the gaps. The account's writers hold its lock (`account_transaction`;
//! SQLite has one writer), so the latest `seq` + 1 read under it is free
//! and the events commit in `seq` order. Events are never deleted but with
//! their account; a retention job would have to keep each account's latest
//! event (or the numbering would restart below it).
//!
//! Kinds: `member.created`, `member.updated`, `member.deactivated`,
//! `member.reactivated`, `member.deleted`, `access.changed` (with the old
//! and new role and workspace levels; a `null` role is no access).

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde_json::Value;

use super::schema::events;
use super::sql::{Bind, Sql};
use super::{Conn, StoreError};
use crate::model::{AccountId, EventId, UserId};

/// A stored event.
// Still the feed's API shape (`GET /api/v1/events` serializes it), until
// that handler moves to a service read with its own response type.
#[derive(Debug, Clone, PartialEq, serde::Serialize, utoipa::ToSchema)]
pub struct Event {
    /// The account's own sequence number: 1, 2, 3 … without gaps.
    pub seq: i64,
    #[schema(value_type = String)]
    pub id: EventId,
    /// One of the kinds in the module docs, e.g. `member.deactivated`, `access.changed`.
    pub kind: String,
    #[schema(value_type = Option<String>)]
    pub member: Option<UserId>,
    #[schema(value_type = Object)]
    pub data: Value,
    #[schema(format = DateTime)]
    pub at: String,
}

/// Appends an event to the account's outbox, inside the caller's transaction.
pub fn append(
    conn: &mut Conn,
    account: AccountId,
    kind: &str,
    member: Option<UserId>,
    data: Value,
) -> Result<(), StoreError> {
    append_all(conn, account, kind, [(member, data)])
}

/// Appends one event of `kind` per `(member, data)`, in that order, inside
/// the caller's transaction: a rule change on 50,000 members is about two
/// hundred multi-row inserts, not 50,000 round trips. The events are taken
/// from `events` a batch at a time, so a large change never holds all of
/// its rows at once.
pub fn append_all(
    conn: &mut Conn,
    account: AccountId,
    kind: &str,
    events: impl IntoIterator<Item = (Option<UserId>, Value)>,
) -> Result<(), StoreError> {
    let mut events = events.into_iter().peekable();
    if events.peek().is_none() {
        return Ok(());
    }
    // Normally taken already by `account_transaction`; held until commit,
    // so this account's events are numbered and commit in seq order.
    super::connection::lock_account(conn, account)?;
    let at = crate::clock::now();
    let account_text = account.to_string();
    // The account's own numbering: one read of the index for the whole
    // change, then a contiguous range (no gap, whoever else writes).
    let first = last_seq(conn, account)? + 1;
    let mut rows = events.zip(first..).map(|((member, data), seq)| {
        vec![
            Some(Bind::BigInt(seq)),
            Some(Bind::Text(EventId::new().to_string())),
            Some(Bind::Text(account_text.clone())),
            Some(Bind::Text(kind.to_owned())),
            member.map(|id| Bind::Text(id.to_string())),
            Some(Bind::Text(data.to_string())),
            Some(Bind::Timestamp(at)),
        ]
    });
    loop {
        let batch: Vec<_> = rows.by_ref().take(BATCH).collect();
        if batch.is_empty() {
            return Ok(());
        }
        // Power-of-two row counts, largest first: a few statement shapes,
        // which the connection keeps prepared.
        let mut left = batch.len();
        let mut batch = batch.into_iter();
        while left > 0 {
            let size = 1 << left.ilog2();
            Sql::insert_values(
                "INSERT INTO events (seq, id, account_id, kind, member_id, payload, created_at) \
                 VALUES ",
                batch.by_ref().take(size),
            )
            .keep_prepared()
            .execute(conn)?;
            left -= size;
        }
    }
}

/// The most events one INSERT writes (7 values each: far below either
/// database's limit on bound values); a power of two.
const BATCH: usize = 256;

/// The account's latest event `seq` (0 when it has none): one probe of the
/// `(account_id, seq)` key. Under the account's lock, `+ 1` is the next one.
pub fn last_seq(conn: &mut Conn, account: AccountId) -> Result<i64, StoreError> {
    Ok(events::table
        .filter(events::account_id.eq(account))
        .select(diesel::dsl::max(events::seq))
        .get_result::<Option<i64>>(conn)?
        .unwrap_or(0))
}

/// The account's events after `after` (a `seq`), oldest first, at most `limit`.
pub fn feed(
    conn: &mut Conn,
    account: AccountId,
    after: i64,
    limit: i64,
) -> Result<Vec<Event>, StoreError> {
    events::table
        .filter(events::account_id.eq(account))
        .filter(events::seq.gt(after))
        .order(events::seq)
        .limit(limit)
        .select((
            events::seq,
            events::id,
            events::kind,
            events::member_id,
            events::payload,
            events::created_at,
        ))
        .load::<(i64, EventId, String, Option<UserId>, String, NaiveDateTime)>(conn)?
        .into_iter()
        .map(|(seq, id, kind, member, payload, at)| {
            Ok(Event {
                data: serde_json::from_str(&payload)
                    .map_err(|_| StoreError::Corrupt(format!("event {id}: payload")))?,
                seq,
                id,
                kind,
                member,
                at: crate::clock::rfc3339(at),
            })
        })
        .collect()
}
