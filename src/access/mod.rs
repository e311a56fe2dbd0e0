//! The access model (PRODUCT.md "The model"): an account's ordered roles and
//! workspace levels, the rules that map IdP groups (or SCIM role values) to
//! them, and how a member's effective access follows — pure, without storage
//! or HTTP.
//!
//! Effective access: an inactive or deleted member has nothing. Otherwise
//! the role is the highest role among the rules that match the member (else
//! the account's default role), and each workspace level is the highest
//! among the rules for that workspace (else no access). Direct grants
//! ([`grants`]) join the rules under the same "highest wins". The store
//! computes the same with set-based SQL (`store::access`); [`explain`] says
//! which rules and groups, and which grants, produced a member's access.

pub mod entitlements;
mod explain;
pub mod grants;
pub mod review;
pub mod sign_off;
pub mod team;

pub use explain::{Reason, Via, effective, explain, matches_group};

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};

use crate::model::{GroupId, RuleId, WorkspaceId, fold_case, name_key};

/// What a request to change the access configuration got wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AccessError {
    /// The request itself is wrong (400).
    #[error("{0}")]
    Invalid(String),
    /// It contradicts what exists (409): a name in use, a duplicate slug.
    #[error("{0}")]
    Conflict(String),
    /// It names something that does not exist (404).
    #[error("{0}")]
    NotFound(String),
}

/// A member's level in one workspace: every API lists a member's levels as
/// an array of these, sorted by workspace (`[{"workspace","level"}]`).
#[derive(
    Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema,
)]
#[serde(deny_unknown_fields)]
pub struct WorkspaceLevel {
    pub workspace: String,
    pub level: String,
}

/// A workspace of an account: where members get a level (its id stays
/// internal; the API names a workspace by its slug).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Workspace {
    #[serde(skip)]
    pub id: WorkspaceId,
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

/// An account's roles and workspace levels, each ordered from least to most
/// access, the role of a member no rule gives one, and whether the identity
/// provider's `roles` and `entitlements` values are direct grants
/// ([`entitlements`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AccessModel {
    pub roles: Vec<String>,
    pub default_role: String,
    pub levels: Vec<String>,
    /// A User's `roles[].value` naming one of the roles, and its
    /// `entitlements[].value` naming a workspace level (`<workspace>:<level>`),
    /// are direct grants (source `entitlement`). Default `true`; left out of
    /// a replacement, it is `true`.
    #[serde(default = "entitlement_grants_default")]
    pub entitlement_grants: bool,
}

fn entitlement_grants_default() -> bool {
    true
}

impl Default for AccessModel {
    /// `member` < `admin`; `viewer` < `editor` < `admin`.
    fn default() -> Self {
        Self {
            roles: vec!["member".into(), "admin".into()],
            default_role: "member".into(),
            levels: vec!["viewer".into(), "editor".into(), "admin".into()],
            entitlement_grants: true,
        }
    }
}

/// The longest role, level or workspace name.
pub const MAX_NAME_LEN: usize = 64;

fn check_names(what: &str, names: &[String]) -> Result<(), AccessError> {
    if names.is_empty() {
        return Err(AccessError::Invalid(format!(
            "{what} must list at least one name"
        )));
    }
    for (index, name) in names.iter().enumerate() {
        if name.trim().is_empty() || name.len() > MAX_NAME_LEN || name.trim() != name {
            return Err(AccessError::Invalid(format!(
                "{what}: '{name}' is not a name (1 to {MAX_NAME_LEN} bytes, no surrounding spaces)"
            )));
        }
        if names[..index].contains(name) {
            return Err(AccessError::Invalid(format!(
                "{what}: '{name}' is listed twice"
            )));
        }
    }
    Ok(())
}

