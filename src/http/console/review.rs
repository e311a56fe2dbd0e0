//! The Access review page (docs/CONSOLE.md "Access review"): the review's
//! flagged members — admins (over the limit or not), stale members, local
//! members — as a page and as CSV; the "Review completed" sign-off, who
//! signed off last and when, when the next review is due (highlighted when
//! overdue), and the account's interval. Changes are
//! `service::access::review`'s operations, made as the console session.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use maud::{Markup, html};
use serde::Deserialize;

use super::error::ConsoleError;
use super::page::{self, Section};
use super::session::{ConsoleForm, ConsoleSession};
use crate::access::review::{self as flags, Review, ReviewPolicy, ReviewedMember};
use crate::access::sign_off::{INTERVAL_DAYS, MAX_NOTE_CHARS, MAX_REVIEWER_CHARS, SignOff};
use crate::audit::Actor;
use crate::http::state::AppState;
use crate::service::access::review;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/review", web::get().to(review_page))
        .route("/review.csv", web::get().to(review_csv))
        .route("/review/sign-off", web::post().to(sign_off))
        .route("/review/interval", web::post().to(set_interval));
}

/// The most members a section of the page lists; the CSV has them all.
const MAX_ROWS: usize = 200;
/// The earlier sign-offs the page shows.
const HISTORY: i64 = 10;

#[derive(Deserialize, Default)]
#[serde(default)]
struct ReviewQuery {
    stale_days: String,
    max_admins: String,
    done: Option<String>,
}

impl ReviewQuery {
    fn parse(req: &HttpRequest) -> Result<Self, ConsoleError> {
        serde_html_form::from_str(req.query_string())
            .map_err(|_| ConsoleError::Invalid("the page's address is not one it knows".into()))
    }

    /// The review's thresholds: the page's fields, else the defaults.
    fn policy(&self) -> Result<ReviewPolicy, ConsoleError> {
        let number = |name: &str, text: &str| -> Result<Option<u32>, ConsoleError> {
            let text = text.trim();
            if text.is_empty() {
                return Ok(None);
            }
            text.parse().map(Some).map_err(|_| {
                ConsoleError::Invalid(format!("{name} must be a whole number of at least 0"))
            })
        };
        ReviewPolicy::new(
            number("'Stale after (days)'", &self.stale_days)?,
            number("'Most admins'", &self.max_admins)?,
            crate::clock::now(),
        )
        .map_err(|error| ConsoleError::Invalid(error.to_string()))
    }
}

fn done_notice(code: Option<&str>) -> Option<&'static str> {
    match code? {
        "signed-off" => Some("The review is signed off. The next one is due after the interval."),
        "interval-saved" => Some("The review interval was saved."),
        _ => None,
    }
}

/// The author of a sign-off, in words.
fn actor(actor: &Actor) -> String {
    match actor {
        Actor::Console {
            token: Some(_),
            label: Some(label),
        } => format!("console session (link from token '{label}')"),
        Actor::Console {
            token: Some(_),
            label: None,
        } => "console session (link from an API token)".into(),
        Actor::Console { token: None, .. } => "console session (link from the command line)".into(),
        Actor::Token {
            label: Some(label), ..
        } => format!("API token '{label}'"),
        Actor::Token { label: None, .. } => "an API token".into(),
        Actor::Cli => "the command line".into(),
    }
}

fn members_table(id: &str, members: &[&ReviewedMember]) -> Markup {
    html! {
        @if members.is_empty() {
            p.muted { "None." }
        } @else {
            div.table-wrap { table id=(id) {
                thead { tr {
                    th { "Member" } th { "Role" } th { "Workspaces" } th { "Last login" }
                    th { "Provisioned" }
                } }
                tbody { @for member in members.iter().take(MAX_ROWS) {
                    tr {
                        td {
                            (member.user_name)
                            @if let Some(name) = &member.display_name { br; span.muted { (name) } }
                            @if !member.active { " " span.badge.inactive { "inactive" } }
                        }
                        td { (member.role.as_deref().unwrap_or("no access")) }
                        td { @for level in &member.workspaces {
                            div { code { (level.workspace) } ": " (level.level) }
                        } }
                        td { (page::when(member.last_login)) }
                        td {
                            @if member.provisioned_by.via == "scim" {
                                "by the IdP"
                                @if let Some(label) = &member.provisioned_by.token_label {
                                    br; span.muted { (label) }
                                }
                            } @else {
                                span.badge.local { "local" }
                            }
                        }
                    }
                } }
            } }
            @if members.len() > MAX_ROWS {
                p.muted { "… and " (members.len() - MAX_ROWS) " more: the CSV lists every member." }
            }
        }
    }
}

