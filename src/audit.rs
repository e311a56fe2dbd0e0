//! The audit log's vocabulary (PRODUCT.md "Audit event"): who changed what,
//! in which request, and the before and after of the attributes that
//! changed. Pure: `store` writes the entries in the transaction of the
//! change; `http` and `cli` say who acts ([`Origin`]).
//!
//! What never enters the log: passwords (Roster stores none, and a
//! `password` attribute is recorded only as changed) and tokens or secrets
//! (a token is named by its id and label).

use serde_json::{Map, Value, json};

use crate::model::{GroupId, TokenId, UserId};

/// Who made a change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    /// A request authenticated by this API token.
    Token { id: TokenId, label: Option<String> },
    /// The `roster` command line, run by whoever can reach the database.
    Cli,
    /// An admin console session (docs/CONSOLE.md), opened from a link that
    /// this token issued (`None`: `roster console link` issued it).
    Console {
        token: Option<TokenId>,
        label: Option<String>,
    },
}

impl Actor {
    /// The actor as the API shows it: `{"type": "token", "tokenId", "label"}`,
    /// `{"type": "cli"}`, or `{"type": "console", "linkIssuedBy": <the token
    /// or cli that issued the session's link>}`.
    pub fn to_json(&self) -> Value {
        let token = |id: &TokenId, label: &Option<String>| json!({"type": "token", "tokenId": id.to_string(), "label": label});
        match self {
            Self::Token { id, label } => token(id, label),
            Self::Cli => json!({"type": "cli"}),
            Self::Console {
                token: issuer,
                label,
            } => json!({
                "type": "console",
                "linkIssuedBy": match issuer {
                    Some(id) => token(id, label),
                    None => json!({"type": "cli"}),
                },
            }),
        }
    }
}

/// Who made a change, and the request it came in (the `X-Request-Id` and
/// log field `request_id`), if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    pub actor: Actor,
    pub request_id: Option<String>,
}

impl Origin {
    /// A change made with the command line.
    pub fn cli() -> Self {
        Self {
            actor: Actor::Cli,
            request_id: None,
        }
    }
}

/// What was done to a resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Created,
    /// Replaced as a whole (SCIM `PUT`, `PUT /api/v1/…`).
    Replaced,
    /// Changed in part (SCIM `PATCH`, `PATCH /api/v1/…`).
    Modified,
    Deleted,
    /// A member joined a group (the entry names both).
    MemberAdded,
    /// A member left a group (the entry names both).
    MemberRemoved,
    /// A token was revoked.
    Revoked,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Created => "created",
            Self::Replaced => "replaced",
            Self::Modified => "modified",
            Self::Deleted => "deleted",
            Self::MemberAdded => "member_added",
            Self::MemberRemoved => "member_removed",
            Self::Revoked => "revoked",
        }
    }
}

/// The kinds of resource the log knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resource {
    User,
    Group,
    AccessModel,
    Workspace,
    Rule,
    Webhook,
    Token,
    Account,
    /// A one-time link to the admin console.
    ConsoleLink,
    /// An admin console session (created when a link opens it, deleted at
    /// sign-out).
    ConsoleSession,
    /// The access review: `created` when an admin signs it off (the id is
    /// the sign-off's), `modified` when its interval changes (the id is the
    /// account's).
    AccessReview,
    /// An OAuth client (`roster clients`, `/api/v1/oauth-clients`).
    OAuthClient,
    /// One of an OAuth client's secrets (created, revoked).
    OAuthClientSecret,
}

impl Resource {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::User => "User",
            Self::Group => "Group",
            Self::AccessModel => "AccessModel",
            Self::Workspace => "Workspace",
            Self::Rule => "Rule",
            Self::Webhook => "Webhook",
            Self::Token => "Token",
            Self::Account => "Account",
            Self::ConsoleLink => "ConsoleLink",
            Self::ConsoleSession => "ConsoleSession",
            Self::AccessReview => "AccessReview",
            Self::OAuthClient => "OAuthClient",
            Self::OAuthClientSecret => "OAuthClientSecret",
        }
    }
}

/// One change to record.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub resource: Resource,
    pub resource_id: String,
    pub action: Action,
    /// The member the change is about (a User, or a membership), so the
    /// log can be read by member.
    pub member: Option<UserId>,
    /// The group the change is about (a Group, or a membership).
    pub group: Option<GroupId>,
    /// `{attribute: {"before": …, "after": …}}` of what changed.
    pub changes: Map<String, Value>,
}

impl Entry {
    /// A change to a member.
    pub fn user(id: UserId, action: Action, changes: Map<String, Value>) -> Self {
        Self {
            resource: Resource::User,
            resource_id: id.to_string(),
            action,
            member: Some(id),
            group: None,
            changes,
        }
    }

    /// A change to a group's own attributes.
    pub fn group(id: GroupId, action: Action, changes: Map<String, Value>) -> Self {
        Self {
            resource: Resource::Group,
            resource_id: id.to_string(),
            action,
            member: None,
            group: Some(id),
            changes,
        }
    }

    /// A member joining ([`Action::MemberAdded`]) or leaving a group.
    pub fn membership(group: GroupId, member: UserId, action: Action) -> Self {
        Self {
            resource: Resource::Group,
            resource_id: group.to_string(),
            action,
            member: Some(member),
            group: Some(group),
            changes: Map::new(),
        }
    }

