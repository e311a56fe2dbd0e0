//! Accounts (tenants): creating one (with the default access model),
//! listing them, the first start of a new database, and an account's
//! network allow-list (`auth::network`), whose change bumps the account's
//! authentication version so that it holds from the next request on.

use serde_json::json;

use super::tokens::{self, IssuedToken, NewToken};
use super::{Caller, Error};
use crate::audit::{self, Action, Entry, Origin, Resource};
use crate::auth::network::AllowList;
use crate::model::{Account, AccountId, Scope, Slug};
use crate::store::{self, Conn};

fn taken(slug: &Slug) -> String {
    format!("an account with slug '{slug}' exists already")
}

/// Creates an account named `name` (default: the slug), with the default
/// access model; a taken slug is [`Error::Taken`].
pub fn create(
    conn: &mut Conn,
    origin: &Origin,
    slug: Slug,
    name: Option<String>,
) -> Result<Account, Error> {
    let account = Account {
        id: AccountId::new(),
        name: name.unwrap_or_else(|| slug.to_string()),
        slug,
        created_at: crate::clock::now(),
    };
    store::write_transaction(conn, |conn| insert(conn, origin, &account))?;
    Ok(account)
}

/// Stores the account, its audit entry and its default access model, inside
/// the caller's transaction.
fn insert(conn: &mut Conn, origin: &Origin, account: &Account) -> Result<(), Error> {
    store::accounts::insert(conn, account)
        .map_err(|error| Error::from_write(error, || taken(&account.slug)))?;
    let changes = audit::changes_of(
        None,
        Some(&json!({"slug": account.slug.to_string(), "name": account.name})),
    );
    let entry = Entry::configuration(
        Resource::Account,
        account.id.to_string(),
        Action::Created,
        changes,
    );
    store::audit::record_one(conn, account.id, origin, entry)?;
    store::access::seed_defaults(conn, account.id)?;
    Ok(())
}

/// Every account, oldest first.
pub fn list(conn: &mut Conn) -> Result<Vec<Account>, Error> {
    Ok(store::accounts::list(conn)?)
}

/// The account with this slug, if there is one.
pub fn find_by_slug(conn: &mut Conn, slug: &str) -> Result<Option<Account>, Error> {
    Ok(store::accounts::find_by_slug(conn, slug)?)
}

/// The account and tokens created on the first start of an empty database.
pub struct FirstStart {
    pub account: Account,
    pub scim_token: IssuedToken,
    pub admin_token: IssuedToken,
}

/// On a database without accounts: creates account `default` with a `scim`
/// and an `admin` token, in one transaction. `None` when accounts exist
/// already (also when another replica bootstrapped the same database a
/// moment earlier).
pub fn first_start(conn: &mut Conn) -> Result<Option<FirstStart>, Error> {
    let origin = Origin::cli();
    let created = store::write_transaction(conn, |conn| {
        if store::accounts::count(conn)? > 0 {
            return Ok(None);
        }
        let account = Account {
            id: AccountId::new(),
            slug: Slug::parse("default").expect("'default' is a valid slug"),
            name: "Default account".into(),
            created_at: crate::clock::now(),
        };
        insert(conn, &origin, &account)?;
        let key = super::keys::current(conn)?;
        let mut issue = |scope, what: &str| {
            let new = NewToken {
                scope,
                label: Some(format!("{what} (created on first start)")),
                expires_at: None,
            };
            tokens::issue_with(conn, &origin, &key, account.id, new)
        };
        let scim_token = issue(Scope::Scim, "IdP SCIM token")?;
        let admin_token = issue(Scope::Admin, "admin token")?;
        Ok(Some(FirstStart {
            account,
            scim_token,
            admin_token,
        }))
    });
    match created {
        Err(Error::Taken(_)) => Ok(None),
        other => other,
    }
}

/// The account's network allow-list as stored (empty: any network).
pub fn networks(conn: &mut Conn, account: AccountId) -> Result<Vec<String>, Error> {
    Ok(store::accounts::networks(conn, account)?)
}

/// Replaces the caller's account's allow-list and returns it as stored. A
/// change (only) bumps the account's authentication version, so that every
/// process checks the new list from the next request on, and is audited.
pub fn set_networks(
    conn: &mut Conn,
    caller: &Caller<'_>,
    list: &AllowList,
) -> Result<Vec<String>, Error> {
    let account = caller.account;
    store::account_transaction(conn, account, |conn| {
        let before = store::accounts::networks(conn, account)?;
        store::accounts::replace_networks(conn, account, &list.to_strings())?;
        let after = store::accounts::networks(conn, account)?;
        if before != after {
            store::accounts::bump_auth_version(conn, Some(account))?;
            let changes = serde_json::Map::from_iter([(
                "networks".to_owned(),
                audit::change(
                    "networks",
                    Some(&before.into()),
                    Some(&after.clone().into()),
                ),
            )]);
            let entry = Entry::configuration(
                Resource::Account,
                account.to_string(),
                Action::Modified,
                changes,
            );
            store::audit::record_one(conn, account, caller.origin, entry)?;
        }
        Ok(after)
    })
}
