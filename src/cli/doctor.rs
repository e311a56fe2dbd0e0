//! `roster doctor`: checks the configuration, the database, its migrations
//! and the signing keys, one line each with what to do, and changes nothing
//! (it applies no migration and creates no key or database file).

use std::path::Path;

use anyhow::bail;
use clap::Args;

use super::flags::ServeFlags;
use crate::config::{self, Given, Sources};
use crate::store::{self, Conn, ConnectionManager, DatabaseUrl};

type Pooled = r2d2::PooledConnection<ConnectionManager>;

#[derive(Debug, Args)]
pub struct DoctorArgs {
    /// The settings of 'roster serve', checked as it would read them
    #[command(flatten)]
    pub flags: ServeFlags,
}

/// The lines printed so far and how many failed.
#[derive(Default)]
struct Report {
    checks: usize,
    failed: usize,
}

impl Report {
    fn ok(&mut self, check: &str, detail: impl std::fmt::Display) {
        self.checks += 1;
        println!("ok    {check}: {detail}");
    }

    fn fail(&mut self, check: &str, detail: impl std::fmt::Display) {
        self.checks += 1;
        self.failed += 1;
        println!("FAIL  {check}: {detail}");
    }

    /// Needs an operator's attention, but Roster runs.
    fn warn(&mut self, check: &str, detail: impl std::fmt::Display) {
        self.checks += 1;
        println!("warn  {check}: {detail}");
    }

    fn skip(&mut self, check: &str, why: &str) {
        self.checks += 1;
        println!("skip  {check}: not checked, {why}");
    }
}

pub fn run(args: DoctorArgs, given: Vec<Given>) -> anyhow::Result<()> {
    let mut report = Report::default();
    let database_url = check_configuration(&mut report, super::with_serve_flags(given, args.flags));
    let conn = match database_url {
        Some(url) => check_database(&mut report, &url),
        None => {
            report.skip("database", "as the database URL is not valid");
            None
        }
    };
    match conn {
        Some(mut conn) => {
            let migrated = check_migrations(&mut report, &mut conn);
            if migrated {
                check_signing_keys(&mut report, &mut conn);
                check_names(&mut report, &mut conn);
            } else {
                report.skip("signing keys", "as the migrations are not all applied");
                report.skip("names", "as the migrations are not all applied");
            }
        }
        None => {
            report.skip("migrations", "as the database is not reachable");
            report.skip("signing keys", "as the database is not reachable");
            report.skip("names", "as the database is not reachable");
        }
    }
    if report.failed > 0 {
        bail!("{} of {} checks failed", report.failed, report.checks);
    }
    Ok(())
}

/// Checks every setting; returns the database URL when that one is valid.
fn check_configuration(report: &mut Report, given: Vec<Given>) -> Option<DatabaseUrl> {
    const FIX: &str = "fix it, then see every value with 'roster config check'";
    let sources = match Sources::load(given) {
        Ok(sources) => sources,
        Err(error) => {
            report.fail("configuration", format!("{error}; {FIX}"));
            return None;
        }
    };
    match config::serve(&sources) {
        Ok(config) => {
            let file = match sources.file() {
                Some((path, _)) => format!("with the file {}", path.display()),
                None => "no configuration file".to_owned(),
            };
            report.ok("configuration", format!("every setting is valid ({file})"));
            Some(config.database_url)
        }
        Err(error) => {
            report.fail("configuration", format!("{error}; {FIX}"));
            config::common(&sources)
                .ok()
                .map(|common| common.database_url)
        }
    }
}

