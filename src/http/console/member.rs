//! The Member page (`GET /console/members/{id}`): who the member is, their
//! effective access with its explanation (the group, SCIM role value or
//! direct grant behind each role and level), their groups and their audit
//! timeline. For a **local** member (one no identity provider manages: a
//! break-glass account made with `roster members add`) the admin also sets
//! the role and workspace levels directly (`service::access::grants`),
//! offboards them (deactivates) or removes them, each after a confirmation.
//! A member the IdP manages is changed in the IdP: the page says so.

use actix_web::{HttpRequest, HttpResponse, web};
use maud::{Markup, html};
use serde::Deserialize;

use super::error::ConsoleError;
use super::page::{self, Section};
use super::session::{ConsoleForm, ConsoleSession};
use super::team::{provenance, status_badge};
use crate::access::grants::GrantSet;
use crate::access::{AccessModel, Workspace};
use crate::access::{Reason, Via};
use crate::http::state::AppState;
use crate::model::UserId;
use crate::service::access::members::MemberAccess;
use crate::service::team::TeamMember;
use crate::service::{self, access, team};
use crate::store::audit::{AuditQuery, StoredEntry};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/members/{id}", web::get().to(member_page))
        .route("/members/{id}/role", web::post().to(set_role))
        .route("/members/{id}/level", web::post().to(set_level))
        .route("/members/{id}/offboard", web::get().to(confirm_offboard))
        .route("/members/{id}/offboard", web::post().to(offboard))
        .route("/members/{id}/remove", web::get().to(confirm_remove))
        .route("/members/{id}/remove", web::post().to(remove));
}

/// The entries of the timeline on the page; the audit log has the rest.
const TIMELINE: i64 = 50;

/// The member's id from the path: one that is not a UUID names no member.
fn member_id(raw: &str) -> Result<UserId, ConsoleError> {
    raw.parse()
        .map_err(|_| ConsoleError::NotFound("there is no such member in this account".into()))
}

fn member_path(id: UserId) -> String {
    format!("/console/members/{id}")
}

struct MemberFacts {
    member: TeamMember,
    access: MemberAccess,
    groups: Vec<String>,
    grants: GrantSet,
    model: AccessModel,
    workspaces: Vec<Workspace>,
    timeline: Vec<StoredEntry>,
}

/// `GET /console/members/{id}`.
async fn member_page(
    session: ConsoleSession,
    state: web::Data<AppState>,
    id: web::Path<String>,
    done: web::Query<Done>,
) -> Result<HttpResponse, ConsoleError> {
    let id = member_id(&id)?;
    let account = session.session.account.id;
    let facts = AppState::read(&state, move |conn| {
        let member = team::member(conn, account, id)?;
        let access = access::members::access_of(conn, account, id)?;
        let view = service::users::get(conn, account, id, &Default::default())?;
        let groups = view
            .groups
            .iter()
            .map(|group| group.display.clone())
            .collect();
        let grants = access::grants::get(conn, account, id)?;
        let timeline = service::audit::query(
            conn,
            account,
            &AuditQuery {
                member: Some(id),
                limit: TIMELINE,
                ..AuditQuery::default()
            },
        )?;
        Ok::<_, service::Error>(MemberFacts {
            member,
            access,
            groups,
            grants,
            model: access::model::get(conn, account)?,
            workspaces: access::workspaces::list(conn, account)?,
            timeline,
        })
    })
    .await?;
    let member = &facts.member;
    let name = member.display_name.as_deref().unwrap_or(&member.user_name);
    let local = member.provisioned_by.via != "scim";
    let body = html! {
        (page::notice(done.text()))
        section.card {
            dl.facts {
                dt { "userName" } dd { (member.user_name) }
                dt { "Status" } dd { (status_badge(member.active)) }
                dt { "Role" } dd { (member.role.as_deref().unwrap_or("none (inactive)")) }
                dt { "Last login" } dd { (page::when(member.last_login)) }
                dt { "Created" } dd { (page::when(Some(member.created))) }
                dt { "Provisioned" } dd { (provenance(&member.provisioned_by)) }
            }
        }
        h2 { "Access, and why" }
        (explanation(&facts.access))
        h2 { "Groups" }
        @if facts.groups.is_empty() {
            p.muted { "In no group." }
        } @else {
            ul #member-groups { @for group in &facts.groups { li { (group) } } }
        }
        @if local {
            h2 { "Direct access" }
            p.muted { "A local member is managed here: what you grant joins the group rules, and the highest wins." }
            (grant_forms(&session, member.id, &facts))
            h2 { "Offboard" }
            div.actions {
                @if member.active {
                    a.button href={ (member_path(member.id)) "/offboard" } { "Offboard now" }
                }
                a.button href={ (member_path(member.id)) "/remove" } { "Remove member" }
            }
        } @else {
            p.muted {
                "Managed by your identity provider: their access follows their groups there. To offboard them, \
                 deactivate or unassign them in the identity provider; Roster ends their access the moment it hears."
            }
        }
        h2 { "Timeline" }
        (timeline(&facts.timeline))
        p { a href={ "/console/audit?member=" (member.id) } { "The member's whole audit log" } }
    };
    Ok(page::render(&session, Section::Team, name, body))
}

