//! Benchmark: a single-member group PATCH costs the same whatever the group's
//! size (issue 4, "Cost"; docs/PERFORMANCE.md says what it shows and why).
//!
//! Roster runs in-process on port 0 over a fresh database — a SQLite file in a
//! temporary directory, and a throwaway PostgreSQL database when PostgreSQL is
//! reachable — and is driven over real HTTP with keep-alive. Per backend: create
//! the users concurrently (the create rate is printed as a side figure), build
//! groups of 10, 5,000 and 50,000 members with `add` PATCHes of 1,000 members,
//! then time `--samples` single-member `add`s (Entra's shape) and as many
//! single-member `remove`s (RFC 7644's `members[value eq "…"]`) on each group.
//! The groups take turns request by request, so whatever else loads the machine
//! loads every size alike. Every measured request must answer 204 and bump the
//! group's version by one, and the membership is read back after each phase:
//! the figures are of changes that really happened.
//!
//! `cargo bench -p roster-bench --bench group_membership [-- --sqlite-only |
//! --postgres URL] [--samples N] [--sizes 10,5000,50000]`. Without `--bench`
//! (which `cargo bench` passes and `cargo test --all-targets` does not) it
//! exits at once.

use std::collections::HashSet;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{Context, bail, ensure};
use clap::Parser;
use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection};
use roster::config::ServeConfig;
use roster::service::accounts::first_start;
use roster::startup::{Application, Backend};
use roster::store::DatabaseUrl;
use serde_json::{Value, json};

const DEFAULT_POSTGRES_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";
const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
/// Members per `add` while building a group: about 50 KB of body, far below
/// the 1 MiB limit, in one operation (the limit is 1,000 operations).
const BUILD_BATCH: usize = 1_000;
/// Concurrent connections creating users.
const CREATE_CONNECTIONS: usize = 8;
/// Unrecorded add-and-remove rounds before measuring.
const WARMUP_ROUNDS: usize = 20;
/// The bar: the largest group's median within this factor of the smallest's.
const BAR: f64 = 2.0;

/// Times single-member group PATCHes on groups of several sizes.
#[derive(Parser)]
#[command(
    name = "group_membership",
    bin_name = "cargo bench -p roster-bench --bench group_membership --"
)]
struct Args {
    /// Passed by `cargo bench`; without it the benchmark does not run.
    #[arg(long, hide = true)]
    bench: bool,
    /// PostgreSQL admin URL (a throwaway database is created and dropped);
    /// default postgres://postgres@127.0.0.1:5432/postgres, skipped if unreachable.
    #[arg(long, env = "ROSTER_BENCH_POSTGRES_URL", value_name = "URL")]
    postgres: Option<String>,
    /// Benchmark SQLite only (even when a PostgreSQL URL is given).
    #[arg(long)]
    sqlite_only: bool,
    /// Measured PATCHes per group size and operation.
    #[arg(long, default_value_t = 300, value_name = "N")]
    samples: usize,
    /// Group sizes; the ratio compares the largest with the smallest.
    #[arg(long, value_delimiter = ',', default_values_t = [10, 5_000, 50_000])]
    sizes: Vec<usize>,
}

