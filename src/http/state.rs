//! What every handler shares: the pool, the authenticator and the limits.

use std::sync::Arc;

use crate::auth::Authenticator;
use crate::scim::discovery::Capabilities;
use crate::store::Pool;

pub struct AppState {
    pub pool: Pool,
    pub authenticator: Arc<Authenticator>,
    pub capabilities: Capabilities,
    /// Largest accepted request body, in bytes.
    pub max_body_bytes: usize,
}
