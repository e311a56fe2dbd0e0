//! The Access rules page (docs/CONSOLE.md "Access rules"): the account's
//! roles and workspace levels in order, its workspaces and rules; adding a
//! rule (form → preview of who gains and loses what → save) and deleting
//! one (confirmation with the same preview → delete). Every change is
//! `service::access::rules`' operation, made as the console session.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use maud::html;
use serde::Deserialize;

use super::access_view::{self, RuleFields};
use super::enter::NoFields;
use super::error::ConsoleError;
use super::page::{self, Section};
use super::session::{ConsoleForm, ConsoleSession};
use crate::access::{AccessModel, Rule, Workspace};
use crate::http::error::ApiError;
use crate::http::state::AppState;
use crate::service::access::{model, rules, workspaces};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/access", web::get().to(access_page))
        .route("/access/rules/preview", web::post().to(preview))
        .route("/access/rules", web::post().to(create))
        .route("/access/rules/{id}/delete", web::get().to(confirm_delete))
        .route("/access/rules/{id}/delete", web::post().to(delete));
}

/// The access configuration a page shows.
struct Configuration {
    model: AccessModel,
    workspaces: Vec<Workspace>,
    rules: Vec<Rule>,
}

async fn configuration(
    state: &web::Data<AppState>,
    session: &ConsoleSession,
) -> Result<Configuration, ApiError> {
    let account = session.session.account.id;
    AppState::read(state, move |conn| {
        Ok::<_, crate::service::Error>(Configuration {
            model: model::get(conn, account)?,
            workspaces: workspaces::list(conn, account)?,
            rules: rules::list(conn, account)?,
        })
    })
    .await
}

/// `?done=` codes and what the page says for them.
fn done_notice(code: Option<&str>) -> Option<&'static str> {
    match code? {
        "rule-added" => Some("The rule was saved and applied."),
        "rule-deleted" => Some("The rule was deleted and its access removed."),
        _ => None,
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct PageQuery {
    done: Option<String>,
    #[serde(flatten)]
    fields: RuleFields,
}

/// `GET /console/access` (`?done=…`; the add form's fields prefill it).
async fn access_page(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: ConsoleSession,
) -> Result<HttpResponse, ConsoleError> {
    let query: PageQuery = serde_html_form::from_str(req.query_string())
        .map_err(|_| ConsoleError::Invalid("the page's address is not one it knows".into()))?;
    let configuration = configuration(&state, &session).await?;
    let notice = done_notice(query.done.as_deref());
    Ok(render_page(
        &session,
        &configuration,
        &query.fields,
        notice,
        None,
    ))
}

fn render_page(
    session: &ConsoleSession,
    configuration: &Configuration,
    fields: &RuleFields,
    notice: Option<&str>,
    problem: Option<&str>,
) -> HttpResponse {
    let Configuration {
        model,
        workspaces,
        rules,
    } = configuration;
    let body = html! {
        (page::notice(notice))
        section.card aria-labelledby="model-title" {
            h2 #model-title { "Roles and levels" }
            p.muted { "Each list goes from the least access to the most. A member no rule gives a \
                       role has the default role; a workspace level comes only from rules." }
            dl.facts {
                dt { "Roles" }
                dd { ol.ranked #roles {
                    @for role in &model.roles {
                        li { (role) @if *role == model.default_role { " " span.badge { "default" } } }
                    }
                } }
                dt { "Workspace levels" }
                dd { ol.ranked #levels { @for level in &model.levels { li { (level) } } } }
            }
        }
        h2 { "Workspaces" }
        @if workspaces.is_empty() {
            p.muted { "No workspaces yet: rules can give roles only." }
        } @else {
            div.table-wrap { table #workspaces {
                thead { tr { th { "Slug" } th { "Name" } } }
                tbody { @for workspace in workspaces {
                    tr { td { code { (workspace.slug) } } td { (workspace.name) } }
                } }
            } }
        }
        h2 { "Rules" }
        @if rules.is_empty() {
            p.muted { "No rules yet: every active member has the default role, and no workspace level." }
        } @else {
            div.table-wrap { table #rules {
                thead { tr { th { "Matches" } th { "Gives" } th { span.visually-hidden { "Actions" } } } }
                tbody { @for rule in rules {
                    tr {
                        td { (access_view::matches(&rule.spec.selector)) }
                        td { (access_view::gives(&rule.spec)) }
                        td { a href={ "/console/access/rules/" (rule.id) "/delete" } { "Delete…" } }
                    }
                } }
            } }
        }
        h2 #add { "Add a rule" }
        (page::problem(problem))
        (access_view::add_form(model, workspaces, fields, page::csrf_field(session)))
    };
    page::render(session, Section::Access, "Access rules", body)
}

/// The page again, with `status`, the add form as it was sent and what was
/// wrong with it.
async fn with_problem(
    state: &web::Data<AppState>,
    session: &ConsoleSession,
    fields: &RuleFields,
    status: StatusCode,
    problem: &str,
) -> Result<HttpResponse, ConsoleError> {
    let configuration = configuration(state, session).await?;
    let mut response = render_page(session, &configuration, fields, None, Some(problem));
    *response.status_mut() = status;
    Ok(response)
}

