//! Scenario 3, the writes an identity provider sends day to day, each for
//! `--duration` over `--connections` connections:
//! - create: `POST /Users` of new users (201);
//! - replace: `PUT /Users/{id}` of random existing users with a changed
//!   `name.givenName`, as Okta pushes a profile (200);
//! - deactivate: `PATCH /Users/{id}` `replace active false` on distinct active
//!   users (200 or 204): first those just created, then the sync's users from
//!   the last one down, never one of the sized groups' members (scenario 6
//!   checks one of them has access).

use std::collections::VecDeque;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::Bench;
use super::sync::CreateUsers;
use crate::data;
use crate::load::{self, Request, Workload};
use crate::report::Measurement;

/// PUTs of random existing users.
struct Replaces {
    tag: String,
    users: Vec<String>,
    rng: StdRng,
    sent: usize,
}

impl Workload for Replaces {
    fn next(&mut self) -> Option<Request> {
        let index = self.rng.random_range(0..self.users.len());
        self.sent += 1;
        let body = data::user(&self.tag, index, &format!("Renamed{}", self.sent));
        let path = format!("/Users/{}", self.users[index]);
        Some(Request::json("PUT", path, &body))
    }
}

/// Deactivations of distinct users, in the order given.
struct Deactivations {
    ids: VecDeque<String>,
}

impl Workload for Deactivations {
    fn next(&mut self) -> Option<Request> {
        let id = self.ids.pop_front()?;
        let request = Request::json("PATCH", format!("/Users/{id}"), &data::deactivate());
        Some(request.expecting(&[200, 204]))
    }
}

pub async fn run(bench: &mut Bench) -> anyhow::Result<()> {
    let connections = bench.settings.connections;
    let timed = bench.settings.timed();

    eprintln!("3. create");
    let workload = CreateUsers::new(&bench.tag, bench.next_user, usize::MAX);
    let (recorder, workload) = load::run(&bench.scim, connections, workload, timed).await?;
    bench.report.push(Measurement::of(3, "create", &recorder));
    bench.next_user = workload.next_number();
    bench.created = workload.created.into_iter().map(|(_, id)| id).collect();

    eprintln!("3. replace (PUT)");
    let workload = Replaces {
        tag: bench.tag.clone(),
        users: bench.users.clone(),
        rng: StdRng::seed_from_u64(bench.settings.seed.wrapping_add(3)),
        sent: 0,
    };
    let (recorder, _) = load::run(&bench.scim, connections, workload, timed).await?;
    bench.report.push(Measurement::of(3, "replace", &recorder));

    eprintln!("3. PATCH deactivate");
    let protected = bench.largest_group().map_or(1, |group| group.size.max(1));
    let spare = bench
        .users
        .get(protected..)
        .unwrap_or_default()
        .iter()
        .rev();
    let ids = bench.created.iter().chain(spare).cloned().collect();
    let candidates = bench.created.len() + bench.users.len().saturating_sub(protected);
    let (recorder, workload) =
        load::run(&bench.scim, connections, Deactivations { ids }, timed).await?;
    bench
        .report
        .push(Measurement::of(3, "deactivate", &recorder));
    if workload.ids.is_empty() {
        bench.report.note(format!(
            "deactivate ran out of active users to deactivate after {candidates}: its time is shorter than --duration"
        ));
    }
    Ok(())
}
