//! Scenarios 2 and 7, the lookup an identity provider sends before it creates
//! or links a user: `GET /Users?filter=userName eq "…"` (percent-encoded) of
//! random existing users, over `--connections` connections for `--duration`.
//! Each answer must be 200 with exactly one result (`totalResults` read from
//! the body without parsing it whole).
//!
//! Scenario 7 runs the same lookup at 1,000 users (during the initial sync,
//! when the tool started the server on a fresh database) and compares it with
//! the lookup at full size.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::json;

use super::Bench;
use crate::client::Response;
use crate::data;
use crate::load::{self, Request, Workload};
use crate::report::{Measurement, round};

/// Lookups of random users among the first `among`.
struct Lookups {
    tag: String,
    among: usize,
    rng: StdRng,
}

impl Workload for Lookups {
    fn next(&mut self) -> Option<Request> {
        let index = self.rng.random_range(0..self.among);
        Some(Request::get(data::lookup_path(&self.tag, index)))
    }

    fn answered(&mut self, _request: &Request, response: &Response) -> Result<(), String> {
        match data::total_results(&response.body) {
            Some(1) => Ok(()),
            other => Err(format!(
                "expected exactly one result, got totalResults {other:?}: {}",
                response.excerpt()
            )),
        }
    }
}

/// Times the lookup of random users among the first `among`, as measurement
/// `name` of `scenario`.
pub async fn at_size(
    bench: &mut Bench,
    among: usize,
    scenario: u8,
    name: &str,
) -> anyhow::Result<()> {
    eprintln!("{scenario}. lookup among {among} users");
    let workload = Lookups {
        tag: bench.tag.clone(),
        among,
        rng: StdRng::seed_from_u64(bench.settings.seed.wrapping_add(2)),
    };
    let settings = &bench.settings;
    let (recorder, _) = load::run(
        &bench.scim,
        settings.connections,
        workload,
        settings.timed(),
    )
    .await?;
    bench
        .report
        .push(Measurement::of(scenario, name, &recorder));
    Ok(())
}

/// Scenario 2: the lookup at full size.
pub async fn run(bench: &mut Bench) -> anyhow::Result<()> {
    let users = bench.users.len();
    at_size(bench, users, 2, "lookup").await
}

/// Scenario 7's comparison of the lookup at `small` users (measured during the
/// sync) with the lookup at full size.
pub fn compare(bench: &mut Bench, small: usize) {
    let rate = |name: &str| bench.report.find(name).map(Measurement::rate);
    let (Some(small_rate), Some(full_rate)) = (rate(&format!("lookup.at-{small}")), rate("lookup"))
    else {
        return;
    };
    let full = bench.users.len();
    bench.report.fact(
        "lookup_scaling",
        json!({
            "small_users": small, "small_rate": round(small_rate),
            "full_users": full, "full_rate": round(full_rate),
            "ratio": round(full_rate / small_rate),
        }),
    );
}

/// Scenario 7 against a server the tool did not start: the lookup only at the
/// size the server has (it may hold other users), with how many users that is.
pub async fn server_size(bench: &mut Bench) -> anyhow::Result<()> {
    let mut connection = crate::client::Connection::new(std::rc::Rc::clone(&bench.scim));
    let response = connection
        .send("GET", "/Users?startIndex=1&count=1", b"")
        .await?;
    let total = data::total_results(&response.body);
    bench.report.note(format!(
        "lookup scaling needs a fresh database (the tool starting the server): the lookup ran only at the \
         server's size, {} users",
        total.map_or_else(|| "an unknown number of".to_owned(), |total| total.to_string())
    ));
    bench
        .report
        .fact("lookup_scaling", json!({"full_users": total}));
    Ok(())
}
