//! The `roster serve` binary itself: first start, health, graceful shutdown,
//! and logs that never contain a token.

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use crate::helpers::{TestApp, TestDb};

crate::on_both_databases!(
    health_and_readiness,
    first_start_prints_tokens_once_and_sigterm_stops_cleanly,
    a_full_idp_flow_at_debug_level_logs_no_token_password_or_key
);

async fn health_and_readiness(db: TestDb) {
    let app = TestApp::spawn(db).await;
    for path in ["/healthz", "/readyz"] {
        let response = app.client.get(app.url(path)).send().await.unwrap();
        assert_eq!(response.status(), 200, "{path}");
        let body: serde_json::Value = response.json().await.unwrap();
        assert!(body["status"].is_string());
    }
}

/// A `roster serve` process whose stdout and stderr lines are collected.
pub struct Served {
    child: Child,
    stdout: mpsc::Receiver<String>,
    stderr: std::thread::JoinHandle<String>,
}

impl Served {
    pub fn start(database_url: &str) -> Self {
        Self::start_with(
            database_url,
            &[
                "--listen",
                "127.0.0.1:0",
                "--log-format",
                "json",
                "--workers",
                "1",
            ],
            &[],
        )
    }

    /// `roster serve` with these arguments and environment variables.
    pub fn start_with(database_url: &str, args: &[&str], env: &[(&str, &str)]) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_roster"))
            .arg("serve")
            .args(args)
            .env("ROSTER_DATABASE_URL", database_url)
            .env("ROSTER_LOG", "info")
            .envs(env.iter().copied())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start roster serve");
        let (lines, stdout) = mpsc::channel();
        let out = child.stdout.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines().map_while(Result::ok) {
                let _ = lines.send(line);
            }
        });
        let mut err = child.stderr.take().unwrap();
        let stderr = std::thread::spawn(move || {
            let mut text = String::new();
            let _ = err.read_to_string(&mut text);
            text
        });
        Self {
            child,
            stdout,
            stderr,
        }
    }

    /// The process id (to signal it).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The stdout lines printed within `wait` (none, for a replica that did
    /// not bootstrap the database).
    pub fn stdout_within(&self, wait: Duration) -> Vec<String> {
        let deadline = std::time::Instant::now() + wait;
        let mut seen = Vec::new();
        while let Some(left) = deadline.checked_duration_since(std::time::Instant::now()) {
            match self.stdout.recv_timeout(left) {
                Ok(line) => seen.push(line),
                Err(_) => break,
            }
        }
        seen
    }

    /// Reads stdout lines until one starts with `prefix`; returns all read.
    pub fn stdout_until(&self, prefix: &str) -> Vec<String> {
        let mut seen = Vec::new();
        loop {
            let line = self
                .stdout
                .recv_timeout(Duration::from_secs(30))
                .unwrap_or_else(|_| panic!("no line starting {prefix:?} on stdout; saw {seen:?}"));
            let done = line.starts_with(prefix);
            seen.push(line);
            if done {
                return seen;
            }
        }
    }

    /// Sends SIGTERM and returns (exit success, stderr, stdout lines not read yet).
    pub fn terminate(mut self) -> (bool, String, Vec<String>) {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        let exit = self.child.wait().unwrap();
        let logs = self.stderr.join().unwrap();
        (exit.success(), logs, self.stdout.try_iter().collect())
    }
}

/// The token of the first start's one `export NAME=TOKEN` line: a line a
/// shell takes as it is (no quoting needed), the name the guides use.
pub fn exported(out: &[String], name: &str) -> String {
    let prefix = format!("export {name}=");
    let lines: Vec<&String> = out.iter().filter(|l| l.starts_with(&prefix)).collect();
    assert_eq!(lines.len(), 1, "one '{prefix}' line in {out:?}");
    let token = &lines[0][prefix.len()..];
    assert!(
        !token.is_empty()
            && token
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b)),
        "a token a shell takes unquoted: {token}"
    );
    token.to_owned()
}

pub fn port_from_base_line(line: &str) -> u16 {
    let after = line.split("http://127.0.0.1:").nth(1).expect("a base URL");
    after.split('/').next().unwrap().parse().expect("a port")
}

