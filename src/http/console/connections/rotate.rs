//! Rotating a token from the Connections page: a replacement with the same
//! scope, label and lifetime, shown once. The admin chooses when the old
//! token stops: it keeps working until it is revoked (so the identity
//! provider or the product can switch first), or it is revoked at once
//! (a leaked token).

use actix_web::{HttpRequest, HttpResponse, web};
use maud::html;
use serde::Deserialize;

use super::PATH;
use super::tokens::{describe, find, parse_id, token_page, used_by};
use crate::http::console::error::ConsoleError;
use crate::http::console::page::{self, Section};
use crate::http::console::session::{ConsoleForm, ConsoleSession};
use crate::http::state::AppState;
use crate::service::tokens;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route(
        "/connections/tokens/{id}/rotate",
        web::get().to(rotate_page),
    )
    .route("/connections/tokens/{id}/rotate", web::post().to(rotate));
}

/// `GET /console/connections/tokens/{id}/rotate`: what rotating does, and
/// the choice of when the old token stops.
async fn rotate_page(
    state: web::Data<AppState>,
    session: ConsoleSession,
    id: web::Path<String>,
) -> Result<HttpResponse, ConsoleError> {
    let token = find(&state, &session, &id).await?;
    if token.revoked_at.is_some() {
        return Err(ConsoleError::Invalid(
            "this token is revoked: issue a new token instead of rotating it".into(),
        ));
    }
    let body = html! {
        div.confirm {
            (describe(&token))
            p {
                "Rotating issues a new token with the same scope and label"
                @if token.expires_at.is_some() { " and the same lifetime, counted from now" }
                ". It is shown once, on the next page."
            }
            p {
                "Usually the old token should keep working until "
                (used_by(token.scope)) " uses the new one: then revoke it here. If the old token \
                 leaked, revoke it at once instead: what still uses it is refused from the next \
                 request on."
            }
            form method="post" action={ (PATH) "/tokens/" (token.id) "/rotate" } {
                (page::csrf_field(&session))
                div.actions {
                    button type="submit" name="old" value="keep" { "Issue the new token, keep the old one for now" }
                    button.danger type="submit" name="old" value="revoke" { "Issue the new token and revoke the old one now" }
                    a.button href=(PATH) { "Cancel" }
                }
            }
        }
    };
    Ok(page::render(
        &session,
        Section::Connections,
        "Rotate this token?",
        body,
    ))
}

#[derive(Deserialize)]
struct RotateForm {
    #[serde(default)]
    old: String,
}

/// `POST /console/connections/tokens/{id}/rotate`: issues the replacement
/// and shows it once.
async fn rotate(
    req: HttpRequest,
    state: web::Data<AppState>,
    id: web::Path<String>,
    form: ConsoleForm<RotateForm>,
) -> Result<HttpResponse, ConsoleError> {
    let id = parse_id(&id)?;
    let ConsoleForm { session, form } = form;
    let revoke_old = match form.old.as_str() {
        "keep" => false,
        "revoke" => true,
        _ => {
            return Err(ConsoleError::Invalid(
                "say whether the old token keeps working (keep) or is revoked now (revoke)".into(),
            ));
        }
    };
    let rotation = session
        .change(&req, &state, move |conn, caller| {
            tokens::rotate(conn, caller, id, revoke_old)
        })
        .await?;
    let old = &rotation.replaced;
    let before = html! {
        @if old.revoked_at.is_some() {
            p.notice role="status" { "The old token is revoked: requests with it are refused from now on." }
        } @else {
            p.notice role="status" {
                "The old token keeps working until you revoke it. Once "
                (used_by(old.scope)) " uses the new token, "
                a href={ (PATH) "/tokens/" (old.id) "/revoke" } { "revoke the old one" } "."
            }
        }
    };
    Ok(token_page(
        &req,
        &session,
        "Token rotated",
        &rotation.issued,
        before,
    ))
}
