//! The access review's sign-off (docs/ACCESS.md "Access review sign-off"):
//! security guides tell an account admin to review who has access every
//! two weeks; a sign-off records that they did, who (the actor of the audit
//! log, and a reviewer name and note they may type) and when, and the
//! account's interval says when the next review is due. Pure: the store
//! keeps the sign-offs, `service::access::review` records them.

use std::ops::RangeInclusive;

use chrono::{Duration, NaiveDateTime};
use serde::Serialize;

use super::AccessError;
use crate::audit::Actor;

/// Days between reviews when the account has not chosen: two weeks.
pub const DEFAULT_INTERVAL_DAYS: u32 = 14;

/// The intervals an account may choose: a day to a year.
pub const INTERVAL_DAYS: RangeInclusive<u32> = 1..=365;

/// The longest reviewer name, in characters.
pub const MAX_REVIEWER_CHARS: usize = 200;

/// The longest note, in characters.
pub const MAX_NOTE_CHARS: usize = 2000;

/// One sign-off of the review.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SignOff {
    pub id: String,
    #[serde(serialize_with = "crate::clock::serialize_rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub at: NaiveDateTime,
    /// Who signed it off, as the audit log names actors: `{"type": "console",
    /// "linkIssuedBy": …}`, `{"type": "token", …}` or `{"type": "cli"}`.
    #[serde(serialize_with = "serialize_actor")]
    #[schema(value_type = Object)]
    pub by: Actor,
    /// The reviewer's name as they typed it, if they did.
    pub reviewer: Option<String>,
    /// Their note, if any.
    pub note: Option<String>,
}

fn serialize_actor<S: serde::Serializer>(actor: &Actor, serializer: S) -> Result<S::Ok, S::Error> {
    actor.to_json().serialize(serializer)
}

/// When the review is due: the account's interval after the last sign-off,
/// or after the account began when it was never signed off.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Schedule {
    /// The latest sign-off, `null` when the review was never signed off.
    pub last_review: Option<SignOff>,
    /// Days between reviews (1 to 365; 14 unless the account chose).
    pub review_interval_days: u32,
    #[serde(serialize_with = "crate::clock::serialize_rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub next_review_due: NaiveDateTime,
    /// Whether `nextReviewDue` has passed.
    pub review_overdue: bool,
}

/// The schedule at `now` of an account that began at `since`, reviews every
/// `interval_days` and was last signed off by `last_review`.
pub fn schedule(
    interval_days: u32,
    last_review: Option<SignOff>,
    since: NaiveDateTime,
    now: NaiveDateTime,
) -> Schedule {
    let from = last_review.as_ref().map_or(since, |review| review.at);
    let next_review_due = from + Duration::days(i64::from(interval_days));
    Schedule {
        last_review,
        review_interval_days: interval_days,
        next_review_due,
        review_overdue: next_review_due <= now,
    }
}

/// A requested interval, checked against [`INTERVAL_DAYS`].
pub fn interval(days: i64) -> Result<u32, AccessError> {
    u32::try_from(days)
        .ok()
        .filter(|days| INTERVAL_DAYS.contains(days))
        .ok_or_else(|| {
            AccessError::Invalid(format!(
                "the review interval is {} to {} days",
                INTERVAL_DAYS.start(),
                INTERVAL_DAYS.end()
            ))
        })
}

/// What the reviewer typed (`what` names the field): trimmed, `None` when
/// empty; at most `max_chars` characters, and no control characters but
/// line breaks and tabs when `multiline`.
pub fn typed_text(
    what: &str,
    text: &str,
    max_chars: usize,
    multiline: bool,
) -> Result<Option<String>, AccessError> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    if text.chars().count() > max_chars {
        return Err(AccessError::Invalid(format!(
            "the {what} is at most {max_chars} characters"
        )));
    }
    let allowed = |c: char| !c.is_control() || (multiline && matches!(c, '\n' | '\r' | '\t'));
    if !text.chars().all(allowed) {
        return Err(AccessError::Invalid(format!(
            "the {what} holds control characters"
        )));
    }
    Ok(Some(text.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> NaiveDateTime {
        crate::clock::parse_rfc3339(text).expect("a time")
    }

    fn sign_off(when: &str) -> SignOff {
        SignOff {
            id: "r1".into(),
            at: at(when),
            by: Actor::Cli,
            reviewer: None,
            note: None,
        }
    }

    #[test]
    fn the_next_review_is_due_an_interval_after_the_last() {
        let since = at("2026-01-01T00:00:00Z");
        let now = at("2026-12-07T00:00:00Z");
        let due = schedule(14, Some(sign_off("2026-12-01T09:00:00Z")), since, now);
        assert_eq!(due.next_review_due, at("2026-12-15T09:00:00Z"));
        assert!(!due.review_overdue);
        let late = schedule(14, Some(sign_off("2026-11-01T09:00:00Z")), since, now);
        assert!(late.review_overdue);
        // Never signed off: counted from the account's start.
        let never = schedule(7, None, at("2026-12-03T00:00:00Z"), now);
        assert_eq!(never.next_review_due, at("2026-12-10T00:00:00Z"));
        assert!(!never.review_overdue);
        assert!(schedule(7, None, since, now).review_overdue);
    }

    #[test]
    fn intervals_are_a_day_to_a_year() {
        assert_eq!(interval(1), Ok(1));
        assert_eq!(interval(365), Ok(365));
        for days in [0, -1, 366, i64::MAX] {
            assert!(interval(days).is_err(), "{days}");
        }
    }

    #[test]
    fn typed_text_is_trimmed_bounded_and_printable() {
        assert_eq!(typed_text("note", "  ", 10, true), Ok(None));
        assert_eq!(
            typed_text("note", " a\nb ", 10, true),
            Ok(Some("a\nb".into()))
        );
        assert!(typed_text("reviewer", "a\nb", 10, false).is_err());
        assert!(typed_text("reviewer", "a\u{0}b", 10, false).is_err());
        assert!(typed_text("reviewer", &"é".repeat(11), 10, false).is_err());
        assert_eq!(
            typed_text("reviewer", &"é".repeat(10), 10, false),
            Ok(Some("é".repeat(10)))
        );
    }
}
