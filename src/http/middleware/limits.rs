//! Request limits and the extractor error handlers, so that bad input always
//! gets a SCIM error: 413 above the body limit (checked from
//! `Content-Length` before any work, and again while reading a chunked body),
//! 408 for a body that does not arrive in time (then the connection closes:
//! a client that never finishes its body holds nothing for long), 415 for a
//! body that is not JSON, 400 `invalidSyntax` for JSON that does not parse.

use std::cell::Cell;
use std::future::{Ready, ready};
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};
use std::time::Duration;

use actix_web::body::EitherBody;
use actix_web::dev::{Service, ServiceRequest, ServiceResponse, Transform, forward_ready};
use actix_web::error::{JsonPayloadError, PayloadError};
use actix_web::http::ConnectionType;
use actix_web::http::header::{CONTENT_LENGTH, TRANSFER_ENCODING};
use actix_web::{Error, HttpMessage, HttpRequest, web};
use futures_util::future::LocalBoxFuture;
use futures_util::{Future, Stream};

use crate::http::error::{ApiError, scim_error_response};
use crate::scim::ScimError;

/// Accepts `application/json` and `application/scim+json`, with any parameters (charset).
fn is_json(mime: &mime::Mime) -> bool {
    mime.type_() == mime::APPLICATION
        && (mime.subtype() == mime::JSON
            || (mime.subtype() == "scim" && mime.suffix() == Some(mime::JSON)))
}

pub fn json_config(limit: usize) -> web::JsonConfig {
    json_config_with(limit, ScimError::payload_too_large)
}

/// The JSON body of `POST /Bulk`: its own limit, `maxPayloadSize`, and its
/// own 413 (RFC 7644 §3.7.3).
pub fn bulk_json_config(limit: usize) -> web::JsonConfig {
    json_config_with(limit, crate::scim::bulk::too_large)
}

fn json_config_with(limit: usize, too_large: fn(usize) -> ScimError) -> web::JsonConfig {
    web::JsonConfig::default()
        .limit(limit)
        .content_type_required(true)
        .content_type(|mime| is_json(&mime))
        .error_handler(move |error, _req: &HttpRequest| json_error(error, limit, too_large).into())
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

fn json_error(
    error: JsonPayloadError,
    limit: usize,
    too_large: fn(usize) -> ScimError,
) -> ApiError {
    let scim = match error {
        JsonPayloadError::Overflow { .. }
        | JsonPayloadError::OverflowKnownLength { .. }
        | JsonPayloadError::Payload(PayloadError::Overflow) => too_large(limit),
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

/// Middleware for every request body: one whose `Content-Length` is above
/// `max_bytes` is answered 413 before routing, authentication or reading it;
/// one that does not arrive within `timeout` fails its reader, and the
/// client gets 408 on a closed connection, whatever the handler made of the
/// error.
#[derive(Clone, Copy)]
pub struct BodyGuard {
    pub max_bytes: usize,
    /// `POST /scim/v2/Bulk`'s own limit, `maxPayloadSize` (RFC 7644 §3.7.3).
    pub bulk_max_bytes: usize,
    pub timeout: Duration,
}

/// The Bulk endpoint's path, once canonical (`paths`, `NormalizePath`).
const BULK_PATH: &str = "/scim/v2/Bulk";

impl<S, B> Transform<S, ServiceRequest> for BodyGuard
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    B: 'static,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = Error;
    type Transform = BodyGuardMiddleware<S>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, ()>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(BodyGuardMiddleware {
            service: Rc::new(service),
            guard: *self,
        }))
    }
}

pub struct BodyGuardMiddleware<S> {
    service: Rc<S>,
    guard: BodyGuard,
}

impl<S, B> Service<ServiceRequest> for BodyGuardMiddleware<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    B: 'static,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = Error;
    type Future = LocalBoxFuture<'static, Result<Self::Response, Error>>;

    forward_ready!(service);

    fn call(&self, mut req: ServiceRequest) -> Self::Future {
        let BodyGuard {
            max_bytes,
            bulk_max_bytes,
            timeout,
        } = self.guard;
        let (max_bytes, too_large): (usize, fn(usize) -> ScimError) = if req.path() == BULK_PATH {
            (bulk_max_bytes, crate::scim::bulk::too_large)
        } else {
            (max_bytes, ScimError::payload_too_large)
        };
        let headers = req.headers();
        let declared = headers
            .get(CONTENT_LENGTH)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.trim().parse::<u64>().ok());
        if declared.is_some_and(|length| length > max_bytes as u64) {
            let response = scim_error_response(&too_large(max_bytes));
            return Box::pin(async move { Ok(req.into_response(response).map_into_right_body()) });
        }
        let has_body = headers.contains_key(TRANSFER_ENCODING) || declared.is_some_and(|n| n > 0);
        let expired = Rc::new(Cell::new(false));
        if has_body {
            let body = Deadline {
                body: req.take_payload(),
                sleep: Box::pin(tokio::time::sleep(timeout)),
                expired: Rc::clone(&expired),
            };
            let body: Pin<Box<dyn Stream<Item = Result<web::Bytes, PayloadError>>>> =
                Box::pin(body);
            req.set_payload(body.into());
        }
        let service = Rc::clone(&self.service);
        Box::pin(async move {
            let response = service.call(req).await?;
            if !expired.get() {
                return Ok(response.map_into_left_body());
            }
            let mut late = scim_error_response(&ScimError::new(
                408,
                None,
                format!(
                    "the request body did not arrive within {} s; send it at once",
                    timeout.as_secs()
                ),
            ));
            late.head_mut().set_connection_type(ConnectionType::Close);
            let (req, _) = response.into_parts();
            Ok(ServiceResponse::new(req, late).map_into_right_body())
        })
    }
}

/// A request body that fails once its time is up.
struct Deadline {
    body: actix_web::dev::Payload,
    sleep: Pin<Box<tokio::time::Sleep>>,
    expired: Rc<Cell<bool>>,
}

impl futures_util::Stream for Deadline {
    type Item = Result<web::Bytes, PayloadError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if self.expired.get() {
            return Poll::Ready(None);
        }
        if let Poll::Ready(chunk) = Pin::new(&mut self.body).poll_next(cx) {
            return Poll::Ready(chunk);
        }
        if self.sleep.as_mut().poll(cx).is_pending() {
            return Poll::Pending;
        }
        self.expired.set(true);
        Poll::Ready(Some(Err(PayloadError::Io(std::io::Error::new(
            std::io::ErrorKind::TimedOut,
            "the request body did not arrive in time",
        )))))
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
