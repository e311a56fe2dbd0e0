//! The SCIM endpoints under `/scim/v2` (RFC 7644 §3): discovery, Users,
//! Groups and the search over both, Bulk, Okta's Roles and Entitlements; one file
//! per endpoint family, each parsing its request into what
//! [`crate::service`] takes and rendering the view it returns.

mod bulk;
mod discovery;
mod entitlements;
mod groups;
mod resources;
mod search;
mod users;

use actix_web::{HttpRequest, HttpResponse, web};

use super::auth::{Authenticated, ScimScope};
use super::error::ApiError;
use super::responses;

/// Registers the SCIM routes (the caller mounts them under `/scim/v2`).
pub fn configure(cfg: &mut web::ServiceConfig, bulk_max_payload_bytes: usize) {
    cfg.configure(discovery::configure)
        .configure(|cfg| bulk::configure(cfg, bulk_max_payload_bytes))
        .configure(users::configure)
        .configure(groups::configure)
        .configure(entitlements::configure)
        .configure(search::configure)
        .default_service(web::to(unknown_endpoint));
}

/// Unknown paths under `/scim/v2` answer 404 only to an authenticated IdP, so
/// that an anonymous caller learns nothing about what exists.
async fn unknown_endpoint(
    req: HttpRequest,
    _auth: Authenticated<ScimScope>,
) -> Result<HttpResponse, ApiError> {
    responses::no_such_endpoint(req).await
}