fn flagged<'a>(report: &'a Review, flag: &str) -> Vec<&'a ReviewedMember> {
    report
        .members
        .iter()
        .filter(|member| member.flags.contains(&flag))
        .collect()
}

fn schedule_card(session: &ConsoleSession, report: &Review) -> Markup {
    let schedule = &report.schedule;
    let due = page::when(Some(schedule.next_review_due));
    html! {
        section.card #schedule aria-labelledby="schedule-title" {
            h2 #schedule-title { "Sign-off" }
            @if schedule.review_overdue {
                p.overdue #due role="alert" { "The review is overdue: it was due " (due) "." }
            } @else {
                p #due { "The next review is due " (due) "." }
            }
            @match &schedule.last_review {
                Some(last) => p #last-review {
                    "Last signed off " (page::when(Some(last.at))) " by " (actor(&last.by))
                    @if let Some(reviewer) = &last.reviewer { ", reviewer: " strong { (reviewer) } }
                    "."
                    @if let Some(note) = &last.note { br; span.note { (note) } }
                },
                None => p #last-review { "The review has never been signed off." },
            }
            form method="post" action="/console/review/sign-off" {
                (page::csrf_field(session))
                div.actions {
                    label { "Reviewer (optional)"
                        input type="text" name="reviewer" maxlength=(MAX_REVIEWER_CHARS)
                            autocomplete="name";
                    }
                    label { "Note (optional)"
                        textarea name="note" rows="2" cols="40" maxlength=(MAX_NOTE_CHARS) {}
                    }
                    button type="submit" { "Review completed" }
                }
            }
            form method="post" action="/console/review/interval" {
                (page::csrf_field(session))
                div.actions {
                    label { "Review every (days)"
                        input type="number" name="days" required min=(INTERVAL_DAYS.start())
                            max=(INTERVAL_DAYS.end()) value=(schedule.review_interval_days);
                    }
                    button.secondary type="submit" { "Save interval" }
                }
            }
        }
    }
}

fn history_table(history: &[SignOff]) -> Markup {
    html! {
        @if !history.is_empty() {
            h2 { "Earlier sign-offs" }
            div.table-wrap { table #history {
                thead { tr { th { "When" } th { "By" } th { "Reviewer" } th { "Note" } } }
                tbody { @for entry in history {
                    tr {
                        td { (page::when(Some(entry.at))) }
                        td { (actor(&entry.by)) }
                        td { (entry.reviewer.as_deref().unwrap_or("")) }
                        td.note { (entry.note.as_deref().unwrap_or("")) }
                    }
                } }
            } }
        }
    }
}

