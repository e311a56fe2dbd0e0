//! The one source of "now" for stored timestamps: UTC, millisecond precision,
//! which is what responses show (`meta.lastModified`), so a filter on a
//! timestamp a client read back compares equal to the stored value.

use chrono::{NaiveDateTime, SubsecRound, Utc};

pub fn now() -> NaiveDateTime {
    Utc::now().naive_utc().trunc_subsecs(3)
}

/// A stored timestamp as the API shows it: RFC 3339 in UTC, milliseconds.
pub fn rfc3339(at: NaiveDateTime) -> String {
    at.and_utc()
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// An RFC 3339 timestamp from a request, as stored (UTC, milliseconds).
pub fn parse_rfc3339(text: &str) -> Option<NaiveDateTime> {
    chrono::DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|at| at.naive_utc().trunc_subsecs(3))
}

/// Serializes a stored timestamp as [`rfc3339`] (`#[serde(serialize_with)]`).
pub fn serialize_rfc3339<S: serde::Serializer>(
    at: &NaiveDateTime,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&rfc3339(*at))
}

/// [`serialize_rfc3339`] of an optional timestamp (`null` when absent).
pub fn serialize_rfc3339_option<S: serde::Serializer>(
    at: &Option<NaiveDateTime>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match at {
        Some(at) => serialize_rfc3339(at, serializer),
        None => serializer.serialize_none(),
    }
}
