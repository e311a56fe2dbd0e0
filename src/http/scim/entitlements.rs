//! `/scim/v2/Roles` and `/scim/v2/Entitlements` (issue 19; Okta's "Build a
//! SCIM 2.0 server with entitlements"): the account's roles and workspace
//! levels as read-only resources an identity provider lists (RFC 7644
//! §3.4.2: index paging, `filter` on `id`/`displayName`, `sortBy`) and
//! reads by id (§3.4.1), scoped to the token's account. Every other method
//! is 405: they change with the access model (`/api/v1/access/model`,
//! `/api/v1/workspaces`), not through SCIM.

use actix_web::{HttpRequest, HttpResponse, web};

use crate::access::entitlements::Offer;
use crate::http::auth::{Authenticated, ScimScope};
use crate::http::error::ApiError;
use crate::http::responses::{method_not_allowed, scim_base_url, scim_json};
use crate::http::state::AppState;
use crate::model::AccountId;
use crate::scim::ScimError;
use crate::scim::list::{ListParams, Page};
use crate::scim::okta::{self, OfferFilter, OfferKind, OfferSort};
use crate::service::{self, access::entitlements};
use crate::store::Conn;

pub fn configure(cfg: &mut web::ServiceConfig) {
    for kind in [OfferKind::Role, OfferKind::Entitlement] {
        let endpoint = kind.endpoint();
        cfg.service(
            web::resource(endpoint)
                .app_data(web::Data::new(kind))
                .route(web::get().to(list))
                .default_service(web::to(method_not_allowed)),
        )
        .service(
            web::resource(format!("{endpoint}/{{id}}"))
                .app_data(web::Data::new(kind))
                .route(web::get().to(get))
                .default_service(web::to(method_not_allowed)),
        );
    }
}

fn offers(
    conn: &mut Conn,
    account: AccountId,
    kind: OfferKind,
) -> Result<Vec<Offer>, service::Error> {
    match kind {
        OfferKind::Role => entitlements::roles(conn, account),
        OfferKind::Entitlement => entitlements::entitlements(conn, account),
    }
}

/// `GET /Roles`, `GET /Entitlements`: a page of the account's offers.
async fn list(
    req: HttpRequest,
    state: web::Data<AppState>,
    kind: web::Data<OfferKind>,
    auth: Authenticated<ScimScope>,
    params: web::Query<ListParams>,
) -> Result<HttpResponse, ApiError> {
    let kind = **kind;
    params.refuse_cursor(kind.endpoint())?;
    let filter = params
        .filter
        .as_deref()
        .map(|text| OfferFilter::parse(text, &state.limits.filter))
        .transpose()?;
    let sort = OfferSort::parse(params.sort_by.as_deref(), params.sort_order.as_deref())?;
    let page = Page::parse(
        params.start_index.as_deref(),
        params.count.as_deref(),
        state.capabilities.max_results,
    )?;
    let account = auth.principal.account_id;
    let offers = AppState::read(&state, move |conn| offers(conn, account, kind)).await?;
    let base = scim_base_url(&req);
    Ok(scim_json(okta::list(
        &base,
        kind,
        offers,
        filter.as_ref(),
        sort,
        page,
    )))
}

/// `GET /Roles/{id}`, `GET /Entitlements/{id}` (404 for an id the account
/// does not offer).
async fn get(
    req: HttpRequest,
    state: web::Data<AppState>,
    kind: web::Data<OfferKind>,
    auth: Authenticated<ScimScope>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let kind = **kind;
    let account = auth.principal.account_id;
    let offers = AppState::read(&state, move |conn| offers(conn, account, kind)).await?;
    let offer = offers.iter().find(|offer| offer.id == *id).ok_or_else(|| {
        ScimError::not_found(format!("no {} with this id in this account", kind.name()))
    })?;
    Ok(scim_json(okta::render(&scim_base_url(&req), kind, offer)))
}