async fn first_start_prints_tokens_once_and_sigterm_stops_cleanly(db: TestDb) {
    let served = Served::start(&db.url);
    let out = served.stdout_until("SCIM base URL:");
    let scim_token = exported(&out, "SCIM_TOKEN");
    let admin_token = exported(&out, "ADMIN_TOKEN");
    let port = port_from_base_line(out.last().unwrap());
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();

    let spc = client
        .get(format!("{base}/scim/v2/ServiceProviderConfig"))
        .bearer_auth(&scim_token)
        .header("x-password", "hunter2-in-a-header")
        .send()
        .await
        .unwrap();
    assert_eq!(spc.status(), 200);
    let wrong_scope = client
        .get(format!("{base}/scim/v2/Users"))
        .bearer_auth(&admin_token)
        .send()
        .await
        .unwrap();
    assert_eq!(wrong_scope.status(), 403);
    let bad = client
        .get(format!("{base}/scim/v2/Users?filter=userName+eq+%22x%22"))
        .header("authorization", format!("Bearer {scim_token}x"))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 401);

    let (clean, logs, _) = served.terminate();
    assert!(
        clean,
        "SIGTERM ends the server with exit code 0; logs: {logs}"
    );
    for secret in [&scim_token, &admin_token] {
        assert!(!logs.contains(secret.as_str()), "a token is in the logs");
        assert!(
            !logs.contains(secret.rsplit('.').next().unwrap()),
            "a token signature is in the logs"
        );
    }
    assert!(!logs.contains("hunter2"), "header values are not logged");
    assert!(!logs.contains("userName"), "query strings are not logged");
    let request_lines: Vec<serde_json::Value> = logs
        .lines()
        .filter_map(|line| serde_json::from_str(line).ok())
        .filter(|line: &serde_json::Value| line["fields"]["message"] == "request finished")
        .collect();
    assert_eq!(request_lines.len(), 3, "one line per request: {logs}");
    for line in &request_lines {
        let id = line["span"]["request_id"].as_str().unwrap();
        assert!(
            uuid::Uuid::parse_str(id).is_ok(),
            "every request line carries its request id: {line}"
        );
    }
    assert!(
        logs.contains("authentication failed"),
        "failed authentication is logged"
    );

    // A second start on the same database prints no token.
    let again = Served::start(&db.url);
    std::thread::sleep(Duration::from_millis(1500));
    let (clean, logs, out) = again.terminate();
    assert!(clean, "{logs}");
    assert!(logs.contains("listening on"), "{logs}");
    assert!(out.is_empty(), "nothing on stdout the second time: {out:?}");
}

