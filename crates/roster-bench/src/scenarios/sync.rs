//! Scenario 1, the initial sync, as an identity provider's first push does it:
//! `POST /Users` of every user over `--connections` connections, then
//! `POST /Groups` of every group (no members yet, as Entra ID creates them),
//! then the memberships as `add` PATCHes of `--batch` members.
//!
//! The groups are the sized groups of the membership scenario (`--group-sizes`,
//! each holding the users numbered from 0) and the others with skewed sizes
//! and random members (`data::other_group_sizes`, seeded by `--seed`). When
//! `pause_at` is given, the sync stops after that many users for the lookup of
//! scenario 7, then goes on.

use anyhow::bail;
use rand::SeedableRng;
use rand::rngs::StdRng;
use serde_json::json;

use super::{Bench, SizedGroup, id_of, lookup};
use crate::client::Response;
use crate::data;
use crate::load::{self, Length, Recorder, Request, Workload};
use crate::report::{Measurement, round};

/// Creates the users numbered `next..end`.
pub struct CreateUsers {
    tag: String,
    next: usize,
    end: usize,
    /// (number, id) of each user created.
    pub created: Vec<(usize, String)>,
}

impl CreateUsers {
    pub fn new(tag: &str, next: usize, end: usize) -> Self {
        Self {
            tag: tag.to_owned(),
            next,
            end,
            created: Vec::new(),
        }
    }

    /// The number of the next user it would create.
    pub fn next_number(&self) -> usize {
        self.next
    }
}

impl Workload for CreateUsers {
    fn next(&mut self) -> Option<Request> {
        if self.next >= self.end {
            return None;
        }
        let index = self.next;
        self.next += 1;
        let body = data::user(&self.tag, index, "Bench");
        Some(
            Request::json("POST", "/Users".into(), &body)
                .expecting(&[201])
                .keyed(index),
        )
    }

    fn answered(&mut self, request: &Request, response: &Response) -> Result<(), String> {
        self.created.push((request.key, id_of(response)?));
        Ok(())
    }
}

/// Creates groups by displayName.
struct CreateGroups {
    tag: String,
    names: Vec<String>,
    next: usize,
    created: Vec<(usize, String)>,
}

impl Workload for CreateGroups {
    fn next(&mut self) -> Option<Request> {
        let name = self.names.get(self.next)?;
        let body = data::group(&self.tag, name, self.next);
        let request = Request::json("POST", "/Groups".into(), &body)
            .expecting(&[201])
            .keyed(self.next);
        self.next += 1;
        Some(request)
    }

    fn answered(&mut self, request: &Request, response: &Response) -> Result<(), String> {
        self.created.push((request.key, id_of(response)?));
        Ok(())
    }
}

/// Adds members to groups, one batch a request.
struct AddMembers {
    users: Vec<String>,
    /// (group id, member numbers).
    batches: Vec<(String, Vec<usize>)>,
    next: usize,
}

impl Workload for AddMembers {
    fn next(&mut self) -> Option<Request> {
        let (group, members) = self.batches.get(self.next)?;
        self.next += 1;
        let body = data::add_members(members.iter().map(|&member| self.users[member].as_str()));
        Some(Request::json("PATCH", format!("/Groups/{group}"), &body).expecting(&[200, 204]))
    }
}

