//! Scenario 6, Roster's access API (docs/ACCESS.md):
//! - reads: `GET /api/v1/members/{id}/access` of random members with an
//!   `access` token, over `--connections` connections for `--duration` (200);
//! - a rule change on the largest sized group: a workspace is created, then
//!   `POST /api/v1/rules` `{"match": {"group_id": …}, "workspace": …, "level":
//!   …}` (the access model's lowest level) is timed, which recomputes the
//!   access of every member in its transaction; one member must have the level
//!   afterwards. Deleting the rule is timed too, and the level must be gone.
//!   The workspace is deleted at the end.

use std::cell::RefCell;
use std::rc::Rc;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};

use super::{Bench, id_of};
use crate::client::{Connection, Endpoint};
use crate::load::{self, Recorder, Request, Workload};
use crate::report::Measurement;

/// Access reads of random members.
struct Reads {
    users: Vec<String>,
    rng: StdRng,
}

impl Workload for Reads {
    fn next(&mut self) -> Option<Request> {
        let id = &self.users[self.rng.random_range(0..self.users.len())];
        Some(Request::get(format!("/members/{id}/access")))
    }
}

pub async fn run(bench: &mut Bench) -> anyhow::Result<()> {
    let (Some(read), Some(admin)) = (bench.access_read.clone(), bench.admin.clone()) else {
        bench.report.note(
            "access (scenario 6) skipped: it needs Roster's /api/v1 (--api-url and --api-token with another server)"
                .into(),
        );
        return Ok(());
    };
    eprintln!("6. access reads");
    let workload = Reads {
        users: bench.users.clone(),
        rng: StdRng::seed_from_u64(bench.settings.seed.wrapping_add(4)),
    };
    let settings = &bench.settings;
    let (recorder, _) = load::run(&read, settings.connections, workload, settings.timed()).await?;
    bench
        .report
        .push(Measurement::of(6, "access.read", &recorder));
    rule_change(bench, &read, &admin).await
}

/// Times a rule on the largest sized group, and its deletion.
async fn rule_change(
    bench: &mut Bench,
    read: &Rc<Endpoint>,
    admin: &Rc<Endpoint>,
) -> anyhow::Result<()> {
    let Some(group) = bench.largest_group() else {
        return Ok(());
    };
    let (group_id, size) = (group.id.clone(), group.size);
    eprintln!("6. rule change on the group of {size} members");
    let mut connection = Connection::new(Rc::clone(admin));
    let setup = RefCell::new(Recorder::default());
    let model = load::send_one(
        &mut connection,
        &Request::get("/access-model".into()),
        &setup,
    )
    .await?;
    let level = model
        .and_then(|model| serde_json::from_slice::<Value>(&model.body).ok())
        .and_then(|model| model["levels"][0].as_str().map(str::to_owned))
        .unwrap_or_else(|| "viewer".into());
    let workspace = format!("bench-{}", bench.tag);
    let body = json!({"slug": workspace, "name": "roster bench"});
    let create_workspace = Request::json("POST", "/workspaces".into(), &body).expecting(&[201]);
    load::send_one(&mut connection, &create_workspace, &setup).await?;

    let rule = json!({"match": {"group_id": group_id}, "workspace": workspace, "level": level});
    let create = Request::json("POST", "/rules".into(), &rule).expecting(&[201]);
    let timed = RefCell::new(Recorder::default());
    let mut rule_id = None;
    let read_id = |response: &crate::client::Response| {
        rule_id = Some(id_of(response)?);
        Ok(())
    };
    let started = std::time::Instant::now();
    load::send(&mut connection, &create, read_id, &timed).await?;
    let mut timed = timed.into_inner();
    timed.elapsed = started.elapsed();
    bench
        .report
        .push(Measurement::of(6, "access.rule-create", &timed));

    let member = bench.users[0].clone();
    let granted = level_of(read, &member, &workspace).await?;
    bench.report.check(
        "rule.level_granted",
        granted.as_deref() == Some(level.as_str()),
        format!(
            "member 0 of the group of {size}: {} in workspace {workspace}, expected {level}",
            described(granted.as_deref())
        ),
    );

    if let Some(rule_id) = rule_id {
        let delete = Request {
            method: "DELETE",
            ..Request::get(format!("/rules/{rule_id}"))
        }
        .expecting(&[200, 204]);
        let timed = RefCell::new(Recorder::default());
        let started = std::time::Instant::now();
        load::send_one(&mut connection, &delete, &timed).await?;
        let mut timed = timed.into_inner();
        timed.elapsed = started.elapsed();
        bench
            .report
            .push(Measurement::of(6, "access.rule-delete", &timed));
        let left = level_of(read, &member, &workspace).await?;
        bench.report.check(
            "rule.level_revoked",
            left.is_none(),
            format!(
                "member 0 after the rule's deletion: {} in workspace {workspace}",
                described(left.as_deref())
            ),
        );
    }
    let delete_workspace = Request {
        method: "DELETE",
        ..Request::get(format!("/workspaces/{workspace}"))
    }
    .expecting(&[200, 204]);
    load::send_one(&mut connection, &delete_workspace, &setup).await?;
    let setup = setup.into_inner();
    bench.report.check(
        "access.setup",
        setup.errors == 0,
        if setup.errors == 0 {
            "the access model read, the workspace created and deleted".to_owned()
        } else {
            setup.error_samples.join("; ")
        },
    );
    Ok(())
}

fn described(level: Option<&str>) -> String {
    level.map_or_else(|| "no level".to_owned(), |level| format!("level {level}"))
}

/// A member's level in `workspace`, from the access API.
async fn level_of(
    read: &Rc<Endpoint>,
    member: &str,
    workspace: &str,
) -> anyhow::Result<Option<String>> {
    let mut connection = Connection::new(Rc::clone(read));
    let response = connection
        .send("GET", &format!("/members/{member}/access"), b"")
        .await?;
    let access: Value = serde_json::from_slice(&response.body).unwrap_or_default();
    let level = access["workspaces"].as_array().and_then(|levels| {
        levels
            .iter()
            .find(|entry| entry["workspace"] == workspace)
            .and_then(|entry| entry["level"].as_str().map(str::to_owned))
    });
    Ok(level)
}
