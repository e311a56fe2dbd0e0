//! Why a member has its access ([`explain`]: the rules that match it, and
//! through which group or SCIM role value; then its direct grants) and what
//! that access is ([`effective`]: the highest role, else the default, and
//! the highest level per workspace). Pure; the store computes the same with
//! SQL (`store::access`).

use chrono::NaiveDateTime;
use serde::Serialize;

use super::{AccessModel, GroupFacts, Rule, Selector, grants};
use crate::model::fold_case;
use crate::model::{GroupId, RuleId, name_key};

/// Why a member has what it has: one rule that matched, and through what,
/// or one direct grant (then without `rule`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Reason {
    /// The rule; absent for a direct grant.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub rule: Option<RuleId>,
    /// `group` (with its id and displayName), `scim_role` (with the value),
    /// `grant` (an admin's direct grant, with its source `admin` and when it
    /// was given), or `entitlement` (a `roles` or `entitlements` value the
    /// IdP assigned, with the attribute and the value; `unmatched` when it
    /// names no Role or Entitlement).
    pub via: Via,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub workspace: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub level: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(
    tag = "kind",
    rename_all = "snake_case",
    rename_all_fields = "camelCase"
)]
pub enum Via {
    Group {
        #[schema(value_type = String)]
        id: GroupId,
        display_name: String,
    },
    ScimRole {
        value: String,
    },
    Grant {
        source: String,
        #[serde(serialize_with = "crate::clock::serialize_rfc3339")]
        #[schema(value_type = String, format = DateTime)]
        granted_at: NaiveDateTime,
    },
    /// A value the identity provider assigned (issue 19): `attribute` is
    /// `roles` or `entitlements`, `value` the Role or Entitlement id it
    /// names; `unmatched` when it names none (kept, grants nothing).
    Entitlement {
        attribute: String,
        value: String,
        #[serde(skip_serializing_if = "std::ops::Not::not")]
        unmatched: bool,
    },
}

/// The rules that match a member with these groups and SCIM role values,
/// and through what, in rule order; then the member's direct grants.
pub fn explain(
    rules: &[Rule],
    groups: &[GroupFacts],
    role_values: &[String],
    grants: &[grants::Grant],
) -> Vec<Reason> {
    let mut reasons = Vec::new();
    for rule in rules {
        let reason = |via: Via| Reason {
            rule: Some(rule.id),
            via,
            role: rule.spec.role.clone(),
            workspace: rule.spec.workspace.clone(),
            level: rule.spec.level.clone(),
        };
        match &rule.spec.selector {
            Selector::ScimRole(value) => {
                let key = fold_case(value);
                if let Some(found) = role_values.iter().find(|v| fold_case(v) == key) {
                    reasons.push(reason(Via::ScimRole {
                        value: found.clone(),
                    }));
                }
            }
            selector => {
                for group in groups.iter().filter(|group| matches_group(selector, group)) {
                    reasons.push(reason(Via::Group {
                        id: group.id,
                        display_name: group.display_name.clone(),
                    }));
                }
            }
        }
    }
    reasons.extend(grants.iter().map(grants::Grant::reason));
    reasons
}

/// Whether `selector` names `group`: by displayName (case-insensitively,
/// as [`name_key`] compares), externalId or id. A SCIM role names none.
pub fn matches_group(selector: &Selector, group: &GroupFacts) -> bool {
    match selector {
        Selector::GroupName(name) => name_key(name) == name_key(&group.display_name),
        Selector::GroupExternalId(id) => group.external_id.as_deref() == Some(id.as_str()),
        Selector::GroupId(id) => *id == group.id.to_string(),
        Selector::ScimRole(_) => false,
    }
}

/// Effective access from the reasons that apply to an active member: the
/// highest role (else the default) and the highest level per workspace.
pub fn effective(model: &AccessModel, reasons: &[Reason]) -> (String, Vec<(String, String)>) {
    let role = reasons
        .iter()
        .filter_map(|reason| reason.role.as_deref())
        .filter_map(|role| Some((model.role_rank(role)?, role)))
        .max()
        .map_or_else(|| model.default_role.clone(), |(_, role)| role.to_owned());
    let mut levels: Vec<(String, String)> = Vec::new();
    for reason in reasons {
        let (Some(workspace), Some(level)) = (&reason.workspace, &reason.level) else {
            continue;
        };
        let Some(rank) = model.level_rank(level) else {
            continue;
        };
        match levels.iter_mut().find(|(known, _)| known == workspace) {
            Some((_, current)) if model.level_rank(current).is_some_and(|r| r < rank) => {
                *current = level.clone();
            }
            Some(_) => {}
            None => levels.push((workspace.clone(), level.clone())),
        }
    }
    levels.sort();
    (role, levels)
}
