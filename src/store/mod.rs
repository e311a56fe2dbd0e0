//! Persistence: the only module that knows diesel.
//!
//! Queries are plain functions taking `&mut Conn` and returning `Result<_, StoreError>`;
//! the two backends share one hand-kept [`schema`] and each has its own
//! embedded migration tree (`migrations/sqlite`, `migrations/postgres`).

pub mod access;
pub mod accounts;
pub mod activity;
pub mod audit;
mod connection;
pub mod console;
mod documents;
mod error;
pub mod events;
pub mod filter_sql;
pub mod group_overview;
pub mod groups;
mod ids;
pub mod migrations;
pub mod name_keys;
pub mod oauth_clients;
pub mod offboarding;
pub mod schema;
pub mod signing_keys;
mod sql;
pub mod team;
pub mod tokens;
pub mod users;
pub mod webhooks;

use diesel::connection::SimpleConnection;
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

pub use connection::{
    Conn, ConnectionManager, DatabaseUrl, Pool, account_transaction, open_pool,
    postgres_url_with_database, read_transaction, write_transaction,
};
pub use error::StoreError;
pub use filter_sql::{ListQuery, Seek};
pub use sql::Dialect;

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// An arbitrary, fixed key for the PostgreSQL advisory lock that keeps two
/// replicas starting at once from migrating at the same time.
const MIGRATION_LOCK_KEY: i64 = 0x526f_7374_6572;

/// Applies every pending migration and returns the versions applied.
pub fn migrate(conn: &mut Conn) -> Result<Vec<String>, StoreError> {
    fn versions(applied: Vec<diesel::migration::MigrationVersion<'_>>) -> Vec<String> {
        applied.iter().map(ToString::to_string).collect()
    }
    match conn {
        Conn::Sqlite(inner) => inner
            .run_pending_migrations(SQLITE_MIGRATIONS)
            .map(versions)
            .map_err(|e| StoreError::Migration(e.to_string())),
        Conn::Postgresql(inner) => {
            inner.batch_execute(&format!("SELECT pg_advisory_lock({MIGRATION_LOCK_KEY})"))?;
            let result = inner
                .run_pending_migrations(POSTGRES_MIGRATIONS)
                .map(versions)
                .map_err(|e| StoreError::Migration(e.to_string()));
            inner.batch_execute(&format!("SELECT pg_advisory_unlock({MIGRATION_LOCK_KEY})"))?;
            result
        }
    }
}

/// Runs `f` holding the migrations' lock on PostgreSQL (replicas starting
/// together take turns); on SQLite, whose writers exclude each other, as is.
fn with_migration_lock<T>(
    conn: &mut Conn,
    f: impl FnOnce(&mut Conn) -> Result<T, StoreError>,
) -> Result<T, StoreError> {
    if !matches!(conn, Conn::Postgresql(_)) {
        return f(conn);
    }
    conn.batch_execute(&format!("SELECT pg_advisory_lock({MIGRATION_LOCK_KEY})"))?;
    let result = f(conn);
    conn.batch_execute(&format!("SELECT pg_advisory_unlock({MIGRATION_LOCK_KEY})"))?;
    result
}

/// The row of a query by a primary or unique key, which finds at most one.
/// Hot paths use this over diesel's `first()`, whose `LIMIT 1` is a bound
/// parameter: SQLite re-prepares a statement each time its `LIMIT` is bound,
/// so `first()` costs a full parse on every call.
fn at_most_one<T>(rows: Vec<T>) -> Option<T> {
    rows.into_iter().next()
}

/// Checks that the database answers (for `/readyz`).
pub fn ping(conn: &mut Conn) -> Result<(), StoreError> {
    conn.batch_execute("SELECT 1")?;
    Ok(())
}
