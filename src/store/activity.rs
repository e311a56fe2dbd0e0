//! What the product reports of its members (logins), and what the access
//! review reads of every member (`crate::access::review`).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{member_logins, users};
use super::sql::{Bind, Sql};
use super::team::{self, TeamFilter};
use super::{Conn, StoreError};
use crate::access::review::ReviewedMember;
use crate::model::{AccountId, UserId};

/// Records a login of the account's member at `at`; the latest login wins,
/// so reports that arrive out of order never move it back. Returns the
/// member's last login, or `None` when the account has no such member.
pub fn record_login(
    conn: &mut Conn,
    account: AccountId,
    member: UserId,
    at: NaiveDateTime,
) -> Result<Option<NaiveDateTime>, StoreError> {
    let exists: bool = diesel::select(diesel::dsl::exists(
        users::table
            .find(member.to_string())
            .filter(users::account_id.eq(account.to_string())),
    ))
    .get_result(conn)?;
    if !exists {
        return Ok(None);
    }
    let mut upsert =
        Sql::raw("INSERT INTO member_logins (user_id, account_id, last_login_at) VALUES (");
    upsert.bind(Bind::Text(member.to_string()));
    upsert.push(", ");
    upsert.bind(Bind::Text(account.to_string()));
    upsert.push(", ");
    upsert.bind(Bind::Timestamp(at));
    upsert.push(
        ") ON CONFLICT (user_id) DO UPDATE SET last_login_at = excluded.last_login_at \
         WHERE member_logins.last_login_at < excluded.last_login_at",
    );
    upsert.execute(conn)?;
    Ok(Some(
        member_logins::table
            .find(member.to_string())
            .select(member_logins::last_login_at)
            .first(conn)?,
    ))
}

/// Every member of the account, by userName, with role, workspace levels,
/// last login and provenance (`flags` left empty): the team listing's pages
/// ([`super::team::page`]), a thousand members at a time.
pub fn reviewed_members(
    conn: &mut Conn,
    account: AccountId,
) -> Result<Vec<ReviewedMember>, StoreError> {
    const PAGE: i64 = 1_000;
    let everyone = TeamFilter::default();
    let (mut members, mut cursor) = (Vec::new(), None);
    loop {
        let (page, next) = team::page(conn, account, &everyone, cursor.as_ref(), PAGE)?;
        members.extend(page.into_iter().map(ReviewedMember::from));
        match next {
            Some(next) => cursor = Some(next),
            None => return Ok(members),
        }
    }
}
