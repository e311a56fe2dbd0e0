//! The one source of "now" for stored timestamps: UTC, microsecond precision
//! (what PostgreSQL keeps), so a value reads back equal to what was written.

use chrono::{NaiveDateTime, SubsecRound, Utc};

pub fn now() -> NaiveDateTime {
    Utc::now().naive_utc().trunc_subsecs(6)
}
