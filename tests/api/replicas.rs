//! Two `roster serve` replicas on one PostgreSQL database, started at the
//! same moment on an empty database, then given conflicting writes: the same
//! userName through both, concurrent membership PATCHes of one group through
//! both, a rule change during that churn. No duplicate userName, no lost
//! member, effective access as the rules say, and each change event
//! delivered to a webhook once (one replica delivers an endpoint at a time).

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use serde_json::{Value, json};

use crate::crash::{free_port, wait_ready};
use crate::helpers::{DbKind, TestDb};
use crate::webhooks::{Receiver, delivered_ids};

const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

/// `roster serve` as `crash::start` runs it, sending webhooks to this
/// machine's test receiver.
fn replica(url: &str, port: u16) -> crate::server::Served {
    let listen = format!("127.0.0.1:{port}");
    crate::server::Served::start_with(
        url,
        &[
            "--listen",
            &listen,
            "--log-format",
            "json",
            "--workers",
            "2",
            "--webhook-allow-private-destinations",
            "true",
        ],
        &[],
    )
}

#[actix_web::test]
async fn two_replicas_take_conflicting_writes() {
    let Some(db) = TestDb::create(DbKind::Postgres) else {
        return;
    };
    let ports = [free_port(), free_port()];
    // Started at once on an empty database: one migrates and bootstraps.
    let replicas = [replica(&db.url, ports[0]), replica(&db.url, ports[1])];
    let bases: Vec<String> = ports
        .iter()
        .map(|port| format!("http://127.0.0.1:{port}"))
        .collect();
    let client = reqwest::Client::new();
    for base in &bases {
        wait_ready(&client, base).await;
    }
    let printed: Vec<Vec<String>> = replicas
        .iter()
        .map(|replica| replica.stdout_within(Duration::from_secs(2)))
        .collect();
    let bootstrapped: Vec<&Vec<String>> =
        printed.iter().filter(|lines| !lines.is_empty()).collect();
    assert_eq!(
        bootstrapped.len(),
        1,
        "exactly one replica creates the account: {printed:?}"
    );
    let (scim, admin) = (
        crate::server::exported(bootstrapped[0], "SCIM_TOKEN"),
        crate::server::exported(bootstrapped[0], "ADMIN_TOKEN"),
    );
    let send =
        |replica: usize, method: reqwest::Method, path: &str, token: &str, body: Option<Value>| {
            let mut request = client
                .request(method, format!("{}{path}", bases[replica]))
                .bearer_auth(token);
            if let Some(body) = body {
                request = request.json(&body);
            }
            async move { request.send().await.unwrap() }
        };

    let receiver = Receiver::start();
    let hook = send(
        0,
        reqwest::Method::POST,
        "/api/v1/webhooks",
        &admin,
        Some(json!({"url": receiver.url})),
    )
    .await;
    assert_eq!(hook.status(), 201);

    // The same userName through both replicas at once: one 201, one 409.
    for n in 0..15 {
        let body = json!({"userName": format!("both-{n}@example.com")});
        let (a, b) = futures_util::future::join(
            send(
                0,
                reqwest::Method::POST,
                "/scim/v2/Users",
                &scim,
                Some(body.clone()),
            ),
            send(
                1,
                reqwest::Method::POST,
                "/scim/v2/Users",
                &scim,
                Some(body),
            ),
        )
        .await;
        let mut statuses = [a.status().as_u16(), b.status().as_u16()];
        statuses.sort_unstable();
        assert_eq!(statuses, [201, 409], "both-{n}");
    }

    // Members added concurrently through both replicas, and a rule created
    // through the second in the middle of it.
    let group = send(
        0,
        reqwest::Method::POST,
        "/scim/v2/Groups",
        &scim,
        Some(json!({"displayName": "Churn"})),
    )
    .await;
    let group: Value = group.json().await.unwrap();
    let group = group["id"].as_str().unwrap().to_owned();
    let mut ids = Vec::new();
    for n in 0..40 {
        let user = send(
            n % 2,
            reqwest::Method::POST,
            "/scim/v2/Users",
            &scim,
            Some(json!({"userName": format!("member-{n}@example.com")})),
        )
        .await;
        let user: Value = user.json().await.unwrap();
        ids.push(user["id"].as_str().unwrap().to_owned());
    }
    let mut patches = Vec::new();
    for (n, id) in ids.iter().enumerate() {
        let body = json!({"schemas": [PATCH_OP], "Operations": [
            {"op": "add", "path": "members", "value": [{"value": id}]}]});
        patches.push(send(
            n % 2,
            reqwest::Method::PATCH,
            &format!("/scim/v2/Groups/{group}"),
            &scim,
            Some(body),
        ));
        if n == 20 {
            patches.push(send(
                1,
                reqwest::Method::POST,
                "/api/v1/rules",
                &admin,
                Some(json!({"match": {"group_name": "Churn"}, "role": "admin"})),
            ));
        }
    }
    for response in futures_util::future::join_all(patches).await {
        assert!(response.status().is_success(), "{}", response.status());
    }
    let stored = send(
        1,
        reqwest::Method::GET,
        &format!("/scim/v2/Groups/{group}"),
        &scim,
        None,
    )
    .await;
    let stored: Value = stored.json().await.unwrap();
    let members: BTreeSet<&str> = stored["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|member| member["value"].as_str().unwrap())
        .collect();
    assert_eq!(
        members,
        ids.iter().map(String::as_str).collect(),
        "no member lost"
    );
    for (n, id) in ids.iter().enumerate() {
        let access = send(
            n % 2,
            reqwest::Method::GET,
            &format!("/api/v1/members/{id}/access"),
            &admin,
            None,
        )
        .await;
        let access: Value = access.json().await.unwrap();
        assert_eq!(
            access["role"], "admin",
            "{id}: the rule applies to every member: {access}"
        );
    }
    let users = send(
        0,
        reqwest::Method::GET,
        "/scim/v2/Users?count=1000",
        &scim,
        None,
    )
    .await;
    let users: Value = users.json().await.unwrap();
    assert_eq!(users["totalResults"], 15 + 40, "no duplicate userName");

    // Every event reaches the webhook, once, although both replicas deliver.
    let feed = send(
        0,
        reqwest::Method::GET,
        "/api/v1/events?after=0&limit=1000",
        &admin,
        None,
    )
    .await;
    let feed: Value = feed.json().await.unwrap();
    let expected: Vec<String> = feed["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|event| event["id"].as_str().unwrap().to_owned())
        .collect();
    let received = receiver
        .wait_for("every event", |got| {
            delivered_ids(got).len() >= expected.len()
        })
        .await;
    assert_eq!(delivered_ids(&received), expected, "in order");
    let mut times: BTreeMap<String, usize> = BTreeMap::new();
    for item in &received {
        *times
            .entry(item.json()["id"].as_str().unwrap().to_owned())
            .or_default() += 1;
    }
    let twice: Vec<&String> = times
        .iter()
        .filter(|(_, n)| **n > 1)
        .map(|(id, _)| id)
        .collect();
    assert!(twice.is_empty(), "delivered more than once: {twice:?}");

    // Token rotation without downtime: a second token works on both
    // replicas with the first; the revoked first fails on both at once.
    let issued = crate::helpers::roster_cli(
        &db.url,
        &["tokens", "issue", "--account", "default", "--scope", "scim"],
    );
    assert!(issued.status.success(), "{issued:?}");
    let second = crate::helpers::stdout(&issued)
        .trim()
        .lines()
        .last()
        .unwrap()
        .to_owned();
    for replica in 0..2 {
        for token in [&scim, &second] {
            let response = send(
                replica,
                reqwest::Method::GET,
                "/scim/v2/Users?count=1",
                token,
                None,
            )
            .await;
            assert_eq!(response.status(), 200);
        }
    }
    let listed = crate::helpers::roster_cli(
        &db.url,
        &["tokens", "list", "--account", "default", "--json"],
    );
    let tokens: Value = serde_json::from_str(&crate::helpers::stdout(&listed)).unwrap();
    let first_id = tokens
        .as_array()
        .unwrap()
        .iter()
        .find(|token| token["scope"] == "scim")
        .map(|token| token["id"].as_str().unwrap().to_owned())
        .unwrap();
    let revoked = crate::helpers::roster_cli(&db.url, &["tokens", "revoke", &first_id]);
    assert!(revoked.status.success(), "{revoked:?}");
    for replica in 0..2 {
        let response = send(
            replica,
            reqwest::Method::GET,
            "/scim/v2/Users?count=1",
            &scim,
            None,
        )
        .await;
        assert_eq!(response.status(), 401, "revoked, on replica {replica}");
        let response = send(
            replica,
            reqwest::Method::GET,
            "/scim/v2/Users?count=1",
            &second,
            None,
        )
        .await;
        assert_eq!(response.status(), 200);
    }

    for replica in replicas {
        let (clean, logs, _) = replica.terminate();
        assert!(clean, "{logs}");
    }
}
