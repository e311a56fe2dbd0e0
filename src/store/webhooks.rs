//! Webhook endpoints and their delivery state (`crate::webhooks`): the rows
//! `service::webhooks` adds, lists and deletes, and the queries of the
//! delivery loop.
//!
//! Each endpoint has a cursor, `delivered_seq`: the account's events up to
//! it (in the account's own numbering, `store::events`) are delivered. The
//! cursor only moves forward, after the receiver answered 2xx, so a crash or
//! restart resends at most the event in flight (at least once). A replica delivers an endpoint only while it holds the
//! endpoint's lease (`lease_owner`, `lease_until`), taken with one
//! conditional `UPDATE`, so two replicas do not deliver the same events.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{events, webhooks};
use super::sql::{Bind, Sql, TextRows};
use super::{Conn, StoreError};
use crate::model::{AccountId, KeyId, WebhookId};

/// An endpoint with its delivery state.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = webhooks)]
#[diesel(treat_none_as_null = true)]
pub struct Webhook {
    pub id: WebhookId,
    pub account_id: AccountId,
    pub url: String,
    pub description: Option<String>,
    /// The signing key its secret derives from.
    pub key_id: KeyId,
    pub created_at: NaiveDateTime,
    /// Every event of the account up to this `seq` is delivered.
    pub delivered_seq: i64,
    /// Failed attempts at the next event since the last success.
    pub attempts: i32,
    pub next_attempt_at: NaiveDateTime,
    pub last_attempt_at: Option<NaiveDateTime>,
    pub last_success_at: Option<NaiveDateTime>,
    pub last_error: Option<String>,
}

/// Stores a new endpoint.
pub fn insert(conn: &mut Conn, webhook: &Webhook) -> Result<(), StoreError> {
    diesel::insert_into(webhooks::table)
        .values(webhook)
        .execute(conn)?;
    Ok(())
}

/// The account's endpoints, oldest first.
pub fn list(conn: &mut Conn, account: AccountId) -> Result<Vec<Webhook>, StoreError> {
    Ok(webhooks::table
        .filter(webhooks::account_id.eq(account))
        .order((webhooks::created_at, webhooks::id))
        .select(Webhook::as_select())
        .load(conn)?)
}

/// How many endpoints the account has.
pub fn count(conn: &mut Conn, account: AccountId) -> Result<i64, StoreError> {
    Ok(webhooks::table
        .filter(webhooks::account_id.eq(account))
        .count()
        .get_result(conn)?)
}

/// How many of the account's events come after `delivered_seq`: an
/// endpoint's backlog.
pub fn backlog(conn: &mut Conn, account: AccountId, delivered_seq: i64) -> Result<i64, StoreError> {
    Ok(events::table
        .filter(events::account_id.eq(account))
        .filter(events::seq.gt(delivered_seq))
        .count()
        .get_result(conn)?)
}

/// The account's endpoint `id`, if it has one.
pub fn find(
    conn: &mut Conn,
    account: AccountId,
    id: WebhookId,
) -> Result<Option<Webhook>, StoreError> {
    Ok(webhooks::table
        .filter(webhooks::account_id.eq(account))
        .filter(webhooks::id.eq(id))
        .select(Webhook::as_select())
        .first(conn)
        .optional()?)
}

/// Deletes the endpoint; false when there is none with this id.
pub fn delete(conn: &mut Conn, id: WebhookId) -> Result<bool, StoreError> {
    Ok(diesel::delete(webhooks::table.find(id)).execute(conn)? > 0)
}

/// Endpoints with undelivered events whose next attempt is due and whose
/// lease is free, at most `limit`.
pub fn due(conn: &mut Conn, now: NaiveDateTime, limit: i64) -> Result<Vec<WebhookId>, StoreError> {
    let mut select =
        Sql::raw("SELECT webhooks.id FROM webhooks WHERE webhooks.next_attempt_at <= ");
    select.bind(Bind::Timestamp(now));
    select.push(" AND (webhooks.lease_until IS NULL OR webhooks.lease_until < ");
    select.bind(Bind::Timestamp(now));
    select.push(
        ") AND EXISTS (SELECT 1 FROM events WHERE events.account_id = webhooks.account_id \
         AND events.seq > webhooks.delivered_seq) ORDER BY webhooks.next_attempt_at LIMIT ",
    );
    select.push(&limit.max(1).to_string());
    Ok(TextRows(select).load(conn)?)
}