impl AccessModel {
    /// Checks the lists (non-empty, distinct names) and that the default
    /// role is one of the roles.
    pub fn validate(&self) -> Result<(), AccessError> {
        check_names("roles", &self.roles)?;
        check_names("levels", &self.levels)?;
        if !self.roles.contains(&self.default_role) {
            return Err(AccessError::Invalid(format!(
                "defaultRole '{}' is not one of the roles {:?}",
                self.default_role, self.roles
            )));
        }
        Ok(())
    }

    /// The rank of a role (higher is more access).
    pub fn role_rank(&self, role: &str) -> Option<usize> {
        self.roles.iter().position(|known| known == role)
    }

    /// The rank of a workspace level (higher is more access).
    pub fn level_rank(&self, level: &str) -> Option<usize> {
        self.levels.iter().position(|known| known == level)
    }
}

/// What a rule matches a member by.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Selector {
    /// Members of the group with this displayName (case-insensitive); the
    /// group may not exist yet.
    GroupName(String),
    /// Members of the group with this externalId (as the IdP sends it).
    GroupExternalId(String),
    /// Members of the group with this SCIM id.
    GroupId(String),
    /// Members whose SCIM `roles` hold this value (case-insensitive; Entra
    /// app roles).
    ScimRole(String),
}

impl Selector {
    /// The stored kind.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::GroupName(_) => "group_name",
            Self::GroupExternalId(_) => "group_external_id",
            Self::GroupId(_) => "group_id",
            Self::ScimRole(_) => "scim_role",
        }
    }

    /// The stored value: case-folded where matching ignores case.
    pub fn key(&self) -> String {
        match self {
            Self::GroupName(name) => name_key(name),
            Self::ScimRole(value) => fold_case(value),
            Self::GroupExternalId(value) | Self::GroupId(value) => value.clone(),
        }
    }

    /// From the stored kind and the value as the admin wrote it.
    pub fn from_stored(kind: &str, value: String) -> Option<Self> {
        Some(match kind {
            "group_name" => Self::GroupName(value),
            "group_external_id" => Self::GroupExternalId(value),
            "group_id" => Self::GroupId(value),
            "scim_role" => Self::ScimRole(value),
            _ => return None,
        })
    }

    /// The value as the admin wrote it.
    pub fn value(&self) -> &str {
        match self {
            Self::GroupName(value)
            | Self::GroupExternalId(value)
            | Self::GroupId(value)
            | Self::ScimRole(value) => value,
        }
    }
}

/// What a rule grants: a role, a level in a workspace, or both.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RuleSpec {
    #[serde(rename = "match")]
    pub selector: Selector,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workspace: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub level: Option<String>,
}

impl RuleSpec {
    /// Checks the rule against the model: it grants something, its role and
    /// level exist, a level comes with its workspace.
    pub fn validate(&self, model: &AccessModel) -> Result<(), AccessError> {
        let value = self.selector.value();
        if value.trim().is_empty() || value.len() > 1024 {
            return Err(AccessError::Invalid(
                "the match value must be 1 to 1024 bytes".into(),
            ));
        }
        if self.role.is_none() && self.level.is_none() {
            return Err(AccessError::Invalid(
                "a rule grants a role, a level in a workspace, or both".into(),
            ));
        }
        if self.workspace.is_some() != self.level.is_some() {
            return Err(AccessError::Invalid(
                "a workspace level needs both \"workspace\" and \"level\"".into(),
            ));
        }
        if let Some(role) = &self.role
            && model.role_rank(role).is_none()
        {
            return Err(AccessError::Invalid(format!(
                "role '{role}' is not one of the account's roles {:?}",
                model.roles
            )));
        }
        if let Some(level) = &self.level
            && model.level_rank(level).is_none()
        {
            return Err(AccessError::Invalid(format!(
                "level '{level}' is not one of the account's levels {:?}",
                model.levels
            )));
        }
        Ok(())
    }
}

/// A stored rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Rule {
    pub id: RuleId,
    #[serde(flatten)]
    pub spec: RuleSpec,
}

