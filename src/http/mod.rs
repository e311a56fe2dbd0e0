//! The HTTP layer: the only module that knows actix-web.
//!
//! `scim/` holds the SCIM endpoints, `api/` the `/api/v1` ones, `console/`
//! the admin console's pages, one file per
//! endpoint family, each exposing `configure`; `middleware/` what wraps every
//! request; [`server`] builds the actix-web server from them. Errors become
//! responses in [`error`] only. A request flows: request span and id →
//! metrics → body limits → path normalisation → routing → handler
//! (extractors authenticate; the work runs on the blocking pool, through
//! [`crate::service`]) → SCIM JSON (docs/ARCHITECTURE.md).

mod api;
mod auth;
mod base_url;
mod console;
mod error;
mod health;
mod home;
mod metrics;
mod middleware;
mod oauth;
mod rate_limit;
mod responses;
mod scim;
mod server;
mod state;

use actix_web::web;

pub use error::ApiError;
pub use server::{Server, ServerHandle, block_on, spawn_local};
pub use state::AppState;

/// Registers every route and the extractor configuration.
fn configure(
    cfg: &mut web::ServiceConfig,
    max_body_bytes: usize,
    bulk_max_payload_bytes: usize,
    frame_ancestors: &[String],
) {
    use middleware::limits;
    cfg.app_data(limits::json_config(max_body_bytes))
        .app_data(limits::payload_config(max_body_bytes))
        .app_data(limits::query_config())
        .app_data(limits::path_config())
        .configure(home::configure)
        .configure(health::configure)
        .configure(metrics::configure)
        .configure(api::configure)
        .configure(oauth::configure)
        .configure(|cfg| console::configure(cfg, frame_ancestors))
        .service(
            web::scope("/scim/v2").configure(|cfg| scim::configure(cfg, bulk_max_payload_bytes)),
        )
        .default_service(web::to(responses::no_such_endpoint));
}
