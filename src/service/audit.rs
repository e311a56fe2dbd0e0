//! The audit log (PRODUCT.md "Audit event"; docs/ACCESS.md "Audit log"),
//! read: an account's entries by member, group, time range and `seq`
//! cursor. The operations write their own entries, in their transactions.

use super::Error;
use crate::model::AccountId;
use crate::store::audit::{AuditQuery, StoredEntry};
use crate::store::{self, Conn};

/// The account's entries matching every condition of the query, oldest
/// first, at most `query.limit`.
pub fn query(
    conn: &mut Conn,
    account: AccountId,
    query: &AuditQuery,
) -> Result<Vec<StoredEntry>, Error> {
    Ok(store::audit::query(conn, account, query)?)
}
