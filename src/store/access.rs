//! The access configuration (model, workspaces, rules) and effective access
//! (`member_roles`, `member_workspace_levels`), recomputed with set-based SQL
//! in the transaction of every change that affects it: a rule change on a
//! 50,000-member group is a few statements, not 50,000 round trips.
//!
//! The semantics are [`crate::access`]'s; [`recompute`] is their SQL form.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDateTime;
use diesel::prelude::*;
use uuid::Uuid;

use super::schema::{
    access_models, access_rules, account_roles, group_members, member_roles,
    member_workspace_levels, scim_groups, user_role_values, users, workspace_levels, workspaces,
};
use super::sql::{Bind, Sql};
use super::{Conn, StoreError, audit};
use crate::access::{AccessError, AccessModel, GroupFacts, Rule, RuleSpec, Selector};
use crate::audit::{Action, Entry, Origin, Resource};
use crate::model::{AccountId, GroupId, UserId, fold_case};

/// Whose access to recompute.
#[derive(Debug, Clone, Copy)]
pub enum Who<'a> {
    /// Every member of the account (a rule or model change).
    All,
    /// These members (a user change, a membership change).
    Users(&'a [UserId]),
    /// The members of this group (a group created, renamed, re-identified).
    MembersOf(GroupId),
    /// The members any of these selectors match: a rule's, before and after
    /// its change. No other member's access depends on that rule.
    Matching(&'a [Selector]),
}

/// A workspace of an account.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct Workspace {
    #[serde(skip)]
    pub id: String,
    pub slug: String,
    pub name: String,
    /// RFC 3339 in UTC (`2026-11-22T09:14:03.120Z`).
    #[serde(
        rename = "createdAt",
        serialize_with = "crate::clock::serialize_rfc3339"
    )]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: NaiveDateTime,
}

/// A member's stored effective access; `role: None` means no access at all
/// (inactive, or deleted).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EffectiveAccess {
    pub role: Option<String>,
    /// (workspace slug, level), by slug.
    pub levels: Vec<(String, String)>,
}

/// Gives a new account the default model ([`AccessModel::default`]).
pub fn seed_defaults(conn: &mut Conn, account: AccountId) -> Result<(), StoreError> {
    write_model(conn, account, &AccessModel::default())
}

