//! The token endpoint's protocol values (RFC 6749 §4.4, §5.1, §5.2): what a
//! refusal is — its error code and a description safe to show, which never
//! repeats a request value — and the form an OAuth client's secret takes.

use crate::store::StoreError;

/// An OAuth client's secret: `ID.SECRET`, the secret's row id then 256
/// random bits in base64url, in the form of the console's credentials (the
/// store keeps only the SHA-256 of the whole string). `Debug` never shows it.
pub use super::console::ConsoleSecret as ClientSecret;

/// The error codes of RFC 6749 §5.2.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorCode {
    InvalidRequest,
    InvalidClient,
    InvalidGrant,
    UnauthorizedClient,
    UnsupportedGrantType,
    InvalidScope,
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InvalidRequest => "invalid_request",
            Self::InvalidClient => "invalid_client",
            Self::InvalidGrant => "invalid_grant",
            Self::UnauthorizedClient => "unauthorized_client",
            Self::UnsupportedGrantType => "unsupported_grant_type",
            Self::InvalidScope => "invalid_scope",
        }
    }
}

/// Why the token endpoint refused a request.
#[derive(Debug, thiserror::Error)]
pub enum OAuthError {
    /// A refusal of RFC 6749 §5.2, with its `error_description`.
    #[error("{}: {description}", .code.as_str())]
    Refused {
        code: ErrorCode,
        description: &'static str,
    },
    /// The database failed: the client may retry (503).
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl OAuthError {
    pub fn refused(code: ErrorCode, description: &'static str) -> Self {
        Self::Refused { code, description }
    }

    /// `invalid_client` (401): the client is unknown, or its credential
    /// does not authenticate it. One description for every cause, so that
    /// a caller cannot tell an unknown client from a wrong secret.
    pub fn invalid_client() -> Self {
        Self::refused(
            ErrorCode::InvalidClient,
            "client authentication failed: unknown client, or a wrong, expired or revoked credential",
        )
    }

    /// The fixed name of the failure, for the metrics.
    pub fn reason(&self) -> &'static str {
        match self {
            Self::Refused { code, .. } => code.as_str(),
            Self::Store(_) => "unavailable",
        }
    }
}
