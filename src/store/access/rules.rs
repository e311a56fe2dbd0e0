//! Access rules (`access_rules`): what a rule matches (its kind, the value
//! as the admin wrote it and the key it is matched by) and what it grants
//! (a role, a level in a workspace), in order of creation.

use diesel::prelude::*;

use crate::access::{Rule, RuleSpec, Selector};
use crate::model::{AccountId, RuleId, WorkspaceId};
use crate::store::schema::{access_rules, workspaces};
use crate::store::{Conn, StoreError};

#[derive(Queryable)]
struct RuleRow {
    id: RuleId,
    match_kind: String,
    match_value: String,
    role: Option<String>,
    workspace: Option<String>,
    level: Option<String>,
}

impl RuleRow {
    fn into_rule(self) -> Result<Rule, StoreError> {
        let selector = Selector::from_stored(&self.match_kind, self.match_value)
            .ok_or_else(|| StoreError::Corrupt(format!("rule {}: kind", self.id)))?;
        Ok(Rule {
            id: self.id,
            spec: RuleSpec {
                selector,
                role: self.role,
                workspace: self.workspace,
                level: self.level,
            },
        })
    }
}

/// The account's rules, oldest first.
pub fn list(conn: &mut Conn, account: AccountId) -> Result<Vec<Rule>, StoreError> {
    rules_where(conn, account, None)
}

/// The account's rule with this id.
pub fn find(conn: &mut Conn, account: AccountId, id: RuleId) -> Result<Option<Rule>, StoreError> {
    Ok(rules_where(conn, account, Some(id))?.pop())
}

fn rules_where(
    conn: &mut Conn,
    account: AccountId,
    id: Option<RuleId>,
) -> Result<Vec<Rule>, StoreError> {
    let mut query = access_rules::table
        .left_join(workspaces::table)
        .filter(access_rules::account_id.eq(account))
        .order((access_rules::created_at, access_rules::id))
        .select((
            access_rules::id,
            access_rules::match_kind,
            access_rules::match_value,
            access_rules::role,
            workspaces::slug.nullable(),
            access_rules::level,
        ))
        .into_boxed();
    if let Some(id) = id {
        query = query.filter(access_rules::id.eq(id));
    }
    query
        .load::<RuleRow>(conn)?
        .into_iter()
        .map(RuleRow::into_rule)
        .collect()
}

/// A rule's columns besides its id, account and creation time.
#[derive(Insertable, AsChangeset)]
#[diesel(table_name = access_rules, treat_none_as_null = true)]
struct RuleColumns<'a> {
    match_kind: &'a str,
    match_value: &'a str,
    match_key: String,
    role: Option<&'a str>,
    workspace_id: Option<WorkspaceId>,
    level: Option<&'a str>,
}

impl<'a> RuleColumns<'a> {
    fn of(spec: &'a RuleSpec, workspace: Option<WorkspaceId>) -> Self {
        Self {
            match_kind: spec.selector.kind(),
            match_value: spec.selector.value(),
            match_key: spec.selector.key(),
            role: spec.role.as_deref(),
            workspace_id: workspace,
            level: spec.level.as_deref(),
        }
    }
}

/// Inserts a rule; `workspace` is the id of the workspace its spec names.
pub fn insert(
    conn: &mut Conn,
    account: AccountId,
    rule: &Rule,
    workspace: Option<WorkspaceId>,
) -> Result<(), StoreError> {
    diesel::insert_into(access_rules::table)
        .values((
            access_rules::id.eq(rule.id),
            access_rules::account_id.eq(account),
            RuleColumns::of(&rule.spec, workspace),
            access_rules::created_at.eq(crate::clock::now()),
        ))
        .execute(conn)?;
    Ok(())
}

/// Rewrites the account's rule `rule.id` (keeping its place in the order);
/// false when it has none.
pub fn update(
    conn: &mut Conn,
    account: AccountId,
    rule: &Rule,
    workspace: Option<WorkspaceId>,
) -> Result<bool, StoreError> {
    let updated = diesel::update(
        access_rules::table
            .filter(access_rules::account_id.eq(account))
            .filter(access_rules::id.eq(rule.id)),
    )
    .set(RuleColumns::of(&rule.spec, workspace))
    .execute(conn)?;
    Ok(updated > 0)
}

/// Deletes the account's rule `id`; false when it has none.
pub fn delete(conn: &mut Conn, account: AccountId, id: RuleId) -> Result<bool, StoreError> {
    let deleted = diesel::delete(
        access_rules::table
            .filter(access_rules::account_id.eq(account))
            .filter(access_rules::id.eq(id)),
    )
    .execute(conn)?;
    Ok(deleted > 0)
}

/// Deletes the rules that grant a level in the workspace.
pub fn delete_in_workspace(conn: &mut Conn, workspace: WorkspaceId) -> Result<(), StoreError> {
    diesel::delete(access_rules::table.filter(access_rules::workspace_id.eq(workspace)))
        .execute(conn)?;
    Ok(())
}
