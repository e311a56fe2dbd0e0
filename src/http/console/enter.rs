//! Entering and leaving the console (docs/CONSOLE.md, "Access"):
//! `GET /console/enter/{link}` shows the link's page — valid or not — without
//! using it up; its form (`POST /console/enter`, sent by the page's script at
//! once, or by the button) uses the link and opens the session, then lands
//! on the Team page. So a mail scanner or chat preview that fetches the URL
//! does not burn the admin's link. `POST /console/sign-out` ends the session.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use maud::html;
use serde::Deserialize;

use super::error::ConsoleError;
use super::page;
use super::session::{ConsoleForm, check_same_origin, removal_cookie, session_cookie};
use crate::http::state::AppState;
use crate::service::console::{self, LinkRefused};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("", web::get().to(home))
        .route("/enter/{link}", web::get().to(link_page))
        .route("/enter", web::post().to(enter))
        .route("/sign-out", web::post().to(sign_out));
}

/// `GET /console`: the Team page is the console's home.
async fn home() -> HttpResponse {
    page::see_other("/console/team")
}

fn refused_page(refused: LinkRefused) -> HttpResponse {
    page::bare(
        StatusCode::FORBIDDEN,
        "This link cannot be used",
        html! {
            p.error role="alert" { (refused.to_string()) "." }
            p { "Console links open the console once, within minutes of being made. Open the \
                 console again from your product to get a new one." }
        },
    )
}

/// `GET /console/enter/{link}`.
async fn link_page(
    state: web::Data<AppState>,
    link: web::Path<String>,
) -> Result<HttpResponse, ConsoleError> {
    let link = link.into_inner();
    let presented = link.clone();
    let checked = AppState::run(&state, move |conn| console::check_link(conn, &presented)).await?;
    if let Err(refused) = checked {
        return Ok(refused_page(refused));
    }
    Ok(page::bare(
        StatusCode::OK,
        "Open the admin console",
        html! {
            form method="post" action="/console/enter" data-autosubmit {
                input type="hidden" name="link" value=(link);
                p { "This link opens your team's admin console once." }
                button type="submit" { "Open the console" }
            }
        },
    ))
}

#[derive(Deserialize)]
struct Enter {
    link: String,
}

/// `POST /console/enter`: uses the link, opens the session.
async fn enter(
    req: HttpRequest,
    state: web::Data<AppState>,
    form: web::Form<Enter>,
) -> Result<HttpResponse, ConsoleError> {
    check_same_origin(&req)?;
    let link = form.into_inner().link;
    let policy = state.console_sessions;
    let opened = AppState::run(&state, move |conn| {
        console::open_session(conn, &link, policy)
    })
    .await?;
    match opened {
        Ok(session) => {
            let mut response = page::see_other("/console/team");
            response
                .add_cookie(&session_cookie(&req, &session))
                .map_err(|_| ConsoleError::Invalid("the session cookie could not be set".into()))?;
            Ok(response)
        }
        Err(refused) => Ok(refused_page(refused)),
    }
}

/// `POST /console/sign-out`.
async fn sign_out(
    req: HttpRequest,
    state: web::Data<AppState>,
    action: ConsoleForm<NoFields>,
) -> Result<HttpResponse, ConsoleError> {
    let session = action.session.session;
    AppState::run(&state, move |conn| console::sign_out(conn, &session)).await?;
    let mut response = page::bare(
        StatusCode::OK,
        "You are signed out",
        html! { p role="status" { "Your console session has ended. Open the console from your product to sign in again." } },
    );
    response
        .add_cookie(&removal_cookie(&req))
        .map_err(|_| ConsoleError::Invalid("the session cookie could not be removed".into()))?;
    Ok(response)
}

/// A form with nothing but its CSRF token.
#[derive(Deserialize)]
pub struct NoFields {}
