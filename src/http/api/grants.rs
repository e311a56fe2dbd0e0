//! `/api/v1/members/{id}/grants` (`admin` tokens): the direct grants an
//! admin gives a local member — a role and a level per workspace, without a
//! group (docs/ACCESS.md "Direct grants"). `PUT` replaces them as a whole;
//! members provisioned by an identity provider are refused (409).

use actix_web::{HttpResponse, web};

use super::json;
use super::schemas::{ErrorBody, Forbidden, Unauthorized};
use crate::access::AccessError;
use crate::access::grants::GrantSet;
use crate::http::auth::{AdminScope, Authenticated};
use crate::http::error::ApiError;
use crate::http::responses::method_not_allowed;
use crate::http::state::AppState;
use crate::model::UserId;
use crate::scim::MEDIA_TYPE;
use crate::service::access::grants;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/members/{id}/grants")
            .route(web::get().to(get_grants))
            .route(web::put().to(put_grants))
            .default_service(web::to(method_not_allowed)),
    );
}

fn member_id(id: &str) -> Result<UserId, AccessError> {
    id.parse()
        .map_err(|_| AccessError::NotFound(format!("no member '{id}' in this account")))
}

/// `GET /members/{id}/grants`.
#[utoipa::path(
    get,
    path = "/api/v1/members/{id}/grants",
    tag = "configuration",
    summary = "A member's direct grants",
    security(("bearer" = ["admin"])),
    params(("id" = String, Path, description = "The member's SCIM id")),
    responses(
        (status = 200, description = "The role and workspace levels an admin granted the \
            member directly (`null` and `[]`: none)", body = GrantSet),
        (status = 404, description = "No such member", body = ErrorBody, content_type = MEDIA_TYPE),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
    ),
)]
pub(super) async fn get_grants(
    state: web::Data<AppState>,
    auth: Authenticated<AdminScope>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let account = auth.principal.account_id;
    let id = member_id(&id)?;
    let set = AppState::read(&state, move |conn| grants::get(conn, account, id)).await?;
    Ok(json(set))
}

/// `PUT /members/{id}/grants` with `{"role": "admin", "workspaces":
/// [{"workspace": "prod", "level": "editor"}]}`: the member's direct grants
/// become exactly these (`"role": null` or absent: no granted role; a
/// workspace left out: no granted level there). They join the rules under
/// "highest wins"; the answer is the grants as stored.
#[utoipa::path(
    put,
    path = "/api/v1/members/{id}/grants",
    tag = "configuration",
    summary = "Replace a local member's direct grants",
    security(("bearer" = ["admin"])),
    params(("id" = String, Path, description = "The member's SCIM id")),
    request_body = GrantSet,
    responses(
        (status = 200, description = "The grants as stored, applied", body = GrantSet),
        (status = 400, description = "A role or level the model does not have, or a \
            workspace listed twice", body = ErrorBody, content_type = MEDIA_TYPE),
        (status = 404, description = "No such member or workspace",
            body = ErrorBody, content_type = MEDIA_TYPE),
        (status = 409, description = "The member is provisioned by an identity provider: \
            its access comes from the IdP's groups", body = ErrorBody, content_type = MEDIA_TYPE),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
    ),
)]
pub(super) async fn put_grants(
    state: web::Data<AppState>,
    auth: Authenticated<AdminScope>,
    id: web::Path<String>,
    body: web::Json<GrantSet>,
) -> Result<HttpResponse, ApiError> {
    let id = member_id(&id)?;
    let set = body.into_inner();
    let stored = AppState::change(
        &state,
        auth.principal.account_id,
        auth.origin,
        move |conn, caller| Ok(grants::replace(conn, caller, id, set)?),
    )
    .await?;
    Ok(json(stored))
}
