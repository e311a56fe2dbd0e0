//! The delivery loop: every second, the endpoints with undelivered events
//! whose next attempt is due are leased (one replica at a time each), and
//! each leased endpoint gets a task of its own that POSTs its events in
//! `seq` order, one per request, one request at a time. A 2xx moves the
//! endpoint's cursor past the event, and for a leaver's event records when
//! (`store::offboarding`: the console's offboarding receipts); anything else
//! (status, timeout, refused connection) records the error and schedules the
//! next attempt after [`backoff`]. Nothing is lost on a restart: the cursor is in the
//! database, so undelivered events go out once Roster runs again.
//!
//! **Isolation.** Endpoints are served side by side, at most
//! `webhook_concurrency` at once per process, so a slow, failing or
//! hanging receiver holds up only its own endpoint's events: every request
//! ends within [`REQUEST_TIMEOUT`], and the other endpoints' tasks go on
//! meanwhile. An endpoint has at most one task, so its events stay in order.
//!
//! **Destinations.** Unless `webhook_allow_private_destinations` is set,
//! an endpoint whose URL names an internal address is not sent to, and
//! names are resolved by [`PublicOnly`], which lets the client connect only
//! to public addresses (docs/SECURITY.md, "Webhook destinations"); the
//! refusal is the endpoint's `lastError`, retried with backoff like any
//! failure (so allowing it later, or fixing DNS, resumes delivery).
//!
//! **Leases.** A task sends only while it holds the endpoint's lease, and
//! starts a request only in the first half of it (`LEASE` / 2, 30 s): the
//! request ends (or times out) long before the lease does, so no replica
//! ever sends after its lease has expired and another may have taken it.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::json;
use tokio::task::JoinSet;

use super::destination;
use super::resolver::{PublicOnly, check_literal};
use super::signature::{SIGNATURE_HEADER, backoff, endpoint_secret, sign};
use crate::auth::Authenticator;
use crate::metrics::Metrics;
use crate::model::WebhookId;
use crate::store::events::Event;
use crate::store::offboarding;
use crate::store::webhooks::{self, Webhook};
use crate::store::{self, Conn, Pool, StoreError};

/// How often the loop looks for due endpoints.
const POLL_INTERVAL: Duration = Duration::from_secs(1);
/// How long a replica holds an endpoint; it stops sending at half of it.
const LEASE: Duration = Duration::from_secs(60);
/// The longest a receiver may take to answer, connection included.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// A request started in the first half of the lease ends before it expires,
/// with room to spare for the clocks of the replicas.
const _: () = assert!(LEASE.as_secs() / 2 + REQUEST_TIMEOUT.as_secs() + 10 <= LEASE.as_secs());
/// Events read per query.
const EVENTS_PER_READ: i64 = 50;
/// The longest error text kept for the delivery status.
const MAX_ERROR_CHARS: usize = 300;

/// The delivery loop of one Roster process.
pub struct Deliverer {
    worker: Arc<Worker>,
    /// The most endpoints served at once.
    concurrency: usize,
}

/// What the endpoints' tasks share.
struct Worker {
    pool: Pool,
    authenticator: Arc<Authenticator>,
    metrics: Arc<Metrics>,
    client: reqwest::Client,
    /// This process's lease owner name.
    owner: String,
    /// Whether internal addresses may be sent to.
    allow_private_destinations: bool,
}

/// The part of an endpoint's lease this process may send in.
struct Lease {
    /// Taken before the lease's expiry was computed, so never later than it.
    taken: Instant,
}

impl Lease {
    /// Whether a request may start now: only in the first half of the lease.
    fn may_send(&self) -> bool {
        self.taken.elapsed() < LEASE / 2
    }
}

