//! The root span of every request (tracing-actix-web): method, path (never
//! the query string, which may hold user names or e-mail addresses), request
//! id, status and latency, plus one `request finished` log line. Headers and
//! bodies are never recorded. The request id is also returned as `X-Request-Id`.

use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::{Error, HttpMessage};
use tracing::Span;
use tracing_actix_web::{RequestId, RootSpanBuilder};

pub struct RequestSpan;

#[derive(Clone, Copy)]
struct StartedAt(Instant);

impl RootSpanBuilder for RequestSpan {
    fn on_request_start(request: &ServiceRequest) -> Span {
        request.extensions_mut().insert(StartedAt(Instant::now()));
        let request_id = request.extensions().get::<RequestId>().copied();
        tracing::info_span!(
            "request",
            request_id = %request_id.map(|id| id.to_string()).unwrap_or_default(),
            method = %request.method(),
            path = %request.path(),
        )
    }

    fn on_request_end<B: MessageBody>(span: Span, outcome: &Result<ServiceResponse<B>, Error>) {
        let _entered = span.enter();
        match outcome {
            Ok(response) => {
                let elapsed_ms = response
                    .request()
                    .extensions()
                    .get::<StartedAt>()
                    .map(|started| started.0.elapsed().as_secs_f64() * 1000.0)
                    .unwrap_or_default();
                let status = response.status().as_u16();
                tracing::info!(
                    status,
                    elapsed_ms = format_args!("{elapsed_ms:.2}"),
                    "request finished"
                );
            }
            Err(error) => {
                let status = error.as_response_error().status_code().as_u16();
                tracing::info!(status, "request failed before a response");
            }
        }
    }
}

/// Adds `X-Request-Id` (the id in the logs) to every response.
pub struct RequestIdHeader;

impl RequestIdHeader {
    pub fn apply<B>(mut response: ServiceResponse<B>) -> ServiceResponse<B> {
        let id = response.request().extensions().get::<RequestId>().copied();
        if let Some(value) = id.and_then(|id| HeaderValue::from_str(&id.to_string()).ok()) {
            response
                .headers_mut()
                .insert(HeaderName::from_static("x-request-id"), value);
        }
        response
    }
}
