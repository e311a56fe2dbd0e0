//! The access model (PRODUCT.md "The model"): reading it, and replacing it
//! — a role or level that a rule or a direct grant uses cannot be removed, and everyone's
//! access is recomputed (ranks may have moved).

use super::super::{Caller, Error};
use crate::access::{AccessError, AccessModel};
use crate::audit::{Action, Entry, Resource};
use crate::model::AccountId;
use crate::store::access::Who;
use crate::store::{self, Conn};

/// The account's access model.
pub fn get(conn: &mut Conn, account: AccountId) -> Result<AccessModel, Error> {
    Ok(store::access::model::read(conn, account)?)
}

/// Replaces the model (400 when it is not valid, 409 when it drops a role
/// or level a rule or an admin's direct grant uses; the IdP's entitlement
/// grants follow the new model); returns it as stored.
pub fn replace(
    conn: &mut Conn,
    caller: &Caller<'_>,
    model: &AccessModel,
) -> Result<AccessModel, Error> {
    let account = caller.account;
    store::account_transaction(conn, account, |conn| {
        model.validate()?;
        let before = store::access::model::read(conn, account)?;
        for rule in store::access::rules::list(conn, account)? {
            if let Some(role) = &rule.spec.role
                && model.role_rank(role).is_none()
            {
                return Err(AccessError::Conflict(format!(
                    "role '{role}' is used by rule {}: change or delete the rule first",
                    rule.id
                ))
                .into());
            }
            if let Some(level) = &rule.spec.level
                && model.level_rank(level).is_none()
            {
                return Err(AccessError::Conflict(format!(
                    "level '{level}' is used by rule {}: change or delete the rule first",
                    rule.id
                ))
                .into());
            }
        }
        if let Some((role, user_name)) =
            store::access::grants::role_outside(conn, account, &model.roles)?
        {
            return Err(AccessError::Conflict(format!(
                "role '{role}' is granted directly to '{user_name}': change or remove the grant first"
            ))
            .into());
        }
        if let Some((level, user_name)) =
            store::access::grants::level_outside(conn, account, &model.levels)?
        {
            return Err(AccessError::Conflict(format!(
                "level '{level}' is granted directly to '{user_name}': change or remove the grant first"
            ))
            .into());
        }
        store::access::model::replace(conn, account, model)?;
        // Ranks, names or `entitlementGrants` may have changed what the
        // IdP's values grant; everyone is recomputed below.
        super::entitlements::resync(conn, caller)?;
        let entry = Entry::changed(
            Resource::AccessModel,
            account.to_string(),
            Action::Replaced,
            Some(&before),
            Some(model),
        );
        store::audit::record_one(conn, account, caller.origin, entry)?;
        super::recompute(conn, account, Who::All)?;
        Ok(store::access::model::read(conn, account)?)
    })
}
