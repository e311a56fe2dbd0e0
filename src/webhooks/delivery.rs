//! The delivery loop: every second, the endpoints with undelivered events
//! whose next attempt is due are leased (one replica at a time each), and
//! their events are POSTed in `seq` order, one per request. A 2xx moves the
//! endpoint's cursor past the event; anything else (status, timeout,
//! refused connection) records the error and schedules the next attempt
//! after [`backoff`]. Nothing is lost on a restart: the cursor is in the
//! database, so undelivered events go out once Roster runs again.

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::json;

use super::signature::{SIGNATURE_HEADER, backoff, endpoint_secret, sign};
use crate::auth::Authenticator;
use crate::metrics::Metrics;
use crate::store::events::Event;
use crate::store::webhooks::{self, Webhook};
use crate::store::{self, Conn, Pool, StoreError};

/// How often the loop looks for due endpoints.
const POLL_INTERVAL: Duration = Duration::from_secs(1);
/// How long a replica holds an endpoint; it stops sending at half of it.
const LEASE: Duration = Duration::from_secs(60);
/// The longest a receiver may take to answer.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Endpoints served per pass, and events read per query.
const ENDPOINTS_PER_PASS: i64 = 20;
const EVENTS_PER_READ: i64 = 50;
/// The longest error text kept for the delivery status.
const MAX_ERROR_CHARS: usize = 300;

/// The delivery loop of one Roster process.
pub struct Deliverer {
    pool: Pool,
    authenticator: Arc<Authenticator>,
    metrics: Arc<Metrics>,
    client: reqwest::Client,
    /// This process's lease owner name.
    owner: String,
}

