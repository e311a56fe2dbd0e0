//! The access model as entitlements an identity provider assigns (issue 19;
//! Okta's "Build a SCIM 2.0 server with entitlements", the IETF draft
//! draft-ietf-scim-roles-entitlements): each account role is a *Role*
//! (id: the role's name), each (workspace, level) pair an *Entitlement*
//! (id: `<workspace slug>:<level>`, e.g. `prod:editor`). A User whose
//! `roles[].value` names a Role, or whose `entitlements[].value` names an
//! Entitlement (RFC 7643 §4.1.2), holds it as a direct grant of source
//! `entitlement` ([`super::grants`]) while the model's `entitlementGrants`
//! is on. Values are compared exactly, as the IdP read them from the
//! endpoints; a value that names nothing grants nothing and is reported as
//! unmatched. Pure: the service keeps the grants in step with the values.

use std::collections::BTreeSet;

use serde_json::{Map, Value};

use super::grants::GrantSet;
use super::{AccessModel, Reason, Via};
use crate::model::fold_case;

/// A workspace as entitlements name it: its slug and its name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamedWorkspace {
    pub slug: String,
    pub name: String,
}

/// One Role or Entitlement an IdP can assign.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Offer {
    /// What a User's `value` names it by: a role's name, or
    /// `<workspace>:<level>`.
    pub id: String,
    /// `admin`; `Production — editor`.
    pub display_name: String,
    pub description: String,
}

/// What an account offers: its access model and its workspaces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Catalog {
    pub model: AccessModel,
    /// By slug.
    pub workspaces: Vec<NamedWorkspace>,
}

/// The `roles[].value` and `entitlements[].value` strings of a User
/// document, in document order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Values {
    pub roles: Vec<String>,
    pub entitlements: Vec<String>,
}

impl Values {
    /// The values of a User document (elements without a string `value`
    /// are skipped).
    pub fn of(document: &Map<String, Value>) -> Self {
        let values = |attribute: &str| -> Vec<String> {
            document
                .get(attribute)
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|element| element.get("value")?.as_str().map(str::to_owned))
                .collect()
        };
        Self {
            roles: values("roles"),
            entitlements: values("entitlements"),
        }
    }
}

/// The id of the Entitlement of `level` in the workspace `slug`. Slugs hold
/// no `:` (`model::Slug`), so the first `:` splits it back.
pub fn entitlement_id(slug: &str, level: &str) -> String {
    format!("{slug}:{level}")
}

impl Catalog {
    /// The Roles, from least to most access.
    pub fn roles(&self) -> Vec<Offer> {
        let count = self.model.roles.len();
        (1..)
            .zip(&self.model.roles)
            .map(|(rank, role)| Offer {
                id: role.clone(),
                display_name: role.clone(),
                description: format!("Account role '{role}' (rank {rank} of {count})"),
            })
            .collect()
    }

    /// The Entitlements, by workspace slug, then from least to most access.
    pub fn entitlements(&self) -> Vec<Offer> {
        self.workspaces
            .iter()
            .flat_map(|workspace| {
                self.model.levels.iter().map(move |level| Offer {
                    id: entitlement_id(&workspace.slug, level),
                    display_name: format!("{} — {level}", workspace.name),
                    description: format!(
                        "Level '{level}' in the workspace '{}' ({})",
                        workspace.name, workspace.slug
                    ),
                })
            })
            .collect()
    }

    /// The Entitlement `id` names (exactly), as (workspace slug, level).
    pub fn entitlement(&self, id: &str) -> Option<(&str, &str)> {
        let (slug, level) = id.split_once(':')?;
        let workspace = self.workspaces.iter().find(|w| w.slug == slug)?;
        let level = self.model.levels.iter().find(|known| *known == level)?;
        Some((workspace.slug.as_str(), level.as_str()))
    }

    /// The direct grants the values give: the highest Role named, and the
    /// highest level named per workspace; nothing when the model's
    /// `entitlementGrants` is off.
    pub fn grants(&self, values: &Values) -> GrantSet {
        let mut set = GrantSet::default();
        if !self.model.entitlement_grants {
            return set;
        }
        set.role = values
            .roles
            .iter()
            .filter_map(|value| Some((self.model.role_rank(value)?, value)))
            .max()
            .map(|(_, role)| role.clone());
        for value in &values.entitlements {
            let Some((slug, level)) = self.entitlement(value) else {
                continue;
            };
            let higher = set
                .level(slug)
                .and_then(|held| self.model.level_rank(held))
                .is_none_or(|held| self.model.level_rank(level) > Some(held));
            if higher {
                set.set_level(slug, Some(level));
            }
        }
        set
    }

