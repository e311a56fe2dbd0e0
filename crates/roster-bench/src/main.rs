//! `roster-bench`: issue 7's benchmark (docs/PERFORMANCE.md, "The benchmark:
//! roster-bench"). A client only: it drives a SCIM server over HTTP with its
//! own load generator and knows nothing of Roster's insides (it does not
//! depend on the `roster` crate). By default it starts Roster itself — the
//! `roster` binary next to this one, or the one `--server` names, as `roster
//! serve` in a child process on a fresh SQLite database or (`--postgres`) a
//! throwaway PostgreSQL database — or it targets any SCIM server (`--url`,
//! `--token`).
//!
//! - `client`: the HTTP/1.1 keep-alive client; `load`: connections, timing,
//!   histograms;
//! - `server`: the Roster it starts; `postgres`: its throwaway database;
//! - `data`: what identity providers send; `scenarios`: the seven scenarios;
//! - `report`: the table and JSON summary; `bars`: issue 7's bars.

mod bars;
mod client;
mod data;
mod load;
mod postgres;
mod report;
mod scenarios;
mod server;

use std::path::PathBuf;
use std::process::ExitCode;
use std::rc::Rc;
use std::time::Duration;

use anyhow::{Context, bail, ensure};
use clap::{Parser, ValueEnum};
use serde_json::json;

use self::client::{Endpoint, JSON, SCIM_JSON};
use self::report::Report;
use self::scenarios::{Bench, Settings, access, console, list, lookup, membership, sync, writes};
use self::server::{Database, Server};

/// The full-size run the bars are set for.
const FULL_USERS: usize = 100_000;
const FULL_GROUPS: usize = 1_000;
const FULL_GROUP_SIZES: [usize; 3] = [10, 5_000, 50_000];
/// The size of the small lookup of scenario 7 (or a tenth of `--users`).
const SMALL_LOOKUP_USERS: usize = 1_000;

/// Issue 7's scenarios, by name or number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Scenario {
    /// 1: create the users and groups (always runs)
    #[value(name = "sync", alias = "1")]
    Sync,
    /// 2: GET /Users?filter=userName eq "…"
    #[value(name = "lookup", alias = "2")]
    Lookup,
    /// 3: POST, PUT and PATCH deactivate of users
    #[value(name = "writes", alias = "3")]
    Writes,
    /// 4: single-member group PATCHes by group size
    #[value(name = "membership", alias = "4")]
    Membership,
    /// 5: page through every user
    #[value(name = "list", alias = "5")]
    List,
    /// 6: access reads and a rule change (Roster's /api/v1)
    #[value(name = "access", alias = "6")]
    Access,
    /// 7: lookup at 1,000 users against at full size
    #[value(name = "scaling", alias = "7")]
    Scaling,
    /// 8: the admin console's Team page, filtered and paged
    #[value(name = "console", alias = "8")]
    Console,
}

/// A bearer token given on the command line; `Debug` does not show it.
#[derive(Clone)]
pub struct Token(String);

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Token(<redacted>)")
    }
}

fn token(raw: &str) -> Result<Token, String> {
    Ok(Token(raw.to_owned()))
}

fn duration(raw: &str) -> Result<Duration, String> {
    humantime::parse_duration(raw)
        .map_err(|error| format!("'{raw}' is not a duration like 10s: {error}"))
}