fn write_model(conn: &mut Conn, account: AccountId, model: &AccessModel) -> Result<(), StoreError> {
    let account = account.to_string();
    diesel::delete(access_models::table.filter(access_models::account_id.eq(&account)))
        .execute(conn)?;
    diesel::insert_into(access_models::table)
        .values((
            access_models::account_id.eq(&account),
            access_models::default_role.eq(&model.default_role),
        ))
        .execute(conn)?;
    diesel::delete(account_roles::table.filter(account_roles::account_id.eq(&account)))
        .execute(conn)?;
    for (rank, name) in (0_i32..).zip(&model.roles) {
        diesel::insert_into(account_roles::table)
            .values((
                account_roles::account_id.eq(&account),
                account_roles::name.eq(name),
                account_roles::rank.eq(rank),
            ))
            .execute(conn)?;
    }
    diesel::delete(workspace_levels::table.filter(workspace_levels::account_id.eq(&account)))
        .execute(conn)?;
    for (rank, name) in (0_i32..).zip(&model.levels) {
        diesel::insert_into(workspace_levels::table)
            .values((
                workspace_levels::account_id.eq(&account),
                workspace_levels::name.eq(name),
                workspace_levels::rank.eq(rank),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// The account's access model.
pub fn model(conn: &mut Conn, account: AccountId) -> Result<AccessModel, StoreError> {
    let account = account.to_string();
    let default_role: String = access_models::table
        .find(&account)
        .select(access_models::default_role)
        .first(conn)
        .optional()?
        .ok_or_else(|| StoreError::Corrupt(format!("account {account} has no access model")))?;
    let roles = account_roles::table
        .filter(account_roles::account_id.eq(&account))
        .order(account_roles::rank)
        .select(account_roles::name)
        .load(conn)?;
    let levels = workspace_levels::table
        .filter(workspace_levels::account_id.eq(&account))
        .order(workspace_levels::rank)
        .select(workspace_levels::name)
        .load(conn)?;
    Ok(AccessModel {
        roles,
        default_role,
        levels,
    })
}

/// Replaces the model; a role or level that a rule uses cannot be removed.
/// Recomputes everyone's access (ranks may have moved).
pub fn replace_model(
    conn: &mut Conn,
    account: AccountId,
    origin: &Origin,
    model: &AccessModel,
) -> Result<(), StoreError> {
    model.validate()?;
    let before = self::model(conn, account)?;
    for rule in rules(conn, account)? {
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
    write_model(conn, account, model)?;
    let entry = Entry::changed(
        Resource::AccessModel,
        account.to_string(),
        Action::Replaced,
        Some(&before),
        Some(model),
    );
    audit::record_one(conn, account, origin, entry)?;
    recompute(conn, account, Who::All)
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = workspaces)]
struct WorkspaceRow {
    id: String,
    slug: String,
    name: String,
    created_at: NaiveDateTime,
}

impl From<WorkspaceRow> for Workspace {
    fn from(row: WorkspaceRow) -> Self {
        Self {
            id: row.id,
            slug: row.slug,
            name: row.name,
            created_at: row.created_at,
        }
    }
}

/// The account's workspaces, by slug.
pub fn workspaces(conn: &mut Conn, account: AccountId) -> Result<Vec<Workspace>, StoreError> {
    Ok(workspaces::table
        .filter(workspaces::account_id.eq(account.to_string()))
        .order(workspaces::slug)
        .select(WorkspaceRow::as_select())
        .load(conn)?
        .into_iter()
        .map(Workspace::from)
        .collect())
}

/// The account's workspace with this slug.
pub fn workspace(
    conn: &mut Conn,
    account: AccountId,
    slug: &str,
) -> Result<Option<Workspace>, StoreError> {
    Ok(workspaces::table
        .filter(workspaces::account_id.eq(account.to_string()))
        .filter(workspaces::slug.eq(slug))
        .select(WorkspaceRow::as_select())
        .first(conn)
        .optional()?
        .map(Workspace::from))
}

fn no_workspace(slug: &str) -> StoreError {
    AccessError::NotFound(format!("no workspace '{slug}' in this account")).into()
}

/// Creates a workspace; a taken slug is a conflict.
pub fn create_workspace(
    conn: &mut Conn,
    account: AccountId,
    origin: &Origin,
    slug: &str,
    name: &str,
) -> Result<Workspace, StoreError> {
    let workspace = Workspace {
        id: Uuid::now_v7().to_string(),
        slug: slug.to_owned(),
        name: name.to_owned(),
        created_at: crate::clock::now(),
    };
    diesel::insert_into(workspaces::table)
        .values((
            workspaces::id.eq(&workspace.id),
            workspaces::account_id.eq(account.to_string()),
            workspaces::slug.eq(&workspace.slug),
            workspaces::name.eq(&workspace.name),
            workspaces::created_at.eq(workspace.created_at),
        ))
        .execute(conn)
        .map_err(|error| match StoreError::from(error) {
            error if error.is_unique_violation() => {
                AccessError::Conflict(format!("workspace '{slug}' already exists")).into()
            }
            error => error,
        })?;
    let entry = Entry::changed(
        Resource::Workspace,
        &workspace.id,
        Action::Created,
        None,
        Some(&workspace),
    );
    audit::record_one(conn, account, origin, entry)?;
    Ok(workspace)
}

/// Renames a workspace.
pub fn rename_workspace(
    conn: &mut Conn,
    account: AccountId,
    origin: &Origin,
    slug: &str,
    name: &str,
) -> Result<Workspace, StoreError> {
    let before = workspace(conn, account, slug)?.ok_or_else(|| no_workspace(slug))?;
    let updated = diesel::update(
        workspaces::table
            .filter(workspaces::account_id.eq(account.to_string()))
            .filter(workspaces::slug.eq(slug)),
    )
    .set(workspaces::name.eq(name))
    .execute(conn)?;
    if updated == 0 {
        return Err(no_workspace(slug));
    }
    let after = workspace(conn, account, slug)?.ok_or_else(|| no_workspace(slug))?;
    let entry = Entry::changed(
        Resource::Workspace,
        &after.id,
        Action::Modified,
        Some(&before),
        Some(&after),
    );
    audit::record_one(conn, account, origin, entry)?;
    Ok(after)
}

/// Deletes a workspace, its rules and every level in it.
pub fn delete_workspace(
    conn: &mut Conn,
    account: AccountId,
    origin: &Origin,
    slug: &str,
) -> Result<(), StoreError> {
    let before = workspace(conn, account, slug)?.ok_or_else(|| no_workspace(slug))?;
    // Its rules go first and its members' access is recomputed, so those who
    // lose a level get their `access.changed` event; then the workspace.
    let holders = super::users::parse_ids(
        member_workspace_levels::table
            .filter(member_workspace_levels::workspace_id.eq(&before.id))
            .select(member_workspace_levels::user_id)
            .load(conn)?,
    )?;
    diesel::delete(access_rules::table.filter(access_rules::workspace_id.eq(&before.id)))
        .execute(conn)?;
    recompute(conn, account, Who::Users(&holders))?;
    let deleted = diesel::delete(
        workspaces::table
            .filter(workspaces::account_id.eq(account.to_string()))
            .filter(workspaces::slug.eq(slug)),
    )
    .execute(conn)?;
    if deleted == 0 {
        return Err(no_workspace(slug));
    }
    let entry = Entry::changed(
        Resource::Workspace,
        &before.id,
        Action::Deleted,
        Some(&before),
        None,
    );
    audit::record_one(conn, account, origin, entry)
}

#[derive(Queryable)]
struct RuleRow {
    id: String,
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
pub fn rules(conn: &mut Conn, account: AccountId) -> Result<Vec<Rule>, StoreError> {
    rules_where(conn, account, None)
}

/// The account's rule with this id.
pub fn rule(conn: &mut Conn, account: AccountId, id: &str) -> Result<Option<Rule>, StoreError> {
    Ok(rules_where(conn, account, Some(id))?.pop())
}

fn rules_where(
    conn: &mut Conn,
    account: AccountId,
    id: Option<&str>,
) -> Result<Vec<Rule>, StoreError> {
    let mut query = access_rules::table
        .left_join(workspaces::table)
        .filter(access_rules::account_id.eq(account.to_string()))
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
        query = query.filter(access_rules::id.eq(id.to_owned()));
    }
    query
        .load::<RuleRow>(conn)?
        .into_iter()
        .map(RuleRow::into_rule)
        .collect()
}

/// The rule's columns after checking it against the model and resolving its
/// workspace slug.
fn rule_columns(
    conn: &mut Conn,
    account: AccountId,
    spec: &RuleSpec,
) -> Result<Option<String>, StoreError> {
    spec.validate(&model(conn, account)?)?;
    spec.workspace
        .as_deref()
        .map(|slug| {
            workspace(conn, account, slug)?
                .map(|workspace| workspace.id)
                .ok_or_else(|| no_workspace(slug))
        })
        .transpose()
}

/// Creates a rule and applies it.
pub fn create_rule(
    conn: &mut Conn,
    account: AccountId,
    origin: &Origin,
    spec: &RuleSpec,
) -> Result<Rule, StoreError> {
    let workspace_id = rule_columns(conn, account, spec)?;
    let id = Uuid::now_v7().to_string();
    diesel::insert_into(access_rules::table)
        .values((
            access_rules::id.eq(&id),
            access_rules::account_id.eq(account.to_string()),
            access_rules::match_kind.eq(spec.selector.kind()),
            access_rules::match_value.eq(spec.selector.value().to_owned()),
            access_rules::match_key.eq(spec.selector.key()),
            access_rules::role.eq(&spec.role),
            access_rules::workspace_id.eq(&workspace_id),
            access_rules::level.eq(&spec.level),
            access_rules::created_at.eq(crate::clock::now()),
        ))
        .execute(conn)?;
    let rule = Rule {
        id,
        spec: spec.clone(),
    };
    let entry = Entry::changed(
        Resource::Rule,
        &rule.id,
        Action::Created,
        None,
        Some(&rule.spec),
    );
    audit::record_one(conn, account, origin, entry)?;
    recompute(
        conn,
        account,
        Who::Matching(std::slice::from_ref(&rule.spec.selector)),
    )?;
    Ok(rule)
}

fn no_rule(id: &str) -> StoreError {
    AccessError::NotFound(format!("no rule '{id}' in this account")).into()
}

/// Replaces a rule and applies the change.
pub fn replace_rule(
    conn: &mut Conn,
    account: AccountId,
    origin: &Origin,
    id: &str,
    spec: &RuleSpec,
) -> Result<Rule, StoreError> {
    let before = rule(conn, account, id)?.ok_or_else(|| no_rule(id))?;
    let workspace_id = rule_columns(conn, account, spec)?;
    let updated = diesel::update(
        access_rules::table
            .filter(access_rules::account_id.eq(account.to_string()))
            .filter(access_rules::id.eq(id)),
    )
    .set((
        access_rules::match_kind.eq(spec.selector.kind()),
        access_rules::match_value.eq(spec.selector.value().to_owned()),
        access_rules::match_key.eq(spec.selector.key()),
        access_rules::role.eq(&spec.role),
        access_rules::workspace_id.eq(&workspace_id),
        access_rules::level.eq(&spec.level),
    ))
    .execute(conn)?;
    if updated == 0 {
        return Err(no_rule(id));
    }
    let after = Rule {
        id: id.to_owned(),
        spec: spec.clone(),
    };
    let entry = Entry::changed(
        Resource::Rule,
        id,
        Action::Replaced,
        Some(&before.spec),
        Some(spec),
    );
    audit::record_one(conn, account, origin, entry)?;
    let selectors = [before.spec.selector, after.spec.selector.clone()];
    recompute(conn, account, Who::Matching(&selectors))?;
    Ok(after)
}

/// Deletes a rule and applies the change.
pub fn delete_rule(
    conn: &mut Conn,
    account: AccountId,
    origin: &Origin,
    id: &str,
) -> Result<(), StoreError> {
    let before = rule(conn, account, id)?.ok_or_else(|| no_rule(id))?;
    let deleted = diesel::delete(
        access_rules::table
            .filter(access_rules::account_id.eq(account.to_string()))
            .filter(access_rules::id.eq(id)),
    )
    .execute(conn)?;
    if deleted == 0 {
        return Err(no_rule(id));
    }
    let entry = Entry::changed(
        Resource::Rule,
        id,
        Action::Deleted,
        Some(&before.spec),
        None,
    );
    audit::record_one(conn, account, origin, entry)?;
    recompute(conn, account, Who::Matching(&[before.spec.selector]))
}

/// Rewrites a member's SCIM role values (for `scim_role` rules).
pub fn set_role_values(
    conn: &mut Conn,
    account: AccountId,
    user: UserId,
    values: &[String],
) -> Result<(), StoreError> {
    let user = user.to_string();
    diesel::delete(user_role_values::table.filter(user_role_values::user_id.eq(&user)))
        .execute(conn)?;
    let mut keys: Vec<String> = values.iter().map(|value| fold_case(value)).collect();
    keys.sort();
    keys.dedup();
    for key in keys {
        diesel::insert_into(user_role_values::table)
            .values((
                user_role_values::user_id.eq(&user),
                user_role_values::value_key.eq(key),
                user_role_values::account_id.eq(account.to_string()),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Appends ` AND <column> IN (who)` — nothing for [`Who::All`].
fn restrict(sql: &mut Sql, account: &str, column: &str, who: Who<'_>) {
    match who {
        Who::All => {}
        Who::Users(ids) => {
            sql.push(&format!(" AND {column} IN ("));
            sql.bind_list(ids.iter().map(|id| Bind::Text(id.to_string())));
            sql.push(")");
        }
        Who::MembersOf(group) => {
            sql.push(&format!(
                " AND {column} IN (SELECT group_members.user_id FROM group_members WHERE group_members.group_id = "
            ));
            sql.bind(Bind::Text(group.to_string()));
            sql.push(")");
        }
        Who::Matching(selectors) => {
            sql.push(" AND ");
            sql.append(matched_by(account, column, selectors));
        }
    }
}

/// `<column> IN (…)`: the account's members that any of the selectors
/// match, on the columns the branches of [`matches_cte`] compare.
fn matched_by(account: &str, column: &str, selectors: &[Selector]) -> Sql {
    let mut sql = Sql::raw(&format!("{column} IN ("));
    if selectors.is_empty() {
        sql.push("SELECT NULL WHERE 1 = 0");
    }
    for (index, selector) in selectors.iter().enumerate() {
        if index > 0 {
            sql.push(" UNION ");
        }
        let key = match selector {
            Selector::GroupId(_) => "scim_groups.id",
            Selector::GroupName(_) => "scim_groups.display_name_key",
            Selector::GroupExternalId(_) => "scim_groups.external_id",
            Selector::ScimRole(_) => "user_role_values.value_key",
        };
        sql.push(if let Selector::ScimRole(_) = selector {
            "SELECT user_role_values.user_id FROM user_role_values \
             WHERE user_role_values.account_id = "
        } else {
            "SELECT group_members.user_id FROM scim_groups \
             JOIN group_members ON group_members.group_id = scim_groups.id \
             WHERE scim_groups.account_id = "
        });
        sql.bind(Bind::Text(account.to_owned()));
        sql.push(&format!(" AND {key} = "));
        sql.bind(Bind::Text(selector.key()));
    }
    sql.push(")");
    sql
}

/// The ids of the account's members that any of the selectors match.
fn matched_members(
    conn: &mut Conn,
    account: AccountId,
    selectors: &[Selector],
) -> Result<Vec<UserId>, StoreError> {
    let account = account.to_string();
    users::table
        .filter(users::account_id.eq(&account))
        .filter(matched_by(&account, "users.id", selectors))
        .select(users::id)
        .load::<String>(conn)
        .map_err(StoreError::from)
        .and_then(super::users::parse_ids)
}

/// `WITH matches (user_id, rule_id) AS (…)`: the (member, rule) pairs that
/// apply in the account, for the members `who`. One branch per kind of
/// match, each able to use its index.
fn matches_cte(account: &str, who: Who<'_>) -> Sql {
    // MATERIALIZED: computed once, not once per member that reads it.
    // The join order is forced (SQLite runs a CROSS JOIN in the order
    // written; PostgreSQL plans it freely): from the few rules when every
    // member is recomputed, from the members' own rows otherwise — never
    // through all the members of a large group to recompute one person.
    let everyone = matches!(who, Who::All | Who::Matching(_));
    let mut sql = Sql::raw("WITH matches (user_id, rule_id) AS MATERIALIZED (");
    let branches = [
        ("group_id", "scim_groups.id"),
        ("group_name", "scim_groups.display_name_key"),
        ("group_external_id", "scim_groups.external_id"),
    ];
    for (kind, key) in branches {
        let tables = if everyone {
            "access_rules CROSS JOIN scim_groups CROSS JOIN group_members"
        } else {
            "group_members CROSS JOIN scim_groups CROSS JOIN access_rules"
        };
        sql.push(&format!(
            "SELECT group_members.user_id, access_rules.id FROM {tables} \
             WHERE group_members.group_id = scim_groups.id \
             AND scim_groups.account_id = access_rules.account_id AND {key} = access_rules.match_key \
             AND access_rules.match_kind = '{kind}' AND access_rules.account_id = "
        ));
        sql.bind(Bind::Text(account.to_owned()));
        restrict(&mut sql, account, "group_members.user_id", who);
        sql.push(" UNION ALL ");
    }
    let tables = if everyone {
        "access_rules CROSS JOIN user_role_values"
    } else {
        "user_role_values CROSS JOIN access_rules"
    };
    sql.push(&format!(
        "SELECT user_role_values.user_id, access_rules.id FROM {tables} \
         WHERE user_role_values.account_id = access_rules.account_id \
         AND user_role_values.value_key = access_rules.match_key \
         AND access_rules.match_kind = 'scim_role' AND access_rules.account_id = "
    ));
    sql.bind(Bind::Text(account.to_owned()));
    restrict(&mut sql, account, "user_role_values.user_id", who);
    sql.push(") ");
    sql
}

/// A member's stored access: its role (`None`: no access) and its level per
/// workspace slug.
type Held = (Option<String>, BTreeMap<String, String>);

/// The stored access of the members `ids` (every member of the account when
/// `None`), by member id.
fn snapshot(
    conn: &mut Conn,
    account: AccountId,
    ids: Option<&[UserId]>,
) -> Result<BTreeMap<String, Held>, StoreError> {
    let account = account.to_string();
    let mut held: BTreeMap<String, Held> = BTreeMap::new();
    let chunks: Vec<Option<Vec<String>>> = match ids {
        None => vec![None],
        Some(ids) => ids
            .chunks(SNAPSHOT_CHUNK)
            .map(|chunk| Some(chunk.iter().map(ToString::to_string).collect()))
            .collect(),
    };
    for chunk in chunks {
        let mut roles = member_roles::table
            .select((member_roles::user_id, member_roles::role))
            .into_boxed();
        let mut levels = member_workspace_levels::table
            .inner_join(workspaces::table)
            .select((
                member_workspace_levels::user_id,
                workspaces::slug,
                member_workspace_levels::level,
            ))
            .into_boxed();
        // By member ids alone (they are the account's: the caller read
        // them from it), never "account and ids": PostgreSQL caches the
        // prepared statement and its generic plan for the pair scans the
        // account's index, every member of it, for each write.
        match chunk.as_deref() {
            // One member: `= ?` stays prepared, `IN (…)` is parsed each time.
            Some([one]) => {
                roles = roles.filter(member_roles::user_id.eq(one.clone()));
                levels = levels.filter(member_workspace_levels::user_id.eq(one.clone()));
            }
            Some(chunk) => {
                roles = roles.filter(member_roles::user_id.eq_any(chunk.to_vec()));
                levels = levels.filter(member_workspace_levels::user_id.eq_any(chunk.to_vec()));
            }
            None => {
                roles = roles.filter(member_roles::account_id.eq(&account));
                levels = levels.filter(member_workspace_levels::account_id.eq(&account));
            }
        }
        for (user, role) in roles.load::<(String, String)>(conn)? {
            held.entry(user).or_default().0 = Some(role);
        }
        for (user, slug, level) in levels.load::<(String, String, String)>(conn)? {
            held.entry(user).or_default().1.insert(slug, level);
        }
    }
    Ok(held)
}

fn held_json((role, levels): &Held) -> serde_json::Value {
    serde_json::json!({
        "role": role,
        "workspaces": levels
            .iter()
            .map(|(workspace, level)| serde_json::json!({"workspace": workspace, "level": level}))
            .collect::<Vec<_>>(),
    })
}

/// The stored access of one member, as events carry it.
pub fn held_by(
    conn: &mut Conn,
    account: AccountId,
    user: UserId,
) -> Result<serde_json::Value, StoreError> {
    let held = snapshot(conn, account, Some(&[user]))?;
    Ok(held_json(
        held.get(&user.to_string()).unwrap_or(&Held::default()),
    ))
}

/// Recomputes the effective access of the members `who` from the current
/// users, groups, memberships, rules and model (see [`crate::access`]), and
/// records an `access.changed` event for each member whose access changed.
pub fn recompute(conn: &mut Conn, account: AccountId, who: Who<'_>) -> Result<(), StoreError> {
    // Each member's access depends only on its own rows, so a long list is
    // recomputed a chunk at a time: its ids are bound in several statements
    // of the recomputation, and a group's 10,000 members bound five times
    // over passed SQLite's 32,766 bound values.
    if let Who::Users(ids) = who
        && ids.len() > RECOMPUTE_CHUNK
    {
        return ids
            .chunks(RECOMPUTE_CHUNK)
            .try_for_each(|chunk| recompute(conn, account, Who::Users(chunk)));
    }
    let members = match who {
        Who::All => None,
        Who::Users(ids) => Some(ids.to_vec()),
        Who::MembersOf(group) => Some(super::groups::member_ids(conn, group)?),
        Who::Matching(selectors) => Some(matched_members(conn, account, selectors)?),
    };
    let before = snapshot(conn, account, members.as_deref())?;
    write_access(conn, account, who)?;
    // The access after, read and compared a chunk of members at a time: a
    // rule change on 50,000 members holds one snapshot, not two, and its
    // events are written as they are found.
    let chunks: Vec<Option<&[UserId]>> = match members.as_deref() {
        None => vec![None],
        Some(ids) => ids.chunks(SNAPSHOT_CHUNK).map(Some).collect(),
    };
    let none = Held::default();
    for chunk in chunks {
        let after = snapshot(conn, account, chunk)?;
        let mut changed: BTreeSet<&String> = after.keys().collect();
        match chunk {
            None => changed.extend(before.keys()),
            Some(ids) => changed.extend(
                ids.iter()
                    .filter_map(|id| before.get_key_value(&id.to_string()))
                    .map(|(user, _)| user),
            ),
        }
        let events = changed.into_iter().filter_map(|user| {
            let old = before.get(user).unwrap_or(&none);
            let new = after.get(user).unwrap_or(&none);
            (old != new).then(|| {
                let data = serde_json::json!({
                    "member": user,
                    "old": held_json(old),
                    "new": held_json(new),
                });
                (user.parse().ok(), data)
            })
        });
        super::events::append_all(conn, account, "access.changed", events)?;
    }
    Ok(())
}

/// Members per snapshot query (an `IN` list of ids).
const SNAPSHOT_CHUNK: usize = 500;
/// The most members one recomputation names: its statements bind the list
/// up to five times, far below SQLite's 32,766 and PostgreSQL's 65,535
/// bound values.
const RECOMPUTE_CHUNK: usize = 2000;

fn write_access(conn: &mut Conn, account: AccountId, who: Who<'_>) -> Result<(), StoreError> {
    let account = account.to_string();
    // One member (a create, an update, a membership change of one) is most
    // writes; on SQLite its four statements stay prepared, where parsing
    // them was a third of a create. PostgreSQL keeps planning them per
    // member (a generic plan of the CTE is not better for one member).
    let one_on_sqlite = matches!(who, Who::Users([_]))
        && super::sql::Dialect::of(conn) == super::sql::Dialect::Sqlite;
    let prepared = |sql: Sql| {
        if one_on_sqlite {
            sql.keep_prepared()
        } else {
            sql
        }
    };
    for table in ["member_roles", "member_workspace_levels"] {
        let mut delete = Sql::raw(&format!("DELETE FROM {table} WHERE account_id = "));
        delete.bind(Bind::Text(account.clone()));
        restrict(&mut delete, &account, "user_id", who);
        prepared(delete).execute(conn)?;
    }
    // Roles: every active member gets one: the highest its rules give, else
    // the default. A join on the best rank per member, not a subquery per
    // member: PostgreSQL has no index on a materialized CTE, and scanned
    // it once for each of the account's members (minutes at 100,000).
    let mut roles = matches_cte(&account, who);
    roles.push(
        "INSERT INTO member_roles (user_id, account_id, role) \
         SELECT users.id, users.account_id, COALESCE(account_roles.name, access_models.default_role) \
         FROM users \
         LEFT JOIN (\
           SELECT matches.user_id AS user_id, MAX(account_roles.rank) AS best_rank \
             FROM matches \
             JOIN access_rules ON access_rules.id = matches.rule_id \
             JOIN account_roles ON account_roles.account_id = access_rules.account_id \
               AND account_roles.name = access_rules.role \
            GROUP BY matches.user_id) best ON best.user_id = users.id \
         LEFT JOIN account_roles ON account_roles.account_id = users.account_id \
           AND account_roles.rank = best.best_rank \
         LEFT JOIN access_models ON access_models.account_id = users.account_id \
         WHERE users.active = ",
    );
    roles.bind(Bind::Bool(true));
    roles.push(" AND users.account_id = ");
    roles.bind(Bind::Text(account.clone()));
    restrict(&mut roles, &account, "users.id", who);
    prepared(roles).execute(conn)?;
    // Levels: per (active member, workspace), the highest its rules give.
    let mut levels = matches_cte(&account, who);
    levels.push(
        "INSERT INTO member_workspace_levels (user_id, workspace_id, account_id, level) \
         SELECT best.user_id, best.workspace_id, workspace_levels.account_id, workspace_levels.name FROM (\
           SELECT matches.user_id AS user_id, access_rules.workspace_id AS workspace_id, \
                  MAX(workspace_levels.rank) AS best_rank, access_rules.account_id AS account_id \
             FROM matches \
             JOIN access_rules ON access_rules.id = matches.rule_id \
             JOIN workspace_levels ON workspace_levels.account_id = access_rules.account_id \
               AND workspace_levels.name = access_rules.level \
             JOIN users ON users.id = matches.user_id AND users.active = ",
    );
    levels.bind(Bind::Bool(true));
    levels.push(
        " WHERE access_rules.workspace_id IS NOT NULL \
           GROUP BY matches.user_id, access_rules.workspace_id, access_rules.account_id) best \
         JOIN workspace_levels ON workspace_levels.account_id = best.account_id \
           AND workspace_levels.rank = best.best_rank",
    );
    prepared(levels).execute(conn)?;
    Ok(())
}

/// A member's stored effective access.
pub fn effective(
    conn: &mut Conn,
    account: AccountId,
    user: UserId,
) -> Result<EffectiveAccess, StoreError> {
    let (account, user) = (account.to_string(), user.to_string());
    let role = member_roles::table
        .find(&user)
        .filter(member_roles::account_id.eq(&account))
        .select(member_roles::role)
        .load(conn)
        .map(super::at_most_one)?;
    let levels = member_workspace_levels::table
        .inner_join(workspaces::table)
        .filter(member_workspace_levels::user_id.eq(&user))
        .filter(member_workspace_levels::account_id.eq(&account))
        .order(workspaces::slug)
        .select((workspaces::slug, member_workspace_levels::level))
        .load(conn)?;
    Ok(EffectiveAccess { role, levels })
}

/// What rules see of a member: its groups and SCIM role values.
pub fn facts(conn: &mut Conn, user: UserId) -> Result<(Vec<GroupFacts>, Vec<String>), StoreError> {
    let user = user.to_string();
    let groups = group_members::table
        .inner_join(scim_groups::table)
        .filter(group_members::user_id.eq(&user))
        .order(scim_groups::display_name_key)
        .select((
            scim_groups::id,
            scim_groups::display_name,
            scim_groups::external_id,
        ))
        .load::<(String, String, Option<String>)>(conn)?
        .into_iter()
        .map(|(id, display_name, external_id)| GroupFacts {
            id,
            display_name,
            external_id,
        })
        .collect();
    let role_values = user_role_values::table
        .filter(user_role_values::user_id.eq(&user))
        .order(user_role_values::value_key)
        .select(user_role_values::value_key)
        .load(conn)?;
    Ok((groups, role_values))
}

/// A member with a level in a workspace.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct WorkspaceMember {
    pub id: String,
    #[serde(rename = "userName")]
    pub user_name: String,
    pub level: String,
}

/// The members with a level in the account's workspace `slug` (by userName),
/// `limit` after `offset`, and their total.
pub fn workspace_members(
    conn: &mut Conn,
    account: AccountId,
    slug: &str,
    offset: i64,
    limit: i64,
) -> Result<(i64, Vec<WorkspaceMember>), StoreError> {
    use super::schema::users;
    let workspace = workspace(conn, account, slug)?.ok_or_else(|| no_workspace(slug))?;
    let in_workspace = || {
        member_workspace_levels::table
            .inner_join(users::table)
            .filter(member_workspace_levels::workspace_id.eq(workspace.id.clone()))
    };
    let total = in_workspace().count().get_result(conn)?;
    let members = in_workspace()
        .order((users::user_name_key, users::id))
        .offset(offset)
        .limit(limit)
        .select((users::id, users::user_name, member_workspace_levels::level))
        .load::<(String, String, String)>(conn)?
        .into_iter()
        .map(|(id, user_name, level)| WorkspaceMember {
            id,
            user_name,
            level,
        })
        .collect();
    Ok((total, members))
}

/// A member's access as the API and the CLI show it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct MemberAccess {
    pub id: String,
    #[serde(rename = "userName")]
    pub user_name: String,
    pub active: bool,
    /// `None` (`null`): no access at all (inactive).
    pub role: Option<String>,
    pub workspaces: Vec<WorkspaceLevel>,
    /// The rules that match the member, and through which group or role value.
    pub explanation: Vec<crate::access::Reason>,
}

/// A member's level in a workspace (one shape for every API that lists them).
pub use crate::access::WorkspaceLevel;

/// A member's stored access, with the rules that explain it.
pub fn member_access(
    conn: &mut Conn,
    account: AccountId,
    user: &super::users::StoredUser,
) -> Result<MemberAccess, StoreError> {
    let stored = effective(conn, account, user.id)?;
    let (groups, role_values) = facts(conn, user.id)?;
    let rules = rules(conn, account)?;
    let text = |name: &str| {
        user.document
            .get(name)
            .and_then(serde_json::Value::as_str)
            .map(str::to_owned)
    };
    Ok(MemberAccess {
        id: user.id.to_string(),
        user_name: text("userName").unwrap_or_default(),
        active: user
            .document
            .get("active")
            .and_then(serde_json::Value::as_bool)
            .unwrap_or(true),
        role: stored.role,
        workspaces: stored
            .levels
            .into_iter()
            .map(|(workspace, level)| WorkspaceLevel { workspace, level })
            .collect(),
        explanation: crate::access::explain(&rules, &groups, &role_values),
    })
}

/// The account's active members with this role, by userName: (id, userName).
/// A role the account's model does not have is refused (a typo would
/// otherwise answer "nobody").
pub fn members_with_role(
    conn: &mut Conn,
    account: AccountId,
    role: &str,
) -> Result<Vec<(String, String)>, StoreError> {
    use super::schema::users;
    let model = model(conn, account)?;
    if model.role_rank(role).is_none() {
        return Err(AccessError::Invalid(format!(
            "'{role}' is not one of the account's roles ({})",
            model.roles.join(", ")
        ))
        .into());
    }
    Ok(member_roles::table
        .inner_join(users::table)
        .filter(member_roles::account_id.eq(account.to_string()))
        .filter(member_roles::role.eq(role))
        .order(users::user_name_key)
        .select((users::id, users::user_name))
        .load(conn)?)
}

/// A change to the rules, as a preview takes it.
#[derive(Debug, Clone, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum RuleChange {
    Create(RuleSpec),
    Replace { id: String, rule: RuleSpec },
    Delete { id: String },
}

/// A member whose access a change would alter.
#[derive(Debug, Clone, PartialEq, serde::Serialize, utoipa::ToSchema)]
pub struct AccessDiff {
    pub member: String,
    #[serde(rename = "userName")]
    pub user_name: String,
    /// `{"role": …, "workspaces": [{"workspace": …, "level": …}]}`; a `null` role is no access.
    #[schema(value_type = Object)]
    pub old: serde_json::Value,
    /// The same after the change.
    #[schema(value_type = Object)]
    pub new: serde_json::Value,
}

/// Why the preview's transaction ends: always rolled back.
enum PreviewEnd {
    Done(Vec<AccessDiff>),
    Failed(StoreError),
}

impl From<StoreError> for PreviewEnd {
    fn from(error: StoreError) -> Self {
        Self::Failed(error)
    }
}

/// Who would gain and who would lose what if `change` were applied: the
/// change is made and measured inside a transaction that is then rolled
/// back, so the preview is exactly what applying would do, and changes nothing.
pub fn preview(
    conn: &mut Conn,
    account: AccountId,
    change: &RuleChange,
) -> Result<Vec<AccessDiff>, StoreError> {
    let outcome = super::account_transaction(conn, account, |conn| -> Result<(), PreviewEnd> {
        let before = snapshot(conn, account, None)?;
        // Rolled back below: neither this origin nor the events are kept.
        let origin = Origin::cli();
        match change {
            RuleChange::Create(spec) => create_rule(conn, account, &origin, spec).map(drop)?,
            RuleChange::Replace { id, rule } => {
                replace_rule(conn, account, &origin, id, rule).map(drop)?;
            }
            RuleChange::Delete { id } => delete_rule(conn, account, &origin, id)?,
        }
        let after = snapshot(conn, account, None)?;
        let none = Held::default();
        let changed: BTreeSet<&String> = before.keys().chain(after.keys()).collect();
        let mut diffs = Vec::new();
        for member in changed {
            let (old, new) = (
                before.get(member).unwrap_or(&none),
                after.get(member).unwrap_or(&none),
            );
            if old != new {
                let user_name = super::schema::users::table
                    .find(member)
                    .select(super::schema::users::user_name)
                    .first(conn)
                    .map_err(StoreError::from)?;
                diffs.push(AccessDiff {
                    member: member.clone(),
                    user_name,
                    old: held_json(old),
                    new: held_json(new),
                });
            }
        }
        Err(PreviewEnd::Done(diffs))
    });
    match outcome {
        Err(PreviewEnd::Done(diffs)) => Ok(diffs),
        Err(PreviewEnd::Failed(error)) => Err(error),
        Ok(()) => Err(StoreError::Corrupt("a preview was committed".into())),
    }
}

#[cfg(test)]
mod tests {
    use diesel::sql_types::{Integer, Text};
    use diesel::sqlite::Sqlite;

    use super::*;
    use crate::store::{DatabaseUrl, migrate, open_pool};

    #[derive(QueryableByName)]
    struct PlanStep {
        #[diesel(sql_type = Integer)]
        #[expect(dead_code, reason = "the plan's column; the tests read only `detail`")]
        id: i32,
        #[diesel(sql_type = Text)]
        detail: String,
    }

    /// Recomputing one member must not walk the members of the groups it
    /// belongs to: a single-member PATCH on a 50,000-member group stays O(1).
    #[test]
    fn recomputing_one_member_reads_only_its_own_rows() {
        let dir = tempfile::tempdir().unwrap();
        let url = DatabaseUrl::parse(&dir.path().join("plan.db").display().to_string()).unwrap();
        let pool = open_pool(&url, 1).unwrap();
        let mut conn = pool.get().unwrap();
        migrate(&mut conn).unwrap();
        let one = [UserId::new()];
        let mut statement = matches_cte("account", Who::Users(&one));
        statement.push("SELECT user_id FROM matches");
        let sql = diesel::debug_query::<Sqlite, _>(&statement).to_string();
        let sql = sql.split(" -- binds:").next().unwrap();
        let plan = diesel::sql_query(format!("EXPLAIN QUERY PLAN {sql}"))
            .load::<PlanStep>(&mut *conn)
            .unwrap()
            .into_iter()
            .map(|step| step.detail)
            .collect::<Vec<_>>()
            .join("; ");
        assert!(!plan.contains("SCAN group_members"), "{plan}");
        assert!(!plan.contains("SCAN scim_groups"), "{plan}");
        assert!(plan.contains("group_members_user"), "{plan}");
    }
}
