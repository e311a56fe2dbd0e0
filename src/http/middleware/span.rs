//! The root span of every request (tracing-actix-web): request id, method
//! and route, status and latency, plus one `request finished` log line. No
//! request value is recorded: not the path (it holds ids a client chose, of
//! any length), only the route pattern it matched (`/scim/v2/Users/{id}`),
//! known once the request is routed; not a method outside the standard ones;
//! never the query string, headers or bodies. The request id is also
//! returned as `X-Request-Id`.

use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Method;
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
            method = standard_method(request.method()),
            route = tracing::field::Empty,
        )
    }

    fn on_request_end<B: MessageBody>(span: Span, outcome: &Result<ServiceResponse<B>, Error>) {
        let _entered = span.enter();
        match outcome {
            Ok(response) => {
                record_route(response.request());
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

/// Records the route pattern the request matched in the current span
/// (`(no route)` when none did), once.
pub fn record_route(request: &actix_web::HttpRequest) {
    #[derive(Clone, Copy)]
    struct Recorded;
    if request.extensions().get::<Recorded>().is_some() {
        return;
    }
    request.extensions_mut().insert(Recorded);
    let route = request.match_pattern();
    Span::current().record("route", route.as_deref().unwrap_or("(no route)"));
}

/// The method's name when it is a standard one, else `other`: an extension
/// method is a token of the client's choosing.
fn standard_method(method: &Method) -> &'static str {
    [
        ("GET", Method::GET),
        ("POST", Method::POST),
        ("PUT", Method::PUT),
        ("PATCH", Method::PATCH),
        ("DELETE", Method::DELETE),
        ("HEAD", Method::HEAD),
        ("OPTIONS", Method::OPTIONS),
        ("CONNECT", Method::CONNECT),
        ("TRACE", Method::TRACE),
    ]
    .into_iter()
    .find(|(_, standard)| standard == method)
    .map_or("other", |(name, _)| name)
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
