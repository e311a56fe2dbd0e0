//! One connection type over PostgreSQL and SQLite, and the r2d2 pool of it.
//!
//! The backend is chosen from the URL: `postgres://` / `postgresql://` select
//! PostgreSQL; `sqlite://PATH`, `sqlite:PATH` or a bare path select SQLite.
//! SQLite connections are opened with WAL, foreign keys, a busy timeout and
//! `synchronous=NORMAL`.

use std::time::Duration;

use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::prelude::*;
use diesel::{PgConnection, SqliteConnection};

use super::StoreError;
use crate::model::AccountId;

/// A database connection of either backend.
#[derive(diesel::MultiConnection)]
pub enum Conn {
    Postgresql(PgConnection),
    Sqlite(SqliteConnection),
}

/// The pool every request borrows its connection from.
pub type Pool = r2d2::Pool<ConnectionManager>;

/// Which database a URL names. `Debug` shows it with the password redacted.
#[derive(Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    Postgres(String),
    Sqlite(String),
}

impl std::fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "DatabaseUrl({})", self.redacted())
    }
}

impl DatabaseUrl {
    /// Parses `postgres://…`, `postgresql://…`, `sqlite://PATH`, `sqlite:PATH` or a bare path.
    pub fn parse(url: &str) -> Result<Self, StoreError> {
        let url = url.trim();
        if url.is_empty() {
            return Err(StoreError::InvalidUrl("the database URL is empty".into()));
        }
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(Self::Postgres(url.to_owned()));
        }
        let path = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
            .unwrap_or(url);
        if path.is_empty() {
            return Err(StoreError::InvalidUrl(format!(
                "'{url}' names no SQLite file (use sqlite://PATH or postgres://…)"
            )));
        }
        if let Some((scheme, _)) = path.split_once("://") {
            return Err(StoreError::InvalidUrl(format!(
                "unsupported database scheme '{scheme}://' (use sqlite://PATH or postgres://…)"
            )));
        }
        Ok(Self::Sqlite(path.to_owned()))
    }

    /// The URL with any password replaced, for messages and logs.
    pub fn redacted(&self) -> String {
        match self {
            Self::Sqlite(path) => format!("sqlite://{path}"),
            Self::Postgres(url) => redact_password(url),
        }
    }
}

fn redact_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    match authority.rsplit_once('@') {
        Some((userinfo, host)) => match userinfo.split_once(':') {
            Some((user, _)) => format!("{scheme}://{user}:***@{host}{tail}"),
            None => url.to_owned(),
        },
        None => url.to_owned(),
    }
}

/// Opens connections for r2d2, reporting the real cause when one fails
/// (diesel's derived `establish` hides it).
#[derive(Debug, Clone)]
pub struct ConnectionManager {
    url: DatabaseUrl,
}

impl ConnectionManager {
    pub fn new(url: DatabaseUrl) -> Self {
        Self { url }
    }

    fn open(&self) -> Result<Conn, StoreError> {
        match &self.url {
            DatabaseUrl::Postgres(url) => PgConnection::establish(url)
                .map(Conn::Postgresql)
                .map_err(|e| StoreError::Connect(one_line(&e.to_string()))),
            DatabaseUrl::Sqlite(path) => {
                create_private(path)
                    .map_err(|e| StoreError::Connect(format!("{path}: cannot create it: {e}")))?;
                let mut conn = SqliteConnection::establish(path).map_err(|e| {
                    StoreError::Connect(format!("{path}: {}", one_line(&e.to_string())))
                })?;
                conn.batch_execute(
                    "PRAGMA busy_timeout = 5000;
                     PRAGMA journal_mode = WAL;
                     PRAGMA synchronous = NORMAL;
                     PRAGMA foreign_keys = ON;",
                )
                .map_err(|e| StoreError::Connect(format!("{path}: {e}")))?;
                Ok(Conn::Sqlite(conn))
            }
        }
    }
}

