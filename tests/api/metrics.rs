//! `GET /metrics`: counters that move with real requests, labelled by route
//! pattern (never a raw path), status and account; auth failures by reason;
//! the pool; and the optional metrics token.

use std::collections::HashMap;

use serde_json::json;

use crate::helpers::{DbKind, TestApp, TestDb};
use crate::server::{Served, port_from_base_line};

crate::on_both_databases!(requests_and_auth_failures_are_counted);

/// The samples of an exposition: series (name with labels) → value.
fn samples(text: &str) -> HashMap<String, f64> {
    text.lines()
        .filter(|line| !line.starts_with('#') && !line.is_empty())
        .map(|line| {
            let (series, value) = line.rsplit_once(' ').expect("a sample line");
            (series.to_owned(), value.parse().expect("a number"))
        })
        .collect()
}

/// What Prometheus 2.x sends: OpenMetrics first.
const PROMETHEUS_ACCEPT: &str = "application/openmetrics-text;version=1.0.0,\
    application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";

/// Scrapes as Prometheus does (OpenMetrics).
async fn scrape(app: &TestApp) -> (String, HashMap<String, f64>) {
    let response = app
        .client
        .get(app.url("/metrics"))
        .header("accept", PROMETHEUS_ACCEPT)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let content_type = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        content_type.starts_with("application/openmetrics-text"),
        "{content_type}"
    );
    let text = response.text().await.unwrap();
    assert!(text.ends_with("# EOF\n"), "{text}");
    let parsed = samples(&text);
    (text, parsed)
}

fn requests(method: &str, route: &str, status: u16, account: &str) -> String {
    format!(
        "roster_http_requests_total{{method=\"{method}\",route=\"{route}\",status=\"{status}\",account=\"{account}\"}}"
    )
}

fn auth_failures(reason: &str) -> String {
    format!("roster_auth_failures_total{{reason=\"{reason}\"}}")
}

async fn requests_and_auth_failures_are_counted(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let account = app.account.id.to_string();
    let (_, before) = scrape(&app).await;
    let value = |samples: &HashMap<String, f64>, series: &str| -> f64 {
        samples.get(series).copied().unwrap_or(0.0)
    };

    let user = app
        .create_user(&json!({"userName": "metrics.user@example.com"}))
        .await;
    let id = user["id"].as_str().unwrap().to_owned();
    for path in [
        format!("/scim/v2/Users/{id}"),
        format!("/scim/v2/users/{id}"),
    ] {
        assert_eq!(app.scim_get(&path).await.status(), 200);
    }
    let missing = uuid::Uuid::new_v4();
    assert_eq!(
        app.scim_get(&format!("/scim/v2/Users/{missing}"))
            .await
            .status(),
        404
    );
    let anonymous = app.client.get(app.url("/scim/v2/Users")).send().await;
    assert_eq!(anonymous.unwrap().status(), 401);
    let forged = app
        .client
        .get(app.url("/scim/v2/Users"))
        .bearer_auth(format!("{}x", app.scim_token))
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 401);
    let wrong_scope = app
        .client
        .get(app.url("/scim/v2/Users"))
        .bearer_auth(&app.admin_token)
        .send()
        .await
        .unwrap();
    assert_eq!(wrong_scope.status(), 403);
    let nowhere = app.client.get(app.url("/no/such/page")).send().await;
    assert_eq!(nowhere.unwrap().status(), 404);

    let (text, after) = scrape(&app).await;
    let grew = |series: String, by: f64| {
        assert_eq!(
            value(&after, &series) - value(&before, &series),
            by,
            "{series} in\n{text}"
        );
    };
    grew(requests("POST", "/scim/v2/Users", 201, &account), 1.0);
    grew(requests("GET", "/scim/v2/Users/{id}", 200, &account), 2.0);
    grew(requests("GET", "/scim/v2/Users/{id}", 404, &account), 1.0);
    grew(requests("GET", "/scim/v2/Users", 401, "none"), 2.0);
    grew(requests("GET", "/scim/v2/Users", 403, "none"), 1.0);
    grew(requests("GET", "unmatched", 404, "none"), 1.0);
    grew(requests("GET", "/metrics", 200, "none"), 1.0);
    assert!(
        text.contains("# TYPE roster_http_requests counter\n"),
        "{text}"
    );
    grew(auth_failures("missing"), 1.0);
    grew(auth_failures("bad_signature"), 1.0);
    grew(auth_failures("wrong_scope"), 1.0);
    grew(
        "roster_http_request_duration_seconds_count{method=\"GET\",route=\"/scim/v2/Users/{id}\"}"
            .into(),
        3.0,
    );
    let slowest_bucket = "roster_http_request_duration_seconds_bucket{le=\"+Inf\",method=\"GET\",route=\"/scim/v2/Users/{id}\"}";
    assert_eq!(value(&after, slowest_bucket), 3.0, "{text}");

    // No raw path, id or token in any label.
    for secret in [
        id.as_str(),
        &missing.to_string(),
        "/no/such/page",
        "/scim/v2/users",
    ] {
        assert!(!text.contains(secret), "{secret} in\n{text}");
    }
    assert!(!text.contains(&app.scim_token));

    // The pool: TestApp opens 4 connections at most, and the scrape itself holds none.
    assert_eq!(value(&after, "roster_db_pool_max_connections"), 4.0);
    let idle = value(&after, "roster_db_pool_connections{state=\"idle\"}");
    let in_use = value(&after, "roster_db_pool_connections{state=\"in_use\"}");
    assert!(idle >= 1.0 && idle + in_use <= 4.0, "{text}");
    assert_eq!(
        value(
            &after,
            &format!(
                "roster_build_info{{version=\"{}\"}}",
                env!("CARGO_PKG_VERSION")
            )
        ),
        1.0
    );

    // Without an Accept header (curl, promtool): the classic text format, the same samples.
    let response = app.client.get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(
        response.headers()["content-type"],
        "text/plain; version=0.0.4; charset=utf-8"
    );
    let classic = response.text().await.unwrap();
    assert!(
        classic.contains("# TYPE roster_http_requests_total counter\n"),
        "{classic}"
    );
    assert!(
        classic.contains("# TYPE roster_build_info gauge\n"),
        "{classic}"
    );
    assert!(
        !classic.contains("# EOF") && !classic.contains("# UNIT"),
        "{classic}"
    );
    let series = requests("GET", "/scim/v2/Users/{id}", 200, &account);
    assert_eq!(samples(&classic)[&series], after[&series]);
}

