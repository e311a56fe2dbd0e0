//! Roster's one integration-test binary: the real server over HTTP, the real
//! `roster` binary, on SQLite and (when reachable) PostgreSQL.

mod helpers;

mod access;
mod access_oracle;
mod audit;
mod auth;
mod bench_smoke;
mod cli;
mod config;
mod crash;
mod discovery;
mod docs_examples;
mod doctor;
mod errors;
mod filter_oracle;
mod fuzz_regressions;
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
mod openapi;
mod operations;
mod rate_limit;
mod replicas;
mod review;
mod sequences;
mod server;
mod users;
mod users_list;
mod users_patch;
mod webhooks;
