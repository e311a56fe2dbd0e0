//! Accounts (tenants), their network allow-lists and their authentication
//! versions.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{account_networks, accounts};
use super::{Conn, StoreError};
use crate::model::{Account, AccountId, Slug};

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = accounts)]
struct AccountRow {
    id: AccountId,
    slug: String,
    name: String,
    created_at: NaiveDateTime,
}

impl TryFrom<AccountRow> for Account {
    type Error = StoreError;

    fn try_from(row: AccountRow) -> Result<Self, StoreError> {
        Ok(Account {
            id: row.id,
            slug: Slug::parse(&row.slug).map_err(StoreError::Corrupt)?,
            name: row.name,
            created_at: row.created_at,
        })
    }
}

/// Inserts an account. A taken slug is a unique violation
/// ([`StoreError::is_unique_violation`]).
pub fn insert(conn: &mut Conn, account: &Account) -> Result<(), StoreError> {
    diesel::insert_into(accounts::table)
        .values(AccountRow {
            id: account.id,
            slug: account.slug.to_string(),
            name: account.name.clone(),
            created_at: account.created_at,
        })
        .execute(conn)?;
    Ok(())
}

pub fn find_by_slug(conn: &mut Conn, slug: &str) -> Result<Option<Account>, StoreError> {
    accounts::table
        .filter(accounts::slug.eq(slug))
        .select(AccountRow::as_select())
        .first(conn)
        .optional()?
        .map(Account::try_from)
        .transpose()
}

pub fn find(conn: &mut Conn, id: AccountId) -> Result<Option<Account>, StoreError> {
    accounts::table
        .find(id)
        .select(AccountRow::as_select())
        .first(conn)
        .optional()?
        .map(Account::try_from)
        .transpose()
}

/// Every account, oldest first.
pub fn list(conn: &mut Conn) -> Result<Vec<Account>, StoreError> {
    accounts::table
        .order((accounts::created_at, accounts::id))
        .select(AccountRow::as_select())
        .load(conn)?
        .into_iter()
        .map(Account::try_from)
        .collect()
}

pub fn count(conn: &mut Conn) -> Result<i64, StoreError> {
    Ok(accounts::table.count().get_result(conn)?)
}

/// The account's network allow-list as stored (empty: any network).
pub fn networks(conn: &mut Conn, account: AccountId) -> Result<Vec<String>, StoreError> {
    Ok(account_networks::table
        .filter(account_networks::account_id.eq(account))
        .order(account_networks::cidr)
        .select(account_networks::cidr)
        .load(conn)?)
}

/// Replaces the account's network allow-list with these blocks.
pub fn replace_networks(
    conn: &mut Conn,
    account: AccountId,
    networks: &[String],
) -> Result<(), StoreError> {
    diesel::delete(account_networks::table.filter(account_networks::account_id.eq(account)))
        .execute(conn)?;
    for cidr in networks {
        diesel::insert_into(account_networks::table)
            .values((
                account_networks::account_id.eq(account),
                account_networks::cidr.eq(cidr),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// The account's authentication version, `None` when there is no such
/// account. See [`bump_auth_version`].
pub fn auth_version(conn: &mut Conn, account: AccountId) -> Result<Option<i64>, StoreError> {
    let version = accounts::table
        .find(account)
        .select(accounts::auth_version)
        .load::<i64>(conn)?;
    Ok(super::at_most_one(version))
}

/// Bumps the authentication version of one account, or of every account
/// (`None`), so that no process reuses a token it verified before
/// (migration `000008_auth_version`). Call it in the transaction of the change.
pub fn bump_auth_version(conn: &mut Conn, account: Option<AccountId>) -> Result<(), StoreError> {
    let bump = accounts::auth_version.eq(accounts::auth_version + 1);
    match account {
        Some(account) => diesel::update(accounts::table.find(account))
            .set(bump)
            .execute(conn)?,
        None => diesel::update(accounts::table).set(bump).execute(conn)?,
    };
    Ok(())
}