/// A group a member belongs to, as rules see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupFacts {
    pub id: GroupId,
    pub display_name: String,
    pub external_id: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(
        id: RuleId,
        selector: Selector,
        role: Option<&str>,
        grant: Option<(&str, &str)>,
    ) -> Rule {
        Rule {
            id,
            spec: RuleSpec {
                selector,
                role: role.map(Into::into),
                workspace: grant.map(|(w, _)| w.into()),
                level: grant.map(|(_, l)| l.into()),
            },
        }
    }

    #[test]
    fn highest_role_and_level_win_and_explanations_name_the_group() {
        let model = AccessModel::default();
        let [r1, r2, r3, r4] = [(); 4].map(|()| RuleId::new());
        let [g1, g2] = [(); 2].map(|()| GroupId::new());
        let rules = vec![
            rule(
                r1,
                Selector::GroupName("ENGINEERING".into()),
                Some("member"),
                Some(("prod", "viewer")),
            ),
            rule(
                r2,
                Selector::GroupExternalId("ext-ops".into()),
                Some("admin"),
                Some(("prod", "editor")),
            ),
            rule(
                r3,
                Selector::ScimRole("Auditor".into()),
                None,
                Some(("staging", "viewer")),
            ),
            rule(
                r4,
                Selector::GroupName("nobody".into()),
                Some("admin"),
                None,
            ),
        ];
        let groups = vec![
            GroupFacts {
                id: g1,
                display_name: "Engineering".into(),
                external_id: None,
            },
            GroupFacts {
                id: g2,
                display_name: "Ops".into(),
                external_id: Some("ext-ops".into()),
            },
        ];
        let reasons = explain(&rules, &groups, &["auditor".into()], &[]);
        assert_eq!(
            reasons.iter().map(|r| r.rule).collect::<Vec<_>>(),
            [Some(r1), Some(r2), Some(r3)]
        );
        assert_eq!(
            reasons[0].via,
            Via::Group {
                id: g1,
                display_name: "Engineering".into()
            }
        );
        let (role, levels) = effective(&model, &reasons);
        assert_eq!(role, "admin");
        assert_eq!(
            levels,
            [
                ("prod".into(), "editor".into()),
                ("staging".into(), "viewer".into())
            ]
        );
        let (role, levels) = effective(&model, &[]);
        assert_eq!((role.as_str(), levels.len()), ("member", 0));
    }

    #[test]
    fn models_and_rules_are_validated() {
        assert!(AccessModel::default().validate().is_ok());
        let bad = |roles: &[&str], default: &str, levels: &[&str]| AccessModel {
            roles: roles.iter().map(|s| (*s).into()).collect(),
            default_role: default.into(),
            levels: levels.iter().map(|s| (*s).into()).collect(),
            entitlement_grants: true,
        };
        for model in [
            bad(&[], "member", &["viewer"]),
            bad(&["member", "member"], "member", &["viewer"]),
            bad(&["member"], "owner", &["viewer"]),
            bad(&["member"], "member", &[]),
            bad(&[" member"], " member", &["viewer"]),
        ] {
            assert!(
                matches!(model.validate(), Err(AccessError::Invalid(_))),
                "{model:?}"
            );
        }
        let model = AccessModel::default();
        let spec = |role: Option<&str>, workspace: Option<&str>, level: Option<&str>| RuleSpec {
            selector: Selector::GroupName("x".into()),
            role: role.map(Into::into),
            workspace: workspace.map(Into::into),
            level: level.map(Into::into),
        };
        assert!(spec(Some("admin"), None, None).validate(&model).is_ok());
        assert!(
            spec(None, Some("prod"), Some("editor"))
                .validate(&model)
                .is_ok()
        );
        for bad in [
            spec(None, None, None),
            spec(Some("owner"), None, None),
            spec(None, Some("prod"), None),
            spec(None, Some("prod"), Some("superuser")),
        ] {
            assert!(bad.validate(&model).is_err(), "{bad:?}");
        }
    }
}
