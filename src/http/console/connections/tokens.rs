//! The account's API tokens on the Connections page: the list (never the
//! tokens themselves), issuing one (shown once), and revoking one after a
//! confirmation that says who stops working. Rotating one: [`super::rotate`].

use actix_web::{HttpRequest, HttpResponse, web};
use maud::{Markup, html};
use serde::Deserialize;

use super::{PATH, shown_once, when_or};
use crate::audit::Actor;
use crate::http::base_url::server_url;
use crate::http::console::error::ConsoleError;
use crate::http::console::page::{self, Section};
use crate::http::console::session::{ConsoleForm, ConsoleSession};
use crate::http::state::AppState;
use crate::model::{Scope, TokenId};
use crate::service::tokens::{self, IssuedToken, NewToken, Revocation};
use crate::store::tokens::TokenRecord;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/connections/tokens", web::post().to(issue))
        .route(
            "/connections/tokens/{id}/revoke",
            web::get().to(revoke_page),
        )
        .route("/connections/tokens/{id}/revoke", web::post().to(revoke));
}

/// The lifetimes the issue form offers, in days.
const LIFETIMES: [(u32, &str); 4] = [
    (30, "30 days"),
    (90, "90 days"),
    (180, "180 days"),
    (365, "1 year"),
];

/// The longest lifetime a form may ask for, in days (ten years).
const MAX_LIFETIME_DAYS: u32 = 3650;

/// Who uses a token of this scope, for people.
pub(super) fn used_by(scope: Scope) -> &'static str {
    match scope {
        Scope::Scim => "your identity provider's SCIM provisioning",
        Scope::Access => "your product's reads of members' access",
        Scope::Admin => "your product's configuration calls (and the links that open this console)",
    }
}

/// Whether this console session was opened by a link the token made.
fn opened_this_session(session: &ConsoleSession, token: TokenId) -> bool {
    matches!(session.session.origin.actor, Actor::Console { token: Some(id), .. } if id == token)
}

pub(super) fn label(token: &TokenRecord) -> String {
    token
        .label
        .clone()
        .unwrap_or_else(|| "(no label)".to_owned())
}

/// The scope and label fields of a form that makes a credential.
pub(super) fn scope_and_label(placeholder: &str) -> Markup {
    html! {
        label { "Scope"
            select name="scope" required {
                option value="scim" { "scim — for your identity provider" }
                option value="access" { "access — your product reads access" }
                option value="admin" { "admin — your product configures Roster" }
            }
        }
        label { "Label"
            input type="text" name="label" maxlength=(tokens::MAX_LABEL_BYTES)
                placeholder=(placeholder);
        }
    }
}

/// The scope and label a form of [`scope_and_label`] sent, for a `what`
/// (token, client); an empty label is none.
pub(super) fn read_scope_and_label(
    scope: &str,
    label: &str,
    what: &str,
) -> Result<(Scope, Option<String>), ConsoleError> {
    let scope = scope.parse().map_err(|_| {
        ConsoleError::Invalid(format!("choose the {what}'s scope: scim, access or admin"))
    })?;
    let label = Some(label.trim().to_owned()).filter(|label| !label.is_empty());
    Ok((scope, label))
}

