//! `POST /oauth/token`, the token endpoint of the client credentials grant
//! (RFC 6749 §4.4), and `GET /.well-known/oauth-authorization-server`, its
//! description (RFC 8414 §3). The client authenticates with
//! `client_secret_basic` or `client_secret_post` (RFC 6749 §2.3.1), or with
//! a client assertion (RFC 7523 §2.2, `private_key_jwt` in RFC 8414's
//! words) that `auth::federation` checks against its issuer's keys; the
//! answer is RFC 6749 §5.1 JSON, or a §5.2 error (`http/error.rs`
//! [`TokenFailure`]), never a SCIM body, with `Cache-Control: no-store`.
//! Rate-limited per source address and per client before any database
//! work; every outcome is counted in `/metrics` (`oauth_token_requests`).

use std::collections::HashMap;

use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, web};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use futures_util::StreamExt;
use serde_json::json;

use super::error::TokenFailure;
use super::state::AppState;
use crate::auth::federation::JWT_BEARER;
use crate::auth::oauth::{ClientSecret, ErrorCode, OAuthError};
use crate::metrics::Metrics;
use crate::model::{ClientId, ClientSecretId, Scope};
use crate::service::oauth_token::{self, AccessToken, Credential, TokenRequest};

/// A token request is a few short parameters; a client assertion (RFC 7523)
/// a few KiB. Larger bodies are refused as `invalid_request`.
const MAX_BODY_BYTES: usize = 16 * 1024;

const FORM: &str = "application/x-www-form-urlencoded";
const CLIENT_CREDENTIALS: &str = "client_credentials";

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/oauth/token")
            .route(web::post().to(token))
            .default_service(web::to(token_method_not_allowed)),
    )
    .service(
        web::resource("/.well-known/oauth-authorization-server")
            .route(web::get().to(metadata))
            .default_service(web::to(super::responses::method_not_allowed)),
    );
}

/// `POST /oauth/token`.
async fn token(
    req: HttpRequest,
    state: web::Data<AppState>,
    payload: web::Payload,
) -> HttpResponse {
    super::middleware::span::record_route(&req);
    let outcome = issue(&req, &state, payload).await;
    let reason = match &outcome {
        Ok(_) => "issued",
        Err(failure) => failure.reason(),
    };
    if let Some(metrics) = req.app_data::<web::Data<Metrics>>() {
        metrics.observe_oauth_token(reason);
    }
    match outcome {
        Ok(issued) => HttpResponse::Ok()
            .insert_header((header::CACHE_CONTROL, HeaderValue::from_static("no-store")))
            .insert_header((header::PRAGMA, HeaderValue::from_static("no-cache")))
            .json(json!({
                "access_token": issued.token.expose(),
                "token_type": "Bearer",
                "expires_in": issued.expires_in,
                "scope": issued.scope.as_str(),
            })),
        Err(failure) => failure.response(),
    }
}

async fn issue(
    req: &HttpRequest,
    state: &web::Data<AppState>,
    payload: web::Payload,
) -> Result<AccessToken, TokenFailure> {
    let address = super::auth::client_address(req, state.client_ip_header.as_ref());
    // Counted per address before anything is read.
    state
        .token_limits
        .check(address, None)
        .map_err(TokenFailure::RateLimited)?;
    let params = read_form(req, payload).await.map_err(TokenFailure::OAuth)?;
    match params.get("grant_type") {
        None => return Err(refused(ErrorCode::InvalidRequest, "grant_type is missing")),
        Some(grant) if grant != CLIENT_CREDENTIALS => {
            return Err(refused(
                ErrorCode::UnsupportedGrantType,
                "the only grant_type is client_credentials",
            ));
        }
        Some(_) => {}
    }
    if params.contains_key("client_assertion_type") || params.contains_key("client_assertion") {
        return by_assertion(req, state, &params, address).await;
    }
    let (client_id, secret) = client_credentials(req, &params).map_err(TokenFailure::OAuth)?;
    let client_id = limited_client(state, &client_id)?;
    let (secret_id, secret) = ClientSecret::parse(&secret)
        .ok_or_else(|| TokenFailure::OAuth(OAuthError::invalid_client()))?;
    let credential = Credential::Secret {
        id: ClientSecretId(secret_id),
        secret,
    };
    issue_to(state, client_id, credential, &params, address).await
}

/// The client id, counted against its rate limit; `invalid_client` when it
/// is not an id.
fn limited_client(state: &AppState, client_id: &str) -> Result<ClientId, TokenFailure> {
    let client_id = client_id.parse::<ClientId>().ok();
    state
        .token_limits
        .check(None, client_id)
        .map_err(TokenFailure::RateLimited)?;
    client_id.ok_or_else(|| TokenFailure::OAuth(OAuthError::invalid_client()))
}

/// RFC 7523 §2.2: `client_assertion_type` (jwt-bearer), `client_assertion`
/// and `client_id` (which Entra sends; Roster needs it to know whose
/// issuer to ask), and no other client authentication.
async fn by_assertion(
    req: &HttpRequest,
    state: &web::Data<AppState>,
    params: &HashMap<String, String>,
    address: Option<std::net::IpAddr>,
) -> Result<AccessToken, TokenFailure> {
    let invalid = |description| refused(ErrorCode::InvalidRequest, description);
    if req.headers().contains_key(header::AUTHORIZATION) || params.contains_key("client_secret") {
        return Err(invalid(
            "use one client authentication method: a client assertion or a secret",
        ));
    }
    if params.get("client_assertion_type").map(String::as_str) != Some(JWT_BEARER) {
        return Err(invalid(
            "client_assertion_type must be urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
        ));
    }
    let assertion = params
        .get("client_assertion")
        .ok_or_else(|| invalid("client_assertion is missing"))?;
    let client_id = params
        .get("client_id")
        .ok_or_else(|| invalid("client_id is missing: send it with the client assertion"))?;
    let client_id = limited_client(state, client_id)?;
    let federation = AppState::run(state, move |conn| {
        Ok::<_, crate::store::StoreError>(oauth_token::federation(conn, client_id))
    })
    .await
    .map_err(TokenFailure::Unavailable)?
    .map_err(TokenFailure::OAuth)?;
    let verified = state
        .federation
        .verify(&federation, assertion)
        .await
        .map_err(|refusal| {
            tracing::warn!(reason = refusal.0, "client assertion refused");
            refused(ErrorCode::InvalidClient, refusal.0)
        })?;
    let credential = Credential::Assertion(verified);
    issue_to(state, client_id, credential, params, address).await
}

