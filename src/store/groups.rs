//! Groups (SCIM Groups, RFC 7643 §4.2): the document without `members` as
//! JSON text, indexed columns for what IdPs look groups up by, and the
//! membership as one `group_members` row per (group, member).
//!
//! Membership changes touch only the rows they name: adding or removing k
//! members is O(k) statements' work whatever the group's size, and two
//! concurrent changes to different members never overwrite each other.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::filter_sql::{self, Column, ElementTable, ListQuery, Source};
use super::schema::{group_members, scim_groups, users};
use super::sql::{Bind, Dialect, Sql, TextRows};
use super::{Conn, StoreError, documents};
use crate::model::{AccountId, GroupId, UserId, name_key};
use crate::scim::filter::AttrRef;
use crate::scim::resource::{Document, ResourceMeta};
use crate::scim::schema::ResourceKind;

/// How many ids one statement binds: far below SQLite's 32,766 variables
/// and PostgreSQL's 65,535 parameters.
const IDS_PER_STATEMENT: usize = 500;

/// A stored group (its members are rows of their own, see [`members`]).
#[derive(Debug, Clone)]
pub struct StoredGroup {
    pub id: GroupId,
    pub document: Document,
    pub meta: ResourceMeta,
}

/// A member as a group lists it: the user's id and display name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    pub id: UserId,
    /// The user's `displayName`, or else its `userName`.
    pub display: String,
}

/// A group as a member's `groups` attribute lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Membership {
    pub id: GroupId,
    pub display: String,
}

#[derive(Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = scim_groups)]
#[diesel(treat_none_as_null = true)]
struct GroupRow {
    id: GroupId,
    account_id: AccountId,
    display_name: String,
    display_name_key: String,
    external_id: Option<String>,
    document: String,
    filter_document: String,
    version: i64,
    created_at: NaiveDateTime,
    last_modified: NaiveDateTime,
}

impl GroupRow {
    fn new(account: AccountId, group: &StoredGroup) -> Result<Self, StoreError> {
        let display_name = documents::text(&group.document, "displayName")
            .ok_or_else(|| StoreError::Corrupt("a group without displayName".into()))?;
        let (document, filter_document) = documents::columns(ResourceKind::Group, &group.document);
        Ok(Self {
            id: group.id,
            account_id: account,
            display_name_key: name_key(&display_name),
            display_name,
            external_id: documents::text(&group.document, "externalId"),
            document,
            filter_document,
            version: group.meta.version,
            created_at: group.meta.created,
            last_modified: group.meta.last_modified,
        })
    }

    fn into_group(self) -> Result<StoredGroup, StoreError> {
        let id = self.id;
        Ok(StoredGroup {
            document: documents::parse(&self.document, || format!("group {id}"))?,
            id,
            meta: ResourceMeta {
                created: self.created_at,
                last_modified: self.last_modified,
                version: self.version,
            },
        })
    }
}

/// Where filters find a group's attributes (see [`filter_sql`]).
pub const GROUPS: Source = Source {
    table: "scim_groups",
    document: "scim_groups.filter_document",
    column: group_column,
    elements: &[ElementTable {
        attribute: "members",
        table: "group_members",
        owner: "group_members.group_id",
        account: "group_members.account_id",
        columns: &[("value", Column::Text("group_members.user_id"))],
    }],
};

fn group_column(attribute: &AttrRef) -> Option<Column> {
    if attribute.schema().is_some() {
        return None;
    }
    Some(match (attribute.name(), attribute.sub_attribute()) {
        ("id", None) => Column::Text("scim_groups.id"),
        ("displayName", None) => Column::Text("scim_groups.display_name_key"),
        ("externalId", None) => Column::Text("scim_groups.external_id"),
        ("meta", None) => Column::AlwaysPresent,
        ("meta", Some("created")) => Column::Timestamp("scim_groups.created_at"),
        ("meta", Some("lastModified")) => Column::Timestamp("scim_groups.last_modified"),
        ("meta", Some("resourceType")) => Column::Constant("Group"),
        ("meta", Some(_)) => Column::NotStored,
        _ => return None,
    })
}

/// Inserts a group (without members: see [`add_members`]). A taken
/// displayName (case-insensitively) is a unique violation.
pub fn insert(conn: &mut Conn, account: AccountId, group: &StoredGroup) -> Result<(), StoreError> {
    diesel::insert_into(scim_groups::table)
        .values(GroupRow::new(account, group)?)
        .execute(conn)?;
    Ok(())
}

