//! Small response helpers shared by the endpoint modules.

use actix_web::http::header::{CONTENT_TYPE, HeaderValue};
use actix_web::{HttpRequest, HttpResponse};
use serde::Serialize;

use super::error::ApiError;
use crate::scim::list::ListResponse;
use crate::scim::{MEDIA_TYPE, ScimError};
use crate::service::paging::{Listed, Paging};

/// 200 with a SCIM JSON body.
pub fn scim_json<T: Serialize>(body: T) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((CONTENT_TYPE, HeaderValue::from_static(MEDIA_TYPE)))
        .json(body)
}

/// 200 with the [`ListResponse`] of `resources`, the page starting at the
/// 1-based `start_index` of a list of `total`.
pub fn list_response<R: Serialize>(
    total: i64,
    start_index: i64,
    resources: Vec<R>,
) -> HttpResponse {
    scim_json(ListResponse::new(total, start_index, resources))
}

/// 200 with the [`ListResponse`] of a page of either paging method.
pub fn listed_response<R: Serialize>(listed: Listed<R>) -> HttpResponse {
    match listed.paging {
        Paging::Index { start_index } => list_response(listed.total, start_index, listed.items),
        Paging::Cursor { next, previous } => scim_json(ListResponse::cursor_page(
            listed.total,
            listed.items,
            next,
            previous,
        )),
    }
}

pub use super::base_url::scim_base_url;

/// 405 for a method the resource does not have.
pub async fn method_not_allowed(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    Err(ScimError::method_not_allowed(format!(
        "{} is not supported on {}",
        req.method(),
        req.path()
    ))
    .into())
}

/// 404 for a path that names no endpoint.
pub async fn no_such_endpoint(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    Err(ScimError::not_found(format!("there is no endpoint at {}", req.path())).into())
}
