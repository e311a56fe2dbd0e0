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

    /// True when the database could not be reached, or was too busy to take
    /// the request in time (SQLite's busy timeout: "database is locked"), as
    /// opposed to a bad query: the client may retry.
    pub fn is_unavailable(&self) -> bool {
        match self {
            Self::Pool(_) | Self::Connect(_) => true,
            Self::Query(DieselError::DatabaseError(_, info)) => {
                info.message().starts_with("database is locked")
            }
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use diesel::result::{DatabaseErrorKind, Error as DieselError};

    use super::StoreError;

    fn database_error(message: &str) -> StoreError {
        StoreError::Query(DieselError::DatabaseError(
            DatabaseErrorKind::Unknown,
            Box::new(message.to_owned()),
        ))
    }

    #[test]
    fn a_busy_sqlite_is_unavailable_a_bad_query_is_not() {
        assert!(database_error("database is locked").is_unavailable());
        assert!(!database_error("no such column: x").is_unavailable());
        assert!(!StoreError::Corrupt("x".into()).is_unavailable());
    }
}
