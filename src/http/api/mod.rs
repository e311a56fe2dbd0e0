//! `/api/v1`: the JSON API for account admins (`admin` tokens: the access
//! model, workspaces, rules, direct grants, the audit log, the access
//! review, webhooks, OAuth clients)
//! and for the product (`access` or `admin` tokens: a member's effective
//! access, logins, the change-event feed). Every path is scoped to the
//! token's account; errors have the SCIM Error shape, like `/scim/v2`.
//! `GET /api/v1/openapi.json` describes it all, without a token
//! ([`openapi`]).

mod audit;
mod console;
mod grants;
mod members;
mod model;
mod networks;
mod oauth_clients;
mod openapi;
mod reports;
mod rules;
mod schemas;
mod webhooks;
mod workspaces;

use actix_web::{HttpRequest, HttpResponse, web};

use super::auth::{AccessScope, Authenticated};
use super::error::ApiError;
use super::responses::no_such_endpoint;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/api/v1")
            .configure(model::configure)
            .configure(workspaces::configure)
            .configure(rules::configure)
            .configure(members::configure)
            .configure(grants::configure)
            .configure(audit::configure)
            .configure(reports::configure)
            .configure(webhooks::configure)
            .configure(networks::configure)
            .configure(oauth_clients::configure)
            .configure(console::configure)
            // A route of its own, so the token-checking default below never sees it.
            .configure(openapi::configure)
            .default_service(web::to(unknown_endpoint)),
    );
}

/// Unknown `/api/v1` paths answer 404 only to a valid token.
async fn unknown_endpoint(
    req: HttpRequest,
    _auth: Authenticated<AccessScope>,
) -> Result<HttpResponse, ApiError> {
    no_such_endpoint(req).await
}

/// 200 with a JSON body.
fn json(body: impl serde::Serialize) -> HttpResponse {
    HttpResponse::Ok().json(body)
}