/// Benchmark Roster (started on a fresh database) or another SCIM server (docs/PERFORMANCE.md)
#[derive(Debug, Parser)]
#[command(name = "roster-bench", version, long_about = None)]
pub struct BenchArgs {
    /// Users the initial sync creates
    #[arg(long, default_value_t = FULL_USERS, value_name = "N")]
    users: usize,
    /// Groups the initial sync creates (the sized groups among them)
    #[arg(long, default_value_t = FULL_GROUPS, value_name = "N")]
    groups: usize,
    /// Sizes of the groups the membership and rule-change scenarios use
    #[arg(long, value_delimiter = ',', default_values_t = FULL_GROUP_SIZES, value_name = "N,N,…")]
    group_sizes: Vec<usize>,
    /// Concurrent connections of the throughput scenarios
    #[arg(long, default_value_t = 16, value_name = "N")]
    connections: usize,
    /// Members per add PATCH while the initial sync builds the groups
    #[arg(long, default_value_t = 1_000, value_name = "N")]
    batch: usize,
    /// How long each throughput scenario is measured
    #[arg(long, default_value = "10s", value_parser = duration)]
    duration: Duration,
    /// Unrecorded warm-up before each throughput scenario
    #[arg(long, default_value = "1s", value_parser = duration)]
    warmup: Duration,
    /// Timed PATCHes per group size and operation (membership scenario)
    #[arg(long, default_value_t = 300, value_name = "N")]
    samples: usize,
    /// Scenarios to run, by name or number (default: all)
    #[arg(long, value_delimiter = ',', value_enum, value_name = "LIST")]
    scenarios: Vec<Scenario>,
    /// Seed of the random choices (group sizes, members, users looked up)
    #[arg(long, default_value_t = 7)]
    seed: u64,
    /// Start Roster on a throwaway database on this PostgreSQL server (an admin URL;
    /// without one, postgres://postgres@127.0.0.1:5432/postgres)
    #[arg(long, value_name = "URL", num_args = 0..=1, default_missing_value = postgres::DEFAULT_URL,
          conflicts_with = "url")]
    postgres: Option<String>,
    /// The Roster server binary to start (default: `roster` in the directory of this
    /// binary, where cargo builds both)
    #[arg(long, value_name = "PATH", conflicts_with = "url")]
    server: Option<PathBuf>,
    /// Benchmark this SCIM base URL (e.g. http://host:8080/scim/v2) instead of starting Roster
    #[arg(long, value_name = "BASE", requires = "token")]
    url: Option<String>,
    /// The bearer token for --url
    #[arg(long, value_parser = token, requires = "url", value_name = "TOKEN")]
    token: Option<Token>,
    /// Roster's /api/v1 base URL on that server, for the access scenario
    #[arg(long, value_name = "URL", requires_all = ["api_token", "url"])]
    api_url: Option<String>,
    /// An admin token for --api-url
    #[arg(long, value_parser = token, requires = "api_url", value_name = "TOKEN")]
    api_token: Option<Token>,
    /// The CPU the load generator runs on
    #[arg(long, default_value_t = 1, value_name = "CPU")]
    load_cpu: usize,
    /// The CPU the server runs on (taskset), when the tool starts it
    #[arg(long, default_value_t = 0, value_name = "CPU")]
    server_cpu: usize,
    /// Pin neither the load generator nor the server
    #[arg(long)]
    no_pin: bool,
    /// Also write the JSON summary to this file
    #[arg(long, value_name = "PATH")]
    json: Option<PathBuf>,
}

