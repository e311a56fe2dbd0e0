//! The account's webhook endpoints on the Connections page: each with its
//! backlog (events not yet acknowledged), last success and last error;
//! adding one (its signing secret shown once) and deleting one after a
//! confirmation that says what stops.

use actix_web::{HttpRequest, HttpResponse, web};
use maud::{Markup, html};
use serde::Deserialize;

use super::{PATH, shown_once, when_or};
use crate::http::console::enter::NoFields;
use crate::http::console::error::ConsoleError;
use crate::http::console::page::{self, Section};
use crate::http::console::session::{ConsoleForm, ConsoleSession};
use crate::http::state::AppState;
use crate::service::webhooks::{self, MAX_DESCRIPTION_BYTES, NewWebhook, WebhookView};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/connections/webhooks", web::post().to(add))
        .route(
            "/connections/webhooks/{id}/delete",
            web::get().to(delete_page),
        )
        .route("/connections/webhooks/{id}/delete", web::post().to(delete));
}

/// The webhooks' part of the Connections page.
pub fn section(session: &ConsoleSession, endpoints: &[WebhookView]) -> Markup {
    html! {
        section.card aria-labelledby="webhooks-title" {
            h2 #webhooks-title { "Webhook endpoints" }
            p.muted {
                "Where Roster sends this account's change events (joiners, changes, leavers), \
                 in order, until each is acknowledged. The backlog is how many events an \
                 endpoint has not acknowledged yet."
            }
            @if endpoints.is_empty() {
                p { "This account has no webhook endpoint." }
            } @else {
                div.table-wrap {
                    table {
                        thead { tr {
                            th scope="col" { "URL" } th scope="col" { "Description" }
                            th scope="col" { "Backlog" } th scope="col" { "Last success" }
                            th scope="col" { "Last error" } th scope="col" { "Actions" }
                        } }
                        tbody {
                            @for endpoint in endpoints {
                                @let hook = &endpoint.webhook;
                                tr {
                                    td { code { (hook.url) } }
                                    td { (hook.description.as_deref().unwrap_or("")) }
                                    td { (endpoint.backlog) }
                                    td { (when_or(hook.last_success_at, "none yet")) }
                                    td {
                                        @if let Some(error) = &hook.last_error {
                                            (error)
                                            br;
                                            span.muted {
                                                (hook.attempts) " failed attempts; next at "
                                                (page::when(Some(hook.next_attempt_at)))
                                            }
                                        } @else {
                                            span.muted { "none" }
                                        }
                                    }
                                    td { div.actions {
                                        a href={ (PATH) "/webhooks/" (hook.id) "/delete" } { "Delete" }
                                    } }
                                }
                            }
                        }
                    }
                }
            }
            h3 { "Add an endpoint" }
            form.card method="post" action={ (PATH) "/webhooks" } {
                (page::csrf_field(session))
                div.actions {
                    label { "URL"
                        input type="url" name="url" required maxlength="2048" size="40"
                            placeholder="https://app.example.com/roster-events";
                    }
                    label { "Description"
                        input type="text" name="description" maxlength=(MAX_DESCRIPTION_BYTES);
                    }
                    button type="submit" { "Add endpoint" }
                }
            }
        }
    }
}

#[derive(Deserialize)]
struct AddForm {
    #[serde(default)]
    url: String,
    #[serde(default)]
    description: String,
}

/// `POST /console/connections/webhooks`: adds the endpoint and shows its
/// signing secret once.
async fn add(
    req: HttpRequest,
    state: web::Data<AppState>,
    form: ConsoleForm<AddForm>,
) -> Result<HttpResponse, ConsoleError> {
    let ConsoleForm { session, form } = form;
    let description = Some(form.description.trim().to_owned()).filter(|text| !text.is_empty());
    let new = NewWebhook::check(
        form.url.trim(),
        description,
        state.webhook_allow_private_destinations,
    )
    .await
    .map_err(crate::http::error::ApiError::from)?;
    let created = session
        .change(&req, &state, move |conn, caller| {
            webhooks::create(conn, caller, new)
        })
        .await?;
    let after = html! {
        dl.facts {
            dt { "URL" } dd { code { (created.webhook.webhook.url) } }
        }
        p {
            "Give it to the code that receives the events: it checks each delivery's \
             signature with this secret. Events from now on are sent to this endpoint."
        }
    };
    Ok(shown_once(
        &session,
        "Webhook endpoint added",
        "signing secret",
        &created.secret,
        html! {},
        after,
    ))
}

/// The endpoint `id` names, of the session's account: 404 for anything
/// else, whoever's endpoint it is.
async fn find(
    state: &web::Data<AppState>,
    session: &ConsoleSession,
    id: &str,
) -> Result<WebhookView, ConsoleError> {
    let account = session.session.account.id;
    let endpoints = AppState::read(state, move |conn| webhooks::list(conn, account)).await?;
    endpoints
        .into_iter()
        .find(|endpoint| endpoint.webhook.id.to_string() == id)
        .ok_or_else(|| ConsoleError::NotFound("this account has no such webhook endpoint".into()))
}

/// `GET /console/connections/webhooks/{id}/delete`: what deleting does.
async fn delete_page(
    state: web::Data<AppState>,
    session: ConsoleSession,
    id: web::Path<String>,
) -> Result<HttpResponse, ConsoleError> {
    let endpoint = find(&state, &session, &id).await?;
    let hook = &endpoint.webhook;
    let consequence = html! {
        dl.facts {
            dt { "URL" } dd { code { (hook.url) } }
            dt { "Description" } dd { (hook.description.as_deref().unwrap_or("none")) }
            dt { "Backlog" } dd { (endpoint.backlog) " events not yet acknowledged" }
        }
        p {
            strong { "What stops at once: " }
            "Roster sends no more events to this URL"
            @if endpoint.backlog > 0 {
                ", and the " (endpoint.backlog) " events waiting for it are never sent"
            }
            ". Whatever listens there stops hearing of joiners, changes and leavers. This \
             cannot be undone; an endpoint added later gets only the events from then on."
        }
    };
    Ok(page::confirm(
        &session,
        Section::Connections,
        "Delete this webhook endpoint?",
        consequence,
        &format!("{PATH}/webhooks/{}/delete", hook.id),
        "Delete endpoint",
        PATH,
    ))
}

/// `POST /console/connections/webhooks/{id}/delete`.
async fn delete(
    req: HttpRequest,
    state: web::Data<AppState>,
    id: web::Path<String>,
    form: ConsoleForm<NoFields>,
) -> Result<HttpResponse, ConsoleError> {
    let id = id.into_inner();
    let session = form.session;
    session
        .change(&req, &state, move |conn, caller| {
            webhooks::delete(conn, caller, &id)
        })
        .await?;
    Ok(page::see_other(&format!("{PATH}?done=webhook-deleted")))
}
