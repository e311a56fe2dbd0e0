//! The access model's rows (PRODUCT.md "The model"): an account's default
//! role (`access_models`) and its roles and workspace levels, each ranked
//! from least to most access (`account_roles`, `workspace_levels`).

use diesel::prelude::*;

use crate::access::AccessModel;
use crate::model::AccountId;
use crate::store::schema::{access_models, account_roles, workspace_levels};
use crate::store::{Conn, StoreError};

/// Gives a new account the default model ([`AccessModel::default`]).
pub fn seed_defaults(conn: &mut Conn, account: AccountId) -> Result<(), StoreError> {
    replace(conn, account, &AccessModel::default())
}

/// Writes the account's model in place of the one it had.
pub fn replace(conn: &mut Conn, account: AccountId, model: &AccessModel) -> Result<(), StoreError> {
    diesel::delete(access_models::table.filter(access_models::account_id.eq(account)))
        .execute(conn)?;
    diesel::insert_into(access_models::table)
        .values((
            access_models::account_id.eq(account),
            access_models::default_role.eq(&model.default_role),
            access_models::entitlement_grants.eq(model.entitlement_grants),
        ))
        .execute(conn)?;
    diesel::delete(account_roles::table.filter(account_roles::account_id.eq(account)))
        .execute(conn)?;
    for (rank, name) in (0_i32..).zip(&model.roles) {
        diesel::insert_into(account_roles::table)
            .values((
                account_roles::account_id.eq(account),
                account_roles::name.eq(name),
                account_roles::rank.eq(rank),
            ))
            .execute(conn)?;
    }
    diesel::delete(workspace_levels::table.filter(workspace_levels::account_id.eq(account)))
        .execute(conn)?;
    for (rank, name) in (0_i32..).zip(&model.levels) {
        diesel::insert_into(workspace_levels::table)
            .values((
                workspace_levels::account_id.eq(account),
                workspace_levels::name.eq(name),
                workspace_levels::rank.eq(rank),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// The account's access model (every account has one: a missing one is
/// corrupt data).
pub fn read(conn: &mut Conn, account: AccountId) -> Result<AccessModel, StoreError> {
    let (default_role, entitlement_grants): (String, bool) = access_models::table
        .find(account)
        .select((
            access_models::default_role,
            access_models::entitlement_grants,
        ))
        .first(conn)
        .optional()?
        .ok_or_else(|| StoreError::Corrupt(format!("account {account} has no access model")))?;
    let roles = account_roles::table
        .filter(account_roles::account_id.eq(account))
        .order(account_roles::rank)
        .select(account_roles::name)
        .load(conn)?;
    let levels = workspace_levels::table
        .filter(workspace_levels::account_id.eq(account))
        .order(workspace_levels::rank)
        .select(workspace_levels::name)
        .load(conn)?;
    Ok(AccessModel {
        roles,
        default_role,
        levels,
        entitlement_grants,
    })
}
