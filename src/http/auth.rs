//! Authentication as extractors: a handler states the scope it needs in its
//! signature (`Authenticated<ScimScope>`), so no handler can forget the check.
//! In order: the token (401), the account's network allow-list (403), the
//! scope (403), the rate limit (429).

use std::future::Future;
use std::marker::PhantomData;
use std::net::IpAddr;
use std::pin::Pin;

use actix_web::http::header::{AUTHORIZATION, HeaderName};
use actix_web::{FromRequest, HttpMessage, HttpRequest, dev::Payload, web};
use tracing_actix_web::RequestId;

use super::error::ApiError;
use super::state::AppState;
use crate::audit::{Actor, Origin};
use crate::auth::{AuthError, Caller, Principal};
use crate::model::Scope;

/// Which token scopes an endpoint accepts.
pub trait ScopeRule {
    const NEEDED: Scope;
    fn allows(scope: Scope) -> bool;
}

/// `/scim/v2`: the identity provider's `scim` tokens only.
pub struct ScimScope;

impl ScopeRule for ScimScope {
    const NEEDED: Scope = Scope::Scim;
    fn allows(scope: Scope) -> bool {
        scope == Scope::Scim
    }
}

/// `/api/v1` configuration: `admin` tokens only.
pub struct AdminScope;

impl ScopeRule for AdminScope {
    const NEEDED: Scope = Scope::Admin;
    fn allows(scope: Scope) -> bool {
        scope == Scope::Admin
    }
}

/// `/api/v1` access reads: `access` tokens, and `admin` ones.
pub struct AccessScope;

impl ScopeRule for AccessScope {
    const NEEDED: Scope = Scope::Access;
    fn allows(scope: Scope) -> bool {
        matches!(scope, Scope::Access | Scope::Admin)
    }
}

/// A request whose token is valid and has a scope that `R` allows.
pub struct Authenticated<R: ScopeRule> {
    pub principal: Principal,
    /// The token and request id, for the audit log of the changes it makes.
    pub origin: Origin,
    rule: PhantomData<R>,
}

/// Like [`Authenticated`], but a request without any `Authorization` header
/// passes as anonymous (for the public discovery documents). A header that is
/// present must still hold a valid token of the right scope.
pub struct MaybeAuthenticated<R: ScopeRule>(
    #[expect(dead_code, reason = "discovery does not depend on who asks")]
    pub  Option<Authenticated<R>>,
);

async fn authenticate<R: ScopeRule>(req: HttpRequest) -> Result<Authenticated<R>, ApiError> {
    // The request is routed by now: the lines logged from here on name its route.
    super::middleware::span::record_route(&req);
    let outcome = check::<R>(&req).await;
    match &outcome {
        Ok(auth) => super::metrics::authenticated(&req, Ok(auth.principal.account_id)),
        Err(ApiError::Auth(error)) => super::metrics::authenticated(&req, Err(error)),
        Err(_) => {}
    }
    outcome
}

async fn check<R: ScopeRule>(req: &HttpRequest) -> Result<Authenticated<R>, ApiError> {
    let state = req
        .app_data::<web::Data<AppState>>()
        .expect("AppState is registered on the App")
        .clone();
    // A header that is not visible ASCII cannot hold a token; treat it as malformed, not missing.
    let header = match req.headers().get(AUTHORIZATION) {
        None => None,
        Some(value) => Some(
            value
                .to_str()
                .map_err(|_| AuthError::Malformed("the header is not plain text"))?
                .to_owned(),
        ),
    };
    let authenticator = std::sync::Arc::clone(&state.authenticator);
    let Caller {
        principal,
        networks,
    } = AppState::read(&state, move |conn| {
        authenticator.authenticate(conn, header.as_deref())
    })
    .await?;
    if state.authenticator.last_used_is_due(principal.token_id) {
        let token = principal.token_id;
        // A write transaction: on SQLite it queues with the other writers
        // (a bare UPDATE could starve in the busy handler behind them).
        AppState::run(&state, move |conn| {
            crate::store::write_transaction(conn, |conn| {
                crate::store::tokens::touch(conn, token, crate::clock::now())
            })
        })
        .await?;
    }
    let address = client_address(req, state.client_ip_header.as_ref());
    if !networks.is_empty() && !address.is_some_and(|address| networks.allows(address)) {
        return Err(ApiError::NetworkNotAllowed(address));
    }
    if !R::allows(principal.scope) {
        return Err(AuthError::WrongScope {
            needed: R::NEEDED,
            actual: principal.scope,
        }
        .into());
    }
    state
        .rate_limits
        .check(principal.account_id, principal.token_id)
        .map_err(ApiError::RateLimited)?;
    let origin = Origin {
        actor: Actor::Token {
            id: principal.token_id,
            label: principal.token_label.clone(),
        },
        request_id: req.extensions().get::<RequestId>().map(ToString::to_string),
    };
    Ok(Authenticated {
        principal,
        origin,
        rule: PhantomData,
    })
}

/// The client's address: the last address in the trusted proxy's header
/// when one is configured (what that proxy appended), else the socket's.
/// `None` when the configured header is missing or holds no address.
pub(super) fn client_address(req: &HttpRequest, header: Option<&HeaderName>) -> Option<IpAddr> {
    let Some(header) = header else {
        return req.peer_addr().map(|peer| peer.ip());
    };
    let value = req.headers().get_all(header).last()?.to_str().ok()?;
    let last = value.rsplit(',').next()?.trim();
    // `1.2.3.4`, `[2001:db8::1]:443` or `1.2.3.4:5678`.
    last.parse::<IpAddr>()
        .ok()
        .or_else(|| last.parse::<std::net::SocketAddr>().ok().map(|at| at.ip()))
}

impl<R: ScopeRule + 'static> FromRequest for Authenticated<R> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        Box::pin(authenticate::<R>(req.clone()))
    }
}

impl<R: ScopeRule + 'static> FromRequest for MaybeAuthenticated<R> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            if req.headers().contains_key(AUTHORIZATION) {
                authenticate::<R>(req).await.map(|auth| Self(Some(auth)))
            } else {
                Ok(Self(None))
            }
        })
    }
}
