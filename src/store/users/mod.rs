//! Members (SCIM Users): the document as JSON text plus indexed columns for
//! the attributes IdPs look users up by.

mod lookup;

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{member_grants, user_emails, user_role_values, users};
use super::{Conn, StoreError};
use super::{access, documents};
use crate::audit::{Actor, Origin};
use crate::model::{AccountId, TokenId, UserId, fold_case, name_key};
use crate::scim::resource::{Document, ResourceMeta};
use crate::scim::schema::ResourceKind;
use crate::scim::user::is_active;

pub use lookup::{USERS, find_by_name, find_by_user_name, list};

/// A stored member.
#[derive(Debug, Clone)]
pub struct StoredUser {
    pub id: UserId,
    pub document: Document,
    pub meta: ResourceMeta,
}

#[derive(Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = users)]
#[diesel(treat_none_as_null = true)]
struct UserRow {
    id: UserId,
    account_id: AccountId,
    user_name: String,
    user_name_key: String,
    external_id: Option<String>,
    display_name: Option<String>,
    display_name_key: Option<String>,
    active: bool,
    document: String,
    filter_document: String,
    version: i64,
    created_at: NaiveDateTime,
    last_modified: NaiveDateTime,
    /// Set once, at creation.
    #[diesel(skip_update)]
    provisioned_via: String,
    #[diesel(skip_update)]
    provisioned_by: Option<TokenId>,
}

#[derive(Insertable)]
#[diesel(table_name = user_emails)]
struct EmailRow {
    user_id: UserId,
    position: i32,
    account_id: AccountId,
    value_key: Option<String>,
    type_key: Option<String>,
    is_primary: Option<bool>,
}

impl UserRow {
    /// The row of `user`, provisioned by `origin` (which only an insert writes).
    fn new(account: AccountId, origin: &Origin, user: &StoredUser) -> Result<Self, StoreError> {
        let (provisioned_via, provisioned_by) = match &origin.actor {
            Actor::Token { id, .. } => ("scim", Some(*id)),
            Actor::Cli | Actor::Console { .. } => ("local", None),
        };
        let user_name = documents::text(&user.document, "userName")
            .ok_or_else(|| StoreError::Corrupt("a user without userName".into()))?;
        let display_name = documents::text(&user.document, "displayName");
        let (document, filter_document) = documents::columns(ResourceKind::User, &user.document);
        Ok(Self {
            id: user.id,
            account_id: account,
            user_name_key: name_key(&user_name),
            user_name,
            external_id: documents::text(&user.document, "externalId"),
            display_name_key: display_name.as_deref().map(name_key),
            display_name,
            active: is_active(&user.document),
            document,
            filter_document,
            version: user.meta.version,
            created_at: user.meta.created,
            last_modified: user.meta.last_modified,
            provisioned_via: provisioned_via.to_owned(),
            provisioned_by,
        })
    }

    fn into_user(self) -> Result<StoredUser, StoreError> {
        let id = self.id;
        let document = documents::parse(&self.document, || format!("user {id}"))?;
        Ok(StoredUser {
            id,
            document,
            meta: ResourceMeta {
                created: self.created_at,
                last_modified: self.last_modified,
                version: self.version,
            },
        })
    }
}

fn email_rows(account: AccountId, user: UserId, document: &Document) -> Vec<EmailRow> {
    let Some(serde_json::Value::Array(emails)) = document.get("emails") else {
        return Vec::new();
    };
    emails
        .iter()
        .enumerate()
        .filter_map(|(position, email)| {
            let text = |name: &str| email.get(name)?.as_str().map(fold_case);
            Some(EmailRow {
                user_id: user,
                position: i32::try_from(position).ok()?,
                account_id: account,
                value_key: text("value"),
                type_key: text("type"),
                is_primary: email.get("primary").and_then(serde_json::Value::as_bool),
            })
        })
        .collect()
}

/// One statement per address: batch inserts do not compile on the
/// multi-backend connection, and a member has only a few addresses.
fn insert_emails(conn: &mut Conn, account: AccountId, user: &StoredUser) -> Result<(), StoreError> {
    for row in email_rows(account, user.id, &user.document) {
        diesel::insert_into(user_emails::table)
            .values(row)
            .execute(conn)?;
    }
    Ok(())
}

/// The side rows of a member (e-mail addresses, SCIM role values), after
/// its row was written. Its effective access is the caller's to recompute.
fn write_side_rows(
    conn: &mut Conn,
    account: AccountId,
    user: &StoredUser,
) -> Result<(), StoreError> {
    insert_emails(conn, account, user)?;
    access::set_role_values(conn, account, user.id, &role_values(&user.document))
}

/// The values of a member's SCIM `roles`.
fn role_values(document: &Document) -> Vec<String> {
    match document.get("roles") {
        Some(serde_json::Value::Array(roles)) => roles
            .iter()
            .filter_map(|role| role.get("value")?.as_str().map(str::to_owned))
            .collect(),
        _ => Vec::new(),
    }
}

/// Rewrites a member's e-mail and role-value keys with the current key
/// function (`store::name_keys`); true when its role-value keys changed, so
/// that its access may differ.
pub(super) fn rekey_side_rows(
    conn: &mut Conn,
    account: AccountId,
    user: UserId,
    document: &Document,
) -> Result<bool, StoreError> {
    diesel::delete(user_emails::table.filter(user_emails::user_id.eq(user))).execute(conn)?;
    for row in email_rows(account, user, document) {
        diesel::insert_into(user_emails::table)
            .values(row)
            .execute(conn)?;
    }
    let keys = |conn: &mut Conn| {
        user_role_values::table
            .filter(user_role_values::user_id.eq(user))
            .order(user_role_values::value_key)
            .select(user_role_values::value_key)
            .load::<String>(conn)
    };
    let before = keys(conn)?;
    access::set_role_values(conn, account, user, &role_values(document))?;
    Ok(keys(conn)? != before)
}

