//! The HTTP layer: the only module that knows actix-web.
//!
//! One file per endpoint family, each exposing `configure`; errors become
//! responses in [`error`] only. A request flows: [`span::RequestSpan`]
//! (request id, log line) → body-size check → path normalisation → handler
//! (extractors authenticate; the work runs on the blocking pool) → SCIM JSON.

mod api;
mod auth;
mod base_url;
mod discovery;
mod error;
mod groups;
mod health;
mod home;
mod limits;
mod metrics;
pub mod paths;
mod rate_limit;
mod resources;
mod responses;
mod search;
mod span;
mod state;
mod users;

use actix_web::web;

pub use error::ApiError;
pub use limits::BodyGuard;
pub use metrics::{MetricsAccess, observe as observe_metrics};
pub use rate_limit::RateLimits;
pub use span::{RequestIdHeader, RequestSpan};
pub use state::AppState;

/// Registers every route and the extractor configuration.
pub fn configure(cfg: &mut web::ServiceConfig, max_body_bytes: usize) {
    cfg.app_data(limits::json_config(max_body_bytes))
        .app_data(limits::payload_config(max_body_bytes))
        .app_data(limits::query_config())
        .app_data(limits::path_config())
        .configure(home::configure)
        .configure(health::configure)
        .configure(metrics::configure)
        .configure(api::configure)
        .service(
            web::scope("/scim/v2")
                .configure(discovery::configure)
                .configure(users::configure)
                .configure(groups::configure)
                .configure(search::configure)
                .default_service(web::to(scim_unknown_endpoint)),
        )
        .default_service(web::to(responses::no_such_endpoint));
}

/// Unknown paths under `/scim/v2` answer 404 only to an authenticated IdP, so
/// that an anonymous caller learns nothing about what exists.
async fn scim_unknown_endpoint(
    req: actix_web::HttpRequest,
    _auth: auth::Authenticated<auth::ScimScope>,
) -> Result<actix_web::HttpResponse, ApiError> {
    responses::no_such_endpoint(req).await
}