/// Issue 6, "Logs and secrets": an IdP's whole flow — users created, replaced
/// and patched with passwords, a group and its members, deactivation,
/// deletion, a bad token — against the real binary at `debug` level, and
/// neither token, nor any password, nor any signing key appears in its logs.
async fn a_full_idp_flow_at_debug_level_logs_no_token_password_or_key(db: TestDb) {
    let served = Served::start_with(
        &db.url,
        &[
            "--listen",
            "127.0.0.1:0",
            "--log-format",
            "json",
            "--workers",
            "1",
        ],
        &[("ROSTER_LOG", "debug")],
    );
    let out = served.stdout_until("SCIM base URL:");
    let (scim_token, admin_token) = (exported(&out, "SCIM_TOKEN"), exported(&out, "ADMIN_TOKEN"));
    let base = format!(
        "http://127.0.0.1:{}",
        port_from_base_line(out.last().unwrap())
    );
    let client = reqwest::Client::new();
    let passwords = [
        "Tr0ub4dor&3-created",
        "correct-horse-replaced",
        "Pa55-patched-in",
    ];
    let send = |method: reqwest::Method, path: &str, body: Option<serde_json::Value>| {
        let mut request = client
            .request(method, format!("{base}{path}"))
            .bearer_auth(&scim_token)
            .header("content-type", "application/scim+json");
        if let Some(body) = body {
            request = request.body(body.to_string());
        }
        request.send()
    };
    let patch = |operations: serde_json::Value| serde_json::json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": operations});
    let created: serde_json::Value = send(
        reqwest::Method::POST,
        "/scim/v2/Users",
        Some(serde_json::json!({"userName": "leaver@example.com", "password": passwords[0], "active": true})),
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    let id = created["id"].as_str().expect("created").to_owned();
    let user = format!("/scim/v2/Users/{id}");
    let steps = [
        (
            reqwest::Method::PUT,
            user.clone(),
            Some(serde_json::json!({"userName": "leaver@example.com", "password": passwords[1]})),
        ),
        (
            reqwest::Method::PATCH,
            user.clone(),
            Some(patch(
                serde_json::json!([{"op": "replace", "path": "password", "value": passwords[2]}]),
            )),
        ),
        (
            reqwest::Method::POST,
            "/scim/v2/Groups".to_owned(),
            Some(
                serde_json::json!({"displayName": "Staff", "members": [{"value": id}, {"value": UNKNOWN_MEMBER}]}),
            ),
        ),
        (
            reqwest::Method::GET,
            "/scim/v2/Users?filter=userName+eq+%22leaver%40example.com%22".to_owned(),
            None,
        ),
        (
            reqwest::Method::PATCH,
            user.clone(),
            Some(patch(
                serde_json::json!([{"op": "replace", "path": "active", "value": false}]),
            )),
        ),
        (reqwest::Method::DELETE, user.clone(), None),
    ];
    for (method, path, body) in steps {
        let response = send(method.clone(), &path, body).await.unwrap();
        assert!(
            response.status().is_success(),
            "{method} {path}: {}",
            response.status()
        );
    }
    // A path of the client's choosing is a request value too.
    let response = send(
        reqwest::Method::GET,
        &format!("/scim/v2/Users/{PATH_MARKER}"),
        None,
    )
    .await
    .unwrap();
    assert_eq!(response.status(), 404);
    let refused = client
        .get(format!("{base}/api/v1/audit"))
        .header("authorization", format!("Bearer {admin_token}x"))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 401);
    let audit = client
        .get(format!("{base}/api/v1/audit"))
        .bearer_auth(&admin_token)
        .send()
        .await
        .unwrap();
    assert_eq!(audit.status(), 200);

    let url = roster::store::DatabaseUrl::parse(&db.url).unwrap();
    let pool = roster::store::open_pool(&url, 1).unwrap();
    let keys = roster::store::signing_keys::list(&mut pool.get().unwrap()).unwrap();
    assert!(!keys.is_empty());
    let (_, logs, _) = served.terminate();
    assert!(logs.contains("request finished"), "debug logs were written");
    for token in [&scim_token, &admin_token] {
        assert!(!logs.contains(token.as_str()), "a token is in the logs");
        let signature = token.rsplit('.').next().unwrap();
        assert!(
            !logs.contains(signature),
            "a token's signature is in the logs"
        );
    }
    for password in passwords {
        assert!(
            !logs.contains(password),
            "a password is in the logs: {password}"
        );
    }
    for key in keys {
        assert!(!logs.contains(&key.secret), "a signing key is in the logs");
    }
    // No request value: an unknown member id is counted, never written, and
    // the line carries the request's id; a path is logged as its route.
    for value in [UNKNOWN_MEMBER, PATH_MARKER] {
        assert!(
            !logs.contains(value),
            "a request value is in the logs: {value}"
        );
    }
    let skipped = logs
        .lines()
        .find(|line| line.contains("skipped member ids"))
        .expect("the skipped member is reported");
    let skipped: serde_json::Value = serde_json::from_str(skipped).unwrap();
    assert_eq!(skipped["fields"]["skipped"], 1, "{skipped}");
    assert!(
        skipped["span"]["request_id"]
            .as_str()
            .is_some_and(|id| id.len() == 36),
        "the warning names its request: {skipped}"
    );
    assert!(
        logs.contains(r#""route":"/scim/v2/Users/{id}""#),
        "lines name the route pattern"
    );
}

/// A member id no user has, and a path segment: request values that must
/// never reach the logs.
const UNKNOWN_MEMBER: &str = "unknown-member-3f9c1e2a-marker";
const PATH_MARKER: &str = "path-marker-8d1b5f70-never-logged";
