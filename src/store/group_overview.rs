//! Reads for an overview of an account's groups (the console's Groups
//! page): a page of groups in name order with their member counts — one
//! statement for the page and one aggregate for its counts, whatever the
//! page's size — and the groups that access rules' selectors name.

use std::collections::HashMap;

use diesel::prelude::*;

use super::schema::{group_members, scim_groups};
use super::{Conn, StoreError};
use crate::access::GroupFacts;
use crate::model::{AccountId, GroupId};

/// How many values one statement binds: far below SQLite's 32,766
/// variables and PostgreSQL's 65,535 parameters.
const VALUES_PER_STATEMENT: usize = 500;

/// A group with how many members it has.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupSummary {
    pub group: GroupFacts,
    pub members: i64,
}

/// How many groups the account has.
pub fn count(conn: &mut Conn, account: AccountId) -> Result<i64, StoreError> {
    Ok(scim_groups::table
        .filter(scim_groups::account_id.eq(account))
        .count()
        .get_result(conn)?)
}

/// The account's groups in the order of their case-folded displayName
/// (the unique index's), `limit` of them from `offset`, with their member
/// counts.
pub fn page(
    conn: &mut Conn,
    account: AccountId,
    offset: i64,
    limit: i64,
) -> Result<Vec<GroupSummary>, StoreError> {
    let groups: Vec<(GroupId, String, Option<String>)> = scim_groups::table
        .filter(scim_groups::account_id.eq(account))
        .order_by((scim_groups::display_name_key, scim_groups::id))
        .offset(offset)
        .limit(limit)
        .select((
            scim_groups::id,
            scim_groups::display_name,
            scim_groups::external_id,
        ))
        .load(conn)?;
    let mut counts: HashMap<GroupId, i64> = HashMap::new();
    let ids: Vec<GroupId> = groups.iter().map(|(id, _, _)| *id).collect();
    for chunk in ids.chunks(VALUES_PER_STATEMENT) {
        let rows: Vec<(GroupId, i64)> = group_members::table
            .filter(group_members::account_id.eq(account))
            .filter(group_members::group_id.eq_any(chunk))
            .group_by(group_members::group_id)
            .select((group_members::group_id, diesel::dsl::count_star()))
            .load(conn)?;
        counts.extend(rows);
    }
    Ok(groups
        .into_iter()
        .map(|(id, display_name, external_id)| GroupSummary {
            members: counts.get(&id).copied().unwrap_or(0),
            group: GroupFacts {
                id,
                display_name,
                external_id,
            },
        })
        .collect())
}

/// The account's groups whose case-folded displayName is one of
/// `name_keys`, whose externalId is one of `external_ids`, or whose id is
/// one of `ids` (what rules name groups by).
pub fn named(
    conn: &mut Conn,
    account: AccountId,
    name_keys: &[String],
    external_ids: &[String],
    ids: &[GroupId],
) -> Result<Vec<GroupFacts>, StoreError> {
    let query = || {
        scim_groups::table
            .filter(scim_groups::account_id.eq(account))
            .select((
                scim_groups::id,
                scim_groups::display_name,
                scim_groups::external_id,
            ))
    };
    let mut found: Vec<(GroupId, String, Option<String>)> = Vec::new();
    for chunk in name_keys.chunks(VALUES_PER_STATEMENT) {
        found.extend(
            query()
                .filter(scim_groups::display_name_key.eq_any(chunk))
                .load::<(GroupId, String, Option<String>)>(conn)?,
        );
    }
    for chunk in external_ids.chunks(VALUES_PER_STATEMENT) {
        found.extend(
            query()
                .filter(scim_groups::external_id.eq_any(chunk))
                .load::<(GroupId, String, Option<String>)>(conn)?,
        );
    }
    for chunk in ids.chunks(VALUES_PER_STATEMENT) {
        found.extend(query().filter(scim_groups::id.eq_any(chunk)).load::<(
            GroupId,
            String,
            Option<String>,
        )>(conn)?);
    }
    found.sort_by_key(|(id, _, _)| *id);
    found.dedup_by_key(|(id, _, _)| *id);
    Ok(found
        .into_iter()
        .map(|(id, display_name, external_id)| GroupFacts {
            id,
            display_name,
            external_id,
        })
        .collect())
}