fn check_database(report: &mut Report, url: &DatabaseUrl) -> Option<Pooled> {
    if let DatabaseUrl::Sqlite(path) = url
        && path != ":memory:"
        && !Path::new(path).exists()
    {
        report.fail(
            "database",
            format!(
                "{} does not exist yet; 'roster migrate' or the first 'roster serve' creates it \
                 (or set database_url to the right file)",
                url.redacted()
            ),
        );
        return None;
    }
    let opened = store::open_pool(url, 1).and_then(|pool| Ok(pool.get()?));
    match opened {
        Ok(mut conn) => match store::ping(&mut conn) {
            Ok(()) => {
                report.ok("database", format!("{} answers", url.redacted()));
                Some(conn)
            }
            Err(error) => {
                report.fail("database", format!("{}: {error}", url.redacted()));
                None
            }
        },
        Err(error) => {
            report.fail(
                "database",
                format!(
                    "{error}; check database_url ('roster config check' shows it), that the server \
                     is up and that this machine may connect to it"
                ),
            );
            None
        }
    }
}

/// Returns whether every migration of this binary is applied.
fn check_migrations(report: &mut Report, conn: &mut Conn) -> bool {
    let status = match store::migrations::status(conn) {
        Ok(status) => status,
        Err(error) => {
            report.fail("migrations", format!("cannot read them: {error}"));
            return false;
        }
    };
    if !status.unknown.is_empty() {
        report.fail(
            "migrations",
            format!(
                "the database has migrations this Roster ({}) does not know: {}; a newer Roster \
                 migrated it, so run that version (or restore the backup taken before the upgrade)",
                env!("CARGO_PKG_VERSION"),
                status.unknown.join(", ")
            ),
        );
        return false;
    }
    if !status.pending.is_empty() {
        report.fail(
            "migrations",
            format!(
                "{} of {} pending: {}; apply them with 'roster migrate' (or start 'roster serve', \
                 which migrates first)",
                status.pending.len(),
                status.pending.len() + status.applied,
                status.pending.join(", ")
            ),
        );
        return false;
    }
    report.ok("migrations", format!("all {} applied", status.applied));
    true
}

fn check_signing_keys(report: &mut Report, conn: &mut Conn) {
    match crate::auth::count_active_keys(conn) {
        Ok(0) => report.fail(
            "signing keys",
            "no active signing key, so no token can be issued or checked; 'roster migrate' creates one",
        ),
        Ok(count) => report.ok("signing keys", format!("{count} active")),
        Err(error) => report.fail(
            "signing keys",
            format!(
                "{error}; restore the signing_keys table from a backup (tokens signed with a lost \
                 key cannot be checked and must be issued again)"
            ),
        ),
    }
}

/// The name keys (docs/SCIM.md, "Names and look-alikes"): computed with this
/// Roster's key function, and the names that collide under it, by ids.
fn check_names(report: &mut Report, conn: &mut Conn) {
    use crate::model::KEY_FUNCTION_VERSION;
    use crate::store::name_keys;
    let version = match name_keys::stored_version(conn) {
        Ok(version) => version,
        Err(error) => return report.fail("names", format!("cannot read the key version: {error}")),
    };
    if version < KEY_FUNCTION_VERSION {
        return report.warn(
            "names",
            format!(
                "keys of version {version}, this Roster's are {KEY_FUNCTION_VERSION}: the next \
                 'roster serve' or 'roster migrate' recomputes them"
            ),
        );
    }
    match name_keys::conflicts(conn) {
        Ok(conflicts) if conflicts.is_empty() => {
            report.ok(
                "names",
                format!("keys of version {version}, no two names collide"),
            );
        }
        Ok(conflicts) => {
            let listed: Vec<String> = conflicts
                .iter()
                .map(|conflict| {
                    format!(
                        "account {}: {} {} has the name of {} {}",
                        conflict.account,
                        conflict.resource_type,
                        conflict.resource,
                        conflict.resource_type,
                        conflict.holder
                    )
                })
                .collect();
            report.warn(
                "names",
                format!(
                    "{} names collide under the key of version {version} ({}); each keeps \
                     working under its old key until renamed or deleted: rename one of each pair",
                    conflicts.len(),
                    listed.join("; ")
                ),
            );
        }
        Err(error) => report.fail("names", format!("cannot read the name conflicts: {error}")),
    }
}
