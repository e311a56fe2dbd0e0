//! What a console request that fails shows: a page that says in words what
//! went wrong and what to do — never a stack trace or a JSON body. The one
//! place console failures become responses, as `http/error.rs` is for the
//! APIs (whose errors it reuses for their status and detail).

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use maud::html;

use super::page;
use crate::http::error::ApiError;

#[derive(Debug, thiserror::Error)]
pub enum ConsoleError {
    /// No session, or one that ended (401).
    #[error("signed out")]
    SignedOut,
    /// A change refused before it was looked at: no CSRF token, another
    /// site's form (403).
    #[error("{0}")]
    Forbidden(String),
    /// Nothing of that name in the session's account (404).
    #[error("{0}")]
    NotFound(String),
    /// The form or query is not valid (400).
    #[error("{0}")]
    Invalid(String),
    /// An operation failed; its API error gives the status and the words.
    #[error(transparent)]
    Api(#[from] ApiError),
}

impl From<crate::service::Error> for ConsoleError {
    fn from(error: crate::service::Error) -> Self {
        Self::Api(error.into())
    }
}

impl ResponseError for ConsoleError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::SignedOut => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::Invalid(_) => StatusCode::BAD_REQUEST,
            Self::Api(error) => error.status_code(),
        }
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        let (title, detail) = match self {
            Self::SignedOut => (
                "You are signed out",
                "Your console session has ended, or this browser has none. Open the console \
                 again from your product: it gives you a new link."
                    .to_owned(),
            ),
            Self::Forbidden(detail) => ("Not allowed", detail.clone()),
            Self::NotFound(detail) => ("Not found", detail.clone()),
            Self::Invalid(detail) => ("That did not work", detail.clone()),
            Self::Api(error) => {
                let scim = error.to_scim();
                if scim.status >= 500 {
                    tracing::error!(error = %error, cause = ?error, "console request failed");
                    (
                        "Roster could not do this",
                        "Something went wrong on the server, and nothing was changed. Try \
                         again in a moment; if it keeps failing, tell your product's support \
                         (the request id is in the response's X-Request-Id header)."
                            .to_owned(),
                    )
                } else if scim.status == 404 {
                    ("Not found", scim.detail)
                } else {
                    ("That did not work", scim.detail)
                }
            }
        };
        let body = html! {
            p.error role="alert" { (detail) }
            @if !matches!(self, Self::SignedOut) {
                p { a href="/console/team" { "Back to the console" } }
            }
        };
        page::bare(status, title, body)
    }
}