async fn issue_to(
    state: &web::Data<AppState>,
    client_id: ClientId,
    credential: Credential,
    params: &HashMap<String, String>,
    address: Option<std::net::IpAddr>,
) -> Result<AccessToken, TokenFailure> {
    let request = TokenRequest {
        client_id,
        credential,
        scope: params.get("scope").cloned(),
        lifetime: state.oauth_token_lifetime,
        address,
    };
    AppState::run(state, move |conn| {
        Ok::<_, crate::store::StoreError>(oauth_token::issue(conn, request))
    })
    .await
    .map_err(TokenFailure::Unavailable)?
    .map_err(TokenFailure::OAuth)
}

fn refused(code: ErrorCode, description: &'static str) -> TokenFailure {
    TokenFailure::OAuth(OAuthError::refused(code, description))
}

/// The form parameters (RFC 6749 §3.2: each at most once; one sent
/// without a value counts as omitted, §3.1).
async fn read_form(
    req: &HttpRequest,
    mut payload: web::Payload,
) -> Result<HashMap<String, String>, OAuthError> {
    let invalid = |description| OAuthError::refused(ErrorCode::InvalidRequest, description);
    let form = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .is_some_and(|media| media.trim().eq_ignore_ascii_case(FORM));
    if !form {
        return Err(invalid(
            "the body must be application/x-www-form-urlencoded",
        ));
    }
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|_| invalid("the body could not be read"))?;
        if body.len() + chunk.len() > MAX_BODY_BYTES {
            return Err(invalid("the body is larger than 16 KiB"));
        }
        body.extend_from_slice(&chunk);
    }
    let mut params = HashMap::new();
    for (name, value) in url::form_urlencoded::parse(&body) {
        if value.is_empty() {
            continue;
        }
        if params
            .insert(name.into_owned(), value.into_owned())
            .is_some()
        {
            return Err(invalid("a parameter is repeated"));
        }
    }
    Ok(params)
}

/// The client id and secret, from `Authorization: Basic` (RFC 6749
/// §2.3.1: each form-urlencoded, then base64) or from the body; not both.
fn client_credentials(
    req: &HttpRequest,
    params: &HashMap<String, String>,
) -> Result<(String, String), OAuthError> {
    let in_body = (params.get("client_id"), params.get("client_secret"));
    let Some(authorization) = req.headers().get(header::AUTHORIZATION) else {
        return match in_body {
            (Some(id), Some(secret)) => Ok((id.clone(), secret.clone())),
            _ => Err(OAuthError::invalid_client()),
        };
    };
    let (id, secret) = basic(authorization).ok_or_else(OAuthError::invalid_client)?;
    if in_body.1.is_some() || in_body.0.is_some_and(|body_id| *body_id != id) {
        return Err(OAuthError::refused(
            ErrorCode::InvalidRequest,
            "use one client authentication method: the Authorization header or the body",
        ));
    }
    Ok((id, secret))
}

fn basic(value: &HeaderValue) -> Option<(String, String)> {
    let value = value.to_str().ok()?.trim();
    let (scheme, encoded) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") || encoded.len() > MAX_BODY_BYTES {
        return None;
    }
    let decoded = String::from_utf8(BASE64.decode(encoded.trim()).ok()?).ok()?;
    let (id, secret) = decoded.split_once(':')?;
    Some((form_decoded(id), form_decoded(secret)))
}

/// `application/x-www-form-urlencoded` decoding of one value.
fn form_decoded(value: &str) -> String {
    url::form_urlencoded::parse(format!("v={}", value.replace('&', "%26")).as_bytes())
        .next()
        .map(|(_, value)| value.into_owned())
        .unwrap_or_default()
}

/// Anything but `POST` on the token endpoint: 405, in OAuth's shape.
async fn token_method_not_allowed() -> HttpResponse {
    let mut response = TokenFailure::OAuth(OAuthError::refused(
        ErrorCode::InvalidRequest,
        "the token endpoint takes POST",
    ))
    .response();
    *response.status_mut() = actix_web::http::StatusCode::METHOD_NOT_ALLOWED;
    response
        .headers_mut()
        .insert(header::ALLOW, HeaderValue::from_static("POST"));
    response
}

/// `GET /.well-known/oauth-authorization-server` (RFC 8414 §3.2).
async fn metadata(req: HttpRequest) -> HttpResponse {
    let base = super::base_url::server_url(&req);
    HttpResponse::Ok().json(json!({
        "issuer": base,
        "token_endpoint": format!("{base}/oauth/token"),
        "token_endpoint_auth_methods_supported":
            ["client_secret_basic", "client_secret_post", "private_key_jwt"],
        "token_endpoint_auth_signing_alg_values_supported":
            ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "EdDSA"],
        "grant_types_supported": [CLIENT_CREDENTIALS],
        "scopes_supported": Scope::ALL.map(Scope::as_str),
        "response_types_supported": [],
        "service_documentation": format!("{base}/"),
    }))
}
