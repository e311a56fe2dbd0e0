//! The access review's sign-offs (`access_reviews`, newest last) and each
//! account's review interval (`access_review_schedules`: no row is the
//! default). Who signed off is kept as the audit log keeps its actor.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::audit::{Actor, Origin};
use crate::model::{AccessReviewId, AccountId, TokenId};
use crate::store::schema::{access_review_schedules, access_reviews};
use crate::store::{Conn, StoreError};

/// A stored sign-off.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = access_reviews)]
pub struct SignOffRow {
    pub id: AccessReviewId,
    pub account_id: AccountId,
    pub reviewed_at: NaiveDateTime,
    /// `token`, `cli` or `console`, as in `audit_log`.
    pub actor: String,
    pub token_id: Option<TokenId>,
    pub token_label: Option<String>,
    pub reviewer: Option<String>,
    pub note: Option<String>,
}

impl SignOffRow {
    /// A sign-off by `origin`'s actor.
    pub fn new(
        account_id: AccountId,
        origin: &Origin,
        reviewed_at: NaiveDateTime,
        reviewer: Option<String>,
        note: Option<String>,
    ) -> Self {
        let (actor, token_id, token_label) = match &origin.actor {
            Actor::Token { id, label } => ("token", Some(*id), label.clone()),
            Actor::Cli => ("cli", None, None),
            Actor::Console { token, label } => ("console", *token, label.clone()),
        };
        Self {
            id: AccessReviewId::new(),
            account_id,
            reviewed_at,
            actor: actor.to_owned(),
            token_id,
            token_label,
            reviewer,
            note,
        }
    }

    /// Who signed off (a row another program wrote with an unknown actor
    /// is corrupt).
    pub fn actor(&self) -> Result<Actor, StoreError> {
        let label = self.token_label.clone();
        match (self.actor.as_str(), self.token_id) {
            ("token", Some(id)) => Ok(Actor::Token { id, label }),
            ("cli", _) => Ok(Actor::Cli),
            ("console", token) => Ok(Actor::Console { token, label }),
            _ => Err(StoreError::Corrupt(format!(
                "access review {} has no known actor",
                self.id
            ))),
        }
    }
}

pub fn insert(conn: &mut Conn, row: &SignOffRow) -> Result<(), StoreError> {
    diesel::insert_into(access_reviews::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

/// The account's `limit` latest sign-offs, newest first.
pub fn latest(
    conn: &mut Conn,
    account: AccountId,
    limit: i64,
) -> Result<Vec<SignOffRow>, StoreError> {
    Ok(access_reviews::table
        .filter(access_reviews::account_id.eq(account))
        .order((
            access_reviews::reviewed_at.desc(),
            access_reviews::id.desc(),
        ))
        .limit(limit)
        .select(SignOffRow::as_select())
        .load(conn)?)
}

/// The account's chosen interval in days, if it chose one.
pub fn interval(conn: &mut Conn, account: AccountId) -> Result<Option<i32>, StoreError> {
    Ok(access_review_schedules::table
        .find(account)
        .select(access_review_schedules::interval_days)
        .first(conn)
        .optional()?)
}

/// Sets the account's interval.
pub fn set_interval(conn: &mut Conn, account: AccountId, days: i32) -> Result<(), StoreError> {
    diesel::delete(access_review_schedules::table.find(account)).execute(conn)?;
    diesel::insert_into(access_review_schedules::table)
        .values((
            access_review_schedules::account_id.eq(account),
            access_review_schedules::interval_days.eq(days),
        ))
        .execute(conn)?;
    Ok(())
}
