//! `/api/v1/access-model` (`admin` tokens): the account's roles, default
//! role and workspace levels (docs/ACCESS.md). Replacing it recomputes
//! everyone's access in the same transaction.

use actix_web::{HttpResponse, web};

use super::json;
use super::schemas::{ErrorBody, Forbidden, Unauthorized};
use crate::access::AccessModel;
use crate::http::auth::{AdminScope, Authenticated};
use crate::http::error::ApiError;
use crate::http::responses::method_not_allowed;
use crate::http::state::AppState;
use crate::scim::MEDIA_TYPE;
use crate::service::access::model;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/access-model")
            .route(web::get().to(get_model))
            .route(web::put().to(put_model))
            .default_service(web::to(method_not_allowed)),
    );
}

#[utoipa::path(
    get,
    path = "/api/v1/access-model",
    tag = "configuration",
    summary = "The access model",
    security(("bearer" = ["admin"])),
    responses(
        (status = 200, description = "The account's roles, default role and levels",
            body = AccessModel),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
    ),
)]
pub(super) async fn get_model(
    state: web::Data<AppState>,
    auth: Authenticated<AdminScope>,
) -> Result<HttpResponse, ApiError> {
    let account = auth.principal.account_id;
    let model = AppState::run(&state, move |conn| model::get(conn, account)).await?;
    Ok(json(model))
}

/// `PUT /access-model`: the whole model; a role or level a rule uses cannot
/// be removed (409).
#[utoipa::path(
    put,
    path = "/api/v1/access-model",
    tag = "configuration",
    summary = "Replace the access model",
    security(("bearer" = ["admin"])),
    request_body = AccessModel,
    responses(
        (status = 200, description = "The model as stored", body = AccessModel),
        (status = 400, description = "The body is not a valid model",
            body = ErrorBody, content_type = MEDIA_TYPE),
        (status = 409, description = "A role or level a rule uses would be removed",
            body = ErrorBody, content_type = MEDIA_TYPE),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
    ),
)]
pub(super) async fn put_model(
    state: web::Data<AppState>,
    auth: Authenticated<AdminScope>,
    body: web::Json<AccessModel>,
) -> Result<HttpResponse, ApiError> {
    let model = body.into_inner();
    let stored = AppState::change(
        &state,
        auth.principal.account_id,
        auth.origin,
        move |conn, caller| Ok(model::replace(conn, caller, &model)?),
    )
    .await?;
    Ok(json(stored))
}
