//! `GET /metrics` (Prometheus; behind `Authorization: Bearer` when
//! `--metrics-token` is set) and what feeds it: the middleware of `http::server`
//! calls [`observe`] for every response, and the authentication extractor
//! reports the account or the reason for refusing the token.

use std::time::Instant;

use actix_web::dev::ServiceResponse;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpMessage, HttpRequest, HttpResponse, web};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::state::AppState;
use crate::auth::AuthError;
use crate::config::Secret;
use crate::metrics::{self, Metrics, PoolUsage, RequestOutcome};
use crate::model::AccountId;

/// Who may read `/metrics`: anyone, or holders of the metrics token (kept as
/// its SHA-256, compared in constant time; never logged).
pub struct MetricsAccess {
    token_hash: Option<[u8; 32]>,
}

impl MetricsAccess {
    pub fn new(token: Option<&Secret>) -> Self {
        Self {
            token_hash: token.map(|token| Sha256::digest(token.expose().as_bytes()).into()),
        }
    }

    fn allows(&self, req: &HttpRequest) -> bool {
        let Some(expected) = &self.token_hash else {
            return true;
        };
        let given = req
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, token)| token.trim());
        given.is_some_and(|token| {
            let hash: [u8; 32] = Sha256::digest(token.as_bytes()).into();
            bool::from(hash.ct_eq(expected))
        })
    }
}

/// The account a request authenticated as, for its `account` label.
struct RequestAccount(AccountId);

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/metrics", web::get().to(scrape));
}

async fn scrape(
    req: HttpRequest,
    state: web::Data<AppState>,
    metrics: web::Data<Metrics>,
    access: web::Data<MetricsAccess>,
) -> HttpResponse {
    if !access.allows(&req) {
        return HttpResponse::Unauthorized()
            .insert_header((
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"roster-metrics\""),
            ))
            .content_type(mime::TEXT_PLAIN_UTF_8)
            .body("GET /metrics needs 'Authorization: Bearer <the metrics token>' (--metrics-token)\n");
    }
    let pool = state.pool.state();
    let usage = PoolUsage {
        connections: pool.connections,
        idle: pool.idle_connections,
        max: state.pool.max_size(),
    };
    let format = metrics::Format::negotiate(
        req.headers()
            .get(header::ACCEPT)
            .and_then(|value| value.to_str().ok()),
    );
    HttpResponse::Ok()
        .content_type(format.content_type())
        .body(metrics.render(usage, format))
}

/// Counts a finished request: its route pattern (never the raw path), method,
/// status, account and latency.
pub fn observe<B>(response: &ServiceResponse<B>, started: Instant) {
    let req = response.request();
    let Some(metrics) = req.app_data::<web::Data<Metrics>>() else {
        return;
    };
    let route = req.match_pattern();
    let account = req
        .extensions()
        .get::<RequestAccount>()
        .map(|account| account.0.to_string());
    metrics.observe_request(&RequestOutcome {
        method: req.method().as_str(),
        route: route.as_deref().unwrap_or(metrics::UNMATCHED_ROUTE),
        status: response.status().as_u16(),
        account: account.as_deref().unwrap_or(metrics::NO_ACCOUNT),
        elapsed: started.elapsed(),
    });
}

/// Records the outcome of checking a request's token.
pub(super) fn authenticated(req: &HttpRequest, outcome: Result<AccountId, &AuthError>) {
    match outcome {
        Ok(account) => {
            req.extensions_mut().insert(RequestAccount(account));
        }
        Err(error) => {
            if let (Some(reason), Some(metrics)) =
                (error.reason(), req.app_data::<web::Data<Metrics>>())
            {
                metrics.observe_auth_failure(reason);
            }
        }
    }
}
