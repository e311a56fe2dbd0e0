//! The throwaway PostgreSQL database of `roster-bench --postgres`: created on
//! the given server, dropped at the end. The tool talks to PostgreSQL only
//! through `psql` (it knows no database library), so `--postgres` needs the
//! PostgreSQL client installed.

use std::process::{Command, Stdio};

use anyhow::{Context, bail};

/// The default admin URL of `--postgres`.
pub const DEFAULT_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// A database that exists for one run; dropped with the value.
pub struct ThrowawayDatabase {
    admin_url: String,
    name: String,
    /// Its URL, for Roster.
    pub url: String,
}

impl ThrowawayDatabase {
    /// Creates `roster_bench_<random>` on the server of `admin_url`.
    pub fn create(admin_url: &str) -> anyhow::Result<Self> {
        let name = format!("roster_bench_{}", uuid::Uuid::new_v4().simple());
        // The admin URL with the new database's name as its path (its user,
        // host and query, such as `?sslmode=…`, kept).
        let mut url = url::Url::parse(admin_url).context("--postgres is not a URL")?;
        url.set_path(&name);
        // A commit does not wait for the disk, as on SQLite in WAL mode with
        // synchronous=NORMAL (and as the test databases and benches/ do).
        psql(
            admin_url,
            &[
                &format!("CREATE DATABASE {name}"),
                &format!("ALTER DATABASE {name} SET synchronous_commit = off"),
            ],
        )
        .context("create the benchmark's PostgreSQL database")?;
        Ok(Self {
            admin_url: admin_url.to_owned(),
            url: url.into(),
            name,
        })
    }

    pub fn name(&self) -> &str {
        &self.name
    }
}

impl Drop for ThrowawayDatabase {
    fn drop(&mut self) {
        let statement = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name);
        if let Err(error) = psql(&self.admin_url, &[&statement]) {
            eprintln!(
                "roster-bench: could not drop database {}: {error:#}",
                self.name
            );
        }
    }
}

/// Runs each statement with `psql`, stopping at the first error.
fn psql(url: &str, statements: &[&str]) -> anyhow::Result<()> {
    let mut command = Command::new("psql");
    command.args(["--no-psqlrc", "--quiet", "-v", "ON_ERROR_STOP=1", "-d", url]);
    for statement in statements {
        command.args(["-c", statement]);
    }
    let output = match command.stdin(Stdio::null()).output() {
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            bail!(
                "--postgres needs the PostgreSQL client 'psql' on the PATH (e.g. apt-get install postgresql-client)"
            )
        }
        other => other.context("run psql")?,
    };
    if !output.status.success() {
        bail!("psql: {}", String::from_utf8_lossy(&output.stderr).trim());
    }
    Ok(())
}