/// How many events wait, over every endpoint (the backlog metric).
pub fn total_backlog(conn: &mut Conn) -> Result<i64, StoreError> {
    // Per endpoint, an index range of its account's events: nothing is
    // read of the events when there are no endpoints.
    let select = Sql::raw(
        "SELECT CAST(COALESCE(SUM((SELECT COUNT(*) FROM events \
         WHERE events.account_id = webhooks.account_id \
         AND events.seq > webhooks.delivered_seq)), 0) AS TEXT) FROM webhooks",
    );
    let counted: Vec<String> = TextRows(select).load(conn)?;
    Ok(counted
        .first()
        .and_then(|count| count.parse().ok())
        .unwrap_or(0))
}

/// Takes the endpoint's lease for `owner` until `until`, unless another
/// replica holds it; returns the endpoint when taken.
pub fn claim(
    conn: &mut Conn,
    id: WebhookId,
    owner: &str,
    now: NaiveDateTime,
    until: NaiveDateTime,
) -> Result<Option<Webhook>, StoreError> {
    let taken = diesel::update(
        webhooks::table.find(id).filter(
            webhooks::lease_until
                .is_null()
                .or(webhooks::lease_until.lt(now)),
        ),
    )
    .set((
        webhooks::lease_owner.eq(owner),
        webhooks::lease_until.eq(until),
    ))
    .execute(conn)?;
    if taken == 0 {
        return Ok(None);
    }
    Ok(webhooks::table
        .find(id)
        .select(Webhook::as_select())
        .first(conn)
        .optional()?)
}

/// The endpoint row, if `owner` still holds its lease.
fn leased(
    id: WebhookId,
    owner: &str,
) -> diesel::dsl::Filter<
    diesel::dsl::Find<webhooks::table, WebhookId>,
    diesel::dsl::Eq<webhooks::lease_owner, &str>,
> {
    webhooks::table
        .find(id)
        .filter(webhooks::lease_owner.eq(owner))
}

/// Records that the event `seq` was delivered; false when the lease was lost.
pub fn delivered(
    conn: &mut Conn,
    id: WebhookId,
    owner: &str,
    seq: i64,
    at: NaiveDateTime,
) -> Result<bool, StoreError> {
    let updated = diesel::update(leased(id, owner))
        .set((
            webhooks::delivered_seq.eq(seq),
            webhooks::attempts.eq(0),
            webhooks::next_attempt_at.eq(at),
            webhooks::last_attempt_at.eq(at),
            webhooks::last_success_at.eq(at),
            webhooks::last_error.eq(None::<String>),
        ))
        .execute(conn)?;
    Ok(updated > 0)
}

/// Records a failed attempt and when to try again.
pub fn failed(
    conn: &mut Conn,
    id: WebhookId,
    owner: &str,
    attempts: i32,
    error: &str,
    at: NaiveDateTime,
    next_attempt_at: NaiveDateTime,
) -> Result<(), StoreError> {
    diesel::update(leased(id, owner))
        .set((
            webhooks::attempts.eq(attempts),
            webhooks::next_attempt_at.eq(next_attempt_at),
            webhooks::last_attempt_at.eq(at),
            webhooks::last_error.eq(error),
        ))
        .execute(conn)?;
    Ok(())
}

/// Gives the lease back.
pub fn release(conn: &mut Conn, id: WebhookId, owner: &str) -> Result<(), StoreError> {
    diesel::update(leased(id, owner))
        .set((
            webhooks::lease_owner.eq(None::<String>),
            webhooks::lease_until.eq(None::<NaiveDateTime>),
        ))
        .execute(conn)?;
    Ok(())
}
