//! Offboarding receipts (docs/CONSOLE.md "Offboarding"), read: for each
//! member deactivated or deleted in the account, newest first — who, when
//! the request that did it was recorded and by whom (its audit entry), when
//! the member's access ended (the `access.changed` event of the same
//! transaction; for a deletion, the deletion itself), and when each webhook
//! endpoint acknowledged the leaver's event (`store::offboarding`, written by
//! the delivery loop). Also the leavers whose event no endpoint has
//! acknowledged yet: the product may still hold their sessions.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use serde_json::Value;

use super::Error;
use crate::audit::Resource;
use crate::model::{AccountId, UserId, WebhookId};
use crate::store::audit::StoredEntry;
use crate::store::offboarding::{EventRecord, Range};
use crate::store::webhooks::Webhook;
use crate::store::{self, Conn, StoreError};

/// The most leavers the "not acknowledged yet" list shows.
pub const MAX_UNACKNOWLEDGED: i64 = 100;

/// An endpoint as the receipts name it.
#[derive(Debug, Clone)]
pub struct Endpoint {
    pub id: WebhookId,
    pub url: String,
    pub description: Option<String>,
    pub last_error: Option<String>,
}

/// Where one endpoint stands with one leaver's event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    /// It answered 2xx to the event at this time.
    Acknowledged(NaiveDateTime),
    /// Its cursor is past the event, which it acknowledged before Roster
    /// kept receipts (the time was not recorded).
    AcknowledgedUnrecorded,
    /// It was added after the event, so it was never sent the event.
    AddedLater,
    /// Not acknowledged yet: the event is in its backlog.
    Waiting,
}

/// One leaver.
#[derive(Debug, Clone)]
pub struct Receipt {
    /// The leaver's event's `seq`.
    pub seq: i64,
    pub member: Option<UserId>,
    pub user_name: Option<String>,
    /// Deleted (else deactivated).
    pub deleted: bool,
    /// The event's time: the transaction that removed the member.
    pub at: NaiveDateTime,
    /// The audit entry of the change (when it was recorded, by whom).
    pub request: Option<StoredEntry>,
    /// When the member's access ended; `None`: the member had none.
    pub access_ended_at: Option<NaiveDateTime>,
    /// Per endpoint of [`Receipts::endpoints`], in that order.
    pub deliveries: Vec<Delivery>,
}

/// A page of receipts.
#[derive(Debug, Clone)]
pub struct Receipts {
    /// The account's endpoints, oldest first (empty: it has none).
    pub endpoints: Vec<Endpoint>,
    /// Leavers whose event no endpoint has acknowledged yet, newest first
    /// (at most [`MAX_UNACKNOWLEDGED`]; none when there are no endpoints).
    pub unacknowledged: Vec<Receipt>,
    /// How many leavers no endpoint has acknowledged yet.
    pub unacknowledged_total: i64,
    /// This page's leavers, newest first.
    pub receipts: Vec<Receipt>,
    /// The cursor of the next (older) page, if there is one.
    pub next: Option<i64>,
}

/// The page of at most `limit` leavers before the `seq` `before` (`None`:
/// the latest), with the list of those no endpoint has acknowledged yet.
pub fn receipts(
    conn: &mut Conn,
    account: AccountId,
    before: Option<i64>,
    limit: i64,
) -> Result<Receipts, Error> {
    let receipts = store::read_transaction(conn, |conn| {
        let webhooks = store::webhooks::list(conn, account)?;
        let (unacknowledged, unacknowledged_total) =
            match webhooks.iter().map(|webhook| webhook.delivered_seq).max() {
                // No endpoint is past these: none has acknowledged them.
                Some(passed) => (
                    receipts_of(
                        conn,
                        account,
                        &webhooks,
                        Range::After(passed),
                        MAX_UNACKNOWLEDGED,
                    )?,
                    store::offboarding::count_after(conn, account, passed)?,
                ),
                None => (Vec::new(), 0),
            };
        let receipts = receipts_of(conn, account, &webhooks, Range::Before(before), limit)?;
        let next = match receipts.last() {
            Some(last) if i64::try_from(receipts.len()) == Ok(limit) => Some(last.seq),
            _ => None,
        };
        Ok(Receipts {
            endpoints: webhooks
                .into_iter()
                .map(|webhook| Endpoint {
                    id: webhook.id,
                    url: webhook.url,
                    description: webhook.description,
                    last_error: webhook.last_error,
                })
                .collect(),
            unacknowledged,
            unacknowledged_total,
            receipts,
            next,
        })
    })?;
    Ok(receipts)
}

/// The receipts of the leavers' events in `range`.
fn receipts_of(
    conn: &mut Conn,
    account: AccountId,
    webhooks: &[Webhook],
    range: Range,
    limit: i64,
) -> Result<Vec<Receipt>, StoreError> {
    let leavers = store::offboarding::leavers(conn, account, range, limit)?;
    let seqs: Vec<i64> = leavers.iter().map(|event| event.seq).collect();
    // A deactivation's access.changed comes right after it, in its transaction.
    let following: Vec<i64> = seqs.iter().map(|seq| seq + 1).collect();
    let following: HashMap<i64, EventRecord> =
        store::offboarding::events_at(conn, account, &following)?
            .into_iter()
            .map(|event| (event.seq, event))
            .collect();
    let acknowledged: HashMap<(WebhookId, i64), NaiveDateTime> =
        store::offboarding::acknowledgements(conn, account, &seqs)?
            .into_iter()
            .map(|ack| ((ack.webhook, ack.seq), ack.at))
            .collect();
    let mut receipts = Vec::with_capacity(leavers.len());
    for event in leavers {
        let deleted = event.kind == "member.deleted";
        let request = match event.member {
            Some(member) => store::audit::latest_about_member(
                conn,
                account,
                member,
                Resource::User.as_str(),
                event.at,
            )?,
            None => None,
        };
        let access_ended_at = if deleted {
            Some(event.at)
        } else {
            following
                .get(&(event.seq + 1))
                .filter(|next| next.kind == "access.changed" && next.member == event.member)
                .map(|next| next.at)
        };
        let deliveries = webhooks
            .iter()
            .map(|webhook| match acknowledged.get(&(webhook.id, event.seq)) {
                Some(at) => Delivery::Acknowledged(*at),
                None if webhook.delivered_seq < event.seq => Delivery::Waiting,
                None if webhook.created_at >= event.at => Delivery::AddedLater,
                None => Delivery::AcknowledgedUnrecorded,
            })
            .collect();
        receipts.push(Receipt {
            seq: event.seq,
            member: event.member,
            user_name: user_name(&event, request.as_ref()),
            deleted,
            at: event.at,
            request,
            access_ended_at,
            deliveries,
        });
    }
    Ok(receipts)
}

/// The leaver's userName: the deactivation event carries it; a deletion's
/// audit entry keeps it as "before".
fn user_name(event: &EventRecord, entry: Option<&StoredEntry>) -> Option<String> {
    let from_event = event.data.get("userName").and_then(Value::as_str);
    let from_entry = || {
        entry?
            .changes
            .get("userName")?
            .get("before")?
            .as_str()
            .map(str::to_owned)
    };
    from_event.map(str::to_owned).or_else(from_entry)
}
