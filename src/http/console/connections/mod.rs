//! `/console/connections`: the credentials and destinations of the
//! account — the API tokens its identity provider and product use
//! ([`tokens`]: issue, revoke; [`rotate`]), the network allow-list their
//! requests must come from, the OAuth clients an identity provider gets
//! its own tokens with ([`oauth`]: create, add a secret, revoke one,
//! delete), and the webhook endpoints the product hears of
//! changes at ([`webhooks`]: add, delete), with where delivery stands
//! (docs/CONSOLE.md, "Connections").

mod oauth;
mod oauth_remove;
mod rotate;
mod tokens;
mod webhooks;

use actix_web::{HttpRequest, HttpResponse, web};
use chrono::NaiveDateTime;
use maud::{Markup, html};
use serde::Deserialize;

use super::error::ConsoleError;
use super::page::{self, Section};
use super::session::{ConsoleForm, ConsoleSession};
use crate::auth::network::AllowList;
use crate::http::state::AppState;
use crate::service::{self, accounts};

/// The page's address.
const PATH: &str = "/console/connections";

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/connections", web::get().to(show))
        .route("/connections/networks", web::post().to(set_networks))
        .configure(tokens::configure)
        .configure(rotate::configure)
        .configure(oauth::configure)
        .configure(oauth_remove::configure)
        .configure(webhooks::configure);
}

/// The words a finished change shows (`?done=<code>`); unknown codes show
/// nothing.
fn done_text(code: &str) -> Option<&'static str> {
    Some(match code {
        "revoked" => "The token is revoked: every request with it is refused from now on.",
        "already-revoked" => "That token was revoked already; nothing changed.",
        "networks" => {
            "The network allow-list is saved: every request with one of this account's tokens \
             is checked against it from now on."
        }
        "secret-revoked" => {
            "The secret is revoked: the client can no longer get tokens with it, and the tokens \
             it got with it are refused from now on."
        }
        "secret-already-revoked" => "That secret was revoked already; nothing changed.",
        "federated-created" => {
            "The federated client is created: give its client ID to the identity provider, \
             with the token endpoint /oauth/token and the SCIM endpoint /scim/v2 of this server."
        }
        "client-deleted" => {
            "The OAuth client is deleted, with its secrets: every token it got is refused from now on."
        }
        "webhook-deleted" => "The webhook endpoint is deleted: no more events are sent to it.",
        _ => return None,
    })
}

/// The value of `name` in the request's query string.
pub(super) fn query_value(req: &HttpRequest, name: &str) -> Option<String> {
    url::form_urlencoded::parse(req.query_string().as_bytes())
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.into_owned())
}

/// `GET /console/connections`.
async fn show(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: ConsoleSession,
) -> Result<HttpResponse, ConsoleError> {
    let account = session.session.account.id;
    let (tokens, clients, networks, webhooks) = AppState::read(&state, move |conn| {
        Ok::<_, service::Error>((
            service::tokens::list(conn, account)?,
            service::oauth_clients::list(conn, account)?,
            accounts::networks(conn, account)?,
            service::webhooks::list(conn, account)?,
        ))
    })
    .await?;
    let done = query_value(&req, "done");
    let body = html! {
        (page::notice(done.as_deref().and_then(done_text)))
        p.muted {
            "The credentials your identity provider and your product use to reach Roster, the \
             networks they may reach it from, and where Roster sends change events."
        }
        (tokens::section(&session, &tokens))
        (oauth::section(&session, &clients))
        (networks_section(&session, &networks))
        (webhooks::section(&session, &webhooks))
    };
    Ok(page::render(
        &session,
        Section::Connections,
        "Connections",
        body,
    ))
}

fn networks_section(session: &ConsoleSession, networks: &[String]) -> Markup {
    html! {
        section.card aria-labelledby="networks-title" {
            h2 #networks-title { "Network allow-list" }
            @if networks.is_empty() {
                p { "Requests with this account's tokens may come from " strong { "any network" } "." }
            } @else {
                p { "Requests with this account's tokens are accepted only from these networks:" }
                ul {
                    @for network in networks { li { code { (network) } } }
                }
            }
            p.error role="note" {
                "Every request with one of this account's tokens — your identity provider's SCIM \
                 requests and your product's calls — from an address outside the list is refused \
                 from the next request on. A list without your identity provider's published \
                 addresses stops provisioning (leavers included); one without your product's \
                 servers locks your product out, and it can no longer open this console for you. \
                 Leave the list empty to allow any network."
            }
            form method="post" action="/console/connections/networks" {
                (page::csrf_field(session))
                label for="networks" { "Networks, one per line (CIDR blocks such as 203.0.113.0/24 or 2001:db8::/32; a bare address is a block of one)" }
                br;
                textarea #networks name="networks" rows="6" cols="40" spellcheck="false" {
                    @for network in networks { (network) "\n" }
                }
                p { button type="submit" { "Save the allow-list" } }
            }
        }
    }
}

#[derive(Deserialize)]
struct NetworksForm {
    #[serde(default)]
    networks: String,
}

/// The longest entry worth reading as a CIDR block (an IPv6 block is at
/// most 43 characters).
const MAX_ENTRY_CHARS: usize = 64;

/// `POST /console/connections/networks`: replaces the allow-list with the
/// blocks of the textarea (separated by lines, spaces or commas).
async fn set_networks(
    req: HttpRequest,
    state: web::Data<AppState>,
    form: ConsoleForm<NetworksForm>,
) -> Result<HttpResponse, ConsoleError> {
    let entries: Vec<&str> = form
        .form
        .networks
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|entry| !entry.is_empty())
        .collect();
    if let Some(position) = entries
        .iter()
        .position(|entry| entry.chars().count() > MAX_ENTRY_CHARS)
    {
        return Err(ConsoleError::Invalid(format!(
            "entry {} of the list is not a CIDR block such as 10.0.0.0/8 or 2001:db8::/32; \
             nothing was changed",
            position + 1
        )));
    }
    let list = AllowList::parse(&entries)
        .map_err(|error| ConsoleError::Invalid(format!("{error}; nothing was changed")))?;
    let session = form.session;
    session
        .change(&req, &state, move |conn, caller| {
            accounts::set_networks(conn, caller, &list)
        })
        .await?;
    Ok(page::see_other(&format!("{PATH}?done=networks")))
}

/// A time, or `fallback` when there is none.
fn when_or(at: Option<NaiveDateTime>, fallback: &str) -> String {
    at.map_or_else(|| fallback.to_owned(), |at| page::when(Some(at)))
}

/// The page that shows a secret once, with its copy button.
fn shown_once(
    session: &ConsoleSession,
    title: &str,
    what: &str,
    secret: &str,
    before: Markup,
    after: Markup,
) -> HttpResponse {
    let body = html! {
        (before)
        section.card aria-labelledby="secret-title" {
            h2 #secret-title { "Your new " (what) }
            p.error role="alert" {
                strong { "Copy it now: it will not be shown again." }
            }
            p { code #secret .secret { (secret) } }
            p { button type="button" data-copy="secret" hidden { "Copy" } }
            (after)
        }
        p { a href=(PATH) { "Back to Connections" } }
    };
    page::render(session, Section::Connections, title, body)
}
