//! Access rules: what a rule matches and what it grants. Creating,
//! replacing and deleting one is audited and recomputes the access of
//! exactly the members its selector matches, before and after the change
//! (no other member's access depends on that rule); a preview makes the
//! change in a transaction it rolls back, and reports who would gain or
//! lose what.

use std::collections::BTreeSet;

use serde::Serialize;
use serde_json::Value;

use super::super::{Caller, Error};
use super::{held_json, no_workspace};
use crate::access::{Rule, RuleSpec};
use crate::audit::{Action, Entry, Origin, Resource};
use crate::model::{AccountId, RuleId, UserId, WorkspaceId};
use crate::store::access::{Held, Who};
use crate::store::{self, Conn, StoreError};

fn no_rule(id: impl std::fmt::Display) -> Error {
    Error::NotFound(format!("no rule '{id}' in this account"))
}

/// The rule id a caller names: as Roster writes ids (lowercase, hyphenated),
/// else it names no rule (404).
pub fn id(text: &str) -> Result<RuleId, Error> {
    text.parse()
        .ok()
        .filter(|id: &RuleId| id.to_string() == text)
        .ok_or_else(|| no_rule(text))
}

/// The account's rules, oldest first.
pub fn list(conn: &mut Conn, account: AccountId) -> Result<Vec<Rule>, Error> {
    Ok(store::access::rules::list(conn, account)?)
}

/// The account's rule `id`.
pub fn get(conn: &mut Conn, account: AccountId, id: RuleId) -> Result<Rule, Error> {
    store::access::rules::find(conn, account, id)?.ok_or_else(|| no_rule(id))
}

/// Creates a rule (400 when it does not fit the model, 404 when its
/// workspace does not exist) and applies it.
pub fn create(conn: &mut Conn, caller: &Caller<'_>, spec: &RuleSpec) -> Result<Rule, Error> {
    store::account_transaction(conn, caller.account, |conn| {
        create_in(conn, caller.account, caller.origin, spec)
    })
}

/// Replaces the rule `id` (404 when absent) and applies the change.
pub fn replace(
    conn: &mut Conn,
    caller: &Caller<'_>,
    id: RuleId,
    spec: &RuleSpec,
) -> Result<Rule, Error> {
    store::account_transaction(conn, caller.account, |conn| {
        replace_in(conn, caller.account, caller.origin, id, spec)
    })
}

/// Deletes the rule `id` (404 when absent) and applies the change.
pub fn delete(conn: &mut Conn, caller: &Caller<'_>, id: RuleId) -> Result<(), Error> {
    store::account_transaction(conn, caller.account, |conn| {
        delete_in(conn, caller.account, caller.origin, id)
    })
}

/// The workspace the rule gives a level in, after checking the rule
/// against the model.
fn checked(
    conn: &mut Conn,
    account: AccountId,
    spec: &RuleSpec,
) -> Result<Option<WorkspaceId>, Error> {
    spec.validate(&store::access::model::read(conn, account)?)?;
    spec.workspace
        .as_deref()
        .map(|slug| {
            store::access::workspaces::find(conn, account, slug)?
                .map(|workspace| workspace.id)
                .ok_or_else(|| no_workspace(slug))
        })
        .transpose()
}

fn create_in(
    conn: &mut Conn,
    account: AccountId,
    origin: &Origin,
    spec: &RuleSpec,
) -> Result<Rule, Error> {
    let workspace = checked(conn, account, spec)?;
    let rule = Rule {
        id: RuleId::new(),
        spec: spec.clone(),
    };
    store::access::rules::insert(conn, account, &rule, workspace)?;
    let entry = Entry::changed(
        Resource::Rule,
        rule.id.to_string(),
        Action::Created,
        None,
        Some(&rule.spec),
    );
    store::audit::record_one(conn, account, origin, entry)?;
    let selectors = std::slice::from_ref(&rule.spec.selector);
    super::recompute(conn, account, Who::Matching(selectors))?;
    Ok(rule)
}