/// Inserts a member's row and side rows, provisioned by `origin`. A taken
/// userName (case-insensitively) is a unique violation.
pub fn insert(
    conn: &mut Conn,
    account: AccountId,
    origin: &Origin,
    user: &StoredUser,
) -> Result<(), StoreError> {
    diesel::insert_into(users::table)
        .values(UserRow::new(account, origin, user)?)
        .execute(conn)?;
    write_side_rows(conn, account, user)
}

/// Replaces a member's document and meta (same id, same account), and its
/// side rows. `origin` is not written: only an insert records who
/// provisioned a member.
pub fn update(
    conn: &mut Conn,
    account: AccountId,
    origin: &Origin,
    user: &StoredUser,
) -> Result<(), StoreError> {
    diesel::update(
        users::table
            .find(user.id)
            .filter(users::account_id.eq(account)),
    )
    .set(UserRow::new(account, origin, user)?)
    .execute(conn)?;
    diesel::delete(user_emails::table.filter(user_emails::user_id.eq(user.id))).execute(conn)?;
    write_side_rows(conn, account, user)
}

/// The account's member with this id.
pub fn find(
    conn: &mut Conn,
    account: AccountId,
    id: UserId,
) -> Result<Option<StoredUser>, StoreError> {
    fetch(conn, account, id, false)
}

/// [`find`] for a read-modify-write inside [`super::write_transaction`]: the
/// row stays locked until the transaction ends, so that two concurrent
/// updates cannot both start from the same version and lose one of them
/// (PostgreSQL `FOR UPDATE`; on SQLite the write transaction already holds
/// the database's write lock).
pub fn find_for_update(
    conn: &mut Conn,
    account: AccountId,
    id: UserId,
) -> Result<Option<StoredUser>, StoreError> {
    fetch(conn, account, id, true)
}

fn fetch(
    conn: &mut Conn,
    account: AccountId,
    id: UserId,
    lock: bool,
) -> Result<Option<StoredUser>, StoreError> {
    let row = || users::table.find(id).filter(users::account_id.eq(account));
    match conn {
        Conn::Postgresql(pg) if lock => row()
            .select(UserRow::as_select())
            .for_update()
            .first(pg)
            .optional(),
        _ => row()
            .select(UserRow::as_select())
            .load(conn)
            .map(super::at_most_one),
    }?
    .map(UserRow::into_user)
    .transpose()
}

/// The display names (`displayName`, or else `userName`) of those of `ids`
/// that are users of the account.
pub fn display_names(
    conn: &mut Conn,
    account: AccountId,
    ids: &[UserId],
) -> Result<HashMap<UserId, String>, StoreError> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(users::table
        .filter(users::account_id.eq(account))
        .filter(users::id.eq_any(ids))
        .select((users::id, users::display_name, users::user_name))
        .load::<(UserId, Option<String>, String)>(conn)?
        .into_iter()
        .map(|(id, display_name, user_name)| (id, display_name.unwrap_or(user_name)))
        .collect())
}

/// Deletes the member and its memberships; false when the account has no
/// such member.
pub fn delete(conn: &mut Conn, account: AccountId, id: UserId) -> Result<bool, StoreError> {
    let deleted = diesel::delete(users::table.find(id).filter(users::account_id.eq(account)))
        .execute(conn)?;
    Ok(deleted > 0)
}

/// The userName of the account's member and how it was provisioned
/// (`users.provisioned_via`: `scim` or `local`).
pub fn provenance(
    conn: &mut Conn,
    account: AccountId,
    id: UserId,
) -> Result<Option<(String, String)>, StoreError> {
    Ok(users::table
        .find(id)
        .filter(users::account_id.eq(account))
        .select((users::user_name, users::provisioned_via))
        .load(conn)
        .map(super::at_most_one)?)
}

/// Up to `limit` of the account's members after `after` (by id) whose
/// document may hold `roles` or `entitlements` values, or who hold a grant
/// of the `entitlement` source, with their documents: the members whose
/// entitlement grants a change of the access model or of the workspaces
/// may change (`service::access::entitlements`).
pub fn with_assignments(
    conn: &mut Conn,
    account: AccountId,
    after: Option<UserId>,
    limit: i64,
) -> Result<Vec<(UserId, Document)>, StoreError> {
    let entitled = member_grants::table
        .filter(member_grants::account_id.eq(account))
        .filter(member_grants::source.eq("entitlement"))
        .select(member_grants::user_id);
    let mut query = users::table
        .filter(users::account_id.eq(account))
        .filter(
            users::document
                .like("%\"roles\"%")
                .or(users::document.like("%\"entitlements\"%"))
                .or(users::id.eq_any(entitled)),
        )
        .order(users::id)
        .select((users::id, users::document))
        .limit(limit)
        .into_boxed();
    if let Some(after) = after {
        query = query.filter(users::id.gt(after));
    }
    query
        .load::<(UserId, String)>(conn)?
        .into_iter()
        .map(|(id, text)| Ok((id, documents::parse(&text, || format!("user {id}"))?)))
        .collect()
}
