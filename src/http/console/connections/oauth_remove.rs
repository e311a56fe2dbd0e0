//! Revoking an OAuth client's secret and deleting a client (RFC 6749 §2;
//! the tokens they got are refused from the next request on), each after a
//! confirmation page that says what stops: the Connections page's
//! destructive OAuth actions (docs/CONSOLE.md, "OAuth clients").

use actix_web::{HttpRequest, HttpResponse, web};
use maud::html;

use super::PATH;
use super::oauth::{CLIENTS, describe, label};
use super::tokens::used_by;
use crate::http::console::enter::NoFields;
use crate::http::console::error::ConsoleError;
use crate::http::console::page::{self, Section};
use crate::http::console::session::{ConsoleForm, ConsoleSession};
use crate::http::state::AppState;
use crate::service::oauth_clients::{self, ClientView};
use crate::service::tokens::Revocation;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route(
        "/connections/oauth-clients/{id}/secrets/{secret}/revoke",
        web::get().to(revoke_page),
    )
    .route(
        "/connections/oauth-clients/{id}/secrets/{secret}/revoke",
        web::post().to(revoke),
    )
    .route(
        "/connections/oauth-clients/{id}/delete",
        web::get().to(delete_page),
    )
    .route(
        "/connections/oauth-clients/{id}/delete",
        web::post().to(delete),
    );
}

/// The client `id` names, of the session's account: 404 for anything
/// else, whoever's client it is.
async fn find(
    state: &web::Data<AppState>,
    session: &ConsoleSession,
    id: &str,
) -> Result<ClientView, ConsoleError> {
    let id = oauth_clients::client_id(id)?;
    let account = session.session.account.id;
    Ok(AppState::read(state, move |conn| oauth_clients::get(conn, account, id)).await?)
}

/// `GET …/oauth-clients/{id}/secrets/{secret}/revoke`: what revoking does.
async fn revoke_page(
    state: web::Data<AppState>,
    session: ConsoleSession,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ConsoleError> {
    let (id, secret) = path.into_inner();
    let view = find(&state, &session, &id).await?;
    let secret = view
        .secrets
        .iter()
        .find(|record| record.id.to_string() == secret)
        .ok_or_else(|| ConsoleError::NotFound("this client has no such secret".into()))?;
    if secret.revoked_at.is_some() {
        return Ok(page::see_other(&format!(
            "{PATH}?done=secret-already-revoked"
        )));
    }
    let client = &view.client;
    let consequence = html! {
        (describe(client))
        dl.facts {
            dt { "Secret ID" } dd { code { (secret.id) } }
            dt { "Created" } dd { (page::when(Some(secret.created_at))) }
            dt { "Last used" } dd { (page::when(secret.last_used_at)) }
        }
        p {
            strong { "What stops working at once: " }
            "the client “" (label(client)) "” can no longer get tokens with this secret, and \
             every token it got with it is refused from the next request — "
            (used_by(client.scope)) " with them stops. This cannot be undone."
        }
        p {
            "Add a new secret and put it in your identity provider first if it still uses this \
             one: its other secrets keep working."
        }
    };
    Ok(page::confirm(
        &session,
        Section::Connections,
        "Revoke this secret?",
        consequence,
        &format!("{CLIENTS}/{}/secrets/{}/revoke", client.id, secret.id),
        "Revoke secret",
        PATH,
    ))
}

/// `POST …/oauth-clients/{id}/secrets/{secret}/revoke`.
async fn revoke(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    form: ConsoleForm<NoFields>,
) -> Result<HttpResponse, ConsoleError> {
    let (id, secret) = path.into_inner();
    let id = oauth_clients::client_id(&id)?;
    let secret = oauth_clients::secret_id(&secret)?;
    let done = (form.session)
        .change(&req, &state, move |conn, caller| {
            oauth_clients::revoke_secret(conn, caller, id, secret)
        })
        .await?;
    let code = match done {
        Revocation::Revoked => "secret-revoked",
        Revocation::AlreadyRevoked(_) => "secret-already-revoked",
    };
    Ok(page::see_other(&format!("{PATH}?done={code}")))
}

/// `GET …/oauth-clients/{id}/delete`: what deleting does.
async fn delete_page(
    state: web::Data<AppState>,
    session: ConsoleSession,
    id: web::Path<String>,
) -> Result<HttpResponse, ConsoleError> {
    let view = find(&state, &session, &id).await?;
    let client = &view.client;
    let consequence = html! {
        (describe(client))
        p {
            strong { "What stops working at once: " }
            "the client “" (label(client)) "” and all its secrets are deleted, and every token \
             it got is refused from the next request — " (used_by(client.scope)) " through \
             it stops. This cannot be undone: a new client has a new client ID."
        }
    };
    Ok(page::confirm(
        &session,
        Section::Connections,
        "Delete this OAuth client?",
        consequence,
        &format!("{CLIENTS}/{}/delete", client.id),
        "Delete client",
        PATH,
    ))
}

/// `POST …/oauth-clients/{id}/delete`.
async fn delete(
    req: HttpRequest,
    state: web::Data<AppState>,
    id: web::Path<String>,
    form: ConsoleForm<NoFields>,
) -> Result<HttpResponse, ConsoleError> {
    let id = oauth_clients::client_id(&id)?;
    (form.session)
        .change(&req, &state, move |conn, caller| {
            oauth_clients::delete(conn, caller, id)
        })
        .await?;
    Ok(page::see_other(&format!("{PATH}?done=client-deleted")))
}
