//! The audit log (PRODUCT.md "Audit event"; vocabulary in [`crate::audit`]):
//! written in the transaction of the change it records, so a change and its
//! entry commit together or not at all; append-only (an `UPDATE` is refused
//! by a trigger); read by member, group, actor, time range and `seq` cursor.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde_json::Value;
use uuid::Uuid;

use super::schema::audit_log;
use super::sql::{Bind, Sql};
use super::{Conn, StoreError};
use crate::audit::{Actor, Entry, Origin};
use crate::model::{AccountId, GroupId, TokenId, UserId};

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
        Actor::Console { token, label } => {
            ("console", token.map(|id| id.to_string()), label.clone())
        }
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
        .filter(audit_log::account_id.eq(account))
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
    /// Entries of this kind of actor: `token`, `cli` or `console`.
    pub actor: Option<String>,
    /// Entries by this token, or by console sessions from links it issued.
    pub token: Option<TokenId>,
    /// At or after this time.
    pub since: Option<NaiveDateTime>,
    /// Before this time.
    pub until: Option<NaiveDateTime>,
    /// Entries with a greater `seq` (the cursor of the previous page).
    pub after: i64,
    /// Entries with a smaller `seq` (the cursor of a newest-first page).
    pub before: Option<i64>,
    /// Newest first (the console) instead of oldest first (the API's feed).
    pub newest_first: bool,
    pub limit: i64,
}

/// A stored entry.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredEntry {
    /// The account's own sequence number: 1, 2, 3 … without gaps.
    pub seq: i64,
    pub id: String,
    pub at: NaiveDateTime,
    /// `token`, `cli` or `console` ([`Actor`]).
    pub actor: String,
    /// The token's id and label when the actor is a token.
    pub token_id: Option<TokenId>,
    pub token_label: Option<String>,
    pub request_id: Option<String>,
    /// [`crate::audit::Resource::as_str`].
    pub resource_type: String,
    pub resource_id: String,
    /// [`crate::audit::Action::as_str`].
    pub action: String,
    pub member: Option<UserId>,
    pub group: Option<GroupId>,
    /// Attribute → `{"before": …, "after": …}`.
    pub changes: Value,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = audit_log)]
struct EntryRow {
    seq: i64,
    id: String,
    at: NaiveDateTime,
    actor: String,
    token_id: Option<TokenId>,
    token_label: Option<String>,
    request_id: Option<String>,
    resource_type: String,
    resource_id: String,
    action: String,
    member_id: Option<UserId>,
    group_id: Option<GroupId>,
    changes: String,
}

impl TryFrom<EntryRow> for StoredEntry {
    type Error = StoreError;

    fn try_from(row: EntryRow) -> Result<Self, StoreError> {
        Ok(Self {
            changes: serde_json::from_str(&row.changes)
                .map_err(|_| StoreError::Corrupt(format!("audit entry {}: changes", row.id)))?,
            seq: row.seq,
            id: row.id,
            at: row.at,
            actor: row.actor,
            token_id: row.token_id,
            token_label: row.token_label,
            request_id: row.request_id,
            resource_type: row.resource_type,
            resource_id: row.resource_id,
            action: row.action,
            member: row.member_id,
            group: row.group_id,
        })
    }
}

/// The latest entry about the member on a `resource_type` resource
/// ([`crate::audit::Resource::as_str`]) made at or before `at`.
pub fn latest_about_member(
    conn: &mut Conn,
    account: AccountId,
    member: UserId,
    resource_type: &str,
    at: NaiveDateTime,
) -> Result<Option<StoredEntry>, StoreError> {
    audit_log::table
        .filter(audit_log::account_id.eq(account))
        .filter(audit_log::member_id.eq(member))
        .filter(audit_log::resource_type.eq(resource_type))
        .filter(audit_log::at.le(at))
        .order(audit_log::seq.desc())
        .limit(1)
        .select(EntryRow::as_select())
        .load(conn)?
        .into_iter()
        .next()
        .map(StoredEntry::try_from)
        .transpose()
}

/// The account's entries matching the query, oldest first (newest first
/// when the query says so).
pub fn query(
    conn: &mut Conn,
    account: AccountId,
    query: &AuditQuery,
) -> Result<Vec<StoredEntry>, StoreError> {
    let mut select = audit_log::table
        .filter(audit_log::account_id.eq(account))
        .filter(audit_log::seq.gt(query.after))
        .into_boxed();
    if let Some(member) = query.member {
        select = select.filter(audit_log::member_id.eq(member));
    }
    if let Some(group) = query.group {
        select = select.filter(audit_log::group_id.eq(group));
    }
    if let Some(since) = query.since {
        select = select.filter(audit_log::at.ge(since));
    }
    if let Some(until) = query.until {
        select = select.filter(audit_log::at.lt(until));
    }
    if let Some(actor) = &query.actor {
        select = select.filter(audit_log::actor.eq(actor.clone()));
    }
    if let Some(token) = query.token {
        select = select.filter(audit_log::token_id.eq(token));
    }
    if let Some(before) = query.before {
        select = select.filter(audit_log::seq.lt(before));
    }
    select = if query.newest_first {
        select.order(audit_log::seq.desc())
    } else {
        select.order(audit_log::seq)
    };
    select
        .limit(query.limit)
        .select(EntryRow::as_select())
        .load(conn)?
        .into_iter()
        .map(StoredEntry::try_from)
        .collect()
}
