//! The operations floor: one public function per use case a caller may ask
//! for — create a member, patch a group, delete one — whoever the caller is:
//! the SCIM endpoints and SCIM Bulk, `/api/v1`, the CLI and the admin
//! console. Each operation owns its transaction
//! ([`store::account_transaction`]), its precondition (`If-Match`, RFC 7644
//! §3.14), no-op detection, member resolution, the recomputation of
//! effective access, and the audit entries and change events it writes, so
//! that they all commit together or not at all and every caller gets the
//! same behaviour.
//!
//! Callers translate in and out: they parse their request into the values
//! the operation takes (a SCIM body checked by [`crate::scim`], a compiled
//! PATCH) and render the view it returns. Operations take the connection
//! (`&mut Conn`): the HTTP layer runs them on the blocking pool, the CLI on
//! its own connection. They never know HTTP; `store` below them knows only
//! rows and SQL.

pub mod access;
pub mod accounts;
pub mod audit;
pub mod bulk;
pub mod console;
pub mod group_overview;
pub mod groups;
pub mod keys;
pub mod oauth_clients;
pub mod oauth_token;
pub mod offboarding;
pub mod paging;
pub mod team;
pub mod tokens;
pub mod users;
pub mod webhooks;

use crate::access::AccessError;
use crate::audit::Origin;
use crate::model::AccountId;
use crate::scim::limits::RequestLimits;
use crate::scim::resource::ResourceMeta;
use crate::scim::{ScimError, etag};
use crate::store::StoreError;

/// Who asks for a change, in which account, within which limits: what
/// every write of one request shares.
pub struct Caller<'a> {
    pub account: AccountId,
    /// Who the audit log records as the author of the change.
    pub origin: &'a Origin,
    /// What the stored result may hold (values per attribute, indexed
    /// lengths): checked once, here, on what a change leaves.
    pub limits: &'a RequestLimits,
}

/// What an operation fails with. `http/error.rs` alone maps it to a status
/// and an error body; the CLI prints its `Display`.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The request is not valid: the SCIM layer's verdict, with its status,
    /// `scimType` and detail (RFC 7644 §3.12).
    #[error("{}", .0.detail)]
    Invalid(#[from] ScimError),
    /// No such resource in the account.
    #[error("{0}")]
    NotFound(String),
    /// A name that must be unique in the account is taken (409 `uniqueness`).
    #[error("{0}")]
    Taken(String),
    /// The change contradicts what the account holds, short of a taken
    /// name (409 without `scimType`): a limit reached, the last of something.
    #[error("{0}")]
    Conflict(String),
    /// The resource changed since the version the caller named (412).
    #[error("{0}")]
    PreconditionFailed(String),
    /// The access model refused the change.
    #[error(transparent)]
    Access(#[from] AccessError),
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl Error {
    /// A write's store error, with a unique violation turned into
    /// [`Error::Taken`] with `detail`: the one place where a clash of stored
    /// names becomes a conflict.
    pub(crate) fn from_write(error: StoreError, detail: impl FnOnce() -> String) -> Self {
        if error.is_unique_violation() {
            Self::Taken(detail())
        } else {
            Self::Store(error)
        }
    }
}

/// The version a caller expects a resource to be at: the `If-Match` list of
/// entity tags (RFC 7232 §3.1, RFC 7644 §3.14), or none (any version).
#[derive(Debug, Clone, Default)]
pub struct Precondition(Option<String>);

impl Precondition {
    /// Any version will do.
    pub fn none() -> Self {
        Self(None)
    }

    /// The resource must be at one of these entity tags (`*`: any).
    pub fn if_match(tags: Option<String>) -> Self {
        Self(tags)
    }

    /// 412 when a version was named and the resource (`what`: "user",
    /// "group") is no longer at it.
    fn check(&self, what: &str, current: &ResourceMeta) -> Result<(), Error> {
        match &self.0 {
            Some(expected) if !etag::lists(expected, &current.etag()) => {
                Err(Error::PreconditionFailed(format!(
                    "the {what} changed since version {expected}; its version is now {}: read it again",
                    current.etag()
                )))
            }
            _ => Ok(()),
        }
    }
}
