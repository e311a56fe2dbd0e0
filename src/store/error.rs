//! The store's error type.

use diesel::result::{DatabaseErrorKind, Error as DieselError};

/// What can go wrong below the store boundary.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("invalid database URL: {0}")]
    InvalidUrl(String),
    #[error("cannot connect to the database: {0}")]
    Connect(String),
    #[error("database migration failed: {0}")]
    Migration(String),
    #[error("no database connection available: {0}")]
    Pool(#[from] r2d2::Error),
    #[error("a stored value is corrupt: {0}")]
    Corrupt(String),
    #[error(transparent)]
    Query(#[from] DieselError),
    /// A filter or sort the store cannot evaluate (a client error).
    #[error("{0}")]
    UnsupportedFilter(String),
    /// An access configuration change that is refused (a client error).
    #[error(transparent)]
    Access(#[from] crate::access::AccessError),
}

impl StoreError {
    /// True when the error is a UNIQUE constraint violation (both backends).
    pub fn is_unique_violation(&self) -> bool {
        matches!(
            self,
            Self::Query(DieselError::DatabaseError(
                DatabaseErrorKind::UniqueViolation,
                _
            ))
        )
    }

    /// True when the database could not be reached (as opposed to a bad query).
    pub fn is_unavailable(&self) -> bool {
        matches!(self, Self::Pool(_) | Self::Connect(_))
    }
}