impl Deliverer {
    /// `concurrency`: the most endpoints served at once (at least 1);
    /// `allow_private_destinations`: whether internal addresses may be sent to.
    pub fn new(
        pool: Pool,
        authenticator: Arc<Authenticator>,
        metrics: Arc<Metrics>,
        concurrency: usize,
        allow_private_destinations: bool,
    ) -> Self {
        let mut client = reqwest::Client::builder()
            .timeout(REQUEST_TIMEOUT)
            .connect_timeout(CONNECT_TIMEOUT)
            // A redirect could point anywhere; a receiver answers, or fails.
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("roster/", env!("CARGO_PKG_VERSION")));
        if !allow_private_destinations {
            // Names resolve to checked addresses only; and no proxy, which
            // would resolve names where they cannot be checked.
            client = client.dns_resolver(Arc::new(PublicOnly)).no_proxy();
        }
        let client = client
            .build()
            .expect("the HTTP client's settings are valid");
        Self {
            worker: Arc::new(Worker {
                pool,
                authenticator,
                metrics,
                client,
                owner: uuid::Uuid::now_v7().to_string(),
                allow_private_destinations,
            }),
            concurrency: concurrency.max(1),
        }
    }

    /// Runs until `stop` completes, then ends the endpoints' tasks.
    pub async fn run(self, stop: impl std::future::Future<Output = ()>) {
        let mut tasks = JoinSet::new();
        // The endpoint each running task serves.
        let mut serving: HashMap<tokio::task::Id, WebhookId> = HashMap::new();
        let deliver = async {
            let mut ticker = tokio::time::interval(POLL_INTERVAL);
            ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                ticker.tick().await;
                while let Some(done) = tasks.try_join_next_with_id() {
                    let id = match done {
                        Ok((id, ())) => id,
                        Err(error) => {
                            tracing::error!(%error, "a webhook delivery task failed");
                            error.id()
                        }
                    };
                    serving.remove(&id);
                }
                if let Err(error) = self.pass(&mut tasks, &mut serving).await {
                    tracing::warn!(%error, "webhook delivery pass failed; retrying");
                }
            }
        };
        futures_util::future::select(std::pin::pin!(deliver), std::pin::pin!(stop)).await;
        // The endpoints' tasks end before `run` does, so that once it has
        // returned no task of this process holds the database.
        tasks.shutdown().await;
    }

    /// Starts a task for each due endpoint, as far as free places allow, and
    /// updates the backlog metric.
    async fn pass(
        &self,
        tasks: &mut JoinSet<()>,
        serving: &mut HashMap<tokio::task::Id, WebhookId>,
    ) -> Result<(), StoreError> {
        let free = self.concurrency.saturating_sub(serving.len());
        if free > 0 {
            let now = crate::clock::now();
            let limit = i64::try_from(free + serving.len()).unwrap_or(i64::MAX);
            let due = self
                .worker
                .store(move |conn| webhooks::due(conn, now, limit))
                .await?;
            let fresh: Vec<WebhookId> = due
                .into_iter()
                .filter(|id| !serving.values().any(|served| served == id))
                .take(free)
                .collect();
            for id in fresh {
                let worker = Arc::clone(&self.worker);
                let handle = tasks.spawn(async move { worker.serve(id).await });
                serving.insert(handle.id(), id);
            }
        }
        let backlog = self.worker.store(webhooks::total_backlog).await?;
        self.worker.metrics.set_webhook_backlog(backlog);
        Ok(())
    }
}

impl Worker {
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

    /// One endpoint's task: lease it, deliver, give the lease back.
    async fn serve(self: Arc<Self>, id: WebhookId) {
        if let Err(error) = self.serve_endpoint(id).await {
            tracing::warn!(webhook = %id, %error, "webhook delivery failed; retrying");
        }
    }

    async fn serve_endpoint(&self, id: WebhookId) -> Result<(), StoreError> {
        let lease = Lease {
            taken: Instant::now(),
        };
        let now = crate::clock::now();
        let until = now + LEASE;
        let claimed = {
            let owner = self.owner.clone();
            self.store(move |conn| webhooks::claim(conn, id, &owner, now, until))
                .await?
        };
        let Some(webhook) = claimed else {
            return Ok(()); // another replica has it
        };
        let delivered = self.deliver(&webhook, &lease).await;
        let owner = self.owner.clone();
        self.store(move |conn| webhooks::release(conn, id, &owner))
            .await?;
        delivered
    }