/// `GET /console/review?stale_days=N&max_admins=M`.
async fn review_page(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: ConsoleSession,
) -> Result<HttpResponse, ConsoleError> {
    let query = ReviewQuery::parse(&req)?;
    let policy = query.policy()?;
    let account = session.session.account.id;
    let (report, history) = AppState::read(&state, move |conn| {
        Ok::<_, crate::service::Error>((
            review::report(conn, account, policy)?,
            review::history(conn, account, HISTORY)?,
        ))
    })
    .await?;
    let summary = &report.summary;
    let admins = flagged(&report, "admin");
    let csv = format!(
        "/console/review.csv?stale_days={}&max_admins={}",
        policy.stale_days, policy.max_admins
    );
    let body = html! {
        (page::notice(done_notice(query.done.as_deref())))
        (schedule_card(&session, &report))
        form.filters method="get" action="/console/review" {
            label { "Stale after (days)"
                input type="number" name="stale_days" min="1" max=(ReviewPolicy::MAX_STALE_DAYS)
                    value=(policy.stale_days);
            }
            label { "Most admins" input type="number" name="max_admins" min="0" value=(policy.max_admins); }
            button.secondary type="submit" { "Apply" }
            a.button href=(csv) download { "Download CSV" }
        }
        dl.facts #summary {
            dt { "Members" } dd { (summary.members) " (" (summary.active) " active)" }
            dt { "Admins" } dd {
                (summary.admins)
                @if summary.too_many_admins {
                    " " span.badge.inactive { "more than " (policy.max_admins) }
                }
            }
            dt { "Stale" } dd { (summary.stale) " without a login for " (policy.stale_days) " days" }
            dt { "Local" } dd { (summary.local) " not provisioned by the identity provider" }
        }
        @if summary.too_many_admins {
            h2 { "Admins over the limit" }
            p.overdue { (summary.admins) " members are admins; keep at most " (policy.max_admins) "." }
        } @else {
            h2 { "Admins" }
        }
        (members_table("admins", &admins))
        h2 { "Stale members" }
        p.muted { "Active, yet no login for " (policy.stale_days) " days (counted from when they were \
                   added if they never logged in). Ask whether they still need access." }
        (members_table("stale", &flagged(&report, "stale")))
        h2 { "Local members" }
        p.muted { "Not provisioned by your identity provider: offboarding there does not reach them." }
        (members_table("local", &flagged(&report, "local")))
        (history_table(&history))
    };
    Ok(page::render(
        &session,
        Section::Review,
        "Access review",
        body,
    ))
}

/// `GET /console/review.csv?stale_days=N&max_admins=M`: every member, as
/// `GET /api/v1/reports/access-review?format=csv` has them.
async fn review_csv(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: ConsoleSession,
) -> Result<HttpResponse, ConsoleError> {
    let policy = ReviewQuery::parse(&req)?.policy()?;
    let account = session.session.account.id;
    let report = AppState::read(&state, move |conn| review::report(conn, account, policy)).await?;
    let body = flags::to_csv(&report).map_err(|error| {
        tracing::error!(%error, "the access review did not render as CSV");
        ConsoleError::from(crate::http::error::ApiError::from(
            crate::scim::ScimError::internal(),
        ))
    })?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/csv; charset=utf-8"))
        .insert_header((
            header::CONTENT_DISPOSITION,
            "attachment; filename=\"access-review.csv\"",
        ))
        .body(body))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct SignOffFields {
    reviewer: String,
    note: String,
}

/// `POST /console/review/sign-off`: "Review completed".
async fn sign_off(
    req: HttpRequest,
    state: web::Data<AppState>,
    action: ConsoleForm<SignOffFields>,
) -> Result<HttpResponse, ConsoleError> {
    let ConsoleForm { session, form } = action;
    AppState::change(
        &state,
        session.session.account.id,
        session.origin(&req),
        move |conn, caller| Ok(review::sign_off(conn, caller, &form.reviewer, &form.note)?),
    )
    .await?;
    Ok(page::see_other("/console/review?done=signed-off"))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct IntervalFields {
    days: String,
}

/// `POST /console/review/interval`.
async fn set_interval(
    req: HttpRequest,
    state: web::Data<AppState>,
    action: ConsoleForm<IntervalFields>,
) -> Result<HttpResponse, ConsoleError> {
    let ConsoleForm { session, form } = action;
    let days: i64 = form.days.trim().parse().map_err(|_| {
        ConsoleError::Invalid(format!(
            "the review interval is a whole number of days, {} to {}",
            INTERVAL_DAYS.start(),
            INTERVAL_DAYS.end()
        ))
    })?;
    AppState::change(
        &state,
        session.session.account.id,
        session.origin(&req),
        move |conn, caller| Ok(review::set_interval(conn, caller, days)?),
    )
    .await?;
    Ok(page::see_other("/console/review?done=interval-saved"))
}
