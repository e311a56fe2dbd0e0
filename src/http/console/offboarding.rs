//! `GET /console/offboarding`: offboarding receipts (docs/CONSOLE.md
//! "Offboarding") — for each member deactivated or deleted, newest first:
//! who, when the request that did it was recorded and by whom, when the
//! member's access ended, and when each webhook endpoint acknowledged the
//! event that told the product. Above them, the leavers no endpoint has
//! acknowledged yet, or, when the account has no endpoint, what that means.
//! Read only (`service::offboarding`).

use actix_web::{HttpRequest, HttpResponse, web};
use chrono::NaiveDateTime;
use maud::{Markup, html};
use serde::Deserialize;

use super::audit::who;
use super::error::ConsoleError;
use super::page::{self, Section};
use super::session::ConsoleSession;
use crate::http::state::AppState;
use crate::service::offboarding::{self, Delivery, Endpoint, Receipt, Receipts};

/// Leavers per page.
const PAGE: i64 = 25;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/offboarding", web::get().to(receipts));
}

#[derive(Debug, Default, Deserialize)]
struct Params {
    /// The cursor: leavers older than this event `seq`.
    before: Option<String>,
}

/// `GET /console/offboarding?before=SEQ`.
async fn receipts(
    state: web::Data<AppState>,
    session: ConsoleSession,
    req: HttpRequest,
) -> Result<HttpResponse, ConsoleError> {
    let params: Params = serde_html_form::from_str(req.query_string()).map_err(|_| {
        ConsoleError::Invalid("the page's address has a value it cannot read".into())
    })?;
    let before = params
        .before
        .as_deref()
        .filter(|text| !text.is_empty())
        .map(|text| {
            text.parse::<i64>()
                .map_err(|_| ConsoleError::Invalid("'before' must be a number".into()))
        })
        .transpose()?;
    let account = session.session.account.id;
    let receipts = AppState::run(&state, move |conn| {
        offboarding::receipts(conn, account, before, PAGE)
    })
    .await?;
    Ok(render(&session, before.is_some(), &receipts))
}

fn time(at: NaiveDateTime) -> String {
    at.format("%Y-%m-%d %H:%M:%S UTC").to_string()
}

/// How long after `from` something happened, for people: `0.4 s`, `3 min`.
fn after(from: NaiveDateTime, to: NaiveDateTime) -> String {
    let millis = (to - from).num_milliseconds().max(0);
    match millis {
        0..=59_999 => format!("{:.1} s", millis as f64 / 1000.0),
        60_000..=7_199_999 => format!("{} min", millis / 60_000),
        _ => format!("{} h", millis / 3_600_000),
    }
}

/// An endpoint's name: its description, else its URL's host (never the
/// whole URL, which may carry a secret in its query).
fn endpoint_name(endpoint: &Endpoint) -> String {
    if let Some(description) = endpoint.description.as_deref().filter(|d| !d.is_empty()) {
        return description.to_owned();
    }
    url::Url::parse(&endpoint.url)
        .ok()
        .and_then(|url| url.host_str().map(str::to_owned))
        .unwrap_or_else(|| "endpoint".to_owned())
}

fn member(receipt: &Receipt) -> Markup {
    let name = receipt
        .user_name
        .as_deref()
        .unwrap_or("(name not recorded)");
    html! {
        strong { (name) }
        br;
        @if receipt.deleted {
            span.badge.inactive { "deleted" }
        } @else {
            span.badge.inactive { "deactivated" }
        }
        @if let Some(id) = receipt.member {
            @if !receipt.deleted {
                " " a href=(format!("/console/members/{id}")) { "member" }
            }
            " " a href=(format!("/console/audit?member={id}")) { "audit trail" }
        }
    }
}

fn request(receipt: &Receipt) -> Markup {
    html! {
        @match &receipt.request {
            Some(entry) => { (time(entry.at)) br; span.muted { "by " (who(entry)) } }
            None => { (time(receipt.at)) }
        }
    }
}

fn access_ended(receipt: &Receipt) -> Markup {
    html! {
        @match receipt.access_ended_at {
            Some(at) => { (time(at)) br; span.muted { "in the same transaction" } }
            None => { span.muted { "had no access" } }
        }
    }
}

