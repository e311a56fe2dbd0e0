//! Change events (PRODUCT.md "Change event"): an outbox written in the
//! transaction of the change, read as a feed by `seq` (`/api/v1/events`).
//!
//! Kinds: `member.created`, `member.updated`, `member.deactivated`,
//! `member.reactivated`, `member.deleted`, `access.changed` (with the old
//! and new role and workspace levels; a `null` role is no access).

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde_json::Value;
use uuid::Uuid;

use super::schema::events;
use super::{Conn, StoreError};
use crate::model::{AccountId, UserId};

/// A stored event.
#[derive(Debug, Clone, PartialEq, serde::Serialize, utoipa::ToSchema)]
pub struct Event {
    pub seq: i64,
    pub id: String,
    /// One of the kinds in the module docs, e.g. `member.deactivated`, `access.changed`.
    pub kind: String,
    pub member: Option<String>,
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
    // Normally taken already by `account_transaction`; held until commit,
    // so this account's events commit in seq order.
    super::connection::lock_account(conn, account)?;
    diesel::insert_into(events::table)
        .values((
            events::id.eq(Uuid::now_v7().to_string()),
            events::account_id.eq(account.to_string()),
            events::kind.eq(kind),
            events::member_id.eq(member.map(|id| id.to_string())),
            events::payload.eq(data.to_string()),
            events::created_at.eq(crate::clock::now()),
        ))
        .execute(conn)?;
    Ok(())
}

/// The account's events after `after` (a `seq`), oldest first, at most `limit`.
pub fn feed(
    conn: &mut Conn,
    account: AccountId,
    after: i64,
    limit: i64,
) -> Result<Vec<Event>, StoreError> {
    events::table
        .filter(events::account_id.eq(account.to_string()))
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
        .load::<(i64, String, String, Option<String>, String, NaiveDateTime)>(conn)?
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