    /// A change to a configuration object (a serializable state), recording
    /// the fields that differ between `before` and `after`.
    pub fn changed<T: serde::Serialize>(
        resource: Resource,
        id: impl Into<String>,
        action: Action,
        before: Option<&T>,
        after: Option<&T>,
    ) -> Self {
        Self::configuration(resource, id, action, changes_of(before, after))
    }

    /// A change to the access configuration, a webhook, a token or an account.
    pub fn configuration(
        resource: Resource,
        id: impl Into<String>,
        action: Action,
        changes: Map<String, Value>,
    ) -> Self {
        Self {
            resource,
            resource_id: id.into(),
            action,
            member: None,
            group: None,
            changes,
        }
    }
}

/// Attributes whose values never enter the log; a change to one is recorded
/// as `{"changed": true}`.
const SECRET_ATTRIBUTES: &[&str] = &["password"];

/// Attributes that change with every write and say nothing by themselves.
const IGNORED_ATTRIBUTES: &[&str] = &["meta"];

/// The attributes that differ between two versions of a resource (`None`:
/// it did not exist), as `{name: {"before": …, "after": …}}`; an absent
/// side is `null`. An extension (`urn:…` key holding an object) is compared
/// attribute by attribute, named `urn:…:attribute`.
pub fn changes(
    before: Option<&Map<String, Value>>,
    after: Option<&Map<String, Value>>,
) -> Map<String, Value> {
    let empty = Map::new();
    let (before, after) = (before.unwrap_or(&empty), after.unwrap_or(&empty));
    let mut changed = Map::new();
    let names = before
        .keys()
        .chain(after.keys().filter(|name| !before.contains_key(*name)));
    for name in names {
        if IGNORED_ATTRIBUTES.contains(&name.as_str()) {
            continue;
        }
        let (old, new) = (before.get(name), after.get(name));
        if old == new {
            continue;
        }
        match (old, new) {
            (Some(Value::Object(old)), Some(Value::Object(new))) if name.starts_with("urn:") => {
                for (sub, change) in changes(Some(old), Some(new)) {
                    changed.insert(format!("{name}:{sub}"), change);
                }
            }
            _ => {
                changed.insert(name.clone(), change(name, old, new));
            }
        }
    }
    changed
}

/// `{"before": …, "after": …}`, or `{"changed": true}` for a secret.
pub fn change(name: &str, before: Option<&Value>, after: Option<&Value>) -> Value {
    if SECRET_ATTRIBUTES
        .iter()
        .any(|secret| name.eq_ignore_ascii_case(secret))
    {
        return json!({"changed": true});
    }
    json!({"before": before.unwrap_or(&Value::Null), "after": after.unwrap_or(&Value::Null)})
}

/// The changes of a JSON-serializable configuration object (an access
/// model, a workspace, a rule, a webhook) between two states.
pub fn changes_of<T: serde::Serialize>(
    before: Option<&T>,
    after: Option<&T>,
) -> Map<String, Value> {
    fn object<T: serde::Serialize>(value: Option<&T>) -> Option<Map<String, Value>> {
        match serde_json::to_value(value?) {
            Ok(Value::Object(map)) => Some(map),
            Ok(other) => Some(Map::from_iter([("value".to_owned(), other)])),
            Err(_) => None,
        }
    }
    changes(object(before).as_ref(), object(after).as_ref())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(value: Value) -> Map<String, Value> {
        match value {
            Value::Object(map) => map,
            _ => unreachable!("a JSON object"),
        }
    }

    #[test]
    fn only_changed_attributes_are_recorded_with_both_sides() {
        let before =
            map(json!({"userName": "ada", "active": true, "title": "Eng", "meta": {"version": 1}}));
        let after = map(
            json!({"userName": "ada", "active": false, "nickName": "A", "meta": {"version": 2}}),
        );
        assert_eq!(
            Value::Object(changes(Some(&before), Some(&after))),
            json!({
                "active": {"before": true, "after": false},
                "title": {"before": "Eng", "after": null},
                "nickName": {"before": null, "after": "A"},
            })
        );
    }

    #[test]
    fn extensions_are_compared_attribute_by_attribute() {
        let urn = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
        let before = map(json!({urn: {"department": "R&D", "costCenter": "1"}}));
        let after = map(json!({urn: {"department": "Sales", "costCenter": "1"}}));
        assert_eq!(
            Value::Object(changes(Some(&before), Some(&after))),
            json!({format!("{urn}:department"): {"before": "R&D", "after": "Sales"}})
        );
    }

    #[test]
    fn secrets_are_recorded_as_changed_without_values() {
        let after = map(json!({"userName": "ada", "password": "hunter2"}));
        let recorded = Value::Object(changes(None, Some(&after))).to_string();
        assert!(!recorded.contains("hunter2"), "{recorded}");
        assert!(
            recorded.contains(r#""password":{"changed":true}"#),
            "{recorded}"
        );
    }

    #[test]
    fn a_creation_has_only_after_and_a_deletion_only_before() {
        let document = map(json!({"displayName": "Eng"}));
        assert_eq!(
            Value::Object(changes(None, Some(&document))),
            json!({"displayName": {"before": null, "after": "Eng"}})
        );
        assert_eq!(
            Value::Object(changes(Some(&document), None)),
            json!({"displayName": {"before": "Eng", "after": null}})
        );
    }
}