fn explanation(access: &MemberAccess) -> Markup {
    html! {
        @if !access.active {
            p { "Inactive: no access anywhere." }
        } @else {
            div.table-wrap {
                table #access-explanation {
                    thead { tr { th scope="col" { "Gives" } th scope="col" { "Because of" } } }
                    tbody {
                        @for reason in &access.explanation { (reason_row(reason)) }
                        @if access.explanation.is_empty() {
                            tr { td { "the default role" } td { "no rule matches this member" } }
                        }
                    }
                }
            }
        }
    }
}

fn reason_row(reason: &Reason) -> Markup {
    html! {
        tr {
            td {
                @if let Some(role) = &reason.role { "role " strong { (role) } }
                @if let (Some(workspace), Some(level)) = (&reason.workspace, &reason.level) {
                    strong { (level) } " in " (workspace)
                }
            }
            td {
                @match &reason.via {
                    Via::Group { display_name, .. } => { "member of the group " strong { (display_name) } }
                    Via::ScimRole { value } => { "the identity provider's role value " strong { (value) } }
                    Via::Grant { source, granted_at } => {
                        @if source == "admin" { "granted directly" } @else { "an entitlement from the identity provider" }
                        " on " (page::when(Some(*granted_at)))
                    }
                    Via::Entitlement { attribute, value, unmatched } => {
                        "the identity provider's " (attribute) " value " strong { (value) }
                        @if *unmatched { " (names no role or workspace level: grants nothing)" }
                    }
                }
            }
        }
    }
}

fn grant_forms(session: &ConsoleSession, id: UserId, facts: &MemberFacts) -> Markup {
    let granted_level = |slug: &str| {
        facts
            .grants
            .workspaces
            .iter()
            .find(|level| level.workspace == slug)
            .map(|level| level.level.clone())
    };
    html! {
        form.card method="post" action={ (member_path(id)) "/role" } {
            (page::csrf_field(session))
            label { "Granted role"
                select name="role" {
                    option value="" selected[facts.grants.role.is_none()] { "None (the rules decide)" }
                    @for role in &facts.model.roles {
                        option value=(role) selected[facts.grants.role.as_ref() == Some(role)] { (role) }
                    }
                }
            }
            button type="submit" { "Save role" }
        }
        @for workspace in &facts.workspaces {
            form.card method="post" action={ (member_path(id)) "/level" } {
                (page::csrf_field(session))
                input type="hidden" name="workspace" value=(workspace.slug);
                @let granted = granted_level(&workspace.slug);
                label { "Granted level in " (workspace.name)
                    select name="level" {
                        option value="" selected[granted.is_none()] { "None" }
                        @for level in &facts.model.levels {
                            option value=(level) selected[granted.as_ref() == Some(level)] { (level) }
                        }
                    }
                }
                button type="submit" { "Save level" }
            }
        }
        @if facts.workspaces.is_empty() {
            p.muted { "The account has no workspace yet." }
        }
    }
}

fn timeline(entries: &[StoredEntry]) -> Markup {
    html! {
        @if entries.is_empty() {
            p.muted { "Nothing recorded yet." }
        } @else {
            ol #member-timeline {
                @for entry in entries {
                    li {
                        (page::when(Some(entry.at))) ": " (entry.resource_type) " " (entry.action.replace('_', " "))
                        " by " (actor(entry))
                    }
                }
            }
        }
    }
}

/// Who made an audit entry, in words.
pub fn actor(entry: &StoredEntry) -> String {
    let token = || {
        entry
            .token_label
            .as_deref()
            .map_or_else(|| "a token".to_owned(), |label| format!("token '{label}'"))
    };
    match entry.actor.as_str() {
        "token" => token(),
        "console" if entry.token_id.is_some() => {
            format!("console session from link issued by {}", token())
        }
        "console" => "console session from link issued by the command line".to_owned(),
        "cli" => "the command line".to_owned(),
        other => other.to_owned(),
    }
}

/// The notice after a change (`?done=…`): fixed texts only.
#[derive(Debug, Default, Deserialize)]
struct Done {
    #[serde(default)]
    done: String,
}

impl Done {
    fn text(&self) -> Option<&'static str> {
        match self.done.as_str() {
            "role" => Some("The granted role is saved; the member's access is updated."),
            "level" => Some("The granted level is saved; the member's access is updated."),
            "offboarded" => Some("The member is offboarded: they have no access anywhere now."),
            _ => None,
        }
    }
}

