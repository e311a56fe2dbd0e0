//! `/console/groups`: every SCIM group of the account, a page at a time,
//! with its externalId, its member count and the access rules that name it
//! (by displayName, case-insensitively, by externalId or by id) with what
//! each gives; and the rules that name a group the account does not have
//! yet (docs/CONSOLE.md, "Groups").

use actix_web::{HttpRequest, HttpResponse, web};
use maud::{Markup, html};

use super::connections::query_value;
use super::error::ConsoleError;
use super::page::{self, Section};
use super::session::ConsoleSession;
use crate::access::{Rule, Selector};
use crate::http::state::AppState;
use crate::service::group_overview::{self, GroupOverview};

const PATH: &str = "/console/groups";

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/groups", web::get().to(show));
}

/// `GET /console/groups?page=N`.
async fn show(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: ConsoleSession,
) -> Result<HttpResponse, ConsoleError> {
    let page_number = match query_value(&req, "page") {
        None => 1,
        Some(text) => text
            .parse::<i64>()
            .ok()
            .filter(|page| *page >= 1)
            .ok_or_else(|| {
                ConsoleError::Invalid("the page number must be a whole number from 1 on".into())
            })?,
    };
    let account = session.session.account.id;
    let overview = AppState::read(&state, move |conn| {
        group_overview::page(conn, account, page_number)
    })
    .await?;
    let body = html! {
        p.muted {
            "The groups your identity provider pushed, with their members and the access rules \
             that use them. A rule names a group by its displayName (ignoring case), its \
             externalId or its id; its members get what the rule gives. Rules are changed on the "
            a href="/console/access" { "Access rules" } " page."
        }
        (groups_table(&overview))
        (pager(&overview))
        (waiting(&overview.waiting))
    };
    Ok(page::render(&session, Section::Groups, "Groups", body))
}

fn groups_table(overview: &GroupOverview) -> Markup {
    html! {
        @if overview.total == 0 {
            p { "This account has no groups yet: your identity provider has pushed none." }
        } @else if overview.groups.is_empty() {
            p { "There are no groups on this page. " a href=(PATH) { "Go to the first page" } "." }
        } @else {
            p { (overview.total) @if overview.total == 1 { " group" } @else { " groups" } "." }
            div.table-wrap {
                table {
                    thead { tr {
                        th scope="col" { "Group" } th scope="col" { "externalId" }
                        th scope="col" { "Members" } th scope="col" { "Rules that use it" }
                    } }
                    tbody {
                        @for group in &overview.groups {
                            @let facts = &group.summary.group;
                            tr {
                                td { (facts.display_name) }
                                td { @if let Some(id) = &facts.external_id { code { (id) } } @else { span.muted { "none" } } }
                                td { (group.summary.members) }
                                td {
                                    @if group.rules.is_empty() {
                                        span.muted { "none" }
                                    } @else {
                                        ul {
                                            @for rule in &group.rules {
                                                li { (gives(rule)) " " span.muted { "(" (named_by(&rule.spec.selector)) ")" } }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn pager(overview: &GroupOverview) -> Markup {
    html! {
        @if overview.pages > 1 {
            nav.pager aria-label="Pages of groups" {
                @if overview.page > 1 {
                    a href={ (PATH) "?page=" (overview.page.min(overview.pages + 1) - 1) } rel="prev" { "Previous" }
                }
                span { "Page " (overview.page) " of " (overview.pages) }
                @if overview.page < overview.pages {
                    a href={ (PATH) "?page=" (overview.page + 1) } rel="next" { "Next" }
                }
            }
        }
    }
}

fn waiting(rules: &[Rule]) -> Markup {
    html! {
        @if !rules.is_empty() {
            section.card aria-labelledby="waiting-title" {
                h2 #waiting-title { "Rules waiting for a group" }
                p.muted {
                    "These rules name a group this account does not have (yet). They apply as \
                     soon as your identity provider pushes a group they name."
                }
                ul {
                    @for rule in rules {
                        li { (named_by(&rule.spec.selector)) ": " (gives(rule)) }
                    }
                }
            }
        }
    }
}

/// What a rule gives, for people: "role admin and level write in
/// workspace eng".
fn gives(rule: &Rule) -> String {
    let spec = &rule.spec;
    let role = spec.role.as_ref().map(|role| format!("role {role}"));
    let level = match (&spec.level, &spec.workspace) {
        (Some(level), Some(workspace)) => Some(format!("level {level} in workspace {workspace}")),
        _ => None,
    };
    match (role, level) {
        (Some(role), Some(level)) => format!("{role} and {level}"),
        (Some(one), None) | (None, Some(one)) => one,
        (None, None) => "nothing".to_owned(),
    }
}

/// How a rule names its group, for people.
fn named_by(selector: &Selector) -> String {
    match selector {
        Selector::GroupName(name) => format!("by displayName “{name}”"),
        Selector::GroupExternalId(id) => format!("by externalId “{id}”"),
        Selector::GroupId(id) => format!("by id {id}"),
        Selector::ScimRole(value) => format!("by SCIM role “{value}”"),
    }
}
