//! Small response helpers shared by the endpoint modules.

use actix_web::http::header::{CONTENT_TYPE, HeaderValue};
use actix_web::{HttpRequest, HttpResponse};
use serde::Serialize;
use serde_json::{Value, json};

use super::error::ApiError;
use crate::scim::{MEDIA_TYPE, ScimError, urns};

/// 200 with a SCIM JSON body.
pub fn scim_json<T: Serialize>(body: T) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((CONTENT_TYPE, HeaderValue::from_static(MEDIA_TYPE)))
        .json(body)
}

/// 200 with a ListResponse (RFC 7644 §3.4.2): `itemsPerPage` is the number
/// of resources actually returned.
pub fn list_response(total: i64, start_index: i64, resources: Vec<Value>) -> HttpResponse {
    scim_json(json!({
        "schemas": [urns::LIST_RESPONSE],
        "totalResults": total,
        "startIndex": start_index,
        "itemsPerPage": resources.len(),
        "Resources": resources,
    }))
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
