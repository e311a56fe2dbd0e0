//! Direct grants (PRODUCT.md "Direct grant"): a role, or a level in a
//! workspace, given to a member without a group — by an admin to a local
//! (break-glass) member, or (issue 19) by the IdP as an entitlement. A grant
//! joins the rules under "highest wins": the member's role is the highest of
//! the rules' roles and the granted role (else the default), each workspace
//! level the highest of the rules' levels and the granted level. An inactive
//! member has nothing, grants or not. Pure: `store::access::grants` keeps
//! them, `service::access::grants` changes them.

use std::collections::BTreeMap;

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};

use super::{AccessError, AccessModel, MAX_NAME_LEN, Reason, Via, WorkspaceLevel};

/// The most workspaces one set of grants names.
pub const MAX_WORKSPACES: usize = 1000;

/// Who gave a grant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum GrantSource {
    /// An account admin (the API, the CLI, the console), to a local member.
    Admin,
    /// The identity provider, as an entitlement (issue 19).
    Entitlement,
}

impl GrantSource {
    /// The stored and displayed name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Admin => "admin",
            Self::Entitlement => "entitlement",
        }
    }

    /// From the stored name.
    pub fn from_stored(text: &str) -> Option<Self> {
        match text {
            "admin" => Some(Self::Admin),
            "entitlement" => Some(Self::Entitlement),
            _ => None,
        }
    }
}

/// One stored grant: a role, or a level in a workspace (by slug).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    pub source: GrantSource,
    pub target: GrantTarget,
    pub granted_at: NaiveDateTime,
}

/// What a grant gives.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum GrantTarget {
    Role(String),
    Level { workspace: String, level: String },
}

impl Grant {
    /// The grant as a reason of a member's access (see [`super::explain`]):
    /// an entitlement's as the value that gives it.
    pub fn reason(&self) -> Reason {
        let (role, workspace, level) = match &self.target {
            GrantTarget::Role(role) => (Some(role.clone()), None, None),
            GrantTarget::Level { workspace, level } => {
                (None, Some(workspace.clone()), Some(level.clone()))
            }
        };
        let via = match (self.source, &self.target) {
            (GrantSource::Admin, _) => Via::Grant {
                source: self.source.as_str().to_owned(),
                granted_at: self.granted_at,
            },
            (GrantSource::Entitlement, GrantTarget::Role(role)) => Via::Entitlement {
                attribute: "roles".into(),
                value: role.clone(),
                unmatched: false,
            },
            (GrantSource::Entitlement, GrantTarget::Level { workspace, level }) => {
                Via::Entitlement {
                    attribute: "entitlements".into(),
                    value: super::entitlements::entitlement_id(workspace, level),
                    unmatched: false,
                }
            }
        };
        Reason {
            rule: None,
            via,
            role,
            workspace,
            level,
        }
    }
}

/// The grants of one source to one member, as a whole: what
/// `PUT /api/v1/members/{id}/grants` takes and answers, and what the audit
/// entry of a change records before and after.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GrantSet {
    /// The granted account role; `null`: none (the rules decide, else the
    /// default role).
    #[serde(default)]
    pub role: Option<String>,
    /// The granted level per workspace (by slug), sorted by workspace; a
    /// workspace left out has no granted level.
    #[serde(default)]
    pub workspaces: Vec<WorkspaceLevel>,
}

impl GrantSet {
    /// The grants of `source` among `grants`.
    pub fn of(grants: &[Grant], source: GrantSource) -> Self {
        let mut set = Self::default();
        for grant in grants.iter().filter(|grant| grant.source == source) {
            match &grant.target {
                GrantTarget::Role(role) => set.role = Some(role.clone()),
                GrantTarget::Level { workspace, level } => set.workspaces.push(WorkspaceLevel {
                    workspace: workspace.clone(),
                    level: level.clone(),
                }),
            }
        }
        set.workspaces.sort();
        set
    }

    /// The granted level in `workspace`.
    pub fn level(&self, workspace: &str) -> Option<&str> {
        self.workspaces
            .iter()
            .find(|granted| granted.workspace == workspace)
            .map(|granted| granted.level.as_str())
    }

    /// Sets (`Some`) or clears (`None`) the granted level in `workspace`.
    pub fn set_level(&mut self, workspace: &str, level: Option<&str>) {
        self.workspaces
            .retain(|granted| granted.workspace != workspace);
        if let Some(level) = level {
            self.workspaces.push(WorkspaceLevel {
                workspace: workspace.to_owned(),
                level: level.to_owned(),
            });
            self.workspaces.sort();
        }
    }

