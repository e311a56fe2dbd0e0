//! Webhook endpoints and their delivery state (`crate::webhooks`).
//!
//! Each endpoint has a cursor, `delivered_seq`: the account's events up to
//! it (in the account's own numbering, `store::events`) are delivered. The cursor only moves forward, after the receiver
//! answered 2xx, so a crash or restart resends at most the event in flight
//! (at least once). A replica delivers an endpoint only while it holds the
//! endpoint's lease (`lease_owner`, `lease_until`), taken with one
//! conditional `UPDATE`, so two replicas do not deliver the same events.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use uuid::Uuid;

use super::schema::{events, webhooks};
use super::sql::{Bind, Sql, TextRows};
use super::{Conn, StoreError, audit};
use crate::audit::{Action, Entry, Origin, Resource};
use crate::model::{AccountId, KeyId};

/// An endpoint with its delivery state.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Webhook {
    pub id: String,
    #[serde(skip)]
    pub account: String,
    pub url: String,
    pub description: Option<String>,
    #[serde(skip)]
    pub key_id: String,
    #[serde(serialize_with = "crate::clock::serialize_rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: NaiveDateTime,
    pub delivery: Delivery,
}

/// Where delivery to an endpoint stands.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Delivery {
    /// Every event of the account up to this `seq` (the account's own numbering) is delivered.
    pub delivered_seq: i64,
    /// Events waiting to be delivered (filled in by `list`).
    pub backlog: i64,
    /// Failed attempts at the next event since the last success.
    pub attempts: i32,
    #[serde(serialize_with = "crate::clock::serialize_rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub next_attempt_at: NaiveDateTime,
    #[serde(serialize_with = "crate::clock::serialize_rfc3339_option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub last_attempt_at: Option<NaiveDateTime>,
    #[serde(serialize_with = "crate::clock::serialize_rfc3339_option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub last_success_at: Option<NaiveDateTime>,
    pub last_error: Option<String>,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = webhooks)]
struct WebhookRow {
    id: String,
    account_id: String,
    url: String,
    description: Option<String>,
    key_id: String,
    created_at: NaiveDateTime,
    delivered_seq: i64,
    attempts: i32,
    next_attempt_at: NaiveDateTime,
    last_attempt_at: Option<NaiveDateTime>,
    last_success_at: Option<NaiveDateTime>,
    last_error: Option<String>,
}

impl From<WebhookRow> for Webhook {
    fn from(row: WebhookRow) -> Self {
        Self {
            id: row.id,
            account: row.account_id,
            url: row.url,
            description: row.description,
            key_id: row.key_id,
            created_at: row.created_at,
            delivery: Delivery {
                delivered_seq: row.delivered_seq,
                backlog: 0,
                attempts: row.attempts,
                next_attempt_at: row.next_attempt_at,
                last_attempt_at: row.last_attempt_at,
                last_success_at: row.last_success_at,
                last_error: row.last_error,
            },
        }
    }
}

/// What the audit log records of an endpoint (never its secret).
#[derive(serde::Serialize)]
struct Audited<'a> {
    url: &'a str,
    description: Option<&'a str>,
}

fn audit_webhook(
    conn: &mut Conn,
    account: AccountId,
    origin: &Origin,
    webhook: &Webhook,
    action: Action,
) -> Result<(), StoreError> {
    let state = Audited {
        url: &webhook.url,
        description: webhook.description.as_deref(),
    };
    let (before, after) = match action {
        Action::Deleted => (Some(&state), None),
        _ => (None, Some(&state)),
    };
    let entry = Entry::changed(Resource::Webhook, webhook.id.clone(), action, before, after);
    audit::record_one(conn, account, origin, entry)
}

/// The latest event `seq` of the account (0 when it has none).
fn latest_seq(conn: &mut Conn, account: &str) -> Result<i64, StoreError> {
    Ok(events::table
        .filter(events::account_id.eq(account))
        .select(diesel::dsl::max(events::seq))
        .first::<Option<i64>>(conn)?
        .unwrap_or(0))
}