/// Creates a new SQLite database file readable and writable by its owner
/// only (0600): it holds the signing keys. SQLite gives the `-wal` and
/// `-shm` files it creates beside it the database file's permissions. An
/// existing file is left as it is.
fn create_private(path: &str) -> std::io::Result<()> {
    if path == ":memory:" || path.starts_with("file:") || path.is_empty() {
        return Ok(());
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    match options.open(path) {
        Ok(_) => Ok(()),
        Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(error) => Err(error),
    }
}

/// libpq's messages span lines ("…: Connection refused" then "Is the server
/// running …?"); a start-up error must be one line: each line a sentence.
fn one_line(message: &str) -> String {
    let mut joined = String::new();
    for line in message.lines() {
        let line = line.split_whitespace().collect::<Vec<_>>().join(" ");
        if line.is_empty() {
            continue;
        }
        if !joined.is_empty() {
            if !joined.ends_with(['.', '?', '!', ':', ';', ',']) {
                joined.push('.');
            }
            joined.push(' ');
        }
        joined.push_str(&line);
    }
    joined
}

impl r2d2::ManageConnection for ConnectionManager {
    type Connection = Conn;
    type Error = StoreError;

    fn connect(&self) -> Result<Conn, StoreError> {
        self.open()
    }

    fn is_valid(&self, conn: &mut Conn) -> Result<(), StoreError> {
        conn.batch_execute("SELECT 1").map_err(StoreError::from)
    }

    fn has_broken(&self, _conn: &mut Conn) -> bool {
        false
    }
}

/// Opens the pool, failing at once (with the real cause) when the database
/// cannot be reached.
pub fn open_pool(url: &DatabaseUrl, max_size: u32) -> Result<Pool, StoreError> {
    let manager = ConnectionManager::new(url.clone());
    // Connect once up front so that a wrong URL is reported as itself, not as
    // r2d2's generic "timed out waiting for connection".
    let first = manager.open()?;
    drop(first);
    let max_size = match url {
        // SQLite has one writer; a few readers beside it are all WAL needs.
        DatabaseUrl::Sqlite(_) => max_size.min(8),
        DatabaseUrl::Postgres(_) => max_size,
    };
    r2d2::Pool::builder()
        .max_size(max_size)
        // A `SELECT 1` before every use costs a twentieth of a lookup; a
        // SQLite file does not drop connections, a PostgreSQL server may.
        .test_on_check_out(matches!(url, DatabaseUrl::Postgres(_)))
        .min_idle(Some(1))
        .connection_timeout(Duration::from_secs(10))
        .build(manager)
        .map_err(|e| StoreError::Connect(e.to_string()))
}

/// A PostgreSQL URL with its database name replaced by `name` (its query,
/// such as `?sslmode=…`, kept): how the benchmarks and tests make a throwaway
/// database's URL from an admin URL.
pub fn postgres_url_with_database(url: &str, name: &str) -> String {
    let (base, query) = url
        .split_once('?')
        .map_or((url, None), |(base, query)| (base, Some(query)));
    let after_scheme = base.find("://").map_or(0, |at| at + 3);
    let base = match base[after_scheme..].find('/') {
        Some(slash) => &base[..after_scheme + slash],
        None => base,
    };
    match query {
        Some(query) => format!("{base}/{name}?{query}"),
        None => format!("{base}/{name}"),
    }
}

/// The writers of this process queue here before `BEGIN IMMEDIATE` on
/// SQLite. Without it they queue in SQLite's busy handler, which polls by
/// sleeping 1, 2, 5, 10 … ms: under concurrent writes most of the time went
/// to sleeping while the lock was free. One lock for every SQLite database of
/// the process (a server has one); other processes (the CLI) still meet the
/// busy timeout.
static SQLITE_WRITER: std::sync::Mutex<()> = std::sync::Mutex::new(());

thread_local! {
    /// Whether this thread holds [`SQLITE_WRITER`], so that a nested write
    /// transaction does not wait for itself.
    static HOLDS_SQLITE_WRITER: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Holds [`SQLITE_WRITER`] for this thread until dropped.
struct SqliteWriter(Option<std::sync::MutexGuard<'static, ()>>);

impl SqliteWriter {
    fn acquire() -> Self {
        if HOLDS_SQLITE_WRITER.get() {
            return Self(None);
        }
        // A panic while holding it poisons nothing we rely on: the guarded data is `()`.
        let guard = SQLITE_WRITER.lock().unwrap_or_else(|e| e.into_inner());
        HOLDS_SQLITE_WRITER.set(true);
        Self(Some(guard))
    }
}

impl Drop for SqliteWriter {
    fn drop(&mut self) {
        if self.0.is_some() {
            HOLDS_SQLITE_WRITER.set(false);
        }
    }
}

/// Runs `f` in a transaction that takes the write lock up front.
///
/// On SQLite this is `BEGIN IMMEDIATE`, after the process's writers have
/// queued on [`SQLITE_WRITER`], so two writers never fail when a read
/// transaction tries to upgrade, and never sleep while the lock is free.
/// On PostgreSQL it is an ordinary transaction.
pub fn write_transaction<T, E, F>(conn: &mut Conn, f: F) -> Result<T, E>
where
    F: FnOnce(&mut Conn) -> Result<T, E>,
    E: From<StoreError>,
{
    let store_error = |error: diesel::result::Error| E::from(StoreError::from(error));
    let _writer = matches!(conn, Conn::Sqlite(_)).then(SqliteWriter::acquire);
    match conn {
        Conn::Sqlite(inner) => {
            AnsiTransactionManager::begin_transaction_sql(inner, "BEGIN IMMEDIATE")
        }
        Conn::Postgresql(_) => <Conn as Connection>::TransactionManager::begin_transaction(conn),
    }
    .map_err(store_error)?;
    match f(conn) {
        Ok(value) => match <Conn as Connection>::TransactionManager::commit_transaction(conn) {
            Ok(()) => Ok(value),
            Err(commit_error) => {
                // The commit failed: leave the connection usable, report the commit error.
                let _ = <Conn as Connection>::TransactionManager::rollback_transaction(conn);
                Err(store_error(commit_error))
            }
        },
        Err(error) => {
            <Conn as Connection>::TransactionManager::rollback_transaction(conn)
                .map_err(store_error)?;
            Err(error)
        }
    }
}

/// Runs `f` in a plain transaction, so its reads see one state of the database.
pub fn read_transaction<T, F>(conn: &mut Conn, f: F) -> Result<T, StoreError>
where
    F: FnOnce(&mut Conn) -> Result<T, StoreError>,
{
    conn.transaction(f)
}

/// [`write_transaction`] for a change to one account's data: on PostgreSQL it
/// first takes a transaction-scoped advisory lock on the account, so that the
/// account's writers queue (as SQLite's writers always do) and its change
/// events and audit entries take the next numbers of the account's own `seq`
/// and commit in that order (`store::events`). Taking it
/// before any row lock means two writers of one account cannot deadlock.
pub fn account_transaction<T, E, F>(conn: &mut Conn, account: AccountId, f: F) -> Result<T, E>
where
    F: FnOnce(&mut Conn) -> Result<T, E>,
    E: From<StoreError>,
{
    write_transaction(conn, |conn| {
        lock_account(conn, account).map_err(E::from)?;
        f(conn)
    })
}

/// The account's advisory lock on PostgreSQL (held until the transaction
/// ends); nothing on SQLite, whose write transactions already exclude each other.
pub(super) fn lock_account(conn: &mut Conn, account: AccountId) -> Result<(), StoreError> {
    if let Conn::Postgresql(_) = conn {
        let mut lock = super::sql::Sql::raw("SELECT pg_advisory_xact_lock(hashtext(");
        lock.bind(super::sql::Bind::Text(account.to_string()));
        lock.push("))");
        diesel::RunQueryDsl::execute(lock, conn)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn libpq_lines_become_sentences_of_one_line() {
        let libpq = "connection to server at \"127.0.0.1\", port 5433 failed: Connection refused\n\
                     \tIs the server running on that host and accepting TCP/IP connections?\n";
        assert_eq!(
            one_line(libpq),
            "connection to server at \"127.0.0.1\", port 5433 failed: Connection refused. \
             Is the server running on that host and accepting TCP/IP connections?"
        );
        assert_eq!(one_line("a:  b\n\n  c?\nd"), "a: b. c? d");
    }

    #[test]
    fn a_postgres_url_gets_another_database() {
        assert_eq!(
            postgres_url_with_database("postgres://u@h:5432/postgres", "x"),
            "postgres://u@h:5432/x"
        );
        assert_eq!(
            postgres_url_with_database("postgres://u@h/postgres?sslmode=disable", "x"),
            "postgres://u@h/x?sslmode=disable"
        );
        assert_eq!(
            postgres_url_with_database("postgres://u@h", "x"),
            "postgres://u@h/x"
        );
    }

    #[test]
    fn urls_select_the_backend() {
        assert_eq!(
            DatabaseUrl::parse("sqlite://roster.db").unwrap(),
            DatabaseUrl::Sqlite("roster.db".into())
        );
        assert_eq!(
            DatabaseUrl::parse("sqlite:///var/lib/roster.db").unwrap(),
            DatabaseUrl::Sqlite("/var/lib/roster.db".into())
        );
        assert_eq!(
            DatabaseUrl::parse("data/r.db").unwrap(),
            DatabaseUrl::Sqlite("data/r.db".into())
        );
        assert!(matches!(
            DatabaseUrl::parse("postgresql://u@h/db").unwrap(),
            DatabaseUrl::Postgres(_)
        ));
        assert!(DatabaseUrl::parse("mysql://u@h/db").is_err());
        assert!(DatabaseUrl::parse("sqlite://").is_err());
        assert!(DatabaseUrl::parse("  ").is_err());
    }

    #[test]
    fn passwords_are_redacted() {
        let url =
            DatabaseUrl::parse("postgres://app:s3cret@db:5432/roster?sslmode=require").unwrap();
        assert_eq!(
            url.redacted(),
            "postgres://app:***@db:5432/roster?sslmode=require"
        );
        assert!(!format!("{url:?}").contains("s3cret"), "Debug redacts too");
        let url = DatabaseUrl::parse("postgres://app@db/roster").unwrap();
        assert_eq!(url.redacted(), "postgres://app@db/roster");
    }
}
