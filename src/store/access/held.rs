//! What members hold: their stored effective access (`member_roles`,
//! `member_workspace_levels`) read back, one member or many at a time.

use std::collections::BTreeMap;

use diesel::prelude::*;

use crate::model::{AccountId, UserId};
use crate::store::schema::{member_roles, member_workspace_levels, workspaces};
use crate::store::{Conn, StoreError};

/// Members per snapshot query (an `IN` list of ids).
pub(super) const SNAPSHOT_CHUNK: usize = 500;

/// A member's stored access.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Held {
    /// `None`: no access at all (inactive, or deleted).
    pub role: Option<String>,
    /// The member's level per workspace slug.
    pub levels: BTreeMap<String, String>,
}

/// The stored access of one of the account's members (the statements of a
/// read of one member's access, kept prepared).
pub fn held_by(conn: &mut Conn, account: AccountId, user: UserId) -> Result<Held, StoreError> {
    let role = member_roles::table
        .find(user)
        .filter(member_roles::account_id.eq(account))
        .select(member_roles::role)
        .load(conn)
        .map(crate::store::at_most_one)?;
    let levels = member_workspace_levels::table
        .inner_join(workspaces::table)
        .filter(member_workspace_levels::user_id.eq(user))
        .filter(member_workspace_levels::account_id.eq(account))
        .select((workspaces::slug, member_workspace_levels::level))
        .load::<(String, String)>(conn)?
        .into_iter()
        .collect();
    Ok(Held { role, levels })
}

/// The stored access of every member of the account that has some, by
/// member id.
pub fn held_by_all(
    conn: &mut Conn,
    account: AccountId,
) -> Result<BTreeMap<UserId, Held>, StoreError> {
    snapshot(conn, account, None)
}

/// The stored access of the members `ids` (every member of the account when
/// `None`), by member id; a member without access is absent.
pub(super) fn snapshot(
    conn: &mut Conn,
    account: AccountId,
    ids: Option<&[UserId]>,
) -> Result<BTreeMap<UserId, Held>, StoreError> {
    let mut held: BTreeMap<UserId, Held> = BTreeMap::new();
    let chunks: Vec<Option<&[UserId]>> = match ids {
        None => vec![None],
        Some(ids) => ids.chunks(SNAPSHOT_CHUNK).map(Some).collect(),
    };
    for chunk in chunks {
        let mut roles = member_roles::table
            .select((member_roles::user_id, member_roles::role))
            .into_boxed();
        let mut levels = member_workspace_levels::table
            .inner_join(workspaces::table)
            .select((
                member_workspace_levels::user_id,
                workspaces::slug,
                member_workspace_levels::level,
            ))
            .into_boxed();
        // By member ids alone (they are the account's: the caller read
        // them from it), never "account and ids": PostgreSQL caches the
        // prepared statement and its generic plan for the pair scans the
        // account's index, every member of it, for each write.
        match chunk {
            // One member: `= ?` stays prepared, `IN (…)` is parsed each time.
            Some([one]) => {
                roles = roles.filter(member_roles::user_id.eq(*one));
                levels = levels.filter(member_workspace_levels::user_id.eq(*one));
            }
            Some(chunk) => {
                roles = roles.filter(member_roles::user_id.eq_any(chunk));
                levels = levels.filter(member_workspace_levels::user_id.eq_any(chunk));
            }
            None => {
                roles = roles.filter(member_roles::account_id.eq(account));
                levels = levels.filter(member_workspace_levels::account_id.eq(account));
            }
        }
        for (user, role) in roles.load::<(UserId, String)>(conn)? {
            held.entry(user).or_default().role = Some(role);
        }
        for (user, slug, level) in levels.load::<(UserId, String, String)>(conn)? {
            held.entry(user).or_default().levels.insert(slug, level);
        }
    }
    Ok(held)
}
