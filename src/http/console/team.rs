//! The Team page (`GET /console/team`) and its CSV export
//! (`GET /console/team.csv`): every member with status, role, workspace
//! levels, last login and how they were provisioned; search and filters
//! (role, workspace, status, not logged in for N days) as a plain GET form,
//! so a filtered view is a link the admin can keep; paged by cursor
//! (`service::team`), which stays fast however deep the page.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, web};
use futures_util::{StreamExt, stream};
use maud::{Markup, html};
use serde::Deserialize;

use super::error::ConsoleError;
use super::page::{self, Section};
use super::session::ConsoleSession;
use crate::access::team::csv_chunk;
use crate::access::{AccessModel, Workspace};
use crate::http::state::AppState;
use crate::service::team::{self, Status, TeamMember, TeamPage, TeamQuery};
use crate::service::{self, access};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/team", web::get().to(team_page))
        .route("/team.csv", web::get().to(team_csv));
}

/// The filters as the form sends them: text, checked by `service::team`.
#[derive(Debug, Default, Clone, Deserialize)]
pub struct TeamParams {
    #[serde(default)]
    q: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    workspace: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    stale_days: String,
    #[serde(default)]
    after: String,
    /// The change just made (`?done=removed`): a fixed notice.
    #[serde(default)]
    done: String,
}

impl TeamParams {
    fn query(&self) -> Result<TeamQuery, service::Error> {
        let given = |text: &str| (!text.trim().is_empty()).then(|| text.trim().to_owned());
        let stale_days = given(&self.stale_days)
            .map(|days| {
                days.parse::<u32>().map_err(|_| {
                    crate::access::AccessError::Invalid(format!(
                        "'not logged in for' is a whole number of days (1 to {}), not '{days}'",
                        team::MAX_STALE_DAYS
                    ))
                })
            })
            .transpose()?;
        Ok(TeamQuery {
            search: given(&self.q),
            role: given(&self.role),
            workspace: given(&self.workspace),
            status: given(&self.status)
                .map(|status| Status::parse(&status))
                .transpose()?,
            stale_days,
            cursor: given(&self.after),
            page_size: team::DEFAULT_PAGE_SIZE,
        })
    }

    /// The query string of these filters, on another page (`after`).
    fn link(&self, path: &str, after: Option<&str>) -> String {
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        for (name, value) in [
            ("q", &self.q),
            ("role", &self.role),
            ("workspace", &self.workspace),
            ("status", &self.status),
            ("stale_days", &self.stale_days),
        ] {
            if !value.is_empty() {
                query.append_pair(name, value);
            }
        }
        if let Some(after) = after {
            query.append_pair("after", after);
        }
        let query = query.finish();
        if query.is_empty() {
            path.to_owned()
        } else {
            format!("{path}?{query}")
        }
    }
}

/// `GET /console/team`.
async fn team_page(
    session: ConsoleSession,
    state: web::Data<AppState>,
    params: web::Query<TeamParams>,
) -> Result<HttpResponse, ConsoleError> {
    let params = params.into_inner();
    let account = session.session.account.id;
    let query = params.query();
    let (model, workspaces, listed) = AppState::read(&state, move |conn| {
        let model = access::model::get(conn, account)?;
        let workspaces = access::workspaces::list(conn, account)?;
        let listed = query.and_then(|query| team::list(conn, account, &query));
        Ok::<_, service::Error>((model, workspaces, listed))
    })
    .await?;
    // A filter that is not valid is said above the form, which keeps it.
    let (page, problem) = match listed {
        Ok(page) => (Some(page), None),
        Err(service::Error::Invalid(error)) => (None, Some(error.detail)),
        Err(service::Error::Access(error)) => (None, Some(error.to_string())),
        Err(error) => return Err(error.into()),
    };
    let status = if problem.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    let done =
        (params.done == "removed").then_some("The member is removed: their access has ended.");
    let body = html! {
        (page::notice(done))
        (filters(&params, &model, &workspaces))
        (page::problem(problem.as_deref()))
        @if let Some(page) = &page {
            (members_table(&params, page))
        }
    };
    let mut response = page::render(&session, Section::Team, "Team", body);
    *response.status_mut() = status;
    Ok(response)
}

fn filters(params: &TeamParams, model: &AccessModel, workspaces: &[Workspace]) -> Markup {
    html! {
        form.filters method="get" action="/console/team" role="search" {
            label { "Search" input type="search" name="q" value=(params.q) placeholder="name or userName"; }
            label { "Role"
                select name="role" {
                    option value="" { "Any role" }
                    @for role in &model.roles {
                        option value=(role) selected[params.role == *role] { (role) }
                    }
                }
            }
            label { "Workspace"
                select name="workspace" {
                    option value="" { "Any workspace" }
                    @for workspace in workspaces {
                        option value=(workspace.slug) selected[params.workspace == workspace.slug] { (workspace.name) }
                    }
                }
            }
            label { "Status"
                select name="status" {
                    option value="" { "Any status" }
                    option value="active" selected[params.status == "active"] { "Active" }
                    option value="inactive" selected[params.status == "inactive"] { "Inactive" }
                }
            }
            label { "Not logged in for (days)"
                input type="number" name="stale_days" min="1" max=(team::MAX_STALE_DAYS) inputmode="numeric" value=(params.stale_days);
            }
            button type="submit" { "Filter" }
            a.button href="/console/team" { "Clear" }
        }
    }
}

