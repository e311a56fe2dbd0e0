//! What every handler shares: the pool, the authenticator and the limits.

use std::sync::Arc;

use actix_web::web;

use super::error::ApiError;
use crate::audit::Origin;
use crate::auth::Authenticator;
use crate::model::AccountId;
use crate::scim::ScimError;
use crate::scim::discovery::Capabilities;
use crate::scim::limits::RequestLimits;
use crate::scim::list::{ListParams, ListRequest};
use crate::scim::schema::ResourceKind;
use crate::service::Caller;
use crate::store::{Conn, Pool, StoreError};

pub struct AppState {
    pub pool: Pool,
    /// Whether [`AppState::read`] may run on the worker thread (SQLite).
    pub inline_reads: bool,
    pub authenticator: Arc<Authenticator>,
    pub capabilities: Capabilities,
    /// What one SCIM request may carry.
    pub limits: RequestLimits,
    /// Largest accepted request body, in bytes.
    pub max_body_bytes: usize,
    pub rate_limits: super::rate_limit::RateLimits,
    /// `POST /oauth/token`'s, per client and per source address.
    pub token_limits: super::rate_limit::TokenEndpointLimits,
    /// Checks client assertions against their issuers' keys (RFC 7523).
    pub federation: crate::auth::federation::Verifier,
    /// How long the token endpoint's access tokens live.
    pub oauth_token_lifetime: chrono::Duration,
    /// Where a trusted reverse proxy puts the client's address, if it does;
    /// when set, its `Forwarded`/`X-Forwarded-*` headers are trusted too.
    pub client_ip_header: Option<actix_web::http::header::HeaderName>,
    /// The URL clients reach Roster at (`public_url`), without a trailing `/`.
    pub public_url: Option<String>,
    /// Whether webhook URLs may name internal addresses.
    pub webhook_allow_private_destinations: bool,
    /// When admin console sessions end.
    pub console_sessions: crate::service::console::SessionPolicy,
}

impl AppState {
    /// A list request (RFC 7644 §3.4.2) for resources of `kind`, within this
    /// server's filter limits and page size.
    pub fn list_request(
        &self,
        kind: ResourceKind,
        params: &ListParams,
    ) -> Result<ListRequest, ScimError> {
        ListRequest::parse(
            kind,
            params,
            &self.limits.filter,
            self.capabilities.max_results,
        )
    }

    /// What cursor paging (RFC 9865) needs: the signing keys, the
    /// `cursor_timeout`, and the time now.
    pub fn cursors(&self) -> crate::service::paging::Cursors<'_> {
        crate::service::paging::Cursors {
            keys: &self.authenticator,
            timeout: self.capabilities.cursor_timeout,
            now_ms: chrono::Utc::now().timestamp_millis(),
        }
    }

    /// Runs store reads: on SQLite right here on the worker thread, when a
    /// connection is free at once — a WAL read never waits for a writer and
    /// takes less time than the two thread switches to the blocking pool and
    /// back; otherwise (PostgreSQL's network round trips, or every
    /// connection busy) like [`run`](Self::run). `work` must not write.
    pub async fn read<T, E, F>(state: &web::Data<Self>, work: F) -> Result<T, ApiError>
    where
        F: FnOnce(&mut Conn) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: Into<ApiError> + Send + 'static,
    {
        if state.inline_reads
            && let Some(mut conn) = state.pool.try_get()
        {
            return work(&mut conn).map_err(Into::into);
        }
        Self::run(state, work).await
    }

    /// Runs a change on the blocking pool (see [`run`](Self::run)) as the
    /// [`Caller`] that `origin` names in `account`, within the limits of a
    /// request; `work` parses the request and calls the operation.
    pub async fn change<T, F>(
        state: &web::Data<Self>,
        account: AccountId,
        origin: Origin,
        work: F,
    ) -> Result<T, ApiError>
    where
        F: FnOnce(&mut Conn, &Caller<'_>) -> Result<T, ApiError> + Send + 'static,
        T: Send + 'static,
    {
        let limits = state.limits.clone();
        Self::run(state, move |conn| {
            let caller = Caller {
                account,
                origin: &origin,
                limits: &limits,
            };
            work(conn, &caller)
        })
        .await
    }

    /// Runs store work on the blocking pool with a pooled connection; the
    /// checks of a request body run there too, off the async workers (a
    /// worker serves many connections, and a large body must not stall them).
    pub async fn run<T, E, F>(state: &web::Data<Self>, work: F) -> Result<T, ApiError>
    where
        F: FnOnce(&mut Conn) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: Into<ApiError> + Send + 'static,
    {
        let state = state.clone();
        // The request's span goes along, so that what the work logs carries
        // the request id.
        let span = tracing::Span::current();
        web::block(move || {
            let _entered = span.enter();
            let mut conn = state.pool.get().map_err(StoreError::from)?;
            work(&mut conn).map_err(Into::into)
        })
        .await?
    }
}
