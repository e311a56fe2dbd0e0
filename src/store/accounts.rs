//! Accounts (tenants).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{account_networks, accounts};
use super::{Conn, StoreError};
use crate::audit::{Action, Entry, Origin, Resource};
use crate::model::{Account, AccountId, Slug};

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = accounts)]
struct AccountRow {
    id: String,
    slug: String,
    name: String,
    created_at: NaiveDateTime,
}

impl TryFrom<AccountRow> for Account {
    type Error = StoreError;

    fn try_from(row: AccountRow) -> Result<Self, StoreError> {
        Ok(Account {
            id: row
                .id
                .parse()
                .map_err(|_| StoreError::Corrupt(format!("account id {}", row.id)))?,
            slug: Slug::parse(&row.slug).map_err(StoreError::Corrupt)?,
            name: row.name,
            created_at: row.created_at,
        })
    }
}

/// Inserts an account, with the default access model. A taken slug is a unique violation
/// ([`StoreError::is_unique_violation`]).
pub fn insert(conn: &mut Conn, origin: &Origin, account: &Account) -> Result<(), StoreError> {
    diesel::insert_into(accounts::table)
        .values(AccountRow {
            id: account.id.to_string(),
            slug: account.slug.to_string(),
            name: account.name.clone(),
            created_at: account.created_at,
        })
        .execute(conn)?;
    let changes = crate::audit::changes_of(
        None,
        Some(&serde_json::json!({"slug": account.slug.to_string(), "name": account.name})),
    );
    let entry = Entry::configuration(
        Resource::Account,
        account.id.to_string(),
        Action::Created,
        changes,
    );
    super::audit::record_one(conn, account.id, origin, entry)?;
    super::access::seed_defaults(conn, account.id)
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
        .find(id.to_string())
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
        .filter(account_networks::account_id.eq(account.to_string()))
        .order(account_networks::cidr)
        .select(account_networks::cidr)
        .load(conn)?)
}

/// The account's authentication version, `None` when there is no such
/// account. See [`bump_auth_version`].
pub fn auth_version(conn: &mut Conn, account: AccountId) -> Result<Option<i64>, StoreError> {
    let version = accounts::table
        .find(account.to_string())
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
        Some(account) => diesel::update(accounts::table.find(account.to_string()))
            .set(bump)
            .execute(conn)?,
        None => diesel::update(accounts::table).set(bump).execute(conn)?,
    };
    Ok(())
}

/// Replaces the account's network allow-list (audited).
pub fn set_networks(
    conn: &mut Conn,
    account: AccountId,
    origin: &Origin,
    networks: &[String],
) -> Result<(), StoreError> {
    let before = self::networks(conn, account)?;
    diesel::delete(
        account_networks::table.filter(account_networks::account_id.eq(account.to_string())),
    )
    .execute(conn)?;
    for cidr in networks {
        diesel::insert_into(account_networks::table)
            .values((
                account_networks::account_id.eq(account.to_string()),
                account_networks::cidr.eq(cidr),
            ))
            .execute(conn)?;
    }
    let after = self::networks(conn, account)?;
    if before != after {
        bump_auth_version(conn, Some(account))?;
        let changes = serde_json::Map::from_iter([(
            "networks".to_owned(),
            crate::audit::change("networks", Some(&before.into()), Some(&after.into())),
        )]);
        let entry = Entry::configuration(
            Resource::Account,
            account.to_string(),
            Action::Modified,
            changes,
        );
        super::audit::record_one(conn, account, origin, entry)?;
    }
    Ok(())
}
