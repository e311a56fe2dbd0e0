//! `/scim/v2/ServiceProviderConfig`, `/ResourceTypes` and `/Schemas`
//! (RFC 7644 §4). Readable without a token; a token that is sent must be valid.

use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use crate::http::auth::{MaybeAuthenticated, ScimScope};
use crate::http::error::ApiError;
use crate::http::responses::{method_not_allowed, scim_base_url, scim_json};
use crate::http::state::AppState;
use crate::scim::discovery;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/ServiceProviderConfig")
            .route(web::get().to(service_provider_config))
            .default_service(web::to(method_not_allowed)),
    )
    .service(
        web::resource("/ResourceTypes")
            .route(web::get().to(resource_types))
            .default_service(web::to(method_not_allowed)),
    )
    .service(
        web::resource("/ResourceTypes/{id}")
            .route(web::get().to(resource_type))
            .default_service(web::to(method_not_allowed)),
    )
    .service(
        web::resource("/Schemas")
            .route(web::get().to(schemas))
            .default_service(web::to(method_not_allowed)),
    )
    .service(
        web::resource("/Schemas/{id}")
            .route(web::get().to(schema))
            .default_service(web::to(method_not_allowed)),
    );
}

/// The only query parameter discovery looks at; every other one is ignored.
#[derive(Deserialize)]
struct DiscoveryQuery {
    filter: Option<String>,
}

/// What Roster supports (RFC 7643 §5).
async fn service_provider_config(
    req: HttpRequest,
    state: web::Data<AppState>,
    _auth: MaybeAuthenticated<ScimScope>,
) -> HttpResponse {
    scim_json(discovery::service_provider_config(
        &scim_base_url(&req),
        &state.capabilities,
    ))
}

/// The User and Group resource types (RFC 7643 §6).
async fn resource_types(
    req: HttpRequest,
    query: web::Query<DiscoveryQuery>,
    _auth: MaybeAuthenticated<ScimScope>,
) -> Result<HttpResponse, ApiError> {
    if query.filter.is_some() {
        return Err(discovery::reject_filter("/ResourceTypes").into());
    }
    Ok(scim_json(discovery::list(discovery::resource_types(
        &scim_base_url(&req),
    ))))
}

/// One resource type by id (`User`, `Group`).
async fn resource_type(
    req: HttpRequest,
    id: web::Path<String>,
    _auth: MaybeAuthenticated<ScimScope>,
) -> Result<HttpResponse, ApiError> {
    Ok(scim_json(discovery::resource_type(
        &scim_base_url(&req),
        &id,
    )?))
}

/// The User, Enterprise User and Group schemas (RFC 7643 §7).
async fn schemas(
    req: HttpRequest,
    query: web::Query<DiscoveryQuery>,
    _auth: MaybeAuthenticated<ScimScope>,
) -> Result<HttpResponse, ApiError> {
    if query.filter.is_some() {
        return Err(discovery::reject_filter("/Schemas").into());
    }
    Ok(scim_json(discovery::list(discovery::schemas(
        &scim_base_url(&req),
    ))))
}

/// One schema by URN.
async fn schema(
    req: HttpRequest,
    id: web::Path<String>,
    _auth: MaybeAuthenticated<ScimScope>,
) -> Result<HttpResponse, ApiError> {
    Ok(scim_json(discovery::schema(&scim_base_url(&req), &id)?))
}