    /// Sends the endpoint's waiting events in order, until one fails, none
    /// is left, or half the lease is used.
    async fn deliver(&self, webhook: &Webhook, lease: &Lease) -> Result<(), StoreError> {
        let key_id = webhook.key_id;
        let authenticator = Arc::clone(&self.authenticator);
        let key = self
            .store(move |conn| authenticator.key(conn, key_id))
            .await?;
        let Some(key) = key else {
            let error = "the signing key of this endpoint was retired: delete the endpoint and add it again";
            return self.failed(webhook, webhook.attempts + 1, error).await;
        };
        if let Err(error) = self.check_destination(&webhook.url) {
            // Nothing is sent; it counts as a failed delivery.
            self.metrics.observe_webhook_delivery(false);
            return self.failed(webhook, webhook.attempts + 1, &error).await;
        }
        let secret = endpoint_secret(&key.secret, &webhook.id.to_string());
        let account = webhook.account_id;
        let mut after = webhook.delivered_seq;
        // The first event is the one earlier attempts failed at.
        let mut attempt = webhook.attempts + 1;
        while lease.may_send() {
            let events = self
                .store(move |conn| store::events::feed(conn, account, after, EVENTS_PER_READ))
                .await?;
            if events.is_empty() {
                return Ok(());
            }
            for event in events {
                if !lease.may_send() {
                    return Ok(());
                }
                if let Err(error) = self.post(webhook, &secret, &event, attempt).await {
                    self.metrics.observe_webhook_delivery(false);
                    return self.failed(webhook, attempt, &error).await;
                }
                self.metrics.observe_webhook_delivery(true);
                let (id, owner, seq) = (webhook.id, self.owner.clone(), event.seq);
                let at = crate::clock::now();
                // A leaver's event gets its receipt in the same transaction.
                let leaver = offboarding::LEAVER_KINDS.contains(&event.kind.as_str());
                let kept_lease = self
                    .store(move |conn| {
                        let kept = webhooks::delivered(conn, id, &owner, seq, at)?;
                        if kept && leaver {
                            offboarding::acknowledge(conn, id, account, seq, at)?;
                        }
                        Ok(kept)
                    })
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

    /// Whether the stored URL may be sent to: the checks of a new endpoint
    /// (an endpoint stored before them, or while internal addresses were
    /// allowed, may fail them now), except the names, which the client's
    /// resolver checks at every connection.
    fn check_destination(&self, url: &str) -> Result<(), String> {
        let target = destination::parse(url)
            .map_err(|reason| format!("the endpoint's URL is refused: {reason}"))?;
        if !self.allow_private_destinations {
            check_literal(&target).map_err(|refused| format!("not sent: {refused}"))?;
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
        let (id, owner) = (webhook.id, self.owner.clone());
        self.store(move |conn| webhooks::failed(conn, id, &owner, attempts, &error, now, next))
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
            "account": webhook.account_id,
            "member": event.member,
            "data": event.data,
            "at": event.at,
        })
        .to_string();
        let timestamp = chrono::Utc::now().timestamp();
        let request = self
            .client
            .post(&webhook.url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header(SIGNATURE_HEADER, sign(secret, timestamp, body.as_bytes()))
            .header("Roster-Event-Id", event.id.to_string())
            .header("Roster-Event-Kind", &event.kind)
            .header("Roster-Delivery-Attempt", attempt.to_string())
            .body(body)
            .send();
        // The client's own timeout covers the whole request; this one makes
        // sure of it, since the lease depends on it.
        let response = tokio::time::timeout(REQUEST_TIMEOUT, request)
            .await
            .map_err(|_| "the receiver did not answer in time".to_owned())?
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
