//! Roster: a SCIM 2.0 service provider (RFC 7643, RFC 7644) that maps an
//! identity provider's groups onto account roles and workspace permission
//! levels.
//!
//! The modules are the layers (docs/ARCHITECTURE.md):
//! - [`scim`]: the protocol, pure (no actix, no diesel);
//! - [`access`]: the access model, rules and effective access, pure;
//! - [`service`]: the operations — one function per use case, owning its
//!   transaction, precondition, audit entries and events — that HTTP and the CLI call;
//! - [`auth`]: issuing and checking tokens;
//! - [`store`]: persistence, the only module that knows diesel;
//! - [`http`]: the endpoints, the only module that knows actix-web;
//! - [`cli`], [`startup`], [`config`], [`telemetry`], [`metrics`]: the binary around them.
//!
//! The benchmark, `roster-bench`, is a crate of its own (crates/roster-bench):
//! a client that starts this binary and talks to it over HTTP only.

pub mod access;
pub mod audit;
pub mod auth;
pub mod cli;
pub mod clock;
pub mod config;
pub mod http;
pub mod metrics;
pub mod model;
pub mod scim;
pub mod service;
pub mod startup;
pub mod store;
pub mod telemetry;
pub mod webhooks;