    /// Why the values give what they give, for the member's explanation:
    /// one reason per distinct value (`via.kind` `entitlement`) with the
    /// role or level it names, or marked `unmatched` when it names nothing.
    /// A `roles` value that a `scim_role` rule matched (among `reasons`) is
    /// the rule's, not an unmatched entitlement. Nothing when the model's
    /// `entitlementGrants` is off.
    pub fn explain(&self, values: &Values, reasons: &mut Vec<Reason>) {
        if !self.model.entitlement_grants {
            return;
        }
        let by_rule: BTreeSet<String> = reasons
            .iter()
            .filter_map(|reason| match &reason.via {
                Via::ScimRole { value } => Some(fold_case(value)),
                _ => None,
            })
            .collect();
        let mut seen = BTreeSet::new();
        for value in &values.roles {
            if !seen.insert(("roles", value)) {
                continue;
            }
            let role = self.model.role_rank(value).map(|_| value.clone());
            if role.is_none() && by_rule.contains(&fold_case(value)) {
                continue;
            }
            reasons.push(reason("roles", value, role, None));
        }
        for value in &values.entitlements {
            if seen.insert(("entitlements", value)) {
                let level = self.entitlement(value);
                reasons.push(reason("entitlements", value, None, level));
            }
        }
    }
}

fn reason(
    attribute: &str,
    value: &str,
    role: Option<String>,
    level: Option<(&str, &str)>,
) -> Reason {
    Reason {
        rule: None,
        via: Via::Entitlement {
            attribute: attribute.to_owned(),
            value: value.to_owned(),
            unmatched: role.is_none() && level.is_none(),
        },
        role,
        workspace: level.map(|(workspace, _)| workspace.to_owned()),
        level: level.map(|(_, level)| level.to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::access::WorkspaceLevel;
    use crate::access::effective;

    fn values(document: Value) -> Values {
        Values::of(document.as_object().expect("an object"))
    }

    fn catalog() -> Catalog {
        Catalog {
            model: AccessModel {
                roles: vec!["member".into(), "admin".into(), "owner".into()],
                ..AccessModel::default()
            },
            workspaces: vec![
                NamedWorkspace {
                    slug: "prod".into(),
                    name: "Production".into(),
                },
                NamedWorkspace {
                    slug: "staging".into(),
                    name: "Staging".into(),
                },
            ],
        }
    }

    #[test]
    fn the_model_is_offered_as_roles_and_entitlements() {
        let catalog = catalog();
        let ids: Vec<_> = catalog.roles().into_iter().map(|offer| offer.id).collect();
        assert_eq!(ids, ["member", "admin", "owner"]);
        let entitlements = catalog.entitlements();
        assert_eq!(entitlements.len(), 6);
        assert_eq!(entitlements[1].id, "prod:editor");
        assert_eq!(entitlements[1].display_name, "Production — editor");
        assert_eq!(
            catalog.entitlement("staging:admin"),
            Some(("staging", "admin"))
        );
        for unknown in [
            "prod",
            "prod:Editor",
            "dev:editor",
            ":editor",
            "prod:editor:x",
        ] {
            assert_eq!(catalog.entitlement(unknown), None, "{unknown}");
        }
    }

    #[test]
    fn the_highest_value_named_is_granted_and_the_rest_explained() {
        let catalog = catalog();
        let values = values(json!({
            "roles": [{"value": "admin"}, {"value": "member"}, {"value": "Admin"}, {"display": "x"}],
            "entitlements": [
                {"value": "prod:viewer", "type": "Entitlement"},
                {"value": "prod:admin"},
                {"value": "staging:editor"},
                {"value": "nowhere:editor"},
            ],
        }));
        assert_eq!(values.roles, ["admin", "member", "Admin"]);
        let set = catalog.grants(&values);
        assert_eq!(set.role.as_deref(), Some("admin"));
        assert_eq!(
            set.workspaces,
            [
                WorkspaceLevel {
                    workspace: "prod".into(),
                    level: "admin".into()
                },
                WorkspaceLevel {
                    workspace: "staging".into(),
                    level: "editor".into()
                }
            ]
        );
        let mut reasons = Vec::new();
        catalog.explain(&values, &mut reasons);
        let unmatched: Vec<_> = reasons
            .iter()
            .filter_map(|reason| match &reason.via {
                Via::Entitlement {
                    value,
                    unmatched: true,
                    ..
                } => Some(value.as_str()),
                _ => None,
            })
            .collect();
        assert_eq!(unmatched, ["Admin", "nowhere:editor"]);
        // The explanation's reasons give what the grants give.
        let (role, levels) = effective(&catalog.model, &reasons);
        assert_eq!(role, "admin");
        assert_eq!(
            levels,
            [
                ("prod".into(), "admin".into()),
                ("staging".into(), "editor".into())
            ]
        );
    }

    #[test]
    fn off_grants_and_explains_nothing_and_rule_values_are_not_unmatched() {
        let mut catalog = catalog();
        let values = values(json!({"roles": [{"value": "admin"}, {"value": "Auditor"}]}));
        let mut reasons = vec![Reason {
            rule: None,
            via: Via::ScimRole {
                value: "auditor".into(),
            },
            role: None,
            workspace: Some("prod".into()),
            level: Some("viewer".into()),
        }];
        catalog.explain(&values, &mut reasons);
        assert_eq!(reasons.len(), 2, "{reasons:?}");
        catalog.model.entitlement_grants = false;
        assert!(catalog.grants(&values).is_empty());
        reasons.truncate(1);
        catalog.explain(&values, &mut reasons);
        assert_eq!(reasons.len(), 1);
    }
}