fn replace_in(
    conn: &mut Conn,
    account: AccountId,
    origin: &Origin,
    id: RuleId,
    spec: &RuleSpec,
) -> Result<Rule, Error> {
    let before = get(conn, account, id)?;
    let workspace = checked(conn, account, spec)?;
    let after = Rule {
        id,
        spec: spec.clone(),
    };
    if !store::access::rules::update(conn, account, &after, workspace)? {
        return Err(no_rule(id));
    }
    let entry = Entry::changed(
        Resource::Rule,
        id.to_string(),
        Action::Replaced,
        Some(&before.spec),
        Some(spec),
    );
    store::audit::record_one(conn, account, origin, entry)?;
    let selectors = [before.spec.selector, after.spec.selector.clone()];
    super::recompute(conn, account, Who::Matching(&selectors))?;
    Ok(after)
}

fn delete_in(
    conn: &mut Conn,
    account: AccountId,
    origin: &Origin,
    id: RuleId,
) -> Result<(), Error> {
    let before = get(conn, account, id)?;
    if !store::access::rules::delete(conn, account, id)? {
        return Err(no_rule(id));
    }
    let entry = Entry::changed(
        Resource::Rule,
        id.to_string(),
        Action::Deleted,
        Some(&before.spec),
        None,
    );
    store::audit::record_one(conn, account, origin, entry)?;
    super::recompute(conn, account, Who::Matching(&[before.spec.selector]))?;
    Ok(())
}

/// A change to the rules, as a preview takes it.
#[derive(Debug, Clone)]
pub enum RuleChange {
    Create(RuleSpec),
    Replace { id: RuleId, rule: RuleSpec },
    Delete { id: RuleId },
}

/// A member whose access a change would alter.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct AccessDiff {
    #[schema(value_type = String)]
    pub member: UserId,
    #[serde(rename = "userName")]
    pub user_name: String,
    /// `{"role": …, "workspaces": [{"workspace": …, "level": …}]}`; a `null` role is no access.
    #[schema(value_type = Object)]
    pub old: Value,
    /// The same after the change.
    #[schema(value_type = Object)]
    pub new: Value,
}

/// Why the preview's transaction ends: always rolled back.
enum PreviewEnd {
    Done(Vec<AccessDiff>),
    Failed(Error),
}

impl From<Error> for PreviewEnd {
    fn from(error: Error) -> Self {
        Self::Failed(error)
    }
}

impl From<StoreError> for PreviewEnd {
    fn from(error: StoreError) -> Self {
        Self::Failed(error.into())
    }
}

/// Who would gain and who would lose what if `change` were applied, by
/// member id: the change is made and measured inside a transaction that is
/// then rolled back, so the preview is exactly what applying would do, and
/// changes nothing.
pub fn preview(
    conn: &mut Conn,
    account: AccountId,
    change: &RuleChange,
) -> Result<Vec<AccessDiff>, Error> {
    let outcome = store::account_transaction(conn, account, |conn| -> Result<(), PreviewEnd> {
        let before = store::access::held::held_by_all(conn, account)?;
        // Rolled back below: neither this origin nor the events are kept.
        let origin = Origin::cli();
        match change {
            RuleChange::Create(spec) => create_in(conn, account, &origin, spec).map(drop)?,
            RuleChange::Replace { id, rule } => {
                replace_in(conn, account, &origin, *id, rule).map(drop)?;
            }
            RuleChange::Delete { id } => delete_in(conn, account, &origin, *id)?,
        }
        let after = store::access::held::held_by_all(conn, account)?;
        let none = Held::default();
        let changed: Vec<UserId> = before
            .keys()
            .chain(after.keys())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .filter(|member| {
                before.get(member).unwrap_or(&none) != after.get(member).unwrap_or(&none)
            })
            .copied()
            .collect();
        let mut user_names = store::access::members::user_names(conn, &changed)?;
        let diffs = changed
            .into_iter()
            .map(|member| {
                let user_name = user_names.remove(&member).ok_or_else(|| {
                    StoreError::Corrupt(format!("member {member} has access and no row"))
                })?;
                Ok(AccessDiff {
                    member,
                    user_name,
                    old: held_json(before.get(&member).unwrap_or(&none)),
                    new: held_json(after.get(&member).unwrap_or(&none)),
                })
            })
            .collect::<Result<_, StoreError>>()?;
        Err(PreviewEnd::Done(diffs))
    });
    match outcome {
        Err(PreviewEnd::Done(diffs)) => Ok(diffs),
        Err(PreviewEnd::Failed(error)) => Err(error),
        Ok(()) => Err(StoreError::Corrupt("a preview was committed".into()).into()),
    }
}
