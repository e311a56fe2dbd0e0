//! `/console`: the admin console, the customer's account admin's view of
//! their team in a browser (docs/CONSOLE.md). Server-rendered HTML, a small
//! stylesheet and script built into the binary, forms that post back.
//!
//! Every page belongs to a session a one-time link opened ([`session`]);
//! every change is a form carrying the session's CSRF token, and calls the
//! same operation (`crate::service`) as SCIM, `/api/v1` and the CLI, with the
//! session recorded as its author. Every response carries the headers of
//! [`headers`]: a Content-Security-Policy that lets nothing but the
//! console's own files load or run, and no framing unless the operator names
//! the origins that may (`console_frame_ancestors`).

mod access;
mod access_view;
mod assets;
mod audit;
mod connections;
mod enter;
mod error;
mod groups;
mod member;
mod offboarding;
mod page;
mod review;
mod session;
mod team;

use actix_web::http::StatusCode;
use actix_web::middleware::DefaultHeaders;
use actix_web::{HttpResponse, web};
use maud::html;

/// The console's response headers, for frames allowed from
/// `frame_ancestors` (none when empty).
pub fn headers(frame_ancestors: &[String]) -> DefaultHeaders {
    let ancestors = if frame_ancestors.is_empty() {
        "'none'".to_owned()
    } else {
        frame_ancestors.join(" ")
    };
    let policy = format!(
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; \
         connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors {ancestors}"
    );
    let headers = DefaultHeaders::new()
        .add(("Content-Security-Policy", policy))
        .add(("X-Content-Type-Options", "nosniff"))
        // same-origin, not no-referrer: with no-referrer a browser sends
        // `Origin: null` on the console's own form posts, which look forged.
        .add(("Referrer-Policy", "same-origin"))
        .add(("Cache-Control", "no-store"))
        .add(("Cross-Origin-Opener-Policy", "same-origin"))
        .add(("Cross-Origin-Resource-Policy", "same-origin"))
        .add((
            "Permissions-Policy",
            "camera=(), microphone=(), geolocation=(), payment=()",
        ));
    // X-Frame-Options can name no list of origins: sent only when none may
    // frame the console, for browsers that predate frame-ancestors.
    if frame_ancestors.is_empty() {
        headers.add(("X-Frame-Options", "DENY"))
    } else {
        headers
    }
}

/// Registers the console's routes under `/console`.
pub fn configure(cfg: &mut web::ServiceConfig, frame_ancestors: &[String]) {
    cfg.service(
        web::scope("/console")
            .wrap(headers(frame_ancestors))
            .configure(assets::configure)
            .configure(enter::configure)
            .configure(team::configure)
            .configure(member::configure)
            .configure(connections::configure)
            .configure(groups::configure)
            .configure(access::configure)
            .configure(review::configure)
            .configure(offboarding::configure)
            .configure(audit::configure)
            .default_service(web::to(no_such_page)),
    );
}

async fn no_such_page() -> HttpResponse {
    page::bare(
        StatusCode::NOT_FOUND,
        "No such page",
        html! { p { "The console has no page at this address. " a href="/console/team" { "Go to the Team page" } "." } },
    )
}