fn main() -> ExitCode {
    match run(BenchArgs::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("roster-bench: error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

/// Runs the benchmark and prints its report; an error when a request got an
/// unexpected answer or a check failed (bars missed are not errors).
pub fn run(mut args: BenchArgs) -> anyhow::Result<()> {
    validate(&mut args)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("start the load generator's runtime")?;
    let local = tokio::task::LocalSet::new();
    let mut report = Report::default();
    // Counted before pinning, which narrows what this thread sees.
    let machine_cpus = std::thread::available_parallelism().map_or(0, usize::from);
    let target = local.block_on(&runtime, start_target(&args, &mut report))?;
    // Pinned only now: the server (a child) must not inherit the load's CPU.
    let load_cpus = pin_load(&args, &mut report);
    report.settings = settings_json(&args, &load_cpus, target.server.as_ref());
    report.settings["machine_cpus"] = json!(machine_cpus);
    let report = local.block_on(&runtime, scenarios(&args, target, report))?;

    println!("{}", report.text());
    let summary = report.json();
    println!("{summary}");
    if let Some(path) = &args.json {
        let pretty = serde_json::to_string_pretty(&summary)?;
        std::fs::write(path, pretty + "\n").with_context(|| format!("write {}", path.display()))?;
        println!("JSON summary written to {}", path.display());
    }
    let (errors, failed) = (report.errors(), report.failed_checks());
    if errors > 0 || failed > 0 {
        bail!("{errors} requests got an unexpected answer and {failed} checks failed (see above)");
    }
    Ok(())
}

fn validate(args: &mut BenchArgs) -> anyhow::Result<()> {
    args.group_sizes.sort_unstable();
    args.group_sizes.dedup();
    ensure!(args.users > 0, "--users must be at least 1");
    ensure!(args.connections > 0, "--connections must be at least 1");
    ensure!(args.batch > 0, "--batch must be at least 1");
    ensure!(
        !args.duration.is_zero(),
        "--duration must be longer than zero"
    );
    ensure!(
        args.group_sizes
            .iter()
            .all(|&size| size > 0 && size <= args.users),
        "--group-sizes must be from 1 to --users ({})",
        args.users
    );
    Ok(())
}

/// The endpoints of the run, and the server when the tool starts it.
struct Target {
    scim: Rc<Endpoint>,
    access_read: Option<Rc<Endpoint>>,
    admin: Option<Rc<Endpoint>>,
    server: Option<Server>,
}

async fn start_target(args: &BenchArgs, report: &mut Report) -> anyhow::Result<Target> {
    if let (Some(url), Some(Token(token))) = (&args.url, &args.token) {
        let api = match (&args.api_url, &args.api_token) {
            (Some(api_url), Some(Token(api_token))) => {
                Some(Endpoint::parse(api_url, api_token, JSON)?)
            }
            _ => None,
        };
        let scim = Endpoint::parse(url, token, SCIM_JSON)?;
        report.target = json!({"kind": "external", "scim_url": scim.url(),
                               "api_url": api.as_ref().map(|api| api.url())});
        return Ok(Target {
            scim,
            access_read: api.clone(),
            admin: api,
            server: None,
        });
    }
    let binary = server::locate(args.server.as_deref())?;
    let database = match &args.postgres {
        Some(admin_url) => Database::Postgres(postgres::ThrowawayDatabase::create(admin_url)?),
        None => Database::sqlite()?,
    };
    let description = database.describe();
    let cpu = server_cpu(args, report);
    eprintln!("starting {} serve on {description}", binary.display());
    let server = Server::start(&binary, database, cpu).await?;
    let api = format!("{}/api/v1", server.base_url);
    let scim = Endpoint::parse(
        &format!("{}/scim/v2", server.base_url),
        &server.scim_token,
        SCIM_JSON,
    )?;
    report.target = json!({
        "kind": "roster", "database": description, "scim_url": scim.url(),
        "server_pid": server.pid(), "server_cpus": server.cpus,
    });
    eprintln!(
        "roster serve is pid {} on CPUs {}",
        server.pid(),
        server.cpus
    );
    Ok(Target {
        scim,
        access_read: Some(Endpoint::parse(&api, &server.access_token, JSON)?),
        admin: Some(Endpoint::parse(&api, &server.admin_token, JSON)?),
        server: Some(server),
    })
}

/// The CPU to start the server on, if pinning is on and `taskset` is there.
fn server_cpu(args: &BenchArgs, report: &mut Report) -> Option<usize> {
    if args.no_pin {
        return None;
    }
    if !server::taskset_available() {
        report.note("taskset is not installed (util-linux): the server runs unpinned".into());
        return None;
    }
    Some(args.server_cpu)
}

/// Pins this thread, which runs the load generator, to `--load-cpu`; the CPUs
/// it may then run on.
fn pin_load(args: &BenchArgs, report: &mut Report) -> String {
    if !args.no_pin && !core_affinity::set_for_current(core_affinity::CoreId { id: args.load_cpu })
    {
        report.note(format!(
            "could not pin the load generator to CPU {}: it runs unpinned",
            args.load_cpu
        ));
    }
    let status = std::fs::read_to_string("/proc/thread-self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix("Cpus_allowed_list:"))
        .map_or_else(|| "unknown".into(), |cpus| cpus.trim().to_owned())
}

fn settings_json(args: &BenchArgs, load_cpus: &str, server: Option<&Server>) -> serde_json::Value {
    json!({
        "users": args.users, "groups": args.groups, "group_sizes": args.group_sizes,
        "connections": args.connections, "batch": args.batch,
        "duration_seconds": args.duration.as_secs_f64(), "warmup_seconds": args.warmup.as_secs_f64(),
        "samples": args.samples, "seed": args.seed,
        "scenarios": if args.scenarios.is_empty() { json!("all") } else { json!(format!("{:?}", args.scenarios)) },
        "load_cpus": load_cpus, "server_cpus": server.map(|server| server.cpus.clone()),
    })
}

/// Runs the selected scenarios in issue 7's order, then judges the bars.
async fn scenarios(args: &BenchArgs, target: Target, report: Report) -> anyhow::Result<Report> {
    let selected = |scenario| args.scenarios.is_empty() || args.scenarios.contains(&scenario);
    let started_server = target.server.is_some();
    let small = SMALL_LOOKUP_USERS.min(args.users / 10).max(1);
    let mut bench = Bench {
        scim: target.scim,
        access_read: target.access_read,
        admin: target.admin,
        settings: Settings {
            users: args.users,
            groups: args.groups,
            group_sizes: args.group_sizes.clone(),
            connections: args.connections,
            batch: args.batch,
            duration: args.duration,
            warmup: args.warmup,
            samples: args.samples,
            seed: args.seed,
        },
        tag: uuid::Uuid::new_v4().simple().to_string()[..6].to_owned(),
        users: Vec::new(),
        next_user: 0,
        sized_groups: Vec::new(),
        created: Vec::new(),
        report,
    };
    let scaling = selected(Scenario::Scaling);
    sync::run(&mut bench, (started_server && scaling).then_some(small)).await?;
    if selected(Scenario::Lookup) || scaling {
        lookup::run(&mut bench).await?;
    }
    if selected(Scenario::Writes) {
        writes::run(&mut bench).await?;
    }
    if selected(Scenario::Membership) {
        membership::run(&mut bench).await?;
    }
    if selected(Scenario::List) {
        list::run(&mut bench).await?;
    }
    if selected(Scenario::Access) {
        access::run(&mut bench).await?;
    }
    if selected(Scenario::Console) {
        console::run(&mut bench).await?;
    }
    if scaling && started_server {
        lookup::compare(&mut bench, small);
    } else if scaling {
        lookup::server_size(&mut bench).await?;
    }
    let mut report = bench.report;
    report.server_peak_rss_bytes = target.server.as_ref().and_then(Server::peak_rss_bytes);
    judge(args, &mut report, small);
    Ok(report)
}

/// Issue 7's bars, on a full-size run only.
fn judge(args: &BenchArgs, report: &mut Report, small: usize) {
    let full_size = args.users == FULL_USERS
        && args.groups == FULL_GROUPS
        && args.group_sizes == FULL_GROUP_SIZES;
    if !full_size {
        report.bars_note = Some(format!(
            "the bars apply to a full-size run (--users {FULL_USERS} --groups {FULL_GROUPS} --group-sizes \
             10,5000,50000): not judged on this one"
        ));
        return;
    }
    report.bars = bars::evaluate(report, &format!("lookup.at-{small}"));
    let mut caveats = Vec::new();
    if args.postgres.is_some() {
        caveats.push("the bars are set for SQLite; PostgreSQL's figures are reported beside them");
    }
    if args.no_pin {
        caveats.push("the bars assume the server on one core (this run was not pinned)");
    }
    if !caveats.is_empty() {
        report.bars_note = Some(caveats.join("; "));
    }
}