impl Deliverer {
    pub fn new(pool: Pool, authenticator: Arc<Authenticator>, metrics: Arc<Metrics>) -> Self {
        let client = reqwest::Client::builder()
            .timeout(REQUEST_TIMEOUT)
            .connect_timeout(CONNECT_TIMEOUT)
            // A redirect could point anywhere; a receiver answers, or fails.
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("roster/", env!("CARGO_PKG_VERSION")))
            .build()
            .expect("the HTTP client's settings are valid");
        Self {
            pool,
            authenticator,
            metrics,
            client,
            owner: uuid::Uuid::now_v7().to_string(),
        }
    }

    /// Runs until the task is dropped.
    pub async fn run(self) {
        let mut ticker = tokio::time::interval(POLL_INTERVAL);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticker.tick().await;
            if let Err(error) = self.pass().await {
                tracing::warn!(%error, "webhook delivery pass failed; retrying");
            }
        }
    }

    /// Store work on the blocking pool.
    async fn store<T, F>(&self, work: F) -> Result<T, StoreError>
    where
        F: FnOnce(&mut Conn) -> Result<T, StoreError> + Send + 'static,
        T: Send + 'static,
    {
        let pool = self.pool.clone();
        tokio::task::spawn_blocking(move || {
            let mut conn = pool.get()?;
            // In a write transaction, so that on SQLite it queues with the
            // requests' writers instead of starving in the busy handler.
            crate::store::write_transaction(&mut conn, work)
        })
        .await
        .map_err(|error| StoreError::Connect(format!("the blocking pool failed: {error}")))?
    }

    /// One pass over the due endpoints.
    async fn pass(&self) -> Result<(), StoreError> {
        let now = crate::clock::now();
        let due = self
            .store(move |conn| webhooks::due(conn, now, ENDPOINTS_PER_PASS))
            .await?;
        for id in due {
            let owner = self.owner.clone();
            let until = now + LEASE;
            let claimed = {
                let id = id.clone();
                self.store(move |conn| webhooks::claim(conn, &id, &owner, now, until))
                    .await?
            };
            let Some(webhook) = claimed else {
                continue; // another replica has it
            };
            let delivered = self.deliver(&webhook).await;
            let owner = self.owner.clone();
            self.store(move |conn| webhooks::release(conn, &id, &owner))
                .await?;
            delivered?;
        }
        let backlog = self.store(webhooks::total_backlog).await?;
        self.metrics.set_webhook_backlog(backlog);
        Ok(())
    }

    /// Sends the endpoint's waiting events in order, until one fails, none
    /// is left, or half the lease is used.
    async fn deliver(&self, webhook: &Webhook) -> Result<(), StoreError> {
        let started = Instant::now();
        let key_id = webhook
            .key_id
            .parse()
            .map_err(|_| StoreError::Corrupt(format!("webhook {}: key id", webhook.id)))?;
        let authenticator = Arc::clone(&self.authenticator);
        let key = self
            .store(move |conn| authenticator.key(conn, key_id))
            .await?;
        let Some(key) = key else {
            let error = "the signing key of this endpoint was retired: delete the endpoint and add it again";
            return self
                .failed(webhook, webhook.delivery.attempts + 1, error)
                .await;
        };
        let secret = endpoint_secret(&key.secret, &webhook.id);
        let account = webhook
            .account
            .parse()
            .map_err(|_| StoreError::Corrupt(format!("webhook {}: account id", webhook.id)))?;
        let mut after = webhook.delivery.delivered_seq;
        // The first event is the one earlier attempts failed at.
        let mut attempt = webhook.delivery.attempts + 1;
        while started.elapsed() < LEASE / 2 {
            let events = self
                .store(move |conn| store::events::feed(conn, account, after, EVENTS_PER_READ))
                .await?;
            if events.is_empty() {
                return Ok(());
            }
            for event in events {
                if let Err(error) = self.post(webhook, &secret, &event, attempt).await {
                    self.metrics.observe_webhook_delivery(false);
                    return self.failed(webhook, attempt, &error).await;
                }
                self.metrics.observe_webhook_delivery(true);
                let (id, owner, seq) = (webhook.id.clone(), self.owner.clone(), event.seq);
                let at = crate::clock::now();
                let kept_lease = self
                    .store(move |conn| webhooks::delivered(conn, &id, &owner, seq, at))
                    .await?;
                if !kept_lease {
                    return Ok(());
                }
                after = event.seq;
                attempt = 1;
            }
        }
        Ok(())
    }

    async fn failed(
        &self,
        webhook: &Webhook,
        attempts: i32,
        error: &str,
    ) -> Result<(), StoreError> {
        let now = crate::clock::now();
        let wait = backoff(u32::try_from(attempts).unwrap_or(u32::MAX));
        let next = now + chrono::Duration::from_std(wait).unwrap_or(chrono::Duration::hours(1));
        let error: String = error.chars().take(MAX_ERROR_CHARS).collect();
        tracing::warn!(
            webhook = %webhook.id,
            attempts,
            retry_in_seconds = wait.as_secs(),
            %error,
            "webhook delivery failed"
        );
        let (id, owner) = (webhook.id.clone(), self.owner.clone());
        self.store(move |conn| webhooks::failed(conn, &id, &owner, attempts, &error, now, next))
            .await
    }

    /// One signed POST; `Err` with what went wrong unless the receiver answered 2xx.
    async fn post(
        &self,
        webhook: &Webhook,
        secret: &str,
        event: &Event,
        attempt: i32,
    ) -> Result<(), String> {
        let body = json!({
            "id": event.id,
            "seq": event.seq,
            "kind": event.kind,
            "account": webhook.account,
            "member": event.member,
            "data": event.data,
            "at": event.at,
        })
        .to_string();
        let timestamp = chrono::Utc::now().timestamp();
        let response = self
            .client
            .post(&webhook.url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header(SIGNATURE_HEADER, sign(secret, timestamp, body.as_bytes()))
            .header("Roster-Event-Id", &event.id)
            .header("Roster-Event-Kind", &event.kind)
            .header("Roster-Delivery-Attempt", attempt.to_string())
            .body(body)
            .send()
            .await
            .map_err(|error| describe(&error))?;
        let status = response.status();
        if status.is_success() {
            Ok(())
        } else {
            Err(format!("the receiver answered HTTP {}", status.as_u16()))
        }
    }
}

/// A transport error in words, without the URL (it may carry a query secret).
fn describe(error: &reqwest::Error) -> String {
    let what = if error.is_timeout() {
        "the receiver did not answer in time"
    } else if error.is_connect() {
        "could not connect to the receiver"
    } else {
        "the request failed"
    };
    let mut cause = String::new();
    let mut source = std::error::Error::source(error);
    while let Some(inner) = source {
        cause = inner.to_string();
        source = inner.source();
    }
    if cause.is_empty() {
        what.to_owned()
    } else {
        format!("{what}: {cause}")
    }
}
