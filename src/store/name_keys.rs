//! Stored keys recomputed when the key function changes
//! ([`crate::model::KEY_FUNCTION_VERSION`]): SQL cannot compute NFKC or full
//! case folding, so after the SQL migrations Roster rewrites, in batches,
//! every stored form of [`crate::model::fold_case`] and
//! [`crate::model::name_key`] — the members' `user_name_key`,
//! `display_name_key`, `filter_document`, e-mail and role-value keys; the
//! groups' `display_name_key` and `filter_document`; the access rules'
//! `match_key` — then recomputes the affected accounts' effective access and
//! raises the stored version (table `key_function`).
//!
//! Two rows of one account whose names become one key do not stop the
//! start: the row that holds the key (it already had it, else the older
//! row, by id) keeps it; the other keeps its old key, which no name has under
//! the new function, and is listed in `name_key_conflicts` (reported at start
//! and by `roster doctor`, by ids only) until it is renamed or deleted.

use std::collections::BTreeSet;

use diesel::prelude::*;

use super::schema::{access_rules, key_function, name_key_conflicts, scim_groups, users};
use super::{Conn, StoreError, documents, write_transaction};
use crate::access::Selector;
use crate::model::{AccountId, KEY_FUNCTION_VERSION, name_key};
use crate::scim::schema::ResourceKind;

/// Rows read and rewritten per transaction.
const BATCH: i64 = 500;

/// Two rows of one account whose names have one key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameConflict {
    /// `User` or `Group`.
    pub resource_type: String,
    pub account: String,
    /// The row that holds the key.
    pub holder: String,
    /// The row that kept its old key.
    pub resource: String,
}

/// What a recomputation did.
#[derive(Debug, Clone, Default)]
pub struct Rekeyed {
    /// The version the keys had.
    pub from_version: i64,
    /// Rows whose keys changed.
    pub changed: usize,
    /// The collisions it found.
    pub conflicts: Vec<NameConflict>,
}

/// The version of the key function the stored keys were computed with.
pub fn stored_version(conn: &mut Conn) -> Result<i64, StoreError> {
    Ok(key_function::table
        .select(key_function::version)
        .load::<i64>(conn)?
        .into_iter()
        .next()
        .unwrap_or(0))
}

/// Recomputes the stored keys when they are older than this Roster's key
/// function; `None` when they are current. Replicas starting together on
/// PostgreSQL take turns (the migrations' lock), so one recomputes.
/// `recompute_access` recomputes the effective access of an account whose
/// keys changed (with the events that follow), in that account's
/// transaction.
pub fn recompute(
    conn: &mut Conn,
    mut recompute_access: impl FnMut(&mut Conn, AccountId) -> Result<(), StoreError>,
) -> Result<Option<Rekeyed>, StoreError> {
    if stored_version(conn)? >= KEY_FUNCTION_VERSION {
        return Ok(None);
    }
    super::with_migration_lock(conn, |conn| {
        let from_version = stored_version(conn)?;
        if from_version >= KEY_FUNCTION_VERSION {
            return Ok(None);
        }
        let mut done = Rekeyed {
            from_version,
            ..Rekeyed::default()
        };
        let mut access_changed = BTreeSet::new();
        rekey_users(conn, &mut done, &mut access_changed)?;
        rekey_groups(conn, &mut done, &mut access_changed)?;
        rekey_rules(conn, &mut done, &mut access_changed)?;
        for account in access_changed {
            super::account_transaction(conn, account, |conn| recompute_access(conn, account))?;
        }
        diesel::update(key_function::table)
            .set(key_function::version.eq(KEY_FUNCTION_VERSION))
            .execute(conn)?;
        Ok(Some(done))
    })
}

/// The collisions still standing: rows listed whose key is still their old
/// one (not their name's key). Those resolved since — renamed, deleted, or
/// written again once the holder was renamed — are left out. Changes nothing.
pub fn conflicts(conn: &mut Conn) -> Result<Vec<NameConflict>, StoreError> {
    let listed: Vec<(String, String, String, String)> = name_key_conflicts::table
        .order((
            name_key_conflicts::account_id,
            name_key_conflicts::resource_type,
            name_key_conflicts::resource_id,
        ))
        .select((
            name_key_conflicts::resource_type,
            name_key_conflicts::resource_id,
            name_key_conflicts::account_id,
            name_key_conflicts::holder_id,
        ))
        .load(conn)?;
    let mut standing = Vec::new();
    for (resource_type, resource, account, holder) in listed {
        let row = if resource_type == "User" {
            users::table
                .find(&resource)
                .select((users::user_name, users::user_name_key))
                .load::<(String, String)>(conn)?
        } else {
            scim_groups::table
                .find(&resource)
                .select((scim_groups::display_name, scim_groups::display_name_key))
                .load::<(String, String)>(conn)?
        };
        let still = row
            .first()
            .is_some_and(|(name, key)| name_key(name) != *key);
        if still {
            standing.push(NameConflict {
                resource_type,
                account,
                holder,
                resource,
            });
        }
    }
    Ok(standing)
}