/// The tokens' part of the Connections page.
pub fn section(session: &ConsoleSession, tokens: &[TokenRecord]) -> Markup {
    let now = crate::clock::now();
    let (revoked, live): (Vec<&TokenRecord>, Vec<&TokenRecord>) =
        tokens.iter().partition(|token| token.revoked_at.is_some());
    html! {
        section.card aria-labelledby="tokens-title" {
            h2 #tokens-title { "API tokens" }
            p.muted {
                "A " code { "scim" } " token is what your identity provider sends with its SCIM \
                 requests; " code { "access" } " and " code { "admin" } " tokens are your \
                 product's, for reading access and for configuration."
            }
            @if live.is_empty() {
                p { "This account has no token in use." }
            } @else {
                div.table-wrap {
                    table {
                        thead { tr {
                            th scope="col" { "Label" } th scope="col" { "Scope" }
                            th scope="col" { "Created" } th scope="col" { "Last used" }
                            th scope="col" { "Expires" } th scope="col" { "Actions" }
                        } }
                        tbody {
                            @for token in &live {
                                tr {
                                    td {
                                        (label(token))
                                        @if opened_this_session(session, token.id) {
                                            " " span.badge { "opened this console" }
                                        }
                                    }
                                    td { code { (token.scope) } }
                                    td { (page::when(Some(token.created_at))) }
                                    td { (page::when(token.last_used_at)) }
                                    td {
                                        @if token.expires_at.is_some_and(|at| at <= now) {
                                            span.badge.inactive { "expired" } " "
                                        }
                                        (when_or(token.expires_at, "no expiry"))
                                    }
                                    td { div.actions {
                                        a href={ (PATH) "/tokens/" (token.id) "/rotate" } { "Rotate" }
                                        a href={ (PATH) "/tokens/" (token.id) "/revoke" } { "Revoke" }
                                    } }
                                }
                            }
                        }
                    }
                }
            }
            @if !revoked.is_empty() {
                details {
                    summary { "Revoked tokens (" (revoked.len()) ")" }
                    div.table-wrap {
                        table {
                            thead { tr {
                                th scope="col" { "Label" } th scope="col" { "Scope" }
                                th scope="col" { "Created" } th scope="col" { "Last used" }
                                th scope="col" { "Revoked" }
                            } }
                            tbody {
                                @for token in &revoked {
                                    tr {
                                        td { (label(token)) }
                                        td { code { (token.scope) } }
                                        td { (page::when(Some(token.created_at))) }
                                        td { (page::when(token.last_used_at)) }
                                        td { (page::when(token.revoked_at)) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            h3 { "Issue a token" }
            form.card method="post" action={ (PATH) "/tokens" } {
                (page::csrf_field(session))
                div.actions {
                    (scope_and_label("e.g. Okta production"))
                    label { "Expires"
                        select name="expires_in_days" {
                            option value="" { "never (revoke it instead)" }
                            @for (days, text) in LIFETIMES {
                                option value=(days) { "in " (text) }
                            }
                        }
                    }
                    button type="submit" { "Issue token" }
                }
            }
        }
    }
}

#[derive(Deserialize)]
struct IssueForm {
    #[serde(default)]
    scope: String,
    #[serde(default)]
    label: String,
    #[serde(default)]
    expires_in_days: String,
}

/// `POST /console/connections/tokens`: issues a token, and shows it once.
async fn issue(
    req: HttpRequest,
    state: web::Data<AppState>,
    form: ConsoleForm<IssueForm>,
) -> Result<HttpResponse, ConsoleError> {
    let ConsoleForm { session, form } = form;
    let (scope, label) = read_scope_and_label(&form.scope, &form.label, "token")?;
    let expires_at = match form.expires_in_days.trim() {
        "" => None,
        days => {
            let days = days
                .parse::<u32>()
                .ok()
                .filter(|days| (1..=MAX_LIFETIME_DAYS).contains(days))
                .ok_or_else(|| {
                    ConsoleError::Invalid(format!(
                        "a token expires in 1 to {MAX_LIFETIME_DAYS} days, or never"
                    ))
                })?;
            Some(crate::clock::now() + chrono::TimeDelta::days(i64::from(days)))
        }
    };
    let new = NewToken {
        scope,
        label,
        expires_at,
    };
    let issued = session
        .change(&req, &state, move |conn, caller| {
            tokens::issue(conn, caller, new)
        })
        .await?;
    Ok(token_page(
        &req,
        &session,
        "Token issued",
        &issued,
        html! {},
    ))
}

/// The page that shows a new token once, with where it goes.
pub(super) fn token_page(
    req: &HttpRequest,
    session: &ConsoleSession,
    title: &str,
    issued: &IssuedToken,
    before: Markup,
) -> HttpResponse {
    let record = &issued.record;
    let after = html! {
        dl.facts {
            dt { "Label" } dd { (label(record)) }
            dt { "Scope" } dd { code { (record.scope) } " — " (used_by(record.scope)) }
            dt { "Expires" } dd { (when_or(record.expires_at, "never")) }
        }
        @if record.scope == Scope::Scim {
            p {
                "Paste it into your identity provider's SCIM settings as the API token (bearer \
                 token), with the SCIM base URL " code { (server_url(req)) "/scim/v2" } "."
            }
        }
        p.muted { "Roster keeps only a hash of the token. If it is lost, issue another and revoke this one." }
    };
    shown_once(
        session,
        title,
        "token",
        issued.token.expose(),
        before,
        after,
    )
}

/// The token `id` names in the path, of the session's account: 404 for
/// anything else, whoever's token it is.
pub(super) async fn find(
    state: &web::Data<AppState>,
    session: &ConsoleSession,
    id: &str,
) -> Result<TokenRecord, ConsoleError> {
    let id = parse_id(id)?;
    let account = session.session.account.id;
    Ok(AppState::read(state, move |conn| tokens::get(conn, account, id)).await?)
}

pub(super) fn parse_id(text: &str) -> Result<TokenId, ConsoleError> {
    text.parse::<TokenId>()
        .ok()
        .filter(|id| id.to_string() == text)
        .ok_or_else(|| ConsoleError::NotFound("this account has no such token".into()))
}

/// What a token is, for a confirmation.
pub(super) fn describe(token: &TokenRecord) -> Markup {
    html! {
        dl.facts {
            dt { "Label" } dd { (label(token)) }
            dt { "Scope" } dd { code { (token.scope) } }
            dt { "Created" } dd { (page::when(Some(token.created_at))) }
            dt { "Last used" } dd { (page::when(token.last_used_at)) }
            dt { "Expires" } dd { (when_or(token.expires_at, "never")) }
        }
    }
}

/// `GET /console/connections/tokens/{id}/revoke`: what revoking does.
async fn revoke_page(
    state: web::Data<AppState>,
    session: ConsoleSession,
    id: web::Path<String>,
) -> Result<HttpResponse, ConsoleError> {
    let token = find(&state, &session, &id).await?;
    if token.revoked_at.is_some() {
        return Ok(page::see_other(&format!("{PATH}?done=already-revoked")));
    }
    let consequence = html! {
        (describe(&token))
        p {
            strong { "What stops working at once: " }
            (used_by(token.scope)) " with the token labelled “" (label(&token)) "”. Its next \
             request is refused (401), on every Roster server. This cannot be undone."
        }
        @if token.scope == Scope::Scim {
            p {
                "Until your identity provider has a new token, it cannot tell Roster about \
                 joiners, changes or leavers. To switch without a gap, rotate the token \
                 instead, put the new one in the identity provider, then revoke this one."
            }
        }
        @if opened_this_session(&session, token.id) {
            p {
                "Your product opened this console with this token: this session stays open, \
                 but your product cannot open the console again until it has another admin token."
            }
        }
    };
    Ok(page::confirm(
        &session,
        Section::Connections,
        "Revoke this token?",
        consequence,
        &format!("{PATH}/tokens/{}/revoke", token.id),
        "Revoke token",
        PATH,
    ))
}

/// `POST /console/connections/tokens/{id}/revoke`.
async fn revoke(
    req: HttpRequest,
    state: web::Data<AppState>,
    id: web::Path<String>,
    form: ConsoleForm<crate::http::console::enter::NoFields>,
) -> Result<HttpResponse, ConsoleError> {
    let id = parse_id(&id)?;
    let session = form.session;
    let done = session
        .change(&req, &state, move |conn, caller| {
            tokens::revoke_own(conn, caller, id)
        })
        .await?;
    let code = match done {
        Revocation::Revoked => "revoked",
        Revocation::AlreadyRevoked(_) => "already-revoked",
    };
    Ok(page::see_other(&format!("{PATH}?done={code}")))
}
