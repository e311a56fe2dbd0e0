//! The access review (PRODUCT.md: "who has admin, who has not logged in for
//! long"): the account's members with role, workspace levels, last login
//! and provenance, flagged by [`crate::access::review`].

use super::super::Error;
use crate::access::review::{self, Review, ReviewPolicy};
use crate::model::AccountId;
use crate::store::{self, Conn};

/// The account's access review under `policy`.
pub fn report(conn: &mut Conn, account: AccountId, policy: ReviewPolicy) -> Result<Review, Error> {
    // One read transaction: the model and the members agree.
    let (model, members) = store::read_transaction(conn, |conn| {
        Ok((
            store::access::model::read(conn, account)?,
            store::activity::reviewed_members(conn, account)?,
        ))
    })?;
    Ok(review::review(&model, members, policy))
}