/// Runs the initial sync; with `pause_at`, the lookup at that many users
/// (scenario 7) runs in the middle.
pub async fn run(bench: &mut Bench, pause_at: Option<usize>) -> anyhow::Result<()> {
    eprintln!(
        "1. initial sync: {} users, {} groups",
        bench.settings.users, bench.settings.groups
    );
    let mut users = Recorder::default();
    if let Some(small) = pause_at {
        users.merge(create_users(bench, small).await?);
        lookup::at_size(bench, small, 7, &format!("lookup.at-{small}")).await?;
    }
    users.merge(create_users(bench, bench.settings.users).await?);
    let count = bench.users.len() as u64;
    bench.report.push(Measurement::counting(
        1,
        "sync.users",
        "users",
        count,
        &users,
    ));
    if let Some(missing) = bench.users.iter().position(String::is_empty) {
        bail!(
            "the initial sync did not create user {missing}: the other scenarios need every user"
        );
    }

    let (names, sizes) = group_plan(bench);
    let workload = CreateGroups {
        tag: bench.tag.clone(),
        names,
        next: 0,
        created: Vec::new(),
    };
    let (groups, workload) = load::run(
        &bench.scim,
        bench.settings.connections,
        workload,
        Length::Exhausted,
    )
    .await?;
    let group_count = workload.created.len() as u64;
    bench.report.push(Measurement::counting(
        1,
        "sync.groups",
        "groups",
        group_count,
        &groups,
    ));
    if workload.created.len() != sizes.len() {
        bail!(
            "the initial sync created {group_count} of {} groups",
            sizes.len()
        );
    }
    let mut ids = vec![String::new(); sizes.len()];
    for (index, id) in workload.created {
        ids[index] = id;
    }

    let batches = membership_batches(bench, &ids, &sizes);
    let memberships: usize = batches.iter().map(|(_, members)| members.len()).sum();
    let workload = AddMembers {
        users: bench.users.clone(),
        batches,
        next: 0,
    };
    let (added, _) = load::run(
        &bench.scim,
        bench.settings.connections,
        workload,
        Length::Exhausted,
    )
    .await?;
    let measurement = Measurement::counting(
        1,
        "sync.memberships",
        "memberships",
        memberships as u64,
        &added,
    );
    bench.report.push(measurement);

    bench.sized_groups = bench
        .settings
        .group_sizes
        .iter()
        .zip(ids)
        .map(|(&size, id)| SizedGroup { size, id })
        .collect();
    let seconds = (users.elapsed + groups.elapsed + added.elapsed).as_secs_f64();
    bench.report.fact(
        "initial_sync",
        json!({"seconds": round(seconds), "users": count, "groups": group_count, "memberships": memberships}),
    );
    Ok(())
}

/// Creates the users numbered from the last created up to `end`.
async fn create_users(bench: &mut Bench, end: usize) -> anyhow::Result<Recorder> {
    let start = bench.users.len();
    let workload = CreateUsers::new(&bench.tag, start, end);
    let (recorder, workload) = load::run(
        &bench.scim,
        bench.settings.connections,
        workload,
        Length::Exhausted,
    )
    .await?;
    bench.users.resize(end, String::new());
    for (index, id) in workload.created {
        bench.users[index] = id;
    }
    bench.next_user = end;
    Ok(recorder)
}

/// The displayNames and sizes of every group: the sized groups first.
fn group_plan(bench: &Bench) -> (Vec<String>, Vec<usize>) {
    let settings = &bench.settings;
    let mut names: Vec<String> = settings
        .group_sizes
        .iter()
        .map(|&size| data::sized_group_name(&bench.tag, size))
        .collect();
    let mut sizes = settings.group_sizes.clone();
    let others = settings.groups.saturating_sub(sizes.len());
    let mut rng = StdRng::seed_from_u64(settings.seed);
    let cap = settings.users.min(10_000);
    for (index, size) in data::other_group_sizes(&mut rng, others, cap)
        .into_iter()
        .enumerate()
    {
        names.push(data::other_group_name(&bench.tag, index));
        sizes.push(size);
    }
    (names, sizes)
}

/// The `add` PATCHes that fill the groups: a sized group of n gets the users
/// numbered 0..n, the others random members (seeded).
fn membership_batches(bench: &Bench, ids: &[String], sizes: &[usize]) -> Vec<(String, Vec<usize>)> {
    let sized = bench.settings.group_sizes.len();
    let batch = bench.settings.batch;
    let mut rng = StdRng::seed_from_u64(bench.settings.seed.wrapping_add(1));
    let mut batches = Vec::new();
    for (index, (id, &size)) in ids.iter().zip(sizes).enumerate() {
        let mut members: Vec<usize> = if index < sized {
            (0..size).collect()
        } else {
            rand::seq::index::sample(&mut rng, bench.users.len(), size).into_vec()
        };
        members.sort_unstable();
        for chunk in members.chunks(batch) {
            batches.push((id.clone(), chunk.to_vec()));
        }
    }
    batches
}