fn members_table(params: &TeamParams, page: &TeamPage) -> Markup {
    let next = page
        .next_cursor
        .as_deref()
        .map(|cursor| params.link("/console/team", Some(cursor)));
    html! {
        div.actions {
            p #team-total { (page.total) " " (if page.total == 1 { "member matches" } else { "members match" }) }
            a.button href=(params.link("/console/team.csv", None)) download { "Export CSV" }
        }
        div.table-wrap {
            table #team {
                caption.muted { "Members, by userName" }
                thead { tr {
                    th scope="col" { "Member" }
                    th scope="col" { "Status" }
                    th scope="col" { "Role" }
                    th scope="col" { "Workspaces" }
                    th scope="col" { "Last login" }
                    th scope="col" { "Provisioned" }
                } }
                tbody {
                    @for member in &page.members { (member_row(member)) }
                    @if page.members.is_empty() {
                        tr { td colspan="6" { "No member matches these filters." } }
                    }
                }
            }
        }
        nav.pager aria-label="Pages" {
            @if !params.after.is_empty() {
                a href=(params.link("/console/team", None)) { "← First page" }
            }
            @if let Some(next) = next {
                a rel="next" href=(next) { "Next page →" }
            }
        }
    }
}

fn member_row(member: &TeamMember) -> Markup {
    html! {
        tr {
            td {
                a href={ "/console/members/" (member.id) } {
                    (member.display_name.as_deref().unwrap_or(&member.user_name))
                }
                @if member.display_name.is_some() {
                    br; span.muted { (member.user_name) }
                }
            }
            td { (status_badge(member.active)) }
            td { (member.role.as_deref().unwrap_or("—")) }
            td {
                @if member.workspaces.is_empty() { span.muted { "none" } }
                @for level in &member.workspaces {
                    (level.workspace) ": " (level.level) br;
                }
            }
            td { (page::when(member.last_login)) }
            td { (provenance(&member.provisioned_by)) }
        }
    }
}

/// Active or inactive, as a badge.
pub fn status_badge(active: bool) -> Markup {
    html! {
        @if active { span.badge.active { "Active" } } @else { span.badge.inactive { "Inactive" } }
    }
}

/// How a member came to be: by the IdP (with the token's label) or locally.
pub fn provenance(provenance: &crate::access::review::Provenance) -> Markup {
    html! {
        @if provenance.via == "scim" {
            "IdP"
            @if let Some(label) = &provenance.token_label {
                br; span.muted { (label) }
            }
        } @else {
            span.badge.local { "Local" }
        }
    }
}

/// `GET /console/team.csv`: every member the filters match, a page at a
/// time from the store to the socket, so neither memory nor a database
/// connection is held for a slow download.
async fn team_csv(
    session: ConsoleSession,
    state: web::Data<AppState>,
    params: web::Query<TeamParams>,
) -> Result<HttpResponse, ConsoleError> {
    let mut query = params
        .into_inner()
        .query()
        .map_err(|error| ConsoleError::Invalid(error.to_string()))?;
    query.page_size = team::MAX_PAGE_SIZE;
    query.cursor = None;
    let account = session.session.account.id;
    // The first page is read before answering, so a bad filter is a 400.
    let first = {
        let query = query.clone();
        AppState::read(&state, move |conn| team::list(conn, account, &query)).await?
    };
    let header = csv_chunk(&[], true)
        .map(web::Bytes::from)
        .map_err(csv_failed)?;
    let pages = stream::unfold(
        (Some((first, query)), state),
        move |(next, state)| async move {
            let (page, mut query) = next?;
            let bytes = csv_chunk(&page.members, false)
                .map(web::Bytes::from)
                .map_err(csv_failed);
            let next = match page.next_cursor {
                Some(cursor) => {
                    query.cursor = Some(cursor);
                    let asked = query.clone();
                    match AppState::read(&state, move |conn| team::list(conn, account, &asked))
                        .await
                    {
                        Ok(page) => Some((page, query)),
                        Err(error) => {
                            tracing::error!(error = %error, "the team export stopped");
                            None
                        }
                    }
                }
                None => None,
            };
            Some((bytes, (next, state)))
        },
    );
    let body = stream::once(async move { Ok::<_, ConsoleError>(header) }).chain(pages);
    Ok(HttpResponse::Ok()
        .insert_header((
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/csv; charset=utf-8"),
        ))
        .insert_header((
            header::CONTENT_DISPOSITION,
            HeaderValue::from_static("attachment; filename=\"team.csv\""),
        ))
        .streaming(body))
}

fn csv_failed(error: csv::Error) -> ConsoleError {
    ConsoleError::Invalid(format!("the export could not be written: {error}"))
}
