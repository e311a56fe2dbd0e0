//! What `roster doctor` asks about migrations, answered without changing the
//! database: diesel's `MigrationHarness::applied_migrations` would first
//! create its bookkeeping table, so the table is read here directly.

use diesel::migration::MigrationSource;
use diesel::prelude::*;
use diesel::sql_types::Text;

use super::{Conn, POSTGRES_MIGRATIONS, SQLITE_MIGRATIONS, StoreError};

/// The migrations of this binary compared with those the database has applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MigrationStatus {
    /// How many of this binary's migrations the database has.
    pub applied: usize,
    /// This binary's migrations the database lacks, by name, oldest first.
    pub pending: Vec<String>,
    /// Versions the database has that this binary does not know (a newer
    /// Roster migrated it).
    pub unknown: Vec<String>,
}

#[derive(QueryableByName)]
struct Version {
    #[diesel(sql_type = Text)]
    version: String,
}

/// Reads which migrations are applied. Changes nothing.
pub fn status(conn: &mut Conn) -> Result<MigrationStatus, StoreError> {
    let (known, applied) = match conn {
        Conn::Sqlite(inner) => {
            let known = names::<diesel::sqlite::Sqlite>(&SQLITE_MIGRATIONS)?;
            let exists = diesel::sql_query(
                "SELECT name AS version FROM sqlite_master
                 WHERE type = 'table' AND name = '__diesel_schema_migrations'",
            )
            .load::<Version>(inner)?;
            (known, applied_versions(inner, !exists.is_empty())?)
        }
        Conn::Postgresql(inner) => {
            let known = names::<diesel::pg::Pg>(&POSTGRES_MIGRATIONS)?;
            let exists = diesel::sql_query(
                "SELECT table_name::text AS version FROM information_schema.tables
                 WHERE table_name = '__diesel_schema_migrations'
                   AND table_schema = ANY (current_schemas(false))",
            )
            .load::<Version>(inner)?;
            (known, applied_versions(inner, !exists.is_empty())?)
        }
    };
    let pending: Vec<String> = known
        .iter()
        .filter(|(version, _)| !applied.contains(version))
        .map(|(_, name)| name.clone())
        .collect();
    let mut unknown: Vec<String> = applied
        .iter()
        .filter(|version| !known.iter().any(|(known, _)| known == *version))
        .cloned()
        .collect();
    unknown.sort();
    Ok(MigrationStatus {
        applied: known.len() - pending.len(),
        pending,
        unknown,
    })
}

fn applied_versions<C>(conn: &mut C, table_exists: bool) -> Result<Vec<String>, StoreError>
where
    C: Connection,
    Version: QueryableByName<C::Backend>,
    diesel::query_builder::SqlQuery: diesel::query_dsl::LoadQuery<'static, C, Version>,
{
    if !table_exists {
        return Ok(Vec::new());
    }
    let rows = diesel::sql_query("SELECT version FROM __diesel_schema_migrations").load(conn)?;
    Ok(rows.into_iter().map(|row: Version| row.version).collect())
}

/// (version, name) of each embedded migration, oldest first.
fn names<DB: diesel::backend::Backend>(
    source: &impl MigrationSource<DB>,
) -> Result<Vec<(String, String)>, StoreError> {
    let mut migrations: Vec<(String, String)> = source
        .migrations()
        .map_err(|error| StoreError::Migration(error.to_string()))?
        .iter()
        .map(|migration| {
            (
                migration.name().version().to_string(),
                migration.name().to_string(),
            )
        })
        .collect();
    migrations.sort();
    Ok(migrations)
}
