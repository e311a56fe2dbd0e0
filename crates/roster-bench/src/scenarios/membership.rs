//! Scenario 4, single-member group PATCHes on the sized groups (`--group-sizes`),
//! as `benches/group_membership.rs` times them (docs/PERFORMANCE.md): on one
//! connection, `--samples` adds of users not yet in the group
//! (`{"op":"add","path":"members","value":[{"value":ID}]}`), then as many
//! removes of the same users (`{"op":"remove","path":"members[value eq \"ID\"]"}`),
//! after 20 unrecorded add-and-remove rounds. The groups take turns request by
//! request, each round starting one group further, so whatever else loads the
//! machine loads every size alike. These are latency figures: the rate is one
//! over the mean latency.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use super::Bench;
use crate::client::Connection;
use crate::data;
use crate::load::{self, Recorder, Request};
use crate::report::Measurement;

/// Unrecorded add-and-remove rounds before measuring.
const WARMUP_ROUNDS: usize = 20;

/// One sized group's series.
struct Series {
    size: usize,
    path: String,
    warmup: RefCell<Recorder>,
    add: RefCell<Recorder>,
    remove: RefCell<Recorder>,
}

pub async fn run(bench: &mut Bench) -> anyhow::Result<()> {
    let Some(largest) = bench.largest_group().map(|group| group.size) else {
        return Ok(());
    };
    // The users numbered from a group's size up are not in it.
    let samples = bench
        .settings
        .samples
        .min(bench.users.len().saturating_sub(largest));
    if samples < bench.settings.samples {
        bench.report.note(format!(
            "membership: {samples} samples per size and operation, not {}: only {samples} users are not in the \
             largest group",
            bench.settings.samples
        ));
    }
    if samples == 0 {
        return Ok(());
    }
    eprintln!("4. group membership: {samples} adds and removes per group size");
    let series: Vec<Series> = bench
        .sized_groups
        .iter()
        .map(|group| Series {
            size: group.size,
            path: format!("/Groups/{}", group.id),
            warmup: RefCell::default(),
            add: RefCell::default(),
            remove: RefCell::default(),
        })
        .collect();
    let mut connection = Connection::new(Rc::clone(&bench.scim));
    let users = &bench.users;
    let add = |series: &Series, round: usize| {
        let member = users[series.size + round].as_str();
        let body = data::add_members(std::iter::once(member));
        Request::json("PATCH", series.path.clone(), &body).expecting(&[200, 204])
    };
    let remove = |series: &Series, round: usize| {
        let body = data::remove_member(&users[series.size + round]);
        Request::json("PATCH", series.path.clone(), &body).expecting(&[200, 204])
    };

    for round in 0..WARMUP_ROUNDS.min(samples) {
        for series in &series {
            load::send_one(&mut connection, &add(series, round), &series.warmup).await?;
            load::send_one(&mut connection, &remove(series, round), &series.warmup).await?;
        }
    }
    for round in 0..samples {
        for series in in_turn(&series, round) {
            load::send_one(&mut connection, &add(series, round), &series.add).await?;
        }
    }
    for round in 0..samples {
        for series in in_turn(&series, round) {
            load::send_one(&mut connection, &remove(series, round), &series.remove).await?;
        }
    }

    for series in series {
        let mut add = series.add.into_inner();
        add.absorb_errors(series.warmup.into_inner());
        for (op, mut recorder) in [("add", add), ("remove", series.remove.into_inner())] {
            recorder.elapsed = total_latency(&recorder);
            let name = format!("membership.{op}.{}", series.size);
            bench.report.push(Measurement::of(4, name, &recorder));
        }
    }
    Ok(())
}

/// The series in the order of this round.
fn in_turn(series: &[Series], round: usize) -> impl Iterator<Item = &Series> {
    let start = round % series.len();
    series[start..].iter().chain(&series[..start])
}

/// The sum of the recorded latencies.
fn total_latency(recorder: &Recorder) -> Duration {
    let histogram = &recorder.histogram;
    Duration::from_secs_f64(histogram.mean() * histogram.len() as f64 / 1e6)
}
