//! The one place where errors become HTTP responses: every error is a SCIM
//! Error body (RFC 7644 §3.12) with `Content-Type: application/scim+json`,
//! and every 5xx is logged once with its cause — except the token
//! endpoint's, which are OAuth error bodies (RFC 6749 §5.2, [`TokenFailure`]).

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};

use crate::access::AccessError;
use crate::auth::AuthError;
use crate::scim::{MEDIA_TYPE, ScimError};
use crate::service;
use crate::store::StoreError;

/// Everything a handler can fail with.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error(transparent)]
    Scim(#[from] ScimError),
    #[error("authentication failed: {0}")]
    Auth(#[from] AuthError),
    #[error("store: {0}")]
    Store(#[from] StoreError),
    #[error("the worker pool is gone: {0}")]
    Blocking(#[from] actix_web::error::BlockingError),
    #[error(transparent)]
    Access(#[from] AccessError),
    #[error(transparent)]
    Service(#[from] service::Error),
    #[error("the client's network is not allowed for this account")]
    NetworkNotAllowed(Option<std::net::IpAddr>),
    #[error("rate limited: {} per second per {}", .0.rate, .0.per)]
    RateLimited(super::rate_limit::Limited),
}

impl ApiError {
    /// The SCIM error the client sees.
    pub(super) fn to_scim(&self) -> ScimError {
        match self {
            Self::Scim(error) => error.clone(),
            Self::Auth(AuthError::WrongScope { .. }) => ScimError::forbidden(self.client_detail()),
            Self::Auth(AuthError::Store(error)) => store_error(error),
            Self::Auth(_) => ScimError::unauthorized(self.client_detail()),
            Self::Store(error) => store_error(error),
            Self::Blocking(_) => ScimError::internal(),
            Self::Access(error) => access_error(error),
            Self::Service(error) => service_error(error),
            Self::NetworkNotAllowed(address) => ScimError::forbidden(match address {
                Some(address) => format!(
                    "requests from {address} are not allowed for this account (its network allow-list)"
                ),
                None => {
                    "the client's address is unknown, and this account allows only some networks"
                        .to_owned()
                }
            }),
            Self::RateLimited(limited) => ScimError::new(
                429,
                None,
                format!(
                    "too many requests: this {} may send {} per second; retry after {} s",
                    limited.per,
                    limited.rate,
                    limited.retry_after_seconds()
                ),
            ),
        }
    }

    fn client_detail(&self) -> String {
        match self {
            Self::Auth(error) => error.to_string(),
            other => other.to_string(),
        }
    }
}

fn store_error(error: &StoreError) -> ScimError {
    if let StoreError::UnsupportedFilter(detail) = error {
        ScimError::invalid_filter(detail.clone())
    } else if error.is_unavailable() {
        ScimError::unavailable("the database is unavailable; retry shortly")
    } else {
        ScimError::internal()
    }
}

fn service_error(error: &service::Error) -> ScimError {
    match error {
        service::Error::Invalid(error) => error.clone(),
        service::Error::NotFound(detail) => ScimError::not_found(detail.clone()),
        service::Error::Taken(detail) => ScimError::uniqueness(detail.clone()),
        service::Error::Conflict(detail) => ScimError::new(409, None, detail.clone()),
        service::Error::PreconditionFailed(detail) => ScimError::new(412, None, detail.clone()),
        service::Error::Access(error) => access_error(error),
        service::Error::Store(error) => store_error(error),
    }
}

fn access_error(error: &AccessError) -> ScimError {
    match error {
        AccessError::Invalid(detail) => ScimError::invalid_value(detail.clone()),
        AccessError::Conflict(detail) => ScimError::new(409, None, detail.clone()),
        AccessError::NotFound(detail) => ScimError::not_found(detail.clone()),
    }
}

/// Renders a SCIM error as a response.
pub fn scim_error_response(error: &ScimError) -> HttpResponse {
    let status = StatusCode::from_u16(error.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = HttpResponse::build(status);
    response.insert_header((header::CONTENT_TYPE, HeaderValue::from_static(MEDIA_TYPE)));
    if status == StatusCode::UNAUTHORIZED {
        response.insert_header((
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Bearer realm=\"roster\""),
        ));
    }
    response.json(error.to_body())
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        StatusCode::from_u16(self.to_scim().status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    fn error_response(&self) -> HttpResponse {
        let scim = self.to_scim();
        if scim.status >= 500 {
            tracing::error!(error = %self, cause = ?self, "request failed");
        } else if let Self::Auth(error) = self {
            tracing::warn!(reason = %error, "authentication failed");
        }
        let mut response = scim_error_response(&scim);
        if let Self::RateLimited(limited) = self {
            tracing::warn!(per = limited.per, rate = limited.rate, "rate limited");
            response.headers_mut().insert(
                header::RETRY_AFTER,
                HeaderValue::from(limited.retry_after_seconds()),
            );
        }
        response
    }
}

/// Why `POST /oauth/token` failed. Its answer is never a SCIM body: an RFC
/// 6749 §5.2 error (`{"error", "error_description"}`, 400, or 401 with
/// `WWW-Authenticate` for `invalid_client`), or `temporarily_unavailable`
/// with 429 (and `Retry-After`) or 503; always `Cache-Control: no-store`.
#[derive(Debug)]
pub enum TokenFailure {
    OAuth(crate::auth::oauth::OAuthError),
    RateLimited(super::rate_limit::Limited),
    /// The database or the worker pool failed (the cause, logged once).
    Unavailable(ApiError),
}

impl TokenFailure {
    /// The fixed name of the outcome, for the metrics.
    pub fn reason(&self) -> &'static str {
        match self {
            Self::OAuth(error) => error.reason(),
            Self::RateLimited(_) => "rate_limited",
            Self::Unavailable(_) => "unavailable",
        }
    }

    pub fn response(&self) -> HttpResponse {
        use crate::auth::oauth::{ErrorCode, OAuthError};
        let unavailable = "temporarily_unavailable";
        let (status, error, description) = match self {
            Self::OAuth(OAuthError::Refused { code, description }) => {
                let status = match code {
                    ErrorCode::InvalidClient => StatusCode::UNAUTHORIZED,
                    _ => StatusCode::BAD_REQUEST,
                };
                (status, code.as_str(), (*description).to_owned())
            }
            Self::RateLimited(limited) => {
                tracing::warn!(
                    per = limited.per,
                    rate = limited.rate,
                    "token request rate limited"
                );
                let description = format!(
                    "too many token requests: at most {} per second per {}",
                    limited.rate, limited.per
                );
                (StatusCode::TOO_MANY_REQUESTS, unavailable, description)
            }
            Self::OAuth(OAuthError::Store(error)) => {
                tracing::error!(error = %error, cause = ?error, "token request failed");
                let description = "the database is unavailable; retry shortly".to_owned();
                (StatusCode::SERVICE_UNAVAILABLE, unavailable, description)
            }
            Self::Unavailable(error) => {
                tracing::error!(error = %error, cause = ?error, "token request failed");
                let description = "the server cannot issue tokens now; retry shortly".to_owned();
                (StatusCode::SERVICE_UNAVAILABLE, unavailable, description)
            }
        };
        if let Self::OAuth(OAuthError::Refused { code, .. }) = self {
            tracing::warn!(error = code.as_str(), "token request refused");
        }
        let mut response = HttpResponse::build(status);
        response
            .insert_header((header::CACHE_CONTROL, HeaderValue::from_static("no-store")))
            .insert_header((header::PRAGMA, HeaderValue::from_static("no-cache")));
        if status == StatusCode::UNAUTHORIZED {
            response.insert_header((
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Basic realm=\"roster\""),
            ));
        }
        if let Self::RateLimited(limited) = self {
            response.insert_header((
                header::RETRY_AFTER,
                HeaderValue::from(limited.retry_after_seconds()),
            ));
        }
        response.json(serde_json::json!({"error": error, "error_description": description}))
    }
}
