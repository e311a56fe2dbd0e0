//! The audit log (PRODUCT.md "Audit event"; vocabulary in [`crate::audit`]):
//! written in the transaction of the change it records, so a change and its
//! entry commit together or not at all; append-only (an `UPDATE` is refused
//! by a trigger); read by member, group, time range and `seq` cursor.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde_json::Value;
use uuid::Uuid;

use super::schema::audit_log;
use super::sql::{Bind, Sql};
use super::{Conn, StoreError};
use crate::audit::{Actor, Entry, Origin};
use crate::model::{AccountId, GroupId, UserId};

/// Rows per `INSERT` (14 values each: well under SQLite's 32,766 bound
/// parameters and PostgreSQL's 65,535).
const ENTRIES_PER_STATEMENT: usize = 500;

/// Records the entries, in order, inside the caller's transaction.
pub fn record(
    conn: &mut Conn,
    account: AccountId,
    origin: &Origin,
    entries: &[Entry],
) -> Result<(), StoreError> {
    if entries.is_empty() {
        return Ok(());
    }
    // Held until commit, as for events, so entries are numbered and commit
    // in seq order: the account's own numbering, 1, 2, 3 …, as for events.
    super::connection::lock_account(conn, account)?;
    let mut seq = last_seq(conn, account)?;
    let at = crate::clock::now();
    let (actor, token_id, token_label) = match &origin.actor {
        Actor::Token { id, label } => ("token", Some(id.to_string()), label.clone()),
        Actor::Cli => ("cli", None, None),
    };
    for chunk in entries.chunks(ENTRIES_PER_STATEMENT) {
        let rows = chunk.iter().map(|entry| {
            seq += 1;
            vec![
                Some(Bind::BigInt(seq)),
                Some(Bind::Text(Uuid::now_v7().to_string())),
                Some(Bind::Text(account.to_string())),
                Some(Bind::Timestamp(at)),
                Some(Bind::Text(actor.to_owned())),
                token_id.clone().map(Bind::Text),
                token_label.clone().map(Bind::Text),
                origin.request_id.clone().map(Bind::Text),
                Some(Bind::Text(entry.resource.as_str().to_owned())),
                Some(Bind::Text(entry.resource_id.clone())),
                Some(Bind::Text(entry.action.as_str().to_owned())),
                entry.member.map(|id| Bind::Text(id.to_string())),
                entry.group.map(|id| Bind::Text(id.to_string())),
                Some(Bind::Text(Value::Object(entry.changes.clone()).to_string())),
            ]
        });
        let insert = Sql::insert_values(
            "INSERT INTO audit_log (seq, id, account_id, at, actor, token_id, token_label, \
             request_id, resource_type, resource_id, action, member_id, group_id, changes) VALUES ",
            rows,
        );
        insert.execute(conn)?;
    }
    Ok(())
}

/// The account's latest entry `seq` (0 when it has none).
fn last_seq(conn: &mut Conn, account: AccountId) -> Result<i64, StoreError> {
    Ok(audit_log::table
        .filter(audit_log::account_id.eq(account.to_string()))
        .select(diesel::dsl::max(audit_log::seq))
        .get_result::<Option<i64>>(conn)?
        .unwrap_or(0))
}

/// Records one entry.
pub fn record_one(
    conn: &mut Conn,
    account: AccountId,
    origin: &Origin,
    entry: Entry,
) -> Result<(), StoreError> {
    record(conn, account, origin, &[entry])
}

/// Which entries to read: all of these that are given must hold.
#[derive(Debug, Clone, Default)]
pub struct AuditQuery {
    pub member: Option<UserId>,
    pub group: Option<GroupId>,
    /// At or after this time.
    pub since: Option<NaiveDateTime>,
    /// Before this time.
    pub until: Option<NaiveDateTime>,
    /// Entries with a greater `seq` (the cursor of the previous page).
    pub after: i64,
    pub limit: i64,
}

/// A stored entry, as the API shows it.
#[derive(Debug, Clone, PartialEq, serde::Serialize, utoipa::ToSchema)]
pub struct AuditRecord {
    /// The account's own sequence number: 1, 2, 3 … without gaps.
    pub seq: i64,
    pub id: String,
    #[schema(format = DateTime)]
    pub at: String,
    /// `{"type": "token", "tokenId": …, "label": …}` or `{"type": "cli"}`.
    #[schema(value_type = Object)]
    pub actor: Value,
    #[serde(rename = "requestId")]
    pub request_id: Option<String>,
    /// `{"type": "User" | "Group" | "AccessModel" | "Workspace" | "Rule" | "Webhook" | "Token" | "Account", "id": …}`.
    #[schema(value_type = Object)]
    pub resource: Value,
    pub action: String,
    pub member: Option<String>,
    pub group: Option<String>,
    /// Attribute → `{"before": …, "after": …}`.
    #[schema(value_type = Object)]
    pub changes: Value,
}

type AuditRow = (
    i64,
    String,
    NaiveDateTime,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    String,
);

/// The account's entries matching the query, oldest first.
pub fn query(
    conn: &mut Conn,
    account: AccountId,
    query: &AuditQuery,
) -> Result<Vec<AuditRecord>, StoreError> {
    let mut select = audit_log::table
        .filter(audit_log::account_id.eq(account.to_string()))
        .filter(audit_log::seq.gt(query.after))
        .into_boxed();
    if let Some(member) = query.member {
        select = select.filter(audit_log::member_id.eq(member.to_string()));
    }
    if let Some(group) = query.group {
        select = select.filter(audit_log::group_id.eq(group.to_string()));
    }
    if let Some(since) = query.since {
        select = select.filter(audit_log::at.ge(since));
    }
    if let Some(until) = query.until {
        select = select.filter(audit_log::at.lt(until));
    }
    select
        .order(audit_log::seq)
        .limit(query.limit)
        .select((
            audit_log::seq,
            audit_log::id,
            audit_log::at,
            audit_log::actor,
            audit_log::token_id,
            audit_log::token_label,
            audit_log::request_id,
            audit_log::resource_type,
            audit_log::resource_id,
            audit_log::action,
            audit_log::member_id,
            audit_log::group_id,
            audit_log::changes,
        ))
        .load::<AuditRow>(conn)?
        .into_iter()
        .map(into_record)
        .collect()
}

fn into_record(row: AuditRow) -> Result<AuditRecord, StoreError> {
    let (seq, id, at, actor, token_id, token_label, request_id, kind, resource_id, action) = (
        row.0, row.1, row.2, row.3, row.4, row.5, row.6, row.7, row.8, row.9,
    );
    let (member, group, changes) = (row.10, row.11, row.12);
    let actor = match actor.as_str() {
        "token" => serde_json::json!({"type": "token", "tokenId": token_id, "label": token_label}),
        _ => serde_json::json!({"type": actor}),
    };
    Ok(AuditRecord {
        changes: serde_json::from_str(&changes)
            .map_err(|_| StoreError::Corrupt(format!("audit entry {id}: changes")))?,
        seq,
        id,
        at: crate::clock::rfc3339(at),
        actor,
        request_id,
        resource: serde_json::json!({"type": kind, "id": resource_id}),
        action,
        member,
        group,
    })
}