/// Replaces a group's document and meta (its members are left alone).
/// True when its displayName or externalId changed: what access rules match
/// groups by, so its members' access may have changed too.
pub fn update(
    conn: &mut Conn,
    account: AccountId,
    group: &StoredGroup,
) -> Result<bool, StoreError> {
    let row = GroupRow::new(account, group)?;
    let matched_by: Option<(String, Option<String>)> = scim_groups::table
        .find(group.id)
        .filter(scim_groups::account_id.eq(account))
        .select((scim_groups::display_name_key, scim_groups::external_id))
        .load(conn)
        .map(super::at_most_one)?;
    let renamed = matched_by != Some((row.display_name_key.clone(), row.external_id.clone()));
    diesel::update(
        scim_groups::table
            .find(group.id)
            .filter(scim_groups::account_id.eq(account)),
    )
    .set(row)
    .execute(conn)?;
    Ok(renamed)
}

/// The ids of the group's members.
pub fn member_ids(conn: &mut Conn, group: GroupId) -> Result<Vec<UserId>, StoreError> {
    group_members::table
        .filter(group_members::group_id.eq(group))
        .select(group_members::user_id)
        .load::<UserId>(conn)
        .map_err(StoreError::from)
}

/// The account's group with this id.
pub fn find(
    conn: &mut Conn,
    account: AccountId,
    id: GroupId,
) -> Result<Option<StoredGroup>, StoreError> {
    find_locked(conn, account, id, false)
}

/// The ids of the account's groups with this displayName (compared by
/// [`name_key`], as the SCIM filter compares it), at most 10.
pub fn ids_by_display_name(
    conn: &mut Conn,
    account: AccountId,
    display_name: &str,
) -> Result<Vec<GroupId>, StoreError> {
    Ok(scim_groups::table
        .filter(scim_groups::account_id.eq(account))
        .filter(scim_groups::display_name_key.eq(name_key(display_name)))
        .order(scim_groups::id)
        .limit(10)
        .select(scim_groups::id)
        .load(conn)?)
}

/// The account's group with this id, its row locked until the transaction
/// ends (PostgreSQL `FOR UPDATE`; on SQLite the write transaction already
/// excludes other writers), so concurrent changes to one group queue.
pub fn find_for_update(
    conn: &mut Conn,
    account: AccountId,
    id: GroupId,
) -> Result<Option<StoredGroup>, StoreError> {
    find_locked(conn, account, id, true)
}

fn find_locked(
    conn: &mut Conn,
    account: AccountId,
    id: GroupId,
    lock: bool,
) -> Result<Option<StoredGroup>, StoreError> {
    // `as_select` is typed by backend, so the locking read is built for PostgreSQL alone.
    let row = || {
        scim_groups::table
            .find(id)
            .filter(scim_groups::account_id.eq(account))
    };
    let found = match conn {
        Conn::Postgresql(pg) if lock => row()
            .select(GroupRow::as_select())
            .for_update()
            .first(pg)
            .optional()?,
        _ => super::at_most_one(row().select(GroupRow::as_select()).load(conn)?),
    };
    found.map(GroupRow::into_group).transpose()
}

/// Deletes the group and its memberships (never the members); false when
/// the account has no such group.
pub fn delete(conn: &mut Conn, account: AccountId, id: GroupId) -> Result<bool, StoreError> {
    let deleted = diesel::delete(
        scim_groups::table
            .find(id)
            .filter(scim_groups::account_id.eq(account)),
    )
    .execute(conn)?;
    Ok(deleted > 0)
}

/// The total of the account's groups matching the query, and one page of them.
pub fn list(
    conn: &mut Conn,
    account: AccountId,
    query: &ListQuery<'_>,
) -> Result<(i64, Vec<StoredGroup>), StoreError> {
    let account = account.to_string();
    let (condition, order) = filter_sql::list_clauses(&GROUPS, Dialect::of(conn), &account, query)?;
    let matching = |condition: Sql| {
        scim_groups::table
            .filter(scim_groups::account_id.eq(&account))
            .filter(condition)
    };
    let total = matching(condition.clone()).count().get_result(conn)?;
    if query.limit == 0 {
        return Ok((total, Vec::new()));
    }
    let page = matching(filter_sql::page_condition(&GROUPS, condition, query))
        .order_by(order)
        .offset(query.offset)
        .limit(query.limit)
        .select(GroupRow::as_select())
        .load(conn)?
        .into_iter()
        .map(GroupRow::into_group)
        .collect::<Result<_, _>>()?;
    Ok((total, page))
}

