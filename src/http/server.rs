//! The actix-web server: the shared state, the middleware in order around
//! the routes of [`super::configure`], the worker and blocking-thread counts.
//! `startup` binds the listener and hands it here; this is the one place
//! the server is put together.

use std::net::TcpListener;
use std::sync::Arc;

use actix_web::middleware::{NormalizePath, TrailingSlash};
use actix_web::{App, HttpServer, web};
use anyhow::Context;
use tracing_actix_web::TracingLogger;

use super::metrics::{MetricsAccess, observe};
use super::middleware::limits::BodyGuard;
use super::middleware::paths;
use super::middleware::span::{RequestIdHeader, RequestSpan};
use super::rate_limit::{RateLimits, TokenEndpointLimits};
use super::state::AppState;
use crate::auth::Authenticator;
use crate::config::ServeConfig;
use crate::metrics::Metrics;
use crate::scim::discovery::Capabilities;
use crate::store::{DatabaseUrl, Pool};

/// What stops a running [`Server`].
pub type ServerHandle = actix_web::dev::ServerHandle;

/// A built server, serving once awaited through [`Server::run`].
pub struct Server(actix_web::dev::Server);

impl Server {
    /// Builds the server on `listener` for the store's `pool`; requests are
    /// counted in `metrics`.
    pub fn build(
        config: &ServeConfig,
        listener: TcpListener,
        pool: Pool,
        authenticator: Arc<Authenticator>,
        metrics: Arc<Metrics>,
    ) -> anyhow::Result<Self> {
        let workers = config.workers.unwrap_or_else(|| {
            std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
        });
        // Store work runs on a worker's blocking threads, each needing one of
        // the pool's connections: more threads than connections would only
        // wait, and each thread that ran a request keeps allocator memory of
        // its own (docs/PERFORMANCE.md, "Memory").
        let blocking_threads = (pool.max_size() as usize).div_ceil(workers);
        let state = web::Data::new(AppState {
            pool,
            inline_reads: matches!(config.database_url, DatabaseUrl::Sqlite(_)),
            authenticator,
            capabilities: Capabilities {
                cursor_timeout: config.cursor_timeout,
                bulk_max_operations: config.bulk_max_operations,
                bulk_max_payload_bytes: config.bulk_max_payload_bytes,
                ..Capabilities::current(config.max_page_size)
            },
            limits: config.limits.clone(),
            max_body_bytes: config.max_body_bytes,
            rate_limits: RateLimits::new(config.rate_limit),
            token_limits: TokenEndpointLimits::new(config.rate_limit),
            federation: crate::auth::federation::Verifier::new(
                config.oauth_allow_http_loopback_issuers,
            )
            .context("the HTTP client for issuers' keys")?,
            oauth_token_lifetime: chrono::Duration::from_std(config.oauth_token_lifetime)
                .context("oauth_token_lifetime")?,
            client_ip_header: config
                .client_ip_header
                .as_deref()
                .map(actix_web::http::header::HeaderName::try_from)
                .transpose()
                .context("client_ip_header")?,
            public_url: config.public_url.clone(),
            webhook_allow_private_destinations: config.webhook_allow_private_destinations,
            console_sessions: config.console_sessions,
        });
        let metrics = web::Data::from(metrics);
        let metrics_access = web::Data::new(MetricsAccess::new(config.metrics_token.as_ref()));
        let max_body_bytes = config.max_body_bytes;
        let bulk_max_payload_bytes = config.bulk_max_payload_bytes;
        let frame_ancestors = config.console_frame_ancestors.clone();
        let body_timeout = config.body_timeout;
        let server = HttpServer::new(move || {
            App::new()
                .app_data(state.clone())
                .app_data(metrics.clone())
                .app_data(metrics_access.clone())
                .configure(|cfg| {
                    super::configure(
                        cfg,
                        max_body_bytes,
                        bulk_max_payload_bytes,
                        &frame_ancestors,
                    );
                })
                // Inside the path's normalization: it knows the Bulk route
                // by its canonical path.
                .wrap(BodyGuard {
                    max_bytes: max_body_bytes,
                    bulk_max_bytes: bulk_max_payload_bytes,
                    timeout: body_timeout,
                })
                .wrap(NormalizePath::new(TrailingSlash::Trim))
                .wrap_fn(|mut req, srv| {
                    paths::canonicalize(&mut req);
                    actix_web::dev::Service::call(srv, req)
                })
                .wrap_fn(|req, srv| {
                    let started = std::time::Instant::now();
                    let response = actix_web::dev::Service::call(srv, req);
                    async move {
                        response
                            .await
                            .inspect(|response| observe(response, started))
                    }
                })
                .wrap_fn(|req, srv| {
                    let response = actix_web::dev::Service::call(srv, req);
                    async move { response.await.map(RequestIdHeader::apply) }
                })
                .wrap(TracingLogger::<RequestSpan>::new())
        })
        .shutdown_timeout(config.shutdown_timeout.as_secs())
        .listen(listener)?
        .workers(workers)
        .worker_max_blocking_threads(blocking_threads);
        Ok(Self(server.run()))
    }

    /// A handle that stops the server.
    pub fn handle(&self) -> ServerHandle {
        self.0.handle()
    }

    /// Serves until SIGTERM or SIGINT or [`ServerHandle::stop`], then
    /// finishes in-flight requests (up to the shutdown timeout).
    pub async fn run(self) -> std::io::Result<()> {
        self.0.await
    }
}

/// Runs `task` on the current thread's task set (the server's runtime) while
/// the server runs: what `startup` uses for the webhook deliverer, whose
/// future is not `Send`.
pub fn spawn_local<F>(task: F) -> tokio::task::JoinHandle<F::Output>
where
    F: std::future::Future + 'static,
    F::Output: 'static,
{
    actix_web::rt::spawn(task)
}

/// Runs `future` to completion on a new actix-web runtime (a system with
/// its task set): what `roster serve` runs the server on.
pub fn block_on<F: std::future::Future>(future: F) -> F::Output {
    actix_web::rt::System::new().block_on(future)
}
