//! Roster's one integration-test binary: the real server over HTTP, the real
//! `roster` binary, on SQLite and (when reachable) PostgreSQL.

// clippy.toml allows `unwrap` in `#[test]` functions and `#[cfg(test)]`
// modules; here the tests are mostly async functions that
// `on_both_databases!` wraps, and helpers, which fail a test the same way.
#![expect(
    clippy::unwrap_used,
    reason = "test code: an unwrap that fails is a failed test"
)]

mod helpers;

mod access;
mod access_oracle;
mod audit;
mod auth;
mod bench_smoke;
mod browser;
mod browser_connections;
mod browser_home;
mod browser_receipts;
mod bulk;
mod bulk_scale;
mod cli;
mod config;
mod console;
mod console_access;
mod console_access_browser;
mod console_audit;
mod console_browser;
mod console_client;
mod console_connections;
mod console_groups;
mod console_oauth;
mod console_oauth_federated;
mod console_offboarding;
mod console_review;
mod console_tokens;
mod crash;
mod cursor_paging;
mod cursor_walks;
mod discovery;
mod docs_examples;
mod doctor;
mod entitlements;
mod errors;
mod filter_oracle;
mod fuzz_regressions;
mod grants;
mod group_limits;
mod groups;
mod hostile_clients;
mod hostile_input;
mod isolation;
mod keys;
mod limits;
mod list_inputs;
mod metrics;
mod names;
mod networks;
mod oauth;
mod oauth_clear;
mod oauth_errors;
mod oauth_federated;
mod openapi;
mod operations;
mod rate_limit;
mod replicas;
mod review;
mod sequences;
mod server;
mod team;
mod team_cli;
mod team_scale;
mod users;
mod users_list;
mod users_patch;
mod webhooks;
