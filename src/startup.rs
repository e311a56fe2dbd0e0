//! Building and running the server: open the store, migrate, load the keys
//! (a new database's first start is `service::accounts::first_start`), bind,
//! serve until SIGTERM/SIGINT.

use std::net::TcpListener;
use std::sync::Arc;

use anyhow::Context;

use crate::auth::Authenticator;
use crate::config::ServeConfig;
use crate::http::{self, Server, ServerHandle};
use crate::metrics::Metrics;
use crate::store::{self, Conn, DatabaseUrl, Pool, StoreError};
use crate::webhooks::delivery::Deliverer;

/// The store, migrated, with the authenticator loaded from it.
pub struct Backend {
    pub pool: Pool,
    pub authenticator: Arc<Authenticator>,
    /// The migrations this opening applied (their versions), oldest first.
    pub migrations_applied: Vec<String>,
}

impl Backend {
    /// Connects, applies pending migrations, recomputes the stored name keys
    /// when the key function changed (reporting names that now collide) and
    /// loads the signing keys.
    pub fn open(url: &DatabaseUrl, pool_size: u32) -> Result<Self, StoreError> {
        let pool = store::open_pool(url, pool_size)?;
        let mut conn = pool.get()?;
        let applied = store::migrate(&mut conn)?;
        if !applied.is_empty() {
            tracing::info!(migrations = ?applied, "database migrated");
        }
        let recompute_access = |conn: &mut Conn, account| {
            crate::service::access::recompute(conn, account, store::access::Who::All)
        };
        if let Some(rekeyed) = store::name_keys::recompute(&mut conn, recompute_access)?
            && rekeyed.changed > 0
        {
            tracing::info!(
                from_version = rekeyed.from_version,
                to_version = crate::model::KEY_FUNCTION_VERSION,
                changed = rekeyed.changed,
                conflicts = rekeyed.conflicts.len(),
                "name keys recomputed"
            );
        }
        // Ids only: a name is a request value, never logged.
        for conflict in store::name_keys::conflicts(&mut conn)? {
            tracing::warn!(
                account = %conflict.account,
                resource_type = %conflict.resource_type,
                holder = %conflict.holder,
                other = %conflict.resource,
                "two names of one account have one key: the other keeps its old key until it is \
                 renamed or deleted (see 'roster doctor')"
            );
        }
        // The first signing key of a new database.
        crate::service::keys::current(&mut conn)?;
        let authenticator = Arc::new(Authenticator::load(&mut conn)?);
        drop(conn);
        Ok(Self {
            pool,
            authenticator,
            migrations_applied: applied,
        })
    }
}

/// A bound, not yet running server, and its webhook deliverer.
pub struct Application {
    port: u16,
    server: Server,
    deliverer: Deliverer,
}

impl Application {
    /// Binds the listener (port 0 picks a free port) and builds the server.
    pub fn build(config: &ServeConfig, backend: &Backend) -> anyhow::Result<Self> {
        let listener = TcpListener::bind(&config.listen)
            .with_context(|| format!("cannot listen on {}", config.listen))?;
        let port = listener.local_addr()?.port();
        let metrics = Arc::new(Metrics::new());
        let deliverer = Deliverer::new(
            backend.pool.clone(),
            Arc::clone(&backend.authenticator),
            Arc::clone(&metrics),
            config.webhook_concurrency,
            config.webhook_allow_private_destinations,
        );
        let server = Server::build(
            config,
            listener,
            backend.pool.clone(),
            Arc::clone(&backend.authenticator),
            metrics,
        )?;
        Ok(Self {
            port,
            server,
            deliverer,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// A handle that stops the server (and with it the webhook deliverer).
    pub fn handle(&self) -> ServerHandle {
        self.server.handle()
    }

    /// Serves until SIGTERM or SIGINT, then finishes in-flight requests
    /// (up to the shutdown timeout) and returns.
    /// Webhooks are delivered while it serves.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let deliveries = http::spawn_local(self.deliverer.run(async {
            let _ = stopped.await;
        }));
        let served = self.server.run().await;
        let _ = stop.send(());
        // Wait for the deliverer, so that when this returns no task of this
        // server holds a database connection.
        if let Err(error) = deliveries.await {
            tracing::error!(%error, "the webhook deliverer failed");
        }
        served
    }
}
