//! The pieces of the Access rules page (`super::access`): a rule in words,
//! the form that adds one, and a preview's "who gains and who loses what",
//! worked out from the before and after of each member whose access a
//! change would alter (`service::access::rules::preview`), ranked by the
//! account's model.

use std::collections::{BTreeMap, BTreeSet};

use maud::{Markup, html};
use serde::Deserialize;
use serde_json::Value;

use crate::access::{AccessModel, RuleSpec, Selector, Workspace};
use crate::service::access::rules::AccessDiff;

/// The most members a preview lists; the rest are counted.
const MAX_PREVIEW_ROWS: usize = 500;

/// What a rule can match, as the form's `kind` names it, and in words.
pub const MATCH_KINDS: [(&str, &str); 4] = [
    ("group_name", "Group named"),
    ("group_external_id", "Group with externalId"),
    ("group_id", "Group with id"),
    ("scim_role", "SCIM role value"),
];

/// A rule as the add form sends it (and the preview's hidden fields send it
/// again); empty fields are absent.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct RuleFields {
    pub kind: String,
    pub value: String,
    pub role: String,
    pub workspace: String,
    pub level: String,
}

fn present(text: &str) -> Option<String> {
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_owned())
}

impl RuleFields {
    /// The rule these fields describe, or what is wrong with them; the
    /// model's checks come after, in the operation.
    pub fn spec(&self) -> Result<RuleSpec, &'static str> {
        let value = present(&self.value).ok_or("say what the rule matches: the value is empty")?;
        let selector = Selector::from_stored(&self.kind, value).ok_or(
            "choose what the rule matches: a group name, externalId or id, or a SCIM role value",
        )?;
        Ok(RuleSpec {
            selector,
            role: present(&self.role),
            workspace: present(&self.workspace),
            level: present(&self.level),
        })
    }

    /// The fields again, as hidden inputs of the next form.
    pub fn hidden(&self) -> Markup {
        html! {
            input type="hidden" name="kind" value=(self.kind);
            input type="hidden" name="value" value=(self.value);
            input type="hidden" name="role" value=(self.role);
            input type="hidden" name="workspace" value=(self.workspace);
            input type="hidden" name="level" value=(self.level);
        }
    }
}

/// What a rule matches, in words.
pub fn matches(selector: &Selector) -> Markup {
    let kind = MATCH_KINDS
        .iter()
        .find(|(kind, _)| *kind == selector.kind())
        .map_or("", |(_, words)| words);
    html! { (kind) " " code { (selector.value()) } }
}

/// What a rule gives, in words.
pub fn gives(spec: &RuleSpec) -> Markup {
    html! {
        @if let Some(role) = &spec.role { "role " strong { (role) } }
        @if spec.role.is_some() && spec.level.is_some() { "; " }
        @if let (Some(workspace), Some(level)) = (&spec.workspace, &spec.level) {
            "level " strong { (level) } " in " code { (workspace) }
        }
    }
}

/// The form that adds a rule (it asks for the preview first), filled with
/// `fields`.
pub fn add_form(
    model: &AccessModel,
    workspaces: &[Workspace],
    fields: &RuleFields,
    csrf: Markup,
) -> Markup {
    html! {
        form.card #add-rule method="post" action="/console/access/rules/preview" {
            (csrf)
            p.muted { "A rule gives the members it matches a role, a level in a workspace, or both. \
                       You see who gains and who loses what before it is saved." }
            div.actions {
                label { "Matches"
                    select name="kind" {
                        @for (kind, words) in MATCH_KINDS {
                            option value=(kind) selected[fields.kind == kind] { (words) }
                        }
                    }
                }
                label { "Value"
                    input type="text" name="value" required maxlength="1024" value=(fields.value)
                        placeholder="Engineering";
                }
                label { "Role"
                    select name="role" {
                        option value="" { "(no role)" }
                        @for role in &model.roles {
                            option value=(role) selected[&fields.role == role] { (role) }
                        }
                    }
                }
                label { "Workspace"
                    select name="workspace" {
                        option value="" { "(no workspace)" }
                        @for workspace in workspaces {
                            option value=(workspace.slug) selected[fields.workspace == workspace.slug] {
                                (workspace.name) " (" (workspace.slug) ")"
                            }
                        }
                    }
                }
                label { "Level"
                    select name="level" {
                        option value="" { "(no level)" }
                        @for level in &model.levels {
                            option value=(level) selected[&fields.level == level] { (level) }
                        }
                    }
                }
                button type="submit" { "Preview" }
            }
        }
    }
}