/// The group's members, by id.
pub fn members(conn: &mut Conn, group: GroupId) -> Result<Vec<Member>, StoreError> {
    Ok(group_members::table
        .inner_join(users::table)
        .filter(group_members::group_id.eq(group))
        .order_by(group_members::user_id)
        .select((users::id, users::display_name, users::user_name))
        .load::<(UserId, Option<String>, String)>(conn)?
        .into_iter()
        .map(|(id, display_name, user_name)| Member {
            id,
            display: display_name.unwrap_or(user_name),
        })
        .collect())
}

/// Which of `ids` are users of the account.
pub fn existing_users(
    conn: &mut Conn,
    account: AccountId,
    ids: &[UserId],
) -> Result<Vec<UserId>, StoreError> {
    let mut found = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(IDS_PER_STATEMENT) {
        let rows: Vec<UserId> = users::table
            .filter(users::account_id.eq(account))
            .filter(users::id.eq_any(chunk))
            .select(users::id)
            .load(conn)?;
        found.extend(rows);
    }
    Ok(found)
}

/// Adds members (users of the account: see [`existing_users`]); adding a
/// present member changes nothing. Returns the members added.
pub fn add_members(
    conn: &mut Conn,
    account: AccountId,
    group: GroupId,
    members: &[UserId],
) -> Result<Vec<UserId>, StoreError> {
    let mut added = Vec::new();
    for chunk in members.chunks(IDS_PER_STATEMENT) {
        let rows = chunk.iter().map(|member| {
            [group.to_string(), member.to_string(), account.to_string()]
                .map(|value| Some(Bind::Text(value)))
                .to_vec()
        });
        let mut insert = Sql::insert_values(
            "INSERT INTO group_members (group_id, user_id, account_id) VALUES ",
            rows,
        );
        insert.push(" ON CONFLICT (group_id, user_id) DO NOTHING RETURNING user_id");
        added.extend(TextRows(insert).load::<UserId>(conn)?);
    }
    Ok(added)
}

/// Removes these members; removing an absent member changes nothing.
/// Returns the members removed.
pub fn remove_members(
    conn: &mut Conn,
    group: GroupId,
    members: &[UserId],
) -> Result<Vec<UserId>, StoreError> {
    let mut removed = Vec::new();
    for chunk in members.chunks(IDS_PER_STATEMENT) {
        let mut delete = Sql::raw("DELETE FROM group_members WHERE group_id = ");
        delete.bind(Bind::Text(group.to_string()));
        delete.push(" AND user_id IN (");
        delete.bind_list(chunk.iter().map(|member| Bind::Text(member.to_string())));
        delete.push(") RETURNING user_id");
        removed.extend(TextRows(delete).load::<UserId>(conn)?);
    }
    Ok(removed)
}

/// Removes every member; returns them.
pub fn remove_all_members(conn: &mut Conn, group: GroupId) -> Result<Vec<UserId>, StoreError> {
    let members = member_ids(conn, group)?;
    diesel::delete(group_members::table.filter(group_members::group_id.eq(group))).execute(conn)?;
    Ok(members)
}

/// The groups each of `members` belongs to, by group id.
pub fn memberships(
    conn: &mut Conn,
    members: &[UserId],
) -> Result<HashMap<UserId, Vec<Membership>>, StoreError> {
    let mut by_member: HashMap<UserId, Vec<Membership>> = HashMap::new();
    for chunk in members.chunks(IDS_PER_STATEMENT) {
        let query = || {
            group_members::table
                .inner_join(scim_groups::table)
                .order_by((group_members::user_id, group_members::group_id))
                .select((
                    group_members::user_id,
                    group_members::group_id,
                    scim_groups::display_name,
                ))
        };
        // One member (a lookup, a read, a write's response) is the common
        // case: a statement of a fixed type is found in the connection's
        // cache by that type, without writing its SQL; `IN (…)` is parsed anew.
        let rows: Vec<(UserId, GroupId, String)> = match chunk {
            [one] => query().filter(group_members::user_id.eq(one)).load(conn)?,
            many => query()
                .filter(group_members::user_id.eq_any(many))
                .load(conn)?,
        };
        for (user, id, display) in rows {
            by_member
                .entry(user)
                .or_default()
                .push(Membership { id, display });
        }
    }
    Ok(by_member)
}