#[derive(Debug, Deserialize)]
struct RoleForm {
    #[serde(default)]
    role: String,
}

/// `POST /console/members/{id}/role`.
async fn set_role(
    req: HttpRequest,
    state: web::Data<AppState>,
    id: web::Path<String>,
    action: ConsoleForm<RoleForm>,
) -> Result<HttpResponse, ConsoleError> {
    let id = member_id(&id)?;
    let session = action.session;
    let role = Some(action.form.role).filter(|role| !role.is_empty());
    let (account, origin) = (session.session.account.id, session.origin(&req));
    AppState::change(&state, account, origin, move |conn, caller| {
        Ok(access::grants::set_role(conn, caller, id, role.as_deref())?)
    })
    .await?;
    Ok(page::see_other(&format!("{}?done=role", member_path(id))))
}

#[derive(Debug, Deserialize)]
struct LevelForm {
    workspace: String,
    #[serde(default)]
    level: String,
}

/// `POST /console/members/{id}/level`.
async fn set_level(
    req: HttpRequest,
    state: web::Data<AppState>,
    id: web::Path<String>,
    action: ConsoleForm<LevelForm>,
) -> Result<HttpResponse, ConsoleError> {
    let id = member_id(&id)?;
    let session = action.session;
    let LevelForm { workspace, level } = action.form;
    let level = Some(level).filter(|level| !level.is_empty());
    let (account, origin) = (session.session.account.id, session.origin(&req));
    AppState::change(&state, account, origin, move |conn, caller| {
        Ok(access::grants::set_level(
            conn,
            caller,
            id,
            &workspace,
            level.as_deref(),
        )?)
    })
    .await?;
    Ok(page::see_other(&format!("{}?done=level", member_path(id))))
}

/// The member named in a confirmation, read in the session's account.
async fn named(
    state: &web::Data<AppState>,
    session: &ConsoleSession,
    id: UserId,
) -> Result<TeamMember, ConsoleError> {
    let account = session.session.account.id;
    Ok(AppState::read(state, move |conn| team::member(conn, account, id)).await?)
}

/// `GET /console/members/{id}/offboard`: what offboarding does.
async fn confirm_offboard(
    session: ConsoleSession,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ConsoleError> {
    let id = member_id(&id)?;
    let member = named(&state, &session, id).await?;
    let consequence = html! {
        p { "Offboarding " strong { (member.user_name) } " deactivates them now: they lose their role and every \
             workspace level at once, and your product is told (member.deactivated and access.changed events). \
             They stay in the team list as inactive; you can remove them afterwards." }
    };
    let path = format!("{}/offboard", member_path(id));
    Ok(page::confirm(
        &session,
        Section::Team,
        "Offboard this member?",
        consequence,
        &path,
        "Offboard now",
        &member_path(id),
    ))
}

/// `POST /console/members/{id}/offboard`.
async fn offboard(
    req: HttpRequest,
    state: web::Data<AppState>,
    id: web::Path<String>,
    action: ConsoleForm<super::enter::NoFields>,
) -> Result<HttpResponse, ConsoleError> {
    let id = member_id(&id)?;
    let session = action.session;
    let (account, origin) = (session.session.account.id, session.origin(&req));
    AppState::change(&state, account, origin, move |conn, caller| {
        Ok(team::offboard_local(conn, caller, id)?)
    })
    .await?;
    Ok(page::see_other(&format!(
        "{}?done=offboarded",
        member_path(id)
    )))
}

/// `GET /console/members/{id}/remove`: what removing does.
async fn confirm_remove(
    session: ConsoleSession,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ConsoleError> {
    let id = member_id(&id)?;
    let member = named(&state, &session, id).await?;
    let consequence = html! {
        p { "Removing " strong { (member.user_name) } " deletes them from Roster: their access ends at once, \
             their group memberships and direct grants go, and your product is told (a member.deleted event). \
             The audit log keeps their history. This cannot be undone." }
    };
    let path = format!("{}/remove", member_path(id));
    Ok(page::confirm(
        &session,
        Section::Team,
        "Remove this member?",
        consequence,
        &path,
        "Remove member",
        &member_path(id),
    ))
}

/// `POST /console/members/{id}/remove`.
async fn remove(
    req: HttpRequest,
    state: web::Data<AppState>,
    id: web::Path<String>,
    action: ConsoleForm<super::enter::NoFields>,
) -> Result<HttpResponse, ConsoleError> {
    let id = member_id(&id)?;
    let session = action.session;
    let (account, origin) = (session.session.account.id, session.origin(&req));
    AppState::change(&state, account, origin, move |conn, caller| {
        Ok(team::remove_local(conn, caller, id)?)
    })
    .await?;
    Ok(page::see_other("/console/team?done=removed"))
}
