//! The access review (PRODUCT.md: "who has admin, who has not logged in for
//! long"): the account's members with role, workspace levels, last login
//! and provenance, flagged by [`crate::access::review`]; its sign-off
//! ("review completed", by whom and when) and the account's review
//! interval ([`crate::access::sign_off`]), each audited as `AccessReview`.

use serde::Serialize;

use super::super::{Caller, Error};
use crate::access::review::{self, Review, ReviewPolicy};
use crate::access::sign_off::{self, DEFAULT_INTERVAL_DAYS, SignOff};
use crate::audit::{Action, Entry, Resource};
use crate::model::AccountId;
use crate::store::access::reviews::{self, SignOffRow};
use crate::store::{self, Conn, StoreError};

/// The account's access review under `policy`, with its last sign-off and
/// when the next review is due.
pub fn report(conn: &mut Conn, account: AccountId, policy: ReviewPolicy) -> Result<Review, Error> {
    // One read transaction: the model, the members and the sign-off agree.
    let (model, members, schedule) = store::read_transaction(conn, |conn| {
        let schedule = schedule_in(conn, account, policy.generated_at)?;
        Ok((
            store::access::model::read(conn, account)?,
            store::activity::reviewed_members(conn, account)?,
            schedule,
        ))
    })?;
    Ok(review::review(&model, members, policy, schedule))
}

fn schedule_in(
    conn: &mut Conn,
    account: AccountId,
    now: chrono::NaiveDateTime,
) -> Result<sign_off::Schedule, StoreError> {
    let since = store::accounts::find(conn, account)?
        .ok_or_else(|| StoreError::Corrupt(format!("account {account} has no row")))?
        .created_at;
    let last = history_in(conn, account, 1)?.into_iter().next();
    Ok(sign_off::schedule(
        interval_in(conn, account)?,
        last,
        since,
        now,
    ))
}

/// The account's `limit` latest sign-offs, newest first.
pub fn history(conn: &mut Conn, account: AccountId, limit: i64) -> Result<Vec<SignOff>, Error> {
    Ok(history_in(conn, account, limit)?)
}

fn history_in(conn: &mut Conn, account: AccountId, limit: i64) -> Result<Vec<SignOff>, StoreError> {
    reviews::latest(conn, account, limit)?
        .iter()
        .map(signed_off)
        .collect()
}

fn signed_off(row: &SignOffRow) -> Result<SignOff, StoreError> {
    Ok(SignOff {
        id: row.id.to_string(),
        at: row.reviewed_at,
        by: row.actor()?,
        reviewer: row.reviewer.clone(),
        note: row.note.clone(),
    })
}

fn interval_in(conn: &mut Conn, account: AccountId) -> Result<u32, StoreError> {
    Ok(reviews::interval(conn, account)?
        .and_then(|days| u32::try_from(days).ok())
        .unwrap_or(DEFAULT_INTERVAL_DAYS))
}

/// What the audit log records of a sign-off.
#[derive(Serialize)]
struct Recorded<'a> {
    reviewer: Option<&'a str>,
    note: Option<&'a str>,
}

/// Records that the caller completed the review now, with the reviewer's
/// name and note as typed (each optional; 400 when too long or holding
/// control characters).
pub fn sign_off(
    conn: &mut Conn,
    caller: &Caller<'_>,
    reviewer: &str,
    note: &str,
) -> Result<SignOff, Error> {
    let reviewer = sign_off::typed_text(
        "reviewer name",
        reviewer,
        sign_off::MAX_REVIEWER_CHARS,
        false,
    )?;
    let note = sign_off::typed_text("note", note, sign_off::MAX_NOTE_CHARS, true)?;
    let row = SignOffRow::new(
        caller.account,
        caller.origin,
        crate::clock::now(),
        reviewer,
        note,
    );
    store::account_transaction(conn, caller.account, |conn| {
        reviews::insert(conn, &row)?;
        let recorded = Recorded {
            reviewer: row.reviewer.as_deref(),
            note: row.note.as_deref(),
        };
        let entry = Entry::changed(
            Resource::AccessReview,
            row.id.to_string(),
            Action::Created,
            None,
            Some(&recorded),
        );
        store::audit::record_one(conn, caller.account, caller.origin, entry)?;
        Ok::<_, Error>(())
    })?;
    Ok(signed_off(&row)?)
}

/// The interval, as the audit log records it.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Interval {
    interval_days: u32,
}

/// Sets the days between reviews (1 to 365, else 400); the next review is
/// due that long after the last sign-off. Setting the interval it has
/// changes nothing and records nothing.
pub fn set_interval(conn: &mut Conn, caller: &Caller<'_>, days: i64) -> Result<u32, Error> {
    let days = sign_off::interval(days)?;
    let stored = i32::try_from(days).unwrap_or(i32::MAX);
    let account = caller.account;
    store::account_transaction(conn, account, |conn| {
        let before = interval_in(conn, account)?;
        if before == days {
            return Ok(days);
        }
        reviews::set_interval(conn, account, stored)?;
        let entry = Entry::changed(
            Resource::AccessReview,
            account.to_string(),
            Action::Modified,
            Some(&Interval {
                interval_days: before,
            }),
            Some(&Interval {
                interval_days: days,
            }),
        );
        store::audit::record_one(conn, account, caller.origin, entry)?;
        Ok(days)
    })
}
