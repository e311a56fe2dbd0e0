//! What the resource endpoints (`/Users`, `/Groups`) share: the query of
//! single-resource requests and the conditional headers (RFC 7644 §3.14,
//! RFC 7232 `If-Match` / `If-None-Match` with weak ETags).

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse};
use serde::Deserialize;

use crate::scim::etag;
use crate::scim::resource::Projection;

/// The query parameters of single-resource requests; every other parameter
/// is ignored.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReadQuery {
    pub attributes: Option<String>,
    pub excluded_attributes: Option<String>,
}

impl ReadQuery {
    pub fn projection(&self) -> Projection {
        Projection::from_query(
            self.attributes.as_deref(),
            self.excluded_attributes.as_deref(),
        )
    }
}

/// 304 when `If-None-Match` lists the resource's current ETag (RFC 7232 §3.2).
pub fn not_modified(req: &HttpRequest, etag: String) -> Option<HttpResponse> {
    header_lists_etag(req, header::IF_NONE_MATCH, &etag).then(|| {
        HttpResponse::NotModified()
            .insert_header((header::ETAG, etag))
            .finish()
    })
}

/// True when the header is present and lists this ETag (or `*`).
fn header_lists_etag(req: &HttpRequest, name: header::HeaderName, etag: &str) -> bool {
    header_text(req, name).is_some_and(|value| etag::lists(&value, etag))
}

/// The header's value as text, if present and readable.
pub fn header_text(req: &HttpRequest, name: header::HeaderName) -> Option<String> {
    req.headers()
        .get(name)
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned)
}
