//! The SCIM 2.0 protocol (RFC 7643, RFC 7644), free of HTTP and storage:
//! errors, the schema registry, the discovery documents, resource bodies,
//! filters (RFC 7644 §3.4.2.2), PATCH (RFC 7644 §3.5.2), cursor paging (RFC
//! 9865), and the Role and Entitlement resources Okta assigns ([`okta`]).

pub mod bulk;
pub mod cursor;
pub mod discovery;
mod error;
pub mod etag;
pub mod filter;
pub mod limits;
pub mod list;
pub mod okta;
pub mod patch;
pub mod resource;
pub mod schema;
pub mod user;

pub use error::ScimError;
pub use scim_v2::models::errors::ScimType;
pub use scim_v2::schema_urns as urns;

/// The media type of every SCIM response (RFC 7644 §3.1).
pub const MEDIA_TYPE: &str = "application/scim+json";
