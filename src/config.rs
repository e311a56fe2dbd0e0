//! Validated configuration of `roster serve`, built from flags and `ROSTER_…`
//! environment variables (see the README's configuration table).

use std::time::Duration;

use crate::store::DatabaseUrl;

/// Everything `roster serve` needs, validated.
#[derive(Debug, Clone)]
pub struct ServeConfig {
    pub database_url: DatabaseUrl,
    /// `HOST:PORT`; port 0 picks a free port.
    pub listen: String,
    pub max_body_bytes: usize,
    /// The largest page a SCIM list returns; larger `count`s are clamped.
    pub max_page_size: usize,
    /// The most operations one PATCH request may carry; more is 413.
    pub max_patch_operations: usize,
    pub pool_size: u32,
    pub workers: Option<usize>,
    pub shutdown_timeout: Duration,
}

impl ServeConfig {
    pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";
    pub const DEFAULT_MAX_BODY_BYTES: usize = 1024 * 1024;
    pub const DEFAULT_MAX_PAGE_SIZE: usize = 1000;
    pub const DEFAULT_MAX_PATCH_OPERATIONS: usize = 1000;
    pub const DEFAULT_POOL_SIZE: u32 = 16;

    /// The defaults, on the given database.
    pub fn new(database_url: DatabaseUrl) -> Self {
        Self {
            database_url,
            listen: Self::DEFAULT_LISTEN.into(),
            max_body_bytes: Self::DEFAULT_MAX_BODY_BYTES,
            max_page_size: Self::DEFAULT_MAX_PAGE_SIZE,
            max_patch_operations: Self::DEFAULT_MAX_PATCH_OPERATIONS,
            pool_size: Self::DEFAULT_POOL_SIZE,
            workers: None,
            shutdown_timeout: crate::startup::DEFAULT_SHUTDOWN_TIMEOUT,
        }
    }
}
