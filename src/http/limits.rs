//! Request limits and the extractor error handlers, so that bad input always
//! gets a SCIM error: 413 above the body limit (checked from
//! `Content-Length` before any work, and again while reading a chunked body),
//! 415 for a body that is not JSON, 400 `invalidSyntax` for JSON that does
//! not parse.

use std::future::{Ready, ready};
use std::rc::Rc;

use actix_web::body::EitherBody;
use actix_web::dev::{Service, ServiceRequest, ServiceResponse, Transform, forward_ready};
use actix_web::error::{JsonPayloadError, PayloadError};
use actix_web::http::header::CONTENT_LENGTH;
use actix_web::{Error, HttpRequest, web};
use futures_util::future::LocalBoxFuture;

use super::error::{ApiError, scim_error_response};
use crate::scim::ScimError;

/// Accepts `application/json` and `application/scim+json`, with any parameters (charset).
fn is_json(mime: &mime::Mime) -> bool {
    mime.type_() == mime::APPLICATION
        && (mime.subtype() == mime::JSON
            || (mime.subtype() == "scim" && mime.suffix() == Some(mime::JSON)))
}

pub fn json_config(limit: usize) -> web::JsonConfig {
    web::JsonConfig::default()
        .limit(limit)
        .content_type_required(true)
        .content_type(|mime| is_json(&mime))
        .error_handler(move |error, _req: &HttpRequest| json_error(error, limit).into())
}

pub fn payload_config(limit: usize) -> web::PayloadConfig {
    web::PayloadConfig::new(limit)
}

pub fn query_config() -> web::QueryConfig {
    web::QueryConfig::default().error_handler(|error, _req| {
        ApiError::from(ScimError::new(
            400,
            None,
            format!("the query string is not valid: {error}"),
        ))
        .into()
    })
}

pub fn path_config() -> web::PathConfig {
    web::PathConfig::default().error_handler(|_error, req| {
        ApiError::from(ScimError::not_found(format!("nothing at {}", req.path()))).into()
    })
}

fn json_error(error: JsonPayloadError, limit: usize) -> ApiError {
    let scim = match error {
        JsonPayloadError::Overflow { .. }
        | JsonPayloadError::OverflowKnownLength { .. }
        | JsonPayloadError::Payload(PayloadError::Overflow) => ScimError::payload_too_large(limit),
        JsonPayloadError::ContentType => ScimError::unsupported_media_type(
            "send the body as 'Content-Type: application/scim+json' (or application/json)",
        ),
        JsonPayloadError::Deserialize(error) => ScimError::invalid_syntax(format!(
            "the body is not valid JSON for this endpoint: {error}"
        )),
        other => ScimError::invalid_syntax(format!("the body could not be read: {other}")),
    };
    ApiError::Scim(scim)
}

/// Middleware: a request whose `Content-Length` is above the limit is answered
/// 413 before routing, authentication or reading the body.
#[derive(Clone, Copy)]
pub struct BodyLimit(pub usize);

impl<S, B> Transform<S, ServiceRequest> for BodyLimit
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    B: 'static,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = Error;
    type Transform = BodyLimitMiddleware<S>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, ()>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(BodyLimitMiddleware {
            service: Rc::new(service),
            limit: self.0,
        }))
    }
}

pub struct BodyLimitMiddleware<S> {
    service: Rc<S>,
    limit: usize,
}

impl<S, B> Service<ServiceRequest> for BodyLimitMiddleware<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    B: 'static,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = Error;
    type Future = LocalBoxFuture<'static, Result<Self::Response, Error>>;

    forward_ready!(service);

    fn call(&self, req: ServiceRequest) -> Self::Future {
        let declared = req
            .headers()
            .get(CONTENT_LENGTH)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.trim().parse::<u64>().ok());
        if declared.is_some_and(|length| length > self.limit as u64) {
            let response = scim_error_response(&ScimError::payload_too_large(self.limit));
            return Box::pin(async move { Ok(req.into_response(response).map_into_right_body()) });
        }
        let service = Rc::clone(&self.service);
        Box::pin(async move {
            service
                .call(req)
                .await
                .map(ServiceResponse::map_into_left_body)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_media_types() {
        for accepted in [
            "application/json",
            "application/scim+json",
            "application/scim+json; charset=utf-8",
        ] {
            assert!(is_json(&accepted.parse().unwrap()), "{accepted}");
        }
        for refused in ["text/plain", "application/xml", "application/scim"] {
            assert!(!is_json(&refused.parse().unwrap()), "{refused}");
        }
    }
}
