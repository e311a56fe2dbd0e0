//! Prometheus metrics (the `prometheus-client` crate, maintained by the
//! Prometheus project): one registry per running server, never a global, so
//! two servers in one process (as in the tests) count apart.
//!
//! Labels hold only bounded values: the route *pattern* (`/scim/v2/Users/{id}`,
//! never the path with its id), a known method, the status code, the
//! account's id (only once its token is valid) and a fixed set of reasons.
//! The exposition is OpenMetrics for clients that ask for it (Prometheus
//! does), else the classic Prometheus text format ([`exposition`]);
//! docs/OPERATIONS.md lists the metrics.

pub mod exposition;

use std::time::Duration;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::metrics::info::Info;
use prometheus_client::registry::{Registry, Unit};

pub use exposition::Format;

/// The label of requests that matched no route.
pub const UNMATCHED_ROUTE: &str = "unmatched";
/// The `account` label of requests without a valid token.
pub const NO_ACCOUNT: &str = "none";

/// Latency buckets in seconds, from 1 ms to 10 s.
const LATENCY_BUCKETS: [f64; 13] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: &'static str,
    route: String,
    status: u16,
    account: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct LatencyLabels {
    method: &'static str,
    route: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ReasonLabels {
    reason: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StateLabels {
    state: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OutcomeLabels {
    outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct BuildLabels {
    version: &'static str,
}

/// One finished request, as the metrics see it.
#[derive(Debug)]
pub struct RequestOutcome<'a> {
    /// The HTTP method; anything but the usual ones is counted as `other`.
    pub method: &'a str,
    /// The matched route pattern, or [`UNMATCHED_ROUTE`].
    pub route: &'a str,
    pub status: u16,
    /// The account's id, or [`NO_ACCOUNT`].
    pub account: &'a str,
    pub elapsed: Duration,
}

/// The database pool as r2d2 reports it.
#[derive(Debug, Clone, Copy)]
pub struct PoolUsage {
    pub connections: u32,
    pub idle: u32,
    pub max: u32,
}

/// The registry and its metric families.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: Family<LatencyLabels, Histogram>,
    auth_failures: Family<ReasonLabels, Counter>,
    pool_connections: Family<StateLabels, Gauge>,
    pool_max: Gauge,
    webhook_deliveries: Family<OutcomeLabels, Counter>,
    webhook_backlog: Gauge,
    oauth_token_requests: Family<OutcomeLabels, Counter>,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("roster");
        let requests = Family::<RequestLabels, Counter>::default();
        registry.register(
            "http_requests",
            "HTTP requests answered, by method, route pattern, status and account id",
            requests.clone(),
        );
        let latency = Family::<LatencyLabels, Histogram>::new_with_constructor(|| {
            Histogram::new(LATENCY_BUCKETS)
        });
        registry.register_with_unit(
            "http_request_duration",
            "Time from receiving a request to its response, by method and route pattern",
            Unit::Seconds,
            latency.clone(),
        );
        let auth_failures = Family::<ReasonLabels, Counter>::default();
        registry.register(
            "auth_failures",
            "Requests refused for their token: missing, malformed, bad_signature, expired, revoked, key_retired, \
             unknown, wrong_scope",
            auth_failures.clone(),
        );
        let pool_connections = Family::<StateLabels, Gauge>::default();
        registry.register(
            "db_pool_connections",
            "Database connections of this process's pool, by state (idle or in_use)",
            pool_connections.clone(),
        );
        let pool_max = Gauge::default();
        registry.register(
            "db_pool_max_connections",
            "The most connections this process's pool opens",
            pool_max.clone(),
        );
        let webhook_deliveries = Family::<OutcomeLabels, Counter>::default();
        registry.register(
            "webhook_deliveries",
            "Webhook deliveries tried by this process, by outcome (delivered, or failed: not 2xx, no \
             answer, or a refused destination)",
            webhook_deliveries.clone(),
        );
        let webhook_backlog = Gauge::default();
        registry.register(
            "webhook_backlog_events",
            "Change events not yet delivered, summed over every webhook endpoint (as of the \
             last delivery pass)",
            webhook_backlog.clone(),
        );
        let oauth_token_requests = Family::<OutcomeLabels, Counter>::default();
        registry.register(
            "oauth_token_requests",
            "Requests to POST /oauth/token, by outcome: issued, or the RFC 6749 error (invalid_request, \
             invalid_client, invalid_grant, unsupported_grant_type, invalid_scope), rate_limited or \
             unavailable",
            oauth_token_requests.clone(),
        );
        registry.register(
            "build",
            "The running Roster's version",
            Info::new(BuildLabels {
                version: env!("CARGO_PKG_VERSION"),
            }),
        );
        Self {
            registry,
            requests,
            latency,
            auth_failures,
            pool_connections,
            pool_max,
            webhook_deliveries,
            webhook_backlog,
            oauth_token_requests,
        }
    }

    /// Counts a request of the token endpoint by its outcome.
    pub fn observe_oauth_token(&self, outcome: &'static str) {
        self.oauth_token_requests
            .get_or_create(&OutcomeLabels { outcome })
            .inc();
    }

    /// Counts a webhook request: delivered (2xx) or failed.
    pub fn observe_webhook_delivery(&self, delivered: bool) {
        let outcome = if delivered { "delivered" } else { "failed" };
        self.webhook_deliveries
            .get_or_create(&OutcomeLabels { outcome })
            .inc();
    }

    /// Sets the webhook backlog gauge.
    pub fn set_webhook_backlog(&self, events: i64) {
        self.webhook_backlog.set(events);
    }

    /// Counts a finished request and its latency.
    pub fn observe_request(&self, outcome: &RequestOutcome<'_>) {
        let method = known_method(outcome.method);
        self.requests
            .get_or_create(&RequestLabels {
                method,
                route: outcome.route.to_owned(),
                status: outcome.status,
                account: outcome.account.to_owned(),
            })
            .inc();
        self.latency
            .get_or_create(&LatencyLabels {
                method,
                route: outcome.route.to_owned(),
            })
            .observe(outcome.elapsed.as_secs_f64());
    }

    /// Counts a request refused for its token.
    pub fn observe_auth_failure(&self, reason: &'static str) {
        self.auth_failures
            .get_or_create(&ReasonLabels { reason })
            .inc();
    }

    /// The exposition in `format`, with the pool gauges as of now.
    pub fn render(&self, pool: PoolUsage, format: Format) -> String {
        let in_use = pool.connections.saturating_sub(pool.idle);
        self.pool_connections
            .get_or_create(&StateLabels { state: "idle" })
            .set(i64::from(pool.idle));
        self.pool_connections
            .get_or_create(&StateLabels { state: "in_use" })
            .set(i64::from(in_use));
        self.pool_max.set(i64::from(pool.max));
        let mut text = String::new();
        prometheus_client::encoding::text::encode(&mut text, &self.registry)
            .expect("writing to a String cannot fail");
        match format {
            Format::OpenMetrics => text,
            Format::Text => exposition::to_classic(&text),
        }
    }
}

fn known_method(method: &str) -> &'static str {
    const KNOWN: [&str; 7] = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];
    KNOWN
        .into_iter()
        .find(|known| *known == method)
        .unwrap_or("other")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exposition_names_and_labels() {
        let metrics = Metrics::new();
        metrics.observe_request(&RequestOutcome {
            method: "BREW",
            route: "/scim/v2/Users/{id}",
            status: 404,
            account: NO_ACCOUNT,
            elapsed: Duration::from_millis(3),
        });
        metrics.observe_auth_failure("revoked");
        let pool = PoolUsage {
            connections: 3,
            idle: 1,
            max: 16,
        };
        let text = metrics.render(pool, Format::OpenMetrics);
        for line in [
            r#"roster_http_requests_total{method="other",route="/scim/v2/Users/{id}",status="404",account="none"} 1"#,
            r#"roster_http_request_duration_seconds_bucket{le="0.005",method="other",route="/scim/v2/Users/{id}"} 1"#,
            r#"roster_auth_failures_total{reason="revoked"} 1"#,
            r#"roster_db_pool_connections{state="in_use"} 2"#,
            r#"roster_db_pool_max_connections 16"#,
        ] {
            assert!(text.lines().any(|l| l == line), "{line} in\n{text}");
        }
        assert!(text.ends_with("# EOF\n"));
        let classic = metrics.render(pool, Format::Text);
        assert!(classic.contains("# TYPE roster_http_requests_total counter\n"));
        assert!(!classic.contains("# EOF"));
    }
}
