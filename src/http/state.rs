//! What every handler shares: the pool, the authenticator and the limits.

use std::sync::Arc;

use actix_web::web;

use super::error::ApiError;
use crate::auth::Authenticator;
use crate::scim::discovery::Capabilities;
use crate::scim::filter::FilterLimits;
use crate::store::{Conn, Pool, StoreError};

pub struct AppState {
    pub pool: Pool,
    pub authenticator: Arc<Authenticator>,
    pub capabilities: Capabilities,
    pub filter_limits: FilterLimits,
    /// Largest accepted request body, in bytes.
    pub max_body_bytes: usize,
    /// The most operations one PATCH request may carry.
    pub max_patch_operations: usize,
    pub rate_limits: super::rate_limit::RateLimits,
    /// Where a trusted reverse proxy puts the client's address, if it does.
    pub client_ip_header: Option<actix_web::http::header::HeaderName>,
}

impl AppState {
    /// Runs store work on the blocking pool with a pooled connection.
    pub async fn run<T, E, F>(state: &web::Data<Self>, work: F) -> Result<T, ApiError>
    where
        F: FnOnce(&mut Conn) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: Into<ApiError> + Send + 'static,
    {
        let state = state.clone();
        web::block(move || {
            let mut conn = state.pool.get().map_err(StoreError::from)?;
            work(&mut conn).map_err(Into::into)
        })
        .await?
    }
}