fn main() -> ExitCode {
    if !std::env::args().any(|arg| arg == "--bench") {
        eprintln!(
            "group_membership is a benchmark: cargo bench -p roster-bench --bench group_membership"
        );
        return ExitCode::SUCCESS;
    }
    let args = Args::parse();
    match actix_web::rt::System::new().block_on(run(args)) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(error) => {
            eprintln!("group_membership: error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

/// Runs every backend; true when the bar holds on each.
async fn run(mut args: Args) -> anyhow::Result<bool> {
    ensure!(args.samples > 0, "--samples must be at least 1");
    ensure!(!args.sizes.is_empty(), "--sizes names no size");
    args.sizes.sort_unstable();
    args.sizes.dedup();
    let cpus = std::thread::available_parallelism().map_or(0, usize::from);
    eprintln!(
        "group sizes {:?}, {} samples per size and operation, {cpus} CPUs",
        args.sizes, args.samples
    );
    let mut results = Vec::new();

    let dir = tempfile::tempdir().context("a temporary directory")?;
    let sqlite_url = format!("sqlite://{}", dir.path().join("roster.db").display());
    results.push(bench_backend("sqlite", &sqlite_url, &args).await?);

    if !args.sqlite_only {
        let (admin_url, required) = match &args.postgres {
            Some(url) => (url.clone(), true),
            None => (DEFAULT_POSTGRES_URL.to_owned(), false),
        };
        match PgConnection::establish(&admin_url) {
            Ok(mut admin) => {
                let db = ThrowawayDatabase::create(&mut admin, &admin_url)?;
                drop(admin);
                results.push(bench_backend("postgres", &db.url, &args).await?);
            }
            Err(error) if required => bail!("PostgreSQL at {admin_url}: {error}"),
            Err(error) => eprintln!("PostgreSQL skipped: {admin_url} is not reachable ({error})"),
        }
    }

    let mut met = true;
    println!();
    println!(
        "{:<9} {:>10} {:<7} {:>10} {:>10} {:>10}",
        "backend", "group size", "op", "median ms", "p99 ms", "mean ms"
    );
    for result in &results {
        for row in &result.rows {
            println!(
                "{:<9} {:>10} {:<7} {:>10.3} {:>10.3} {:>10.3}",
                result.backend, row.size, row.op, row.median_ms, row.p99_ms, row.mean_ms
            );
        }
    }
    println!();
    for result in &results {
        println!(
            "{}: created {} users in {:.1} s: {:.0} users/s over {CREATE_CONNECTIONS} connections",
            result.backend, result.users, result.create_seconds, result.create_rate
        );
        for ratio in &result.ratios {
            let verdict = if ratio.ratio <= BAR { "met" } else { "NOT met" };
            met &= ratio.ratio <= BAR;
            println!(
                "{}: {} median at {} members / at {} members = {:.2} (bar: within {BAR}x: {verdict})",
                result.backend, ratio.op, ratio.largest, ratio.smallest, ratio.ratio
            );
        }
    }
    let summary = json!({
        "benchmark": "group_membership",
        "samples": args.samples,
        "cpus": cpus,
        "bar": BAR,
        "bar_met": met,
        "backends": results.iter().map(BackendResult::to_json).collect::<Vec<_>>(),
    });
    println!("{summary}");
    Ok(met)
}

/// A PostgreSQL database that exists for one run; dropped with the value.
struct ThrowawayDatabase {
    admin_url: String,
    name: String,
    url: String,
}

impl ThrowawayDatabase {
    fn create(admin: &mut PgConnection, admin_url: &str) -> anyhow::Result<Self> {
        let name = format!("roster_bench_{}", uuid::Uuid::new_v4().simple());
        admin
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .context("create the benchmark's database")?;
        let db = Self {
            admin_url: admin_url.to_owned(),
            url: roster::store::postgres_url_with_database(admin_url, &name),
            name,
        };
        // A commit does not wait for the disk, as on SQLite in WAL mode with
        // synchronous=NORMAL: what is timed is Roster's work, not an fsync.
        admin.batch_execute(&format!(
            "ALTER DATABASE {} SET synchronous_commit = off",
            db.name
        ))?;
        Ok(db)
    }
}

impl Drop for ThrowawayDatabase {
    fn drop(&mut self) {
        let dropped = PgConnection::establish(&self.admin_url).and_then(|mut admin| {
            admin
                .batch_execute(&format!(
                    "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                    self.name
                ))
                .map_err(|error| diesel::ConnectionError::BadConnection(error.to_string()))
        });
        if let Err(error) = dropped {
            eprintln!("could not drop database {}: {error}", self.name);
        }
    }
}

/// A client of one running Roster, with its SCIM token.
#[derive(Clone)]
struct Scim {
    client: reqwest::Client,
    base: String,
    token: String,
}

impl Scim {
    /// Starts Roster on `url` with the defaults of `roster serve` (port 0).
    fn start(url: &str) -> anyhow::Result<Self> {
        let config = ServeConfig {
            listen: "127.0.0.1:0".into(),
            // Measure Roster, not the rate limit (docs/SCIM.md "Rate limits").
            rate_limit: 0,
            ..ServeConfig::new(DatabaseUrl::parse(url)?)
        };
        let backend = Backend::open(&config.database_url, config.pool_size)?;
        let mut conn = backend.pool.get()?;
        let first = first_start(&mut conn)?.context("the database is not new")?;
        drop(conn);
        let app = Application::build(&config, &backend)?;
        let base = format!("http://127.0.0.1:{}/scim/v2", app.port());
        actix_web::rt::spawn(app.run_until_stopped());
        Ok(Self {
            client: reqwest::Client::builder()
                .timeout(Duration::from_secs(300))
                .build()?,
            base,
            token: first.scim_token.token.expose().to_owned(),
        })
    }

    async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<&Value>,
    ) -> anyhow::Result<reqwest::Response> {
        let mut request = self
            .client
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(&self.token);
        if let Some(body) = body {
            request = request
                .header("content-type", "application/scim+json")
                .body(serde_json::to_vec(body)?);
        }
        Ok(request.send().await?)
    }

    /// Sends a request and reads its JSON answer, which must have this status.
    async fn json(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<&Value>,
        status: u16,
    ) -> anyhow::Result<Value> {
        let response = self.send(method.clone(), path, body).await?;
        let got = response.status().as_u16();
        let text = response.text().await?;
        ensure!(
            got == status,
            "{method} {path}: {got} (not {status}): {text}"
        );
        Ok(serde_json::from_str(&text)?)
    }

    /// PATCHes a group (must answer 204); its new version, and how long the
    /// request took to the end of the response.
    async fn patch(&self, group: &str, operations: Value) -> anyhow::Result<(i64, Duration)> {
        let body = serde_json::to_vec(&json!({"schemas": [PATCH_OP], "Operations": operations}))?;
        let started = Instant::now();
        let response = self
            .client
            .patch(format!("{}/Groups/{group}", self.base))
            .bearer_auth(&self.token)
            .header("content-type", "application/scim+json")
            .body(body)
            .send()
            .await?;
        let status = response.status().as_u16();
        let etag = response.headers().get("etag").cloned();
        let text = response.text().await?;
        let elapsed = started.elapsed();
        ensure!(status == 204, "PATCH group {group}: {status}: {text}");
        let version = etag
            .as_ref()
            .and_then(|etag| etag.to_str().ok())
            .and_then(|etag| etag.strip_prefix("W/\"")?.strip_suffix('"')?.parse().ok())
            .context("a 204 without a W/\"version\" ETag")?;
        Ok((version, elapsed))
    }

    /// The group's member count, by a filter on the users' `groups`.
    async fn member_count(&self, group: &str) -> anyhow::Result<u64> {
        let path = format!("/Users?filter=groups.value%20eq%20%22{group}%22&count=0");
        let list = self.json(reqwest::Method::GET, &path, None, 200).await?;
        list["totalResults"].as_u64().context("totalResults")
    }

    /// The group's member ids, as `GET /Groups/{id}?attributes=members` lists them.
    async fn member_ids(&self, group: &str) -> anyhow::Result<HashSet<String>> {
        let path = format!("/Groups/{group}?attributes=members");
        let group = self.json(reqwest::Method::GET, &path, None, 200).await?;
        let members = group["members"].as_array().map_or(&[][..], Vec::as_slice);
        members
            .iter()
            .map(|member| member["value"].as_str().map(str::to_owned))
            .collect::<Option<_>>()
            .context("a member without value")
    }
}

/// One size's measured figures for one operation.
struct Row {
    size: usize,
    op: &'static str,
    median_ms: f64,
    p99_ms: f64,
    mean_ms: f64,
}

/// The largest size's median over the smallest's, for one operation.
struct Ratio {
    op: &'static str,
    smallest: usize,
    largest: usize,
    ratio: f64,
}

struct BackendResult {
    backend: &'static str,
    users: usize,
    create_seconds: f64,
    create_rate: f64,
    rows: Vec<Row>,
    ratios: Vec<Ratio>,
}

impl BackendResult {
    fn to_json(&self) -> Value {
        json!({
            "backend": self.backend,
            "users_created": self.users,
            "user_creates_per_second": self.create_rate.round(),
            "results": self.rows.iter().map(|row| json!({
                "group_size": row.size,
                "op": row.op,
                "median_ms": round3(row.median_ms),
                "p99_ms": round3(row.p99_ms),
                "mean_ms": round3(row.mean_ms),
            })).collect::<Vec<_>>(),
            "ratios": self.ratios.iter().map(|ratio| json!({
                "op": ratio.op,
                "largest": ratio.largest,
                "smallest": ratio.smallest,
                "median_ratio": round3(ratio.ratio),
            })).collect::<Vec<_>>(),
        })
    }
}

fn round3(value: f64) -> f64 {
    (value * 1000.0).round() / 1000.0
}

/// A group under measurement.
struct Group {
    id: String,
    size: usize,
    version: i64,
    added: Vec<Duration>,
    removed: Vec<Duration>,
}

async fn bench_backend(
    backend: &'static str,
    url: &str,
    args: &Args,
) -> anyhow::Result<BackendResult> {
    eprintln!("{backend}: starting Roster");
    let scim = Scim::start(url)?;
    let largest = *args.sizes.last().context("no size")?;
    let count = largest + args.samples.max(WARMUP_ROUNDS);

    eprintln!("{backend}: creating {count} users over {CREATE_CONNECTIONS} connections");
    let started = Instant::now();
    let users = create_users(&scim, count).await?;
    let create_seconds = started.elapsed().as_secs_f64();
    eprintln!(
        "{backend}: {count} users in {create_seconds:.1} s ({:.0}/s)",
        count as f64 / create_seconds
    );

    let mut groups = Vec::new();
    for &size in &args.sizes {
        let started = Instant::now();
        groups.push(build_group(&scim, size, &users[..size]).await?);
        eprintln!(
            "{backend}: built the group of {size} in {:.1} s",
            started.elapsed().as_secs_f64()
        );
    }

    for round in 0..WARMUP_ROUNDS {
        for group in &mut groups {
            let user = &users[group.size + round];
            group.version = scim.patch(&group.id, add(user)).await?.0;
            group.version = scim.patch(&group.id, remove(user)).await?.0;
        }
    }

    eprintln!("{backend}: timing {} adds per group", args.samples);
    for round in 0..args.samples {
        for group in in_turn(&mut groups, round) {
            let elapsed = measured(&scim, group, add(&users[group.size + round])).await?;
            group.added.push(elapsed);
        }
    }
    for group in &groups {
        let expected: HashSet<String> =
            users[..group.size + args.samples].iter().cloned().collect();
        ensure!(
            scim.member_ids(&group.id).await? == expected,
            "{backend}: the group of {} does not list the members it should after the adds",
            group.size
        );
        check_count(&scim, group, group.size + args.samples).await?;
    }

    eprintln!("{backend}: timing {} removes per group", args.samples);
    for round in 0..args.samples {
        for group in in_turn(&mut groups, round) {
            let elapsed = measured(&scim, group, remove(&users[group.size + round])).await?;
            group.removed.push(elapsed);
        }
    }
    for group in &groups {
        check_count(&scim, group, group.size).await?;
    }

    let mut rows = Vec::new();
    for group in &mut groups {
        rows.push(figures(group.size, "add", &mut group.added));
        rows.push(figures(group.size, "remove", &mut group.removed));
    }
    let median = |size: usize, op: &str| {
        rows.iter()
            .find(|row| row.size == size && row.op == op)
            .map_or(f64::NAN, |row| row.median_ms)
    };
    let smallest = args.sizes[0];
    let ratios = ["add", "remove"]
        .into_iter()
        .map(|op| Ratio {
            op,
            smallest,
            largest,
            ratio: median(largest, op) / median(smallest, op),
        })
        .collect();
    Ok(BackendResult {
        backend,
        users: count,
        create_seconds,
        create_rate: count as f64 / create_seconds,
        rows,
        ratios,
    })
}

/// The groups in the order of this round: each round starts one group
/// further, so no size is always the first after a pause or a checkpoint.
fn in_turn(groups: &mut [Group], round: usize) -> impl Iterator<Item = &mut Group> {
    let start = round % groups.len();
    let (before, after) = groups.split_at_mut(start);
    after.iter_mut().chain(before.iter_mut())
}

/// Entra's single-member add.
fn add(user: &str) -> Value {
    json!([{"op": "Add", "path": "members", "value": [{"$ref": null, "value": user}]}])
}

/// RFC 7644 §3.5.2.2's single-member remove.
fn remove(user: &str) -> Value {
    json!([{"op": "remove", "path": format!("members[value eq \"{user}\"]")}])
}

/// One timed PATCH, which must bump the group's version by exactly one.
async fn measured(scim: &Scim, group: &mut Group, operations: Value) -> anyhow::Result<Duration> {
    let (version, elapsed) = scim.patch(&group.id, operations).await?;
    ensure!(
        version == group.version + 1,
        "the group of {}: version {version} after {}: the PATCH changed nothing",
        group.size,
        group.version
    );
    group.version = version;
    Ok(elapsed)
}

async fn check_count(scim: &Scim, group: &Group, expected: usize) -> anyhow::Result<()> {
    let count = scim.member_count(&group.id).await?;
    ensure!(
        count == expected as u64,
        "the group of {} has {count} members, not {expected}",
        group.size
    );
    Ok(())
}

/// Creates `count` users over concurrent connections; their ids in order.
async fn create_users(scim: &Scim, count: usize) -> anyhow::Result<Vec<String>> {
    let tasks: Vec<_> = (0..CREATE_CONNECTIONS)
        .map(|task| {
            let scim = scim.clone();
            actix_web::rt::spawn(async move {
                let mut created = Vec::new();
                for index in (task..count).step_by(CREATE_CONNECTIONS) {
                    let user = json!({
                        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                        "userName": format!("bench.user{index}@example.com"),
                        "displayName": format!("Bench User {index}"),
                        "name": {"givenName": "Bench", "familyName": format!("User {index}")},
                        "emails": [{"value": format!("bench.user{index}@example.com"), "type": "work", "primary": true}],
                        "active": true,
                    });
                    let user = scim
                        .json(reqwest::Method::POST, "/Users", Some(&user), 201)
                        .await?;
                    let id = user["id"].as_str().context("a user without id")?;
                    created.push((index, id.to_owned()));
                }
                anyhow::Ok(created)
            })
        })
        .collect();
    let mut ids = vec![String::new(); count];
    for task in tasks {
        for (index, id) in task.await?? {
            ids[index] = id;
        }
    }
    Ok(ids)
}

/// Creates a group and adds `members` in batches of [`BUILD_BATCH`].
async fn build_group(scim: &Scim, size: usize, members: &[String]) -> anyhow::Result<Group> {
    let body = json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
        "displayName": format!("Bench group of {size}"),
    });
    let created = scim
        .json(reqwest::Method::POST, "/Groups", Some(&body), 201)
        .await?;
    let id = created["id"].as_str().context("a group without id")?;
    let mut group = Group {
        id: id.to_owned(),
        size,
        version: 1,
        added: Vec::new(),
        removed: Vec::new(),
    };
    for batch in members.chunks(BUILD_BATCH) {
        let value: Vec<Value> = batch.iter().map(|id| json!({"value": id})).collect();
        let operations = json!([{"op": "add", "path": "members", "value": value}]);
        group.version = scim.patch(&group.id, operations).await?.0;
    }
    check_count(scim, &group, size).await?;
    Ok(group)
}

/// Median, p99 (nearest rank) and mean of the latencies, in milliseconds.
fn figures(size: usize, op: &'static str, latencies: &mut [Duration]) -> Row {
    latencies.sort_unstable();
    let ms = |duration: Duration| duration.as_secs_f64() * 1000.0;
    let n = latencies.len();
    let median = if n % 2 == 1 {
        ms(latencies[n / 2])
    } else {
        (ms(latencies[n / 2 - 1]) + ms(latencies[n / 2])) / 2.0
    };
    let p99_rank = (n * 99).div_ceil(100).max(1);
    Row {
        size,
        op,
        median_ms: median,
        p99_ms: ms(latencies[p99_rank - 1]),
        mean_ms: latencies.iter().copied().map(ms).sum::<f64>() / n as f64,
    }
}
