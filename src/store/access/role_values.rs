//! The members' SCIM role values (`user_role_values`, RFC 7643 §4.1.2
//! `roles`), case-folded, as `scim_role` rules match them.

use diesel::prelude::*;

use crate::model::{AccountId, UserId, fold_case};
use crate::store::schema::user_role_values;
use crate::store::{Conn, StoreError};

/// Rewrites a member's SCIM role values.
pub fn set_role_values(
    conn: &mut Conn,
    account: AccountId,
    user: UserId,
    values: &[String],
) -> Result<(), StoreError> {
    diesel::delete(user_role_values::table.filter(user_role_values::user_id.eq(user)))
        .execute(conn)?;
    let mut keys: Vec<String> = values.iter().map(|value| fold_case(value)).collect();
    keys.sort();
    keys.dedup();
    for key in keys {
        diesel::insert_into(user_role_values::table)
            .values((
                user_role_values::user_id.eq(user),
                user_role_values::value_key.eq(key),
                user_role_values::account_id.eq(account),
            ))
            .execute(conn)?;
    }
    Ok(())
}
