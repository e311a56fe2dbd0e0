//! The Roster that `roster-bench` starts: the `roster` binary (`--server`, or
//! the one next to this binary) as a child process, `roster serve` on a fresh
//! database and a free port, with rate limiting off
//! and logs at `warn`, pinned to one CPU with `taskset` when asked. The account
//! and its tokens are made with the roster CLI itself, before the server
//! starts. Its peak memory is read from `/proc/<pid>/status` (VmHWM); `taskset`
//! execs the server, so the child's pid is the server's.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::rc::Rc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

use super::client::{Connection, Endpoint, JSON};
use super::postgres::ThrowawayDatabase;

/// Ports tried before giving up on starting the server.
const START_ATTEMPTS: u32 = 5;

/// The slug of the account the benchmark provisions.
const ACCOUNT: &str = "bench";

/// The server binary: `--server PATH` when given, else `roster` in the
/// directory of this executable (where cargo builds both: `cargo build
/// --release` makes target/release/roster and target/release/roster-bench).
pub fn locate(given: Option<&Path>) -> anyhow::Result<PathBuf> {
    let path = match given {
        Some(path) => path.to_owned(),
        None => std::env::current_exe()
            .context("find the roster-bench binary's directory")?
            .with_file_name(format!("roster{}", std::env::consts::EXE_SUFFIX)),
    };
    // Absolute, so that a bare name is not looked up on the PATH and the
    // running process can be compared with it (`check_process`).
    match path.canonicalize() {
        Ok(absolute) if absolute.is_file() => Ok(absolute),
        _ => bail!(
            "no Roster server binary at {}: build it (`cargo build --release` puts it next to \
             roster-bench) or name it with --server PATH",
            path.display()
        ),
    }
}

/// The database the server runs on.
pub enum Database {
    /// A SQLite file in a temporary directory.
    Sqlite(tempfile::TempDir),
    Postgres(ThrowawayDatabase),
}

impl Database {
    pub fn sqlite() -> anyhow::Result<Self> {
        Ok(Self::Sqlite(
            tempfile::tempdir().context("a temporary directory")?,
        ))
    }

    fn url(&self) -> String {
        match self {
            Self::Sqlite(dir) => format!("sqlite://{}", dir.path().join("roster.db").display()),
            Self::Postgres(db) => db.url.clone(),
        }
    }

    /// For the report (no credentials).
    pub fn describe(&self) -> String {
        match self {
            Self::Sqlite(_) => "SQLite (a fresh file in a temporary directory)".into(),
            Self::Postgres(db) => format!("PostgreSQL (throwaway database {})", db.name()),
        }
    }
}

/// A running `roster serve` and the tokens of its account.
pub struct Server {
    child: Child,
    pub base_url: String,
    pub scim_token: String,
    pub access_token: String,
    pub admin_token: String,
    /// The CPUs the server may run on (`Cpus_allowed_list`).
    pub cpus: String,
    // Dropped after the child is stopped (see Drop).
    database: Option<Database>,
}