/// Adds an endpoint that gets the events from now on, signed with a secret
/// derived from `key`.
pub fn create(
    conn: &mut Conn,
    account: AccountId,
    origin: &Origin,
    url: &str,
    description: Option<&str>,
    key: KeyId,
) -> Result<Webhook, StoreError> {
    let account_text = account.to_string();
    let now = crate::clock::now();
    let row = WebhookRow {
        id: Uuid::now_v7().to_string(),
        delivered_seq: latest_seq(conn, &account_text)?,
        account_id: account_text,
        url: url.to_owned(),
        description: description.map(str::to_owned),
        key_id: key.to_string(),
        created_at: now,
        attempts: 0,
        next_attempt_at: now,
        last_attempt_at: None,
        last_success_at: None,
        last_error: None,
    };
    diesel::insert_into(webhooks::table)
        .values((
            webhooks::id.eq(&row.id),
            webhooks::account_id.eq(&row.account_id),
            webhooks::url.eq(&row.url),
            webhooks::description.eq(&row.description),
            webhooks::key_id.eq(&row.key_id),
            webhooks::created_at.eq(row.created_at),
            webhooks::delivered_seq.eq(row.delivered_seq),
            webhooks::attempts.eq(row.attempts),
            webhooks::next_attempt_at.eq(row.next_attempt_at),
        ))
        .execute(conn)?;
    let webhook = Webhook::from(row);
    audit_webhook(conn, account, origin, &webhook, Action::Created)?;
    Ok(webhook)
}

/// The account's endpoints, oldest first, with their backlogs.
pub fn list(conn: &mut Conn, account: AccountId) -> Result<Vec<Webhook>, StoreError> {
    let account = account.to_string();
    let mut hooks: Vec<Webhook> = webhooks::table
        .filter(webhooks::account_id.eq(&account))
        .order((webhooks::created_at, webhooks::id))
        .select(WebhookRow::as_select())
        .load(conn)?
        .into_iter()
        .map(Webhook::from)
        .collect();
    for hook in &mut hooks {
        hook.delivery.backlog = events::table
            .filter(events::account_id.eq(&account))
            .filter(events::seq.gt(hook.delivery.delivered_seq))
            .count()
            .get_result(conn)?;
    }
    Ok(hooks)
}

/// Deletes the account's endpoint; false when it has no such endpoint.
pub fn delete(
    conn: &mut Conn,
    account: AccountId,
    origin: &Origin,
    id: &str,
) -> Result<bool, StoreError> {
    let found: Option<WebhookRow> = webhooks::table
        .filter(webhooks::account_id.eq(account.to_string()))
        .filter(webhooks::id.eq(id))
        .select(WebhookRow::as_select())
        .first(conn)
        .optional()?;
    let Some(found) = found else {
        return Ok(false);
    };
    diesel::delete(webhooks::table.find(id)).execute(conn)?;
    audit_webhook(
        conn,
        account,
        origin,
        &Webhook::from(found),
        Action::Deleted,
    )?;
    Ok(true)
}

/// Endpoints with undelivered events whose next attempt is due and whose
/// lease is free, at most `limit`.
pub fn due(conn: &mut Conn, now: NaiveDateTime, limit: i64) -> Result<Vec<String>, StoreError> {
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
    id: &str,
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
        .select(WebhookRow::as_select())
        .first(conn)
        .optional()?
        .map(Webhook::from))
}

/// The endpoint row, if `owner` still holds its lease.
fn leased<'a>(
    id: &'a str,
    owner: &'a str,
) -> diesel::dsl::Filter<
    diesel::dsl::Find<webhooks::table, &'a str>,
    diesel::dsl::Eq<webhooks::lease_owner, &'a str>,
> {
    webhooks::table
        .find(id)
        .filter(webhooks::lease_owner.eq(owner))
}

/// Records that the event `seq` was delivered; false when the lease was lost.
pub fn delivered(
    conn: &mut Conn,
    id: &str,
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
    id: &str,
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
pub fn release(conn: &mut Conn, id: &str, owner: &str) -> Result<(), StoreError> {
    diesel::update(leased(id, owner))
        .set((
            webhooks::lease_owner.eq(None::<String>),
            webhooks::lease_until.eq(None::<NaiveDateTime>),
        ))
        .execute(conn)?;
    Ok(())
}
