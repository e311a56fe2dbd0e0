//! Members' access as the product and the admins read it: a member's role
//! and workspace levels with the rules and direct grants that explain them, members found by
//! userName or externalId with theirs, and who holds a role.

use serde::Serialize;
use serde_json::Value;

use super::super::Error;
use crate::access::entitlements::Values;
use crate::access::grants::GrantSource;
use crate::access::{AccessError, Reason, WorkspaceLevel};
use crate::model::{AccountId, UserId};
use crate::store::users::StoredUser;
use crate::store::{self, Conn, StoreError};

/// A member's access as the API and the CLI show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct MemberAccess {
    #[schema(value_type = String)]
    pub id: UserId,
    #[serde(rename = "userName")]
    pub user_name: String,
    pub active: bool,
    /// `None` (`null`): no access at all (inactive).
    pub role: Option<String>,
    pub workspaces: Vec<WorkspaceLevel>,
    /// The rules that match the member, and through which group or role
    /// value; then the admin's direct grants (`via.kind` `grant`); then the
    /// IdP's `roles` and `entitlements` values (`via.kind` `entitlement`,
    /// `unmatched` when one names no Role or Entitlement).
    pub explanation: Vec<Reason>,
}

/// The access of the account's member `id` (404 when absent).
pub fn access_of(conn: &mut Conn, account: AccountId, id: UserId) -> Result<MemberAccess, Error> {
    let user = store::users::find(conn, account, id)?
        .ok_or_else(|| Error::NotFound(format!("no member '{id}' in this account")))?;
    Ok(view(conn, account, &user)?)
}

/// The account's members with this userName (ignoring case) or, when
/// `by_external_id`, this externalId (exactly), with their access.
pub fn find(
    conn: &mut Conn,
    account: AccountId,
    value: &str,
    by_external_id: bool,
) -> Result<Vec<MemberAccess>, Error> {
    let users = store::users::find_by_name(conn, account, value, by_external_id)?;
    Ok(users
        .iter()
        .map(|user| view(conn, account, user))
        .collect::<Result<_, _>>()?)
}

/// A member's stored access, with the rules that explain it.
fn view(
    conn: &mut Conn,
    account: AccountId,
    user: &StoredUser,
) -> Result<MemberAccess, StoreError> {
    let held = store::access::held_by(conn, account, user.id)?;
    let (groups, role_values) = store::access::members::facts(conn, user.id)?;
    let rules = store::access::rules::list(conn, account)?;
    // The admin's grants as stored; the IdP's as its values give them, the
    // unmatched ones included.
    let grants: Vec<_> = store::access::grants::of_member(conn, user.id)?
        .into_iter()
        .map(|stored| stored.grant)
        .filter(|grant| grant.source == GrantSource::Admin)
        .collect();
    let mut explanation = crate::access::explain(&rules, &groups, &role_values, &grants);
    super::entitlements::catalog(conn, account)?
        .catalog
        .explain(&Values::of(&user.document), &mut explanation);
    Ok(MemberAccess {
        id: user.id,
        user_name: user
            .document
            .get("userName")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned(),
        active: user
            .document
            .get("active")
            .and_then(Value::as_bool)
            .unwrap_or(true),
        role: held.role,
        workspaces: held
            .levels
            .into_iter()
            .map(|(workspace, level)| WorkspaceLevel { workspace, level })
            .collect(),
        explanation,
    })
}

/// A member who holds a role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleHolder {
    pub id: UserId,
    pub user_name: String,
}

/// The account's active members with this role, by userName. A role the
/// account's model does not have is refused (a typo would otherwise answer
/// "nobody").
pub fn with_role(
    conn: &mut Conn,
    account: AccountId,
    role: &str,
) -> Result<Vec<RoleHolder>, Error> {
    let model = store::access::model::read(conn, account)?;
    if model.role_rank(role).is_none() {
        return Err(AccessError::Invalid(format!(
            "'{role}' is not one of the account's roles ({})",
            model.roles.join(", ")
        ))
        .into());
    }
    Ok(store::access::members::with_role(conn, account, role)?
        .into_iter()
        .map(|(id, user_name)| RoleHolder { id, user_name })
        .collect())
}
