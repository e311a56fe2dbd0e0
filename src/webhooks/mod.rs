//! Webhooks (PRODUCT.md "Change event"): each endpoint of an account gets
//! the account's change events (`store::events`) as signed JSON POSTs, one
//! event per request, in `seq` order, at least once.
//!
//! - [`signature`]: the signature scheme and the endpoint's secret, pure;
//! - [`destination`]: which URLs and addresses may be sent to, pure, and
//!   [`resolver`]: resolving names to the addresses that may (SSRF);
//! - [`delivery`]: the background loop that delivers them, each endpoint
//!   by a task of its own (so one receiver cannot hold up another), with
//!   exponential backoff, sharing the work between replicas by a lease on
//!   each endpoint (docs/ACCESS.md "Webhooks").

pub mod delivery;
pub mod destination;
pub mod resolver;
pub mod signature;
