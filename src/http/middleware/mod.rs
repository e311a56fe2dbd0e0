//! What wraps every request, outermost first: the request's span and id
//! ([`span`]), the metrics clock ([`super::metrics::observe`]), the body's
//! size and time limits ([`limits::BodyGuard`]), and the path's canonical
//! form ([`paths`]) before routing. [`super::server`] puts them in order.

pub mod limits;
pub mod paths;
pub mod span;
