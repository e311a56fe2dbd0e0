//! The one source of "now" for stored timestamps: UTC, millisecond precision,
//! which is what responses show (`meta.lastModified`), so a filter on a
//! timestamp a client read back compares equal to the stored value.

use chrono::{NaiveDateTime, SubsecRound, Utc};

pub fn now() -> NaiveDateTime {
    Utc::now().naive_utc().trunc_subsecs(3)
}