impl Server {
    /// Sets up the account and tokens on `database`, then starts the server
    /// (under `taskset -c CPU` when `cpu` is given) and waits until it is ready.
    pub async fn start(exe: &Path, database: Database, cpu: Option<usize>) -> anyhow::Result<Self> {
        let url = database.url();
        cli(
            exe,
            &url,
            &["accounts", "create", ACCOUNT, "--name", "roster bench"],
        )?;
        let token = |scope: &str| {
            cli(
                exe,
                &url,
                &[
                    "tokens",
                    "issue",
                    "--account",
                    ACCOUNT,
                    "--scope",
                    scope,
                    "--label",
                    "roster bench",
                ],
            )
        };
        let (scim_token, access_token, admin_token) =
            (token("scim")?, token("access")?, token("admin")?);

        let mut database = Some(database);
        let mut attempt = 1;
        loop {
            // The port was free a moment ago; another process may take it
            // before the server binds it. Then the server exits, or (worse)
            // the other process answers: try again on another port.
            let port = free_port()?;
            let child = spawn(exe, &url, port, cpu)?;
            let mut server = Self {
                child,
                base_url: format!("http://127.0.0.1:{port}"),
                scim_token: scim_token.clone(),
                access_token: access_token.clone(),
                admin_token: admin_token.clone(),
                cpus: String::new(),
                database: None,
            };
            match server.wait_ready().await {
                Ok(()) => {
                    server.database = database.take();
                    server.check_process(exe)?;
                    return Ok(server);
                }
                Err(error) if attempt == START_ATTEMPTS => {
                    return Err(error.context(format!("{START_ATTEMPTS} ports tried")));
                }
                Err(_) => attempt += 1,
            }
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Polls `GET /readyz` until it answers 200 (30 s at most).
    async fn wait_ready(&mut self) -> anyhow::Result<()> {
        let endpoint = Endpoint::parse(&self.base_url, "", JSON)?;
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(status) = self.child.try_wait()? {
                bail!("roster serve exited ({status}) before it was ready");
            }
            let mut connection = Connection::new(Rc::clone(&endpoint));
            if let Ok(response) = connection.send("GET", "/readyz", b"").await
                && response.status == 200
            {
                return self.check_own_server().await;
            }
            if Instant::now() > deadline {
                bail!("roster serve was not ready within 30 s");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Checks that the server answering on the port is the one started here:
    /// its token works there, and the child still runs.
    async fn check_own_server(&mut self) -> anyhow::Result<()> {
        let endpoint = Endpoint::parse(
            &format!("{}/scim/v2", self.base_url),
            &self.scim_token,
            super::client::SCIM_JSON,
        )?;
        let response = Connection::new(endpoint)
            .send("GET", "/ServiceProviderConfig", b"")
            .await?;
        if let Some(status) = self.child.try_wait()? {
            bail!("roster serve exited ({status}): another process has its port");
        }
        if response.status != 200 {
            bail!(
                "the server on {} refused the bench's token: {}",
                self.base_url,
                response.excerpt()
            );
        }
        Ok(())
    }

    /// Checks that the child is the server itself (taskset exec'd it) and
    /// reads the CPUs it may use.
    fn check_process(&mut self, exe: &Path) -> anyhow::Result<()> {
        let pid = self.pid();
        let running = std::fs::read_link(format!("/proc/{pid}/exe")).ok();
        let expected = exe.canonicalize().ok();
        if running.is_some() && running != expected {
            bail!(
                "process {pid} runs {running:?}, not the roster binary: its memory would not be the server's"
            );
        }
        self.cpus = status_field(pid, "Cpus_allowed_list").unwrap_or_else(|| "unknown".into());
        Ok(())
    }

    /// The server's peak resident memory so far, in bytes (VmHWM).
    pub fn peak_rss_bytes(&self) -> Option<u64> {
        let field = status_field(self.pid(), "VmHWM")?;
        let kilobytes: u64 = field.trim_end_matches("kB").trim().parse().ok()?;
        Some(kilobytes * 1024)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        // The database is thrown away: no need for a graceful stop.
        let _ = self.child.kill();
        let _ = self.child.wait();
        drop(self.database.take());
    }
}

/// Starts `roster serve` on `url`, listening on `port` (under `taskset -c
/// CPU` when `cpu` is given).
fn spawn(exe: &Path, url: &str, port: u16, cpu: Option<usize>) -> anyhow::Result<Child> {
    let mut command = match cpu {
        Some(cpu) => {
            let mut taskset = Command::new("taskset");
            taskset.args(["-c", &cpu.to_string()]).arg(exe);
            taskset
        }
        None => Command::new(exe),
    };
    command
        .args(["--database-url", url, "--log", "warn", "serve", "--listen"])
        .arg(format!("127.0.0.1:{port}"))
        .args(["--rate-limit", "0"]);
    without_roster_environment(&mut command);
    command
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .spawn()
        .context("start roster serve")
}

/// One field of `/proc/<pid>/status`, e.g. `VmHWM` → `"123456 kB"`.
fn status_field(pid: u32, name: &str) -> Option<String> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status.lines().find_map(|line| {
        let (key, value) = line.split_once(':')?;
        (key == name).then(|| value.trim().to_owned())
    })
}

/// Whether `taskset` can be run.
pub fn taskset_available() -> bool {
    Command::new("taskset")
        .arg("-V")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success())
}

/// Runs `roster --database-url URL --log warn ARGS…`; its stdout, trimmed.
fn cli(exe: &Path, url: &str, args: &[&str]) -> anyhow::Result<String> {
    let mut command = Command::new(exe);
    command
        .args(["--database-url", url, "--log", "warn"])
        .args(args);
    without_roster_environment(&mut command);
    let output = command
        .stdin(Stdio::null())
        .output()
        .with_context(|| format!("run roster {}", args.join(" ")))?;
    if !output.status.success() {
        bail!(
            "roster {} failed: {}",
            args.iter().take(2).copied().collect::<Vec<_>>().join(" "),
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    Ok(String::from_utf8_lossy(&output.stdout).trim().to_owned())
}

/// The benchmarked server runs with the defaults of `roster serve` and the
/// flags given here: no `ROSTER_…` variable (nor `ROSTER_CONFIG`) of the
/// caller's environment applies.
fn without_roster_environment(command: &mut Command) {
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("ROSTER_") {
            command.env_remove(name);
        }
    }
}

/// A port nothing listens on at the moment.
fn free_port() -> anyhow::Result<u16> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").context("find a free port")?;
    Ok(listener.local_addr()?.port())
}