/// [`with_problem`] when an operation refused the rule (a 4xx: not valid
/// for the model, no such workspace); any other failure is the error page.
async fn refused(
    state: &web::Data<AppState>,
    session: &ConsoleSession,
    fields: &RuleFields,
    error: ApiError,
) -> Result<HttpResponse, ConsoleError> {
    let scim = error.to_scim();
    match StatusCode::from_u16(scim.status) {
        Ok(status) if status.is_client_error() => {
            with_problem(state, session, fields, status, &scim.detail).await
        }
        _ => Err(error.into()),
    }
}

/// `POST /console/access/rules/preview`: who would gain and lose what,
/// and the button that saves the rule.
async fn preview(
    state: web::Data<AppState>,
    action: ConsoleForm<RuleFields>,
) -> Result<HttpResponse, ConsoleError> {
    let ConsoleForm { session, form } = action;
    let spec = match form.spec() {
        Ok(spec) => spec,
        Err(problem) => {
            return with_problem(&state, &session, &form, StatusCode::BAD_REQUEST, problem).await;
        }
    };
    let account = session.session.account.id;
    let change = rules::RuleChange::Create(spec.clone());
    let previewed = AppState::run(&state, move |conn| {
        let diffs = rules::preview(conn, account, &change)?;
        Ok::<_, crate::service::Error>((diffs, model::get(conn, account)?))
    })
    .await;
    let (diffs, model) = match previewed {
        Ok(previewed) => previewed,
        Err(error) => return refused(&state, &session, &form, error).await,
    };
    let body = html! {
        section.card {
            h2 { "The rule" }
            p #rule { (access_view::matches(&spec.selector)) " → " (access_view::gives(&spec)) }
        }
        h2 { "What saving it changes" }
        (access_view::preview(&model, &diffs))
        div.actions {
            form method="post" action="/console/access/rules" {
                (page::csrf_field(&session))
                (form.hidden())
                button type="submit" { "Save rule" }
            }
            form method="get" action="/console/access#add" {
                (form.hidden())
                button.secondary type="submit" { "Change it" }
            }
            a.button href="/console/access" { "Cancel" }
        }
    };
    Ok(page::render(
        &session,
        Section::Access,
        "Preview the rule",
        body,
    ))
}

/// `POST /console/access/rules`: saves the rule the preview showed.
async fn create(
    req: HttpRequest,
    state: web::Data<AppState>,
    action: ConsoleForm<RuleFields>,
) -> Result<HttpResponse, ConsoleError> {
    let ConsoleForm { session, form } = action;
    let spec = match form.spec() {
        Ok(spec) => spec,
        Err(problem) => {
            return with_problem(&state, &session, &form, StatusCode::BAD_REQUEST, problem).await;
        }
    };
    let created = AppState::change(
        &state,
        session.session.account.id,
        session.origin(&req),
        move |conn, caller| Ok(rules::create(conn, caller, &spec)?),
    )
    .await;
    match created {
        Ok(_) => Ok(page::see_other("/console/access?done=rule-added")),
        Err(error) => refused(&state, &session, &form, error).await,
    }
}

/// `GET /console/access/rules/{id}/delete`: what deleting the rule does,
/// with its preview, and the button that does it.
async fn confirm_delete(
    state: web::Data<AppState>,
    session: ConsoleSession,
    id: web::Path<String>,
) -> Result<HttpResponse, ConsoleError> {
    let id = rules::id(&id).map_err(ApiError::from)?;
    let account = session.session.account.id;
    let (rule, diffs, model) = AppState::run(&state, move |conn| {
        let rule = rules::get(conn, account, id)?;
        let diffs = rules::preview(conn, account, &rules::RuleChange::Delete { id })?;
        Ok::<_, crate::service::Error>((rule, diffs, model::get(conn, account)?))
    })
    .await?;
    let consequence = html! {
        p #rule {
            "Delete the rule " (access_view::matches(&rule.spec.selector)) " → "
            (access_view::gives(&rule.spec)) "? Members keep what other rules give them."
        }
        (access_view::preview(&model, &diffs))
    };
    Ok(page::confirm(
        &session,
        Section::Access,
        "Delete the rule",
        consequence,
        &format!("/console/access/rules/{id}/delete"),
        "Delete rule",
        "/console/access",
    ))
}

/// `POST /console/access/rules/{id}/delete`.
async fn delete(
    req: HttpRequest,
    state: web::Data<AppState>,
    id: web::Path<String>,
    action: ConsoleForm<NoFields>,
) -> Result<HttpResponse, ConsoleError> {
    let session = action.session;
    let id = rules::id(&id).map_err(ApiError::from)?;
    AppState::change(
        &state,
        session.session.account.id,
        session.origin(&req),
        move |conn, caller| Ok(rules::delete(conn, caller, id)?),
    )
    .await?;
    Ok(page::see_other("/console/access?done=rule-deleted"))
}
