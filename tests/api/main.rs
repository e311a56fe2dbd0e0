//! Roster's one integration-test binary: the real server over HTTP, the real
//! `roster` binary, on SQLite and (when reachable) PostgreSQL.

mod helpers;

mod auth;
mod cli;
mod discovery;
mod errors;
mod server;
mod users;
