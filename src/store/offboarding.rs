//! Offboarding receipts (docs/CONSOLE.md "Offboarding"): the leavers'
//! events of an account (`member.deactivated`, `member.deleted`), newest
//! first, and when each webhook endpoint acknowledged them.
//!
//! The delivery loop records an acknowledgement ([`acknowledge`]) in the
//! transaction that moves an endpoint's cursor past a leaver's event; the
//! rows go with their endpoint or account (foreign keys). The leavers' events
//! are read through the partial index `events_offboarding`, which covers
//! only these two kinds: both databases use a partial index only when the
//! query names its condition as the index does, so [`LEAVER_KINDS_SQL`] is
//! the migration's text, and the one place the store names event kinds.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde_json::Value;

use super::schema::{events, offboarding_acknowledgements};
use super::sql::{Bind, Sql};
use super::{Conn, StoreError};
use crate::model::{AccountId, UserId, WebhookId};

/// The kinds of event that tell a receiver a member left.
pub const LEAVER_KINDS: [&str; 2] = ["member.deactivated", "member.deleted"];

/// [`LEAVER_KINDS`] as the partial index `events_offboarding` names them.
const LEAVER_KINDS_SQL: &str = "kind IN ('member.deactivated', 'member.deleted')";

/// An event as the receipts read it.
#[derive(Debug, Clone, PartialEq)]
pub struct EventRecord {
    pub seq: i64,
    pub kind: String,
    pub member: Option<UserId>,
    pub data: Value,
    pub at: NaiveDateTime,
}

type EventRow = (i64, String, Option<UserId>, String, NaiveDateTime);

fn record((seq, kind, member, payload, at): EventRow) -> Result<EventRecord, StoreError> {
    Ok(EventRecord {
        data: serde_json::from_str(&payload)
            .map_err(|_| StoreError::Corrupt(format!("event {seq}: payload")))?,
        seq,
        kind,
        member,
        at,
    })
}

fn event_columns() -> (
    events::seq,
    events::kind,
    events::member_id,
    events::payload,
    events::created_at,
) {
    (
        events::seq,
        events::kind,
        events::member_id,
        events::payload,
        events::created_at,
    )
}

/// Which leavers' events to read, newest first.
#[derive(Debug, Clone, Copy)]
pub enum Range {
    /// Before this `seq` (a page's cursor); `None`: from the latest.
    Before(Option<i64>),
    /// After this `seq` (what no endpoint has passed yet).
    After(i64),
}

/// The account's leavers' events in `range`, newest first, at most `limit`.
pub fn leavers(
    conn: &mut Conn,
    account: AccountId,
    range: Range,
    limit: i64,
) -> Result<Vec<EventRecord>, StoreError> {
    let mut query = events::table
        .filter(events::account_id.eq(account))
        .filter(Sql::raw(LEAVER_KINDS_SQL))
        .into_boxed();
    query = match range {
        Range::Before(Some(before)) => query.filter(events::seq.lt(before)),
        Range::Before(None) => query,
        Range::After(after) => query.filter(events::seq.gt(after)),
    };
    query
        .order(events::seq.desc())
        .limit(limit)
        .select(event_columns())
        .load::<EventRow>(conn)?
        .into_iter()
        .map(record)
        .collect()
}

/// How many of the account's leavers' events come after `after`.
pub fn count_after(conn: &mut Conn, account: AccountId, after: i64) -> Result<i64, StoreError> {
    Ok(events::table
        .filter(events::account_id.eq(account))
        .filter(Sql::raw(LEAVER_KINDS_SQL))
        .filter(events::seq.gt(after))
        .count()
        .get_result(conn)?)
}

/// The account's events with these `seq`s (any kind), in `seq` order.
pub fn events_at(
    conn: &mut Conn,
    account: AccountId,
    seqs: &[i64],
) -> Result<Vec<EventRecord>, StoreError> {
    if seqs.is_empty() {
        return Ok(Vec::new());
    }
    events::table
        .filter(events::account_id.eq(account))
        .filter(events::seq.eq_any(seqs))
        .order(events::seq)
        .select(event_columns())
        .load::<EventRow>(conn)?
        .into_iter()
        .map(record)
        .collect()
}

/// Records that the endpoint acknowledged the leaver's event `seq` at `at`
/// (once: a resent event keeps its first acknowledgement).
pub fn acknowledge(
    conn: &mut Conn,
    webhook: WebhookId,
    account: AccountId,
    seq: i64,
    at: NaiveDateTime,
) -> Result<(), StoreError> {
    let mut insert = Sql::insert_values(
        "INSERT INTO offboarding_acknowledgements \
         (webhook_id, account_id, event_seq, acknowledged_at) VALUES ",
        [vec![
            Some(Bind::Text(webhook.to_string())),
            Some(Bind::Text(account.to_string())),
            Some(Bind::BigInt(seq)),
            Some(Bind::Timestamp(at)),
        ]],
    );
    insert.push(" ON CONFLICT (webhook_id, event_seq) DO NOTHING");
    insert.keep_prepared().execute(conn)?;
    Ok(())
}

/// When an endpoint acknowledged a leaver's event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Acknowledgement {
    pub webhook: WebhookId,
    pub seq: i64,
    pub at: NaiveDateTime,
}

/// The acknowledgements of the account's events with these `seq`s.
pub fn acknowledgements(
    conn: &mut Conn,
    account: AccountId,
    seqs: &[i64],
) -> Result<Vec<Acknowledgement>, StoreError> {
    if seqs.is_empty() {
        return Ok(Vec::new());
    }
    Ok(offboarding_acknowledgements::table
        .filter(offboarding_acknowledgements::account_id.eq(account))
        .filter(offboarding_acknowledgements::event_seq.eq_any(seqs))
        .select((
            offboarding_acknowledgements::webhook_id,
            offboarding_acknowledgements::event_seq,
            offboarding_acknowledgements::acknowledged_at,
        ))
        .load::<(WebhookId, i64, NaiveDateTime)>(conn)?
        .into_iter()
        .map(|(webhook, seq, at)| Acknowledgement { webhook, seq, at })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_index_condition_names_the_leaver_kinds() {
        let named = LEAVER_KINDS
            .iter()
            .map(|kind| format!("'{kind}'"))
            .collect::<Vec<_>>()
            .join(", ");
        assert_eq!(LEAVER_KINDS_SQL, format!("kind IN ({named})"));
        for backend in ["sqlite", "postgres"] {
            let migration = std::fs::read_to_string(format!(
                "{}/migrations/{backend}/2026-12-07-000014_offboarding_receipts/up.sql",
                env!("CARGO_MANIFEST_DIR")
            ))
            .unwrap_or_default();
            assert!(
                migration.contains(&format!("WHERE {LEAVER_KINDS_SQL};")),
                "{backend}"
            );
        }
    }
}