fn deliveries(receipts: &Receipts, receipt: &Receipt) -> Markup {
    html! {
        @if receipts.endpoints.is_empty() {
            span.muted { "no endpoint to tell" }
        } @else {
            ul.acks {
                @for (endpoint, delivery) in receipts.endpoints.iter().zip(&receipt.deliveries) {
                    li {
                        (endpoint_name(endpoint)) ": "
                        @match delivery {
                            Delivery::Acknowledged(at) => {
                                span.ack { (time(*at)) } " "
                                span.muted { "(" (after(receipt.at, *at)) " after)" }
                            }
                            Delivery::AcknowledgedUnrecorded => {
                                "acknowledged " span.muted { "(before Roster kept receipts: time not recorded)" }
                            }
                            Delivery::AddedLater => {
                                span.muted { "added later: never sent this event" }
                            }
                            Delivery::Waiting => {
                                strong.waiting { "not acknowledged yet" }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn unacknowledged(receipts: &Receipts) -> Markup {
    if receipts.endpoints.is_empty() {
        return html! {
            p.error role="alert" {
                "This account has no webhook endpoint. Roster ends a leaver's access in Roster \
                 the moment your identity provider asks, but no endpoint is told: unless your \
                 product reads Roster's events feed (GET /api/v1/events) or asks Roster on every \
                 request, it may keep a leaver's sessions open. Add an endpoint on the "
                a href="/console/connections" { "Connections" } " page."
            }
        };
    }
    html! {
        h2 { "Not acknowledged yet" }
        @if receipts.unacknowledged_total == 0 {
            p.notice role="status" { "Every leaver's event has been acknowledged by an endpoint \
                                      (or was sent before the endpoints of today existed)." }
        } @else {
            p.error role="alert" {
                (receipts.unacknowledged_total)
                @if receipts.unacknowledged_total == 1 { " leaver's event has " } @else { " leavers' events have " }
                "been acknowledged by no endpoint yet: the product may still hold their sessions."
            }
            ul.unacknowledged {
                @for receipt in &receipts.unacknowledged {
                    li {
                        strong { (receipt.user_name.as_deref().unwrap_or("(name not recorded)")) }
                        " — " @if receipt.deleted { "deleted" } @else { "deactivated" }
                        " " (time(receipt.at))
                    }
                }
            }
            @if i64::try_from(receipts.unacknowledged.len()).is_ok_and(|shown| shown < receipts.unacknowledged_total) {
                p.muted { "The newest " (receipts.unacknowledged.len()) " are listed." }
            }
            @let failing: Vec<&Endpoint> = receipts.endpoints.iter().filter(|e| e.last_error.is_some()).collect();
            @if !failing.is_empty() {
                p { "Endpoints that are failing:" }
                ul {
                    @for endpoint in failing {
                        li { (endpoint_name(endpoint)) ": " (endpoint.last_error.as_deref().unwrap_or_default()) }
                    }
                }
            }
        }
    }
}

fn render(session: &ConsoleSession, paged: bool, receipts: &Receipts) -> HttpResponse {
    let body = html! {
        p { "Every member your identity provider (or an admin) deactivated or deleted, newest first: \
             when the request was recorded, when the member's access in Roster ended, and when each \
             of your product's webhook endpoints acknowledged (answered 2xx to) the event that told \
             it — the moment your product knew." }
        (unacknowledged(receipts))
        h2 { "Receipts" }
        @if receipts.receipts.is_empty() {
            p.muted { "No member has left yet." }
        } @else {
            div.table-wrap {
                table.receipts {
                    thead { tr {
                        th scope="col" { "Member" }
                        th scope="col" { "Request recorded" }
                        th scope="col" { "Access ended" }
                        th scope="col" { "Acknowledged by your product" }
                    } }
                    tbody {
                        @for receipt in &receipts.receipts {
                            tr {
                                td { (member(receipt)) }
                                td { (request(receipt)) }
                                td { (access_ended(receipt)) }
                                td { (deliveries(receipts, receipt)) }
                            }
                        }
                    }
                }
            }
        }
        div.pager {
            @if paged {
                a href="/console/offboarding" { "Newest leavers" }
            }
            @if let Some(next) = receipts.next {
                a href=(format!("/console/offboarding?before={next}")) rel="next" { "Older leavers" }
            }
        }
    };
    page::render(session, Section::Offboarding, "Offboarding receipts", body)
}
