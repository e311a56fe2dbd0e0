//! SCIM errors (RFC 7644 §3.12): an HTTP status, an optional `scimType`
//! keyword and a `detail` a person can act on.

use scim_v2::models::errors::{ScimHttpError, ScimType};

/// A protocol-level failure, ready to be rendered as a SCIM Error body.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{status}: {detail}")]
pub struct ScimError {
    pub status: u16,
    pub scim_type: Option<ScimType>,
    pub detail: String,
}

impl ScimError {
    pub fn new(status: u16, scim_type: Option<ScimType>, detail: impl Into<String>) -> Self {
        Self {
            status,
            scim_type,
            detail: detail.into(),
        }
    }

    /// 400 with `scimType` `invalidSyntax`: the body is not what the endpoint takes.
    pub fn invalid_syntax(detail: impl Into<String>) -> Self {
        Self::new(400, Some(ScimType::InvalidSyntax), detail)
    }

    /// 400 with `scimType` `invalidFilter`: the filter is malformed, or asks
    /// for a comparison the attribute does not support (RFC 7644 §3.4.2.2).
    pub fn invalid_filter(detail: impl Into<String>) -> Self {
        Self::new(400, Some(ScimType::InvalidFilter), detail)
    }

    /// 400 with `scimType` `invalidPath`: a PATCH path that is malformed or names no attribute.
    pub fn invalid_path(detail: impl Into<String>) -> Self {
        Self::new(400, Some(ScimType::InvalidPath), detail)
    }

    /// 400 with `scimType` `noTarget`: the PATCH path yields nothing to act on.
    pub fn no_target(detail: impl Into<String>) -> Self {
        Self::new(400, Some(ScimType::NoTarget), detail)
    }

    /// 400 with `scimType` `mutability`: the change breaks the attribute's mutability.
    pub fn mutability(detail: impl Into<String>) -> Self {
        Self::new(400, Some(ScimType::Mutability), detail)
    }

    /// 409 with `scimType` `uniqueness`.
    pub fn uniqueness(detail: impl Into<String>) -> Self {
        Self::new(409, Some(ScimType::Uniqueness), detail)
    }

    /// 400 with `scimType` `invalidValue`.
    pub fn invalid_value(detail: impl Into<String>) -> Self {
        Self::new(400, Some(ScimType::InvalidValue), detail)
    }

    pub fn unauthorized(detail: impl Into<String>) -> Self {
        Self::new(401, None, detail)
    }

    pub fn forbidden(detail: impl Into<String>) -> Self {
        Self::new(403, None, detail)
    }

    pub fn not_found(detail: impl Into<String>) -> Self {
        Self::new(404, None, detail)
    }

    pub fn method_not_allowed(detail: impl Into<String>) -> Self {
        Self::new(405, None, detail)
    }

    pub fn payload_too_large(limit_bytes: usize) -> Self {
        Self::new(
            413,
            None,
            format!("the request body is larger than the limit of {limit_bytes} bytes"),
        )
    }

    pub fn unsupported_media_type(detail: impl Into<String>) -> Self {
        Self::new(415, None, detail)
    }

    /// 500: the detail is generic on purpose; the cause goes to the log only.
    pub fn internal() -> Self {
        Self::new(
            500,
            None,
            "internal error; the request id in the logs has the cause",
        )
    }

    pub fn unavailable(detail: impl Into<String>) -> Self {
        Self::new(503, None, detail)
    }

    /// The RFC 7644 §3.12 Error body.
    pub fn to_body(&self) -> ScimHttpError {
        ScimHttpError {
            schemas: vec![scim_v2::schema_urns::ERROR.to_owned()],
            scim_type: self.scim_type.clone(),
            detail: Some(self.detail.clone()),
            status: self.status.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_has_string_status_and_scim_type() {
        let body = serde_json::to_value(ScimError::invalid_syntax("bad JSON").to_body()).unwrap();
        assert_eq!(
            body,
            serde_json::json!({
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"],
                "scimType": "invalidSyntax",
                "detail": "bad JSON",
                "status": "400"
            })
        );
        let body = serde_json::to_value(ScimError::not_found("no such user").to_body()).unwrap();
        assert!(body.get("scimType").is_none());
    }
}