fn record_conflict(conn: &mut Conn, conflict: &NameConflict) -> Result<(), StoreError> {
    diesel::delete(
        name_key_conflicts::table
            .filter(name_key_conflicts::resource_type.eq(&conflict.resource_type))
            .filter(name_key_conflicts::resource_id.eq(&conflict.resource)),
    )
    .execute(conn)?;
    diesel::insert_into(name_key_conflicts::table)
        .values((
            name_key_conflicts::resource_type.eq(&conflict.resource_type),
            name_key_conflicts::resource_id.eq(&conflict.resource),
            name_key_conflicts::account_id.eq(&conflict.account),
            name_key_conflicts::holder_id.eq(&conflict.holder),
            name_key_conflicts::found_at.eq(crate::clock::now()),
        ))
        .execute(conn)?;
    Ok(())
}

fn account_id(text: &str) -> Result<AccountId, StoreError> {
    text.parse()
        .map_err(|_| StoreError::Corrupt(format!("account {text}: id")))
}

/// A row of a table with a unique name key, as the recomputation sees it.
struct Named {
    id: String,
    account: String,
    name: String,
    key: String,
}

/// How to read and write the unique key of one table.
trait KeyTable {
    const RESOURCE: &'static str;
    /// The rows of `account` (other than `id`) whose key is `key`, with their names.
    fn holders(
        conn: &mut Conn,
        account: &str,
        key: &str,
        id: &str,
    ) -> Result<Vec<Named>, StoreError>;
    fn set_key(conn: &mut Conn, id: &str, key: &str) -> Result<(), StoreError>;
}

struct Users;
struct Groups;

impl KeyTable for Users {
    const RESOURCE: &'static str = "User";

    fn holders(
        conn: &mut Conn,
        account: &str,
        key: &str,
        id: &str,
    ) -> Result<Vec<Named>, StoreError> {
        Ok(users::table
            .filter(users::account_id.eq(account))
            .filter(users::user_name_key.eq(key))
            .filter(users::id.ne(id))
            .select((users::id, users::user_name))
            .load::<(String, String)>(conn)?
            .into_iter()
            .map(|(id, name)| Named {
                id,
                account: account.to_owned(),
                name,
                key: key.to_owned(),
            })
            .collect())
    }

    fn set_key(conn: &mut Conn, id: &str, key: &str) -> Result<(), StoreError> {
        diesel::update(users::table.find(id))
            .set(users::user_name_key.eq(key))
            .execute(conn)?;
        Ok(())
    }
}

impl KeyTable for Groups {
    const RESOURCE: &'static str = "Group";

    fn holders(
        conn: &mut Conn,
        account: &str,
        key: &str,
        id: &str,
    ) -> Result<Vec<Named>, StoreError> {
        Ok(scim_groups::table
            .filter(scim_groups::account_id.eq(account))
            .filter(scim_groups::display_name_key.eq(key))
            .filter(scim_groups::id.ne(id))
            .select((scim_groups::id, scim_groups::display_name))
            .load::<(String, String)>(conn)?
            .into_iter()
            .map(|(id, name)| Named {
                id,
                account: account.to_owned(),
                name,
                key: key.to_owned(),
            })
            .collect())
    }

    fn set_key(conn: &mut Conn, id: &str, key: &str) -> Result<(), StoreError> {
        diesel::update(scim_groups::table.find(id))
            .set(scim_groups::display_name_key.eq(key))
            .execute(conn)?;
        Ok(())
    }
}

/// Gives `row` its new key unless another row of the account holds it (a
/// conflict, recorded; `row` keeps its old key). A holder that is itself
/// waiting to move to another key is moved first. Returns whether the key
/// changed.
fn assign<T: KeyTable>(
    conn: &mut Conn,
    row: &Named,
    done: &mut Rekeyed,
    depth: usize,
) -> Result<bool, StoreError> {
    let key = name_key(&row.name);
    if key == row.key {
        return Ok(false);
    }
    for holder in T::holders(conn, &row.account, &key, &row.id)? {
        let moves = name_key(&holder.name) != holder.key;
        if !(moves && depth < 4 && assign::<T>(conn, &holder, done, depth + 1)?) {
            let conflict = NameConflict {
                resource_type: T::RESOURCE.to_owned(),
                account: row.account.clone(),
                holder: holder.id,
                resource: row.id.clone(),
            };
            record_conflict(conn, &conflict)?;
            done.conflicts.push(conflict);
            return Ok(false);
        }
    }
    T::set_key(conn, &row.id, &key)?;
    done.changed += 1;
    Ok(true)
}

