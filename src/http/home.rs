//! `GET /`: what a person (or a script) finds at Roster's address — the
//! endpoints and where the documentation is. A short HTML page with no
//! external resource and no script, under a Content-Security-Policy that
//! allows nothing else; `Accept: application/json` gets the same as JSON.
//! Nothing of the request is echoed back.

use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::json;

use super::responses::method_not_allowed;

/// Nothing may load, run, frame the page or be submitted from it.
pub const CONTENT_SECURITY_POLICY: &str =
    "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// (path, what it is, what it needs).
const ENDPOINTS: &[(&str, &str, &str)] = &[
    (
        "/scim/v2",
        "SCIM 2.0 base URL for your identity provider (Okta, Entra ID)",
        "a scim token",
    ),
    (
        "/api/v1",
        "the access API: roles, workspaces, rules, audit, events",
        "an access or admin token",
    ),
    (
        "/api/v1/openapi.json",
        "the OpenAPI 3.1 document of /api/v1",
        "no token",
    ),
    ("/healthz", "200 while the process runs", "no token"),
    ("/readyz", "200 when the database answers", "no token"),
    (
        "/metrics",
        "Prometheus metrics",
        "no token unless metrics_token is set",
    ),
];

const DOCS: &str = "README.md and docs/ in Roster's source: docs/OKTA.md and docs/ENTRA.md connect an \
                    identity provider, docs/ACCESS.md describes /api/v1, docs/OPERATIONS.md runs Roster \
                    in production";

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/")
            .route(web::get().to(home))
            .default_service(web::to(method_not_allowed)),
    );
}

/// Whether the client asked for JSON rather than a page.
fn wants_json(req: &HttpRequest) -> bool {
    req.headers()
        .get(header::ACCEPT)
        .and_then(|accept| accept.to_str().ok())
        .is_some_and(|accept| accept.contains("application/json") && !accept.contains("text/html"))
}

async fn home(req: HttpRequest) -> HttpResponse {
    if wants_json(&req) {
        let endpoints: Vec<_> = ENDPOINTS
            .iter()
            .map(|(path, what, needs)| json!({"path": path, "description": what, "auth": needs}))
            .collect();
        return HttpResponse::Ok()
            .insert_header((header::VARY, "Accept"))
            .json(json!({
                "name": "Roster",
                "version": env!("CARGO_PKG_VERSION"),
                "endpoints": endpoints,
                "documentation": DOCS,
            }));
    }
    let rows: String = ENDPOINTS
        .iter()
        .map(|(path, what, needs)| {
            format!("<li><a href=\"{path}\"><code>{path}</code></a>: {what} ({needs})</li>\n")
        })
        .collect();
    let page = format!(
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <title>Roster</title>\n</head>\n<body>\n<h1>Roster {version}</h1>\n\
         <p>A SCIM 2.0 service provider: identity providers push members and groups here, and Roster \
         turns group membership into account roles and workspace levels.</p>\n<ul>\n{rows}</ul>\n\
         <p>Documentation: {DOCS}.</p>\n</body>\n</html>\n",
        version = env!("CARGO_PKG_VERSION"),
    );
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/html; charset=utf-8"))
        .insert_header((
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CONTENT_SECURITY_POLICY),
        ))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::REFERRER_POLICY, "no-referrer"))
        .insert_header((header::VARY, "Accept"))
        .body(page)
}