/// A member's access as a preview reports it.
#[derive(Default)]
struct Access {
    role: Option<String>,
    levels: BTreeMap<String, String>,
}

fn access(value: &Value) -> Access {
    let levels = value["workspaces"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|item| {
            Some((
                item["workspace"].as_str()?.to_owned(),
                item["level"].as_str()?.to_owned(),
            ))
        })
        .collect();
    Access {
        role: value["role"].as_str().map(str::to_owned),
        levels,
    }
}

/// What one member gains and loses.
struct Change {
    user_name: String,
    gains: Vec<String>,
    losses: Vec<String>,
}

/// One move of a ranked value (`None`: nothing), as a gain or a loss.
fn rank_move(
    what: &str,
    old: Option<&String>,
    new: Option<&String>,
    rank: impl Fn(&str) -> Option<usize>,
    change: &mut Change,
) {
    let rank_of = |value: Option<&String>| value.map(|value| rank(value).map_or(0, |r| r + 1));
    match (old, new) {
        (old, new) if old == new => {}
        (old, Some(new)) if rank_of(Some(new)) > rank_of(old) => change.gains.push(match old {
            Some(old) => format!("{what} {new} (was {old})"),
            None => format!("{what} {new}"),
        }),
        (Some(old), new) => change.losses.push(match new {
            Some(new) => format!("{what} {old} (now {new})"),
            None => format!("{what} {old}"),
        }),
        _ => {}
    }
}

fn change(model: &AccessModel, diff: &AccessDiff) -> Change {
    let (old, new) = (access(&diff.old), access(&diff.new));
    let mut change = Change {
        user_name: diff.user_name.clone(),
        gains: Vec::new(),
        losses: Vec::new(),
    };
    rank_move(
        "role",
        old.role.as_ref(),
        new.role.as_ref(),
        |role| model.role_rank(role),
        &mut change,
    );
    let workspaces: BTreeSet<&String> = old.levels.keys().chain(new.levels.keys()).collect();
    for workspace in workspaces {
        rank_move(
            &format!("in {workspace}:"),
            old.levels.get(workspace),
            new.levels.get(workspace),
            |level| model.level_rank(level),
            &mut change,
        );
    }
    change
}

/// Who gains and who loses what: a count, then a table.
pub fn preview(model: &AccessModel, diffs: &[AccessDiff]) -> Markup {
    let changes: Vec<Change> = diffs.iter().map(|diff| change(model, diff)).collect();
    let gaining = changes.iter().filter(|c| !c.gains.is_empty()).count();
    let losing = changes.iter().filter(|c| !c.losses.is_empty()).count();
    html! {
        @if changes.is_empty() {
            p #preview-summary { "No member's access would change: no member matches the rule now, \
                   or they already have what it gives." }
        } @else {
            p #preview-summary {
                strong { (gaining) } " member(s) would gain access, "
                strong { (losing) } " member(s) would lose access."
            }
            div.table-wrap {
                table #preview {
                    thead { tr { th { "Member" } th { "Gains" } th { "Loses" } } }
                    tbody {
                        @for change in changes.iter().take(MAX_PREVIEW_ROWS) {
                            tr {
                                td { (change.user_name) }
                                td { @for item in &change.gains { div.gain { (item) } } }
                                td { @for item in &change.losses { div.loss { (item) } } }
                            }
                        }
                    }
                }
            }
            @if changes.len() > MAX_PREVIEW_ROWS {
                p.muted { "… and " (changes.len() - MAX_PREVIEW_ROWS) " more members." }
            }
        }
    }
}
