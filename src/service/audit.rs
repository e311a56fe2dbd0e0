//! The audit log (PRODUCT.md "Audit event"; docs/ACCESS.md "Audit log"),
//! read: an account's entries by member, group, actor, time range and `seq`
//! cursor, and the names the console's filters take (a userName, a group's
//! displayName). The operations write their own entries, in their
//! transactions.

use serde_json::Value;

use super::Error;
use crate::audit::Resource;
use crate::model::{AccountId, GroupId, UserId};
use crate::store::audit::{AuditQuery, StoredEntry};
use crate::store::{self, Conn};

/// The account's entries matching every condition of the query, oldest
/// first (newest first when it says so), at most `query.limit`.
pub fn query(
    conn: &mut Conn,
    account: AccountId,
    query: &AuditQuery,
) -> Result<Vec<StoredEntry>, Error> {
    Ok(store::audit::query(conn, account, query)?)
}

/// A member or group the account's log is about, as a filter names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subject {
    /// Its userName or displayName, if known.
    pub name: Option<String>,
    /// Whether the account still has it (else it was deleted).
    pub current: bool,
}

/// The account's member with this userName, if any.
pub fn member_named(
    conn: &mut Conn,
    account: AccountId,
    user_name: &str,
) -> Result<Option<UserId>, Error> {
    Ok(store::users::find_by_user_name(conn, account, user_name)?.map(|user| user.id))
}

/// The account's groups with this displayName (at most 10).
pub fn groups_named(
    conn: &mut Conn,
    account: AccountId,
    display_name: &str,
) -> Result<Vec<GroupId>, Error> {
    Ok(store::groups::ids_by_display_name(
        conn,
        account,
        display_name,
    )?)
}

/// The member `id` if the account has it, or its log names it (a member
/// since deleted); `None`: it is not the account's.
pub fn member(conn: &mut Conn, account: AccountId, id: UserId) -> Result<Option<Subject>, Error> {
    if let Some(user) = store::users::find(conn, account, id)? {
        let name = user.document.get("userName").and_then(Value::as_str);
        return Ok(Some(Subject {
            name: name.map(str::to_owned),
            current: true,
        }));
    }
    let latest = store::audit::latest_about_member(
        conn,
        account,
        id,
        Resource::User.as_str(),
        chrono::NaiveDateTime::MAX,
    )?;
    if let Some(entry) = latest {
        return Ok(Some(Subject {
            name: former_name(&entry, "userName"),
            current: false,
        }));
    }
    // Only group memberships name it.
    let query = AuditQuery {
        member: Some(id),
        limit: 1,
        ..AuditQuery::default()
    };
    let named = !store::audit::query(conn, account, &query)?.is_empty();
    Ok(named.then_some(Subject {
        name: None,
        current: false,
    }))
}

/// The group `id` if the account has it, or its log names it (a group since
/// deleted); `None`: it is not the account's.
pub fn group(conn: &mut Conn, account: AccountId, id: GroupId) -> Result<Option<Subject>, Error> {
    if let Some(group) = store::groups::find(conn, account, id)? {
        let name = group.document.get("displayName").and_then(Value::as_str);
        return Ok(Some(Subject {
            name: name.map(str::to_owned),
            current: true,
        }));
    }
    let query = AuditQuery {
        group: Some(id),
        newest_first: true,
        limit: 1,
        ..AuditQuery::default()
    };
    Ok(store::audit::query(conn, account, &query)?
        .first()
        .map(|entry| Subject {
            name: former_name(entry, "displayName"),
            current: false,
        }))
}

/// The `before` of `attribute` in the entry's changes (a deletion keeps the
/// last document there).
fn former_name(entry: &StoredEntry, attribute: &str) -> Option<String> {
    entry
        .changes
        .get(attribute)?
        .get("before")?
        .as_str()
        .map(str::to_owned)
}
