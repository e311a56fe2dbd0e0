//! `GET|PUT /api/v1/network-allow-list` (`admin` tokens): the networks the
//! account's requests may come from (`crate::auth::network`). Checked on
//! every request of every token of the account, right after the token: a
//! request from elsewhere gets 403. An empty list allows any network.

use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::json;
use super::schemas::{ErrorBody, Forbidden, Unauthorized};
use crate::auth::network::AllowList;
use crate::http::auth::{AdminScope, Authenticated};
use crate::http::error::ApiError;
use crate::http::responses::method_not_allowed;
use crate::http::state::AppState;
use crate::scim::{MEDIA_TYPE, ScimError};
use crate::service::accounts;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/network-allow-list")
            .route(web::get().to(get_networks))
            .route(web::put().to(put_networks))
            .default_service(web::to(method_not_allowed)),
    );
}

/// An account's network allow-list.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct Networks {
    /// CIDR blocks, IPv4 or IPv6 (`10.0.0.0/8`, `2001:db8::/32`; a bare
    /// address is a block of one), at most 100; empty: any network.
    networks: Vec<String>,
}

/// `GET /network-allow-list`.
#[utoipa::path(
    get,
    path = "/api/v1/network-allow-list",
    tag = "configuration",
    summary = "The networks the account's requests may come from",
    security(("bearer" = ["admin"])),
    responses(
        (status = 200, description = "The CIDR blocks; empty: any network", body = Networks),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
    ),
)]
pub(super) async fn get_networks(
    state: web::Data<AppState>,
    auth: Authenticated<AdminScope>,
) -> Result<HttpResponse, ApiError> {
    let account = auth.principal.account_id;
    let networks = AppState::run(&state, move |conn| accounts::networks(conn, account)).await?;
    Ok(json(Networks { networks }))
}

/// `PUT /network-allow-list`: replaces the list. A list that leaves out the
/// caller's own address is accepted (the next request is refused); the CLI
/// (`roster accounts networks`) can always change it.
#[utoipa::path(
    put,
    path = "/api/v1/network-allow-list",
    tag = "configuration",
    summary = "Replace the networks the account's requests may come from",
    security(("bearer" = ["admin"])),
    request_body = Networks,
    responses(
        (status = 200, description = "The list as stored: normalized, sorted, without repeats",
            body = Networks),
        (status = 400, description = "An entry is not a CIDR block, or there are too many",
            body = ErrorBody, content_type = MEDIA_TYPE),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
    ),
)]
pub(super) async fn put_networks(
    state: web::Data<AppState>,
    auth: Authenticated<AdminScope>,
    body: web::Json<Networks>,
) -> Result<HttpResponse, ApiError> {
    let list = AllowList::parse(&body.networks).map_err(ScimError::invalid_value)?;
    let (account, origin) = (auth.principal.account_id, auth.origin);
    let networks = AppState::change(&state, account, origin, move |conn, caller| {
        Ok(accounts::set_networks(conn, caller, &list)?)
    })
    .await?;
    Ok(json(Networks { networks }))
}