    /// Checks the set against the model: its role and levels exist, no
    /// workspace is named twice. Sorts the workspaces. (That the
    /// workspaces exist is the store's to say.)
    pub fn validate(&mut self, model: &AccessModel) -> Result<(), AccessError> {
        if self.workspaces.len() > MAX_WORKSPACES {
            return Err(AccessError::Invalid(format!(
                "at most {MAX_WORKSPACES} workspaces at once"
            )));
        }
        let names = self.role.iter().chain(
            self.workspaces
                .iter()
                .flat_map(|granted| [&granted.workspace, &granted.level]),
        );
        if names.into_iter().any(|name| name.len() > MAX_NAME_LEN) {
            return Err(AccessError::Invalid(format!(
                "a role, workspace or level name is at most {MAX_NAME_LEN} bytes"
            )));
        }
        if let Some(role) = &self.role
            && model.role_rank(role).is_none()
        {
            return Err(AccessError::Invalid(format!(
                "role '{role}' is not one of the account's roles ({})",
                model.roles.join(", ")
            )));
        }
        let mut seen: BTreeMap<&str, ()> = BTreeMap::new();
        for granted in &self.workspaces {
            if model.level_rank(&granted.level).is_none() {
                return Err(AccessError::Invalid(format!(
                    "level '{}' is not one of the account's levels ({})",
                    granted.level,
                    model.levels.join(", ")
                )));
            }
            if seen.insert(granted.workspace.as_str(), ()).is_some() {
                return Err(AccessError::Invalid(format!(
                    "workspace '{}' is listed twice",
                    granted.workspace
                )));
            }
        }
        self.workspaces.sort();
        Ok(())
    }

    /// The set as stored grants of `source`, given at `at`.
    pub fn grants(&self, source: GrantSource, at: NaiveDateTime) -> Vec<Grant> {
        let grant = |target| Grant {
            source,
            target,
            granted_at: at,
        };
        self.role
            .iter()
            .map(|role| grant(GrantTarget::Role(role.clone())))
            .chain(self.workspaces.iter().map(|granted| {
                grant(GrantTarget::Level {
                    workspace: granted.workspace.clone(),
                    level: granted.level.clone(),
                })
            }))
            .collect()
    }

    /// True when it grants nothing.
    pub fn is_empty(&self) -> bool {
        self.role.is_none() && self.workspaces.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::access::{GroupFacts, Rule, RuleSpec, Selector, effective, explain};
    use crate::model::{GroupId, RuleId};

    fn at() -> NaiveDateTime {
        crate::clock::parse_rfc3339("2026-12-01T00:00:00Z").expect("a time")
    }

    fn level(workspace: &str, level: &str) -> WorkspaceLevel {
        WorkspaceLevel {
            workspace: workspace.into(),
            level: level.into(),
        }
    }

    #[test]
    fn grants_join_rules_under_highest_wins() {
        let model = AccessModel::default();
        let group = GroupId::new();
        let rules = vec![Rule {
            id: RuleId::new(),
            spec: RuleSpec {
                selector: Selector::GroupName("eng".into()),
                role: None,
                workspace: Some("prod".into()),
                level: Some("editor".into()),
            },
        }];
        let groups = vec![GroupFacts {
            id: group,
            display_name: "Eng".into(),
            external_id: None,
        }];
        let set = GrantSet {
            role: Some("admin".into()),
            workspaces: vec![level("prod", "viewer"), level("staging", "admin")],
        };
        let grants = set.grants(GrantSource::Admin, at());
        let reasons = explain(&rules, &groups, &[], &grants);
        assert_eq!(reasons.len(), 4);
        assert!(reasons[0].rule.is_some());
        assert!(
            reasons[1..]
                .iter()
                .all(|reason| reason.rule.is_none() && matches!(reason.via, Via::Grant { .. }))
        );
        let (role, levels) = effective(&model, &reasons);
        assert_eq!(role, "admin");
        // The rule's editor beats the granted viewer; the grant alone gives staging.
        assert_eq!(
            levels,
            [
                ("prod".into(), "editor".into()),
                ("staging".into(), "admin".into())
            ]
        );
        assert_eq!(GrantSet::of(&grants, GrantSource::Admin), set);
        assert!(GrantSet::of(&grants, GrantSource::Entitlement).is_empty());
    }

    #[test]
    fn a_set_is_checked_against_the_model() {
        let model = AccessModel::default();
        let mut good = GrantSet {
            role: Some("member".into()),
            workspaces: vec![level("staging", "viewer"), level("prod", "admin")],
        };
        assert!(good.validate(&model).is_ok());
        assert_eq!(good.workspaces[0].workspace, "prod", "sorted");
        for mut bad in [
            GrantSet {
                role: Some("owner".into()),
                workspaces: vec![],
            },
            GrantSet {
                role: None,
                workspaces: vec![level("prod", "superuser")],
            },
            GrantSet {
                role: None,
                workspaces: vec![level("prod", "viewer"), level("prod", "admin")],
            },
        ] {
            assert!(
                matches!(bad.validate(&model), Err(AccessError::Invalid(_))),
                "{bad:?}"
            );
        }
        let mut set = GrantSet::default();
        set.set_level("prod", Some("editor"));
        set.set_level("dev", Some("viewer"));
        set.set_level("prod", Some("admin"));
        assert_eq!(set.level("prod"), Some("admin"));
        set.set_level("prod", None);
        assert_eq!(set.workspaces, [level("dev", "viewer")]);
    }
}