#[actix_web::test]
async fn the_metrics_token_guards_the_endpoint() {
    let db = TestDb::create(DbKind::Sqlite).unwrap();
    let token = "scrape-me-0123456789abcdef";
    let served = Served::start_with(
        &db.url,
        &[
            "--listen",
            "127.0.0.1:0",
            "--workers",
            "1",
            "--log-format",
            "json",
        ],
        &[("ROSTER_METRICS_TOKEN", token), ("ROSTER_LOG", "debug")],
    );
    let out = served.stdout_until("SCIM base URL:");
    let base = format!(
        "http://127.0.0.1:{}",
        port_from_base_line(out.last().unwrap())
    );
    let client = reqwest::Client::new();
    let get = |authorization: Option<String>| {
        let mut request = client.get(format!("{base}/metrics"));
        if let Some(value) = authorization {
            request = request.header("authorization", value);
        }
        request.send()
    };
    for refused in [
        None,
        Some(format!("Bearer {token}x")),
        Some(format!("Bearer {}", &token[..token.len() - 1])),
        Some(format!("Basic {token}")),
        Some(token.to_owned()),
    ] {
        let response = get(refused.clone()).await.unwrap();
        assert_eq!(response.status(), 401, "{refused:?}");
        assert!(response.headers().contains_key("www-authenticate"));
        assert!(
            !response
                .text()
                .await
                .unwrap()
                .contains("roster_http_requests")
        );
    }
    let response = get(Some(format!("bearer {token}"))).await.unwrap();
    assert_eq!(response.status(), 200);
    let text = response.text().await.unwrap();
    assert!(
        text.contains(r#"roster_http_requests_total{method="GET",route="/metrics",status="401",account="none"} 5"#),
        "{text}"
    );
    let health = client.get(format!("{base}/healthz")).send().await.unwrap();
    assert_eq!(health.status(), 200, "only /metrics needs the token");

    let (clean, logs, _) = served.terminate();
    assert!(clean, "{logs}");
    assert!(logs.contains("request finished"), "debug logs were written");
    assert!(!logs.contains(token), "the metrics token is in the logs");
    assert!(
        !logs.contains(&token[..16]),
        "part of the metrics token is in the logs"
    );
}
