//! Members (SCIM Users): the document as JSON text plus indexed columns for
//! the attributes IdPs look users up by.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{user_emails, users};
use super::{Conn, StoreError};
use crate::model::{AccountId, UserId, fold_case};
use crate::scim::resource::{Document, ResourceMeta};

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
    id: String,
    account_id: String,
    user_name: String,
    user_name_key: String,
    external_id: Option<String>,
    display_name: Option<String>,
    display_name_key: Option<String>,
    active: bool,
    document: String,
    version: i64,
    created_at: NaiveDateTime,
    last_modified: NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(table_name = user_emails)]
struct EmailRow {
    user_id: String,
    position: i32,
    account_id: String,
    value_key: String,
    email_type: Option<String>,
    is_primary: bool,
}

fn text(document: &Document, name: &str) -> Option<String> {
    document
        .get(name)
        .and_then(|v| v.as_str())
        .map(str::to_owned)
}

impl UserRow {
    fn new(account: AccountId, user: &StoredUser) -> Result<Self, StoreError> {
        let user_name = text(&user.document, "userName")
            .ok_or_else(|| StoreError::Corrupt("a user without userName".into()))?;
        let display_name = text(&user.document, "displayName");
        Ok(Self {
            id: user.id.to_string(),
            account_id: account.to_string(),
            user_name_key: fold_case(&user_name),
            user_name,
            external_id: text(&user.document, "externalId"),
            display_name_key: display_name.as_deref().map(fold_case),
            display_name,
            active: user
                .document
                .get("active")
                .and_then(|v| v.as_bool())
                .unwrap_or(true),
            document: serde_json::Value::Object(user.document.clone()).to_string(),
            version: user.meta.version,
            created_at: user.meta.created,
            last_modified: user.meta.last_modified,
        })
    }

    fn into_user(self) -> Result<StoredUser, StoreError> {
        let corrupt = |what: &str| StoreError::Corrupt(format!("user {}: {what}", self.id));
        let document = match serde_json::from_str(&self.document) {
            Ok(serde_json::Value::Object(document)) => document,
            _ => return Err(corrupt("document")),
        };
        Ok(StoredUser {
            id: self.id.parse().map_err(|_| corrupt("id"))?,
            document,
            meta: ResourceMeta {
                created: self.created_at,
                last_modified: self.last_modified,
                version: self.version,
            },
        })
    }
}

fn email_rows(account: AccountId, user: &StoredUser) -> Vec<EmailRow> {
    let Some(serde_json::Value::Array(emails)) = user.document.get("emails") else {
        return Vec::new();
    };
    emails
        .iter()
        .enumerate()
        .filter_map(|(position, email)| {
            Some(EmailRow {
                user_id: user.id.to_string(),
                position: i32::try_from(position).ok()?,
                account_id: account.to_string(),
                value_key: fold_case(email.get("value")?.as_str()?),
                email_type: email
                    .get("type")
                    .and_then(|t| t.as_str())
                    .map(str::to_owned),
                is_primary: email
                    .get("primary")
                    .and_then(|p| p.as_bool())
                    .unwrap_or(false),
            })
        })
        .collect()
}

/// One statement per address: batch inserts do not compile on the
/// multi-backend connection, and a member has only a few addresses.
fn insert_emails(conn: &mut Conn, account: AccountId, user: &StoredUser) -> Result<(), StoreError> {
    for row in email_rows(account, user) {
        diesel::insert_into(user_emails::table)
            .values(row)
            .execute(conn)?;
    }
    Ok(())
}

/// Inserts a member. A taken userName (case-insensitively) is a unique violation.
pub fn insert(conn: &mut Conn, account: AccountId, user: &StoredUser) -> Result<(), StoreError> {
    diesel::insert_into(users::table)
        .values(UserRow::new(account, user)?)
        .execute(conn)?;
    insert_emails(conn, account, user)
}

/// Replaces a member's document and meta (same id, same account).
pub fn update(conn: &mut Conn, account: AccountId, user: &StoredUser) -> Result<(), StoreError> {
    let id = user.id.to_string();
    diesel::update(
        users::table
            .find(&id)
            .filter(users::account_id.eq(account.to_string())),
    )
    .set(UserRow::new(account, user)?)
    .execute(conn)?;
    diesel::delete(user_emails::table.filter(user_emails::user_id.eq(&id))).execute(conn)?;
    insert_emails(conn, account, user)
}

/// The account's member with this id.
pub fn find(
    conn: &mut Conn,
    account: AccountId,
    id: UserId,
) -> Result<Option<StoredUser>, StoreError> {
    users::table
        .find(id.to_string())
        .filter(users::account_id.eq(account.to_string()))
        .select(UserRow::as_select())
        .first(conn)
        .optional()?
        .map(UserRow::into_user)
        .transpose()
}

/// Deletes the member; false when the account has no such member.
pub fn delete(conn: &mut Conn, account: AccountId, id: UserId) -> Result<bool, StoreError> {
    let deleted = diesel::delete(
        users::table
            .find(id.to_string())
            .filter(users::account_id.eq(account.to_string())),
    )
    .execute(conn)?;
    Ok(deleted > 0)
}

/// One page of the account's members in the stable default order (by id,
/// which is time-ordered), and the total count.
pub fn list(
    conn: &mut Conn,
    account: AccountId,
    offset: i64,
    limit: i64,
) -> Result<(i64, Vec<StoredUser>), StoreError> {
    let account = account.to_string();
    let total = users::table
        .filter(users::account_id.eq(&account))
        .count()
        .get_result(conn)?;
    if limit == 0 {
        return Ok((total, Vec::new()));
    }
    let page = users::table
        .filter(users::account_id.eq(&account))
        .order(users::id)
        .offset(offset)
        .limit(limit)
        .select(UserRow::as_select())
        .load(conn)?
        .into_iter()
        .map(UserRow::into_user)
        .collect::<Result<_, _>>()?;
    Ok((total, page))
}