type UserKeys = (String, String, String, String, Option<String>, String);

fn rekey_users(
    conn: &mut Conn,
    done: &mut Rekeyed,
    access_changed: &mut BTreeSet<AccountId>,
) -> Result<(), StoreError> {
    let mut after = String::new();
    loop {
        let batch: Vec<UserKeys> = users::table
            .filter(users::id.gt(&after))
            .order(users::id)
            .limit(BATCH)
            .select((
                users::id,
                users::account_id,
                users::user_name,
                users::user_name_key,
                users::display_name_key,
                users::document,
            ))
            .load(conn)?;
        let Some(last) = batch.last() else {
            return Ok(());
        };
        after = last.0.clone();
        write_transaction(conn, |conn| {
            for (id, account, name, key, display_key, document) in batch {
                let row = Named {
                    id,
                    account,
                    name,
                    key,
                };
                assign::<Users>(conn, &row, done, 0)?;
                let parsed = documents::parse(&document, || format!("user {}", row.id))?;
                let display = documents::text(&parsed, "displayName").map(|name| name_key(&name));
                let (_, filter_document) = documents::columns(ResourceKind::User, &parsed);
                diesel::update(users::table.find(&row.id))
                    .set((
                        users::display_name_key.eq(&display),
                        users::filter_document.eq(filter_document),
                    ))
                    .execute(conn)?;
                if display != display_key {
                    done.changed += 1;
                }
                let account = account_id(&row.account)?;
                let user = row
                    .id
                    .parse()
                    .map_err(|_| StoreError::Corrupt(format!("user {}: id", row.id)))?;
                if super::users::rekey_side_rows(conn, account, user, &parsed)? {
                    access_changed.insert(account);
                }
            }
            Ok::<_, StoreError>(())
        })?;
    }
}

fn rekey_groups(
    conn: &mut Conn,
    done: &mut Rekeyed,
    access_changed: &mut BTreeSet<AccountId>,
) -> Result<(), StoreError> {
    let mut after = String::new();
    loop {
        let batch: Vec<(String, String, String, String, String)> = scim_groups::table
            .filter(scim_groups::id.gt(&after))
            .order(scim_groups::id)
            .limit(BATCH)
            .select((
                scim_groups::id,
                scim_groups::account_id,
                scim_groups::display_name,
                scim_groups::display_name_key,
                scim_groups::document,
            ))
            .load(conn)?;
        let Some(last) = batch.last() else {
            return Ok(());
        };
        after = last.0.clone();
        write_transaction(conn, |conn| {
            for (id, account, name, key, document) in batch {
                let row = Named {
                    id,
                    account,
                    name,
                    key,
                };
                if assign::<Groups>(conn, &row, done, 0)? {
                    access_changed.insert(account_id(&row.account)?);
                }
                let parsed = documents::parse(&document, || format!("group {}", row.id))?;
                let (_, filter_document) = documents::columns(ResourceKind::Group, &parsed);
                diesel::update(scim_groups::table.find(&row.id))
                    .set(scim_groups::filter_document.eq(filter_document))
                    .execute(conn)?;
            }
            Ok::<_, StoreError>(())
        })?;
    }
}

fn rekey_rules(
    conn: &mut Conn,
    done: &mut Rekeyed,
    access_changed: &mut BTreeSet<AccountId>,
) -> Result<(), StoreError> {
    let rules: Vec<(String, String, String, String, String)> = access_rules::table
        .select((
            access_rules::id,
            access_rules::account_id,
            access_rules::match_kind,
            access_rules::match_value,
            access_rules::match_key,
        ))
        .load(conn)?;
    write_transaction(conn, |conn| {
        for (id, account, kind, value, key) in rules {
            let Some(selector) = Selector::from_stored(&kind, value) else {
                continue;
            };
            let new_key = selector.key();
            if new_key != key {
                diesel::update(access_rules::table.find(&id))
                    .set(access_rules::match_key.eq(new_key))
                    .execute(conn)?;
                done.changed += 1;
                access_changed.insert(account_id(&account)?);
            }
        }
        Ok(())
    })
}
