//! Crash safety: `roster serve` killed with SIGKILL in the middle of
//! concurrent SCIM writes, then started again on the same database. Every
//! write that was answered 2xx is there, with everything that goes with it
//! in the same transaction: the membership, the member's effective access,
//! the audit entry and the change event; nothing is half applied.

use std::collections::BTreeSet;
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::helpers::TestDb;
use crate::server::Served;

crate::on_both_databases!(writes_acknowledged_before_a_sigkill_survive_it);

const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

pub(crate) fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// `roster serve` on this port, logging JSON, with two workers.
pub(crate) fn start(url: &str, port: u16) -> Served {
    let listen = format!("127.0.0.1:{port}");
    Served::start_with(
        url,
        &[
            "--listen",
            &listen,
            "--log-format",
            "json",
            "--workers",
            "2",
        ],
        &[],
    )
}

pub(crate) async fn wait_ready(client: &reqwest::Client, base: &str) {
    for _ in 0..200 {
        if let Ok(response) = client.get(format!("{base}/readyz")).send().await
            && response.status() == 200
        {
            return;
        }
        actix_web::rt::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{base} did not become ready");
}

/// What the writers were told happened.
#[derive(Default)]
struct Acknowledged {
    users: Vec<String>,
    members: Vec<String>,
}

async fn writes_acknowledged_before_a_sigkill_survive_it(db: TestDb) {
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let served = start(&db.url, port);
    let out = served.stdout_until("SCIM base URL:");
    let (scim, admin) = (
        crate::server::exported(&out, "SCIM_TOKEN"),
        crate::server::exported(&out, "ADMIN_TOKEN"),
    );
    let client = reqwest::Client::new();
    wait_ready(&client, &base).await;
    let group: Value = client
        .post(format!("{base}/scim/v2/Groups"))
        .bearer_auth(&scim)
        .json(&json!({"displayName": "Everyone"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let group = group["id"].as_str().unwrap().to_owned();
    let rule = client
        .post(format!("{base}/api/v1/rules"))
        .bearer_auth(&admin)
        .json(&json!({"match": {"group_name": "Everyone"}, "role": "admin"}))
        .send()
        .await
        .unwrap();
    assert_eq!(rule.status(), 201);

    // Eight writers: create a user, then add it to the group, until the kill.
    let acknowledged = Arc::new(Mutex::new(Acknowledged::default()));
    let started = Instant::now();
    let mut writers = Vec::new();
    for writer in 0..8 {
        let (client, base, scim, group) =
            (client.clone(), base.clone(), scim.clone(), group.clone());
        let acknowledged = Arc::clone(&acknowledged);
        writers.push(actix_web::rt::spawn(async move {
            for n in 0.. {
                let created = client
                    .post(format!("{base}/scim/v2/Users"))
                    .bearer_auth(&scim)
                    .json(&json!({"userName": format!("w{writer}-{n}@example.com")}))
                    .send()
                    .await;
                let Ok(created) = created else { return };
                if created.status() != 201 {
                    return;
                }
                let Ok(user) = created.json::<Value>().await else {
                    return;
                };
                let id = user["id"].as_str().unwrap().to_owned();
                acknowledged.lock().unwrap().users.push(id.clone());
                let added = client
                    .patch(format!("{base}/scim/v2/Groups/{group}"))
                    .bearer_auth(&scim)
                    .json(&json!({"schemas": [PATCH_OP], "Operations": [
                        {"op": "add", "path": "members", "value": [{"value": id}]}]}))
                    .send()
                    .await;
                match added {
                    Ok(response) if response.status() == 204 => {
                        acknowledged.lock().unwrap().members.push(id);
                    }
                    _ => return,
                }
            }
        }));
    }
    // Kill it in the middle of the load.
    while acknowledged.lock().unwrap().members.len() < 40
        && started.elapsed() < Duration::from_secs(20)
    {
        actix_web::rt::time::sleep(Duration::from_millis(20)).await;
    }
    let killed = Command::new("kill")
        .args(["-KILL", &served.pid().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    for writer in writers {
        let _ = writer.await;
    }
    drop(served);
    let acknowledged = std::mem::take(&mut *acknowledged.lock().unwrap());
    assert!(
        acknowledged.members.len() >= 40,
        "the load ran: {}",
        acknowledged.members.len()
    );

    // Started again on the same database.
    let served = start(&db.url, port);
    wait_ready(&client, &base).await;
    let get = |path: String, token: String| {
        let request = client
            .get(format!("{base}{path}"))
            .bearer_auth(token)
            .send();
        async move {
            let response = request.await.unwrap();
            assert_eq!(response.status(), 200, "{path}");
            response.json::<Value>().await.unwrap()
        }
    };
    let members: BTreeSet<String> =
        get(format!("/scim/v2/Groups/{group}"), scim.clone()).await["members"]
            .as_array()
            .map(|members| {
                members
                    .iter()
                    .map(|member| member["value"].as_str().unwrap().to_owned())
                    .collect()
            })
            .unwrap_or_default();
    for id in &acknowledged.members {
        assert!(members.contains(id), "acknowledged member {id} lost");
    }
    let users = get("/scim/v2/Users?count=10000".into(), scim.clone()).await;
    let stored: BTreeSet<String> = users["Resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|user| user["id"].as_str().unwrap().to_owned())
        .collect();
    for id in &acknowledged.users {
        assert!(stored.contains(id), "acknowledged user {id} lost");
    }
    // Access, audit and events agree with what is stored, for every member
    // (acknowledged or committed just before the kill).
    let audit = get("/api/v1/audit?limit=1000".into(), admin.clone()).await;
    let audited: BTreeSet<String> = audit["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|entry| entry["resource"]["type"] == "User" && entry["action"] == "created")
        .map(|entry| entry["member"].as_str().unwrap().to_owned())
        .collect();
    let joined: BTreeSet<String> = audit["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|entry| entry["action"] == "member_added")
        .map(|entry| entry["member"].as_str().unwrap().to_owned())
        .collect();
    let events = get("/api/v1/events?after=0&limit=1000".into(), admin.clone()).await;
    let created_events: BTreeSet<String> = events["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|event| event["kind"] == "member.created")
        .map(|event| event["member"].as_str().unwrap().to_owned())
        .collect();
    assert!(stored.len() < 1000, "the audit page holds them all");
    assert_eq!(audited, stored, "one creation entry per stored user");
    assert_eq!(
        created_events, stored,
        "one member.created event per stored user"
    );
    assert_eq!(
        joined, members,
        "one membership entry per stored membership"
    );
    for id in &stored {
        let access = get(format!("/api/v1/members/{id}/access"), admin.clone()).await;
        let expected = if members.contains(id) {
            "admin"
        } else {
            "member"
        };
        assert_eq!(access["role"], expected, "{id}: {access}");
    }
    // And it takes writes again.
    let response = client
        .post(format!("{base}/scim/v2/Users"))
        .bearer_auth(&scim)
        .json(&json!({"userName": "after-the-crash@example.com"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let (clean, logs, _) = served.terminate();
    assert!(clean, "{logs}");
}
