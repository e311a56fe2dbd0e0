//! `/api/v1/rules` (`admin` tokens): the rules that map IdP groups (or SCIM
//! role values) to roles and workspace levels — list, create, read,
//! replace, delete, and preview a change (docs/ACCESS.md). Each change
//! recomputes the access it affects in the same transaction.

use actix_web::{HttpResponse, web};
use serde::Deserialize;
use serde_json::json;
use utoipa::ToSchema;

use super::json;
use super::schemas::{ErrorBody, Forbidden, PreviewResult, RuleBody, RuleList, Unauthorized};
use crate::access::RuleSpec;
use crate::http::auth::{AdminScope, Authenticated};
use crate::http::error::ApiError;
use crate::http::responses::method_not_allowed;
use crate::http::state::AppState;
use crate::scim::MEDIA_TYPE;
use crate::service::access::rules;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/rules")
            .route(web::get().to(list_rules))
            .route(web::post().to(create_rule))
            .default_service(web::to(method_not_allowed)),
    )
    .service(
        web::resource("/rules/preview")
            .route(web::post().to(preview_rules))
            .default_service(web::to(method_not_allowed)),
    )
    .service(
        web::resource("/rules/{id}")
            .route(web::get().to(get_rule))
            .route(web::put().to(replace_rule))
            .route(web::delete().to(delete_rule))
            .default_service(web::to(method_not_allowed)),
    );
}

#[utoipa::path(
    get,
    path = "/api/v1/rules",
    tag = "configuration",
    summary = "The rules",
    security(("bearer" = ["admin"])),
    responses(
        (status = 200, description = "Every rule of the account, oldest first", body = RuleList),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
    ),
)]
pub(super) async fn list_rules(
    state: web::Data<AppState>,
    auth: Authenticated<AdminScope>,
) -> Result<HttpResponse, ApiError> {
    let account = auth.principal.account_id;
    let rules = AppState::run(&state, move |conn| rules::list(conn, account)).await?;
    Ok(json(json!({ "rules": rules })))
}

#[utoipa::path(
    post,
    path = "/api/v1/rules",
    tag = "configuration",
    summary = "Create a rule",
    security(("bearer" = ["admin"])),
    request_body = RuleSpec,
    responses(
        (status = 201, description = "The new rule, applied", body = RuleBody),
        (status = 400, description = "The rule is not valid for the model",
            body = ErrorBody, content_type = MEDIA_TYPE),
        (status = 404, description = "No such workspace",
            body = ErrorBody, content_type = MEDIA_TYPE),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
    ),
)]
pub(super) async fn create_rule(
    state: web::Data<AppState>,
    auth: Authenticated<AdminScope>,
    body: web::Json<RuleSpec>,
) -> Result<HttpResponse, ApiError> {
    let spec = body.into_inner();
    let rule = AppState::change(
        &state,
        auth.principal.account_id,
        auth.origin,
        move |conn, caller| Ok(rules::create(conn, caller, &spec)?),
    )
    .await?;
    Ok(HttpResponse::Created().json(rule))
}

#[utoipa::path(
    get,
    path = "/api/v1/rules/{id}",
    tag = "configuration",
    summary = "One rule",
    security(("bearer" = ["admin"])),
    params(("id" = String, Path, description = "The rule's id")),
    responses(
        (status = 200, description = "The rule", body = RuleBody),
        (status = 404, description = "No such rule", body = ErrorBody, content_type = MEDIA_TYPE),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
    ),
)]
pub(super) async fn get_rule(
    state: web::Data<AppState>,
    auth: Authenticated<AdminScope>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let account = auth.principal.account_id;
    let id = rules::id(&id)?;
    let rule = AppState::run(&state, move |conn| rules::get(conn, account, id)).await?;
    Ok(json(rule))
}

#[utoipa::path(
    put,
    path = "/api/v1/rules/{id}",
    tag = "configuration",
    summary = "Replace a rule",
    security(("bearer" = ["admin"])),
    params(("id" = String, Path, description = "The rule's id")),
    request_body = RuleSpec,
    responses(
        (status = 200, description = "The rule as replaced, applied", body = RuleBody),
        (status = 400, description = "The rule is not valid for the model",
            body = ErrorBody, content_type = MEDIA_TYPE),
        (status = 404, description = "No such rule or workspace",
            body = ErrorBody, content_type = MEDIA_TYPE),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
    ),
)]
pub(super) async fn replace_rule(
    state: web::Data<AppState>,
    auth: Authenticated<AdminScope>,
    id: web::Path<String>,
    body: web::Json<RuleSpec>,
) -> Result<HttpResponse, ApiError> {
    let id = rules::id(&id)?;
    let spec = body.into_inner();
    let rule = AppState::change(
        &state,
        auth.principal.account_id,
        auth.origin,
        move |conn, caller| Ok(rules::replace(conn, caller, id, &spec)?),
    )
    .await?;
    Ok(json(rule))
}

#[utoipa::path(
    delete,
    path = "/api/v1/rules/{id}",
    tag = "configuration",
    summary = "Delete a rule",
    security(("bearer" = ["admin"])),
    params(("id" = String, Path, description = "The rule's id")),
    responses(
        (status = 204, description = "Deleted and applied"),
        (status = 404, description = "No such rule", body = ErrorBody, content_type = MEDIA_TYPE),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
    ),
)]
pub(super) async fn delete_rule(
    state: web::Data<AppState>,
    auth: Authenticated<AdminScope>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = rules::id(&id)?;
    AppState::change(
        &state,
        auth.principal.account_id,
        auth.origin,
        move |conn, caller| Ok(rules::delete(conn, caller, id)?),
    )
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// A change to the rules, as a preview takes it.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub(super) enum RuleChange {
    Create(RuleSpec),
    Replace { id: String, rule: RuleSpec },
    Delete { id: String },
}

impl RuleChange {
    /// The change the preview makes; an id that names no rule is 404.
    fn into_change(self) -> Result<rules::RuleChange, ApiError> {
        Ok(match self {
            Self::Create(spec) => rules::RuleChange::Create(spec),
            Self::Replace { id, rule } => rules::RuleChange::Replace {
                id: rules::id(&id)?,
                rule,
            },
            Self::Delete { id } => rules::RuleChange::Delete {
                id: rules::id(&id)?,
            },
        })
    }
}

/// `POST /rules/preview` with `{"create": rule}`, `{"replace": {"id", "rule"}}`
/// or `{"delete": {"id"}}`: the members whose access the change would alter,
/// with their old and new access; nothing is changed.
#[utoipa::path(
    post,
    path = "/api/v1/rules/preview",
    tag = "configuration",
    summary = "Preview a rule change",
    description = "The change is applied and measured inside a transaction that is rolled back.",
    security(("bearer" = ["admin"])),
    request_body = RuleChange,
    responses(
        (
            status = 200,
            description = "The members whose access the change would alter; nothing is changed",
            body = PreviewResult,
        ),
        (status = 400, description = "The change is not valid",
            body = ErrorBody, content_type = MEDIA_TYPE),
        (status = 404, description = "No such rule or workspace",
            body = ErrorBody, content_type = MEDIA_TYPE),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
    ),
)]
pub(super) async fn preview_rules(
    state: web::Data<AppState>,
    auth: Authenticated<AdminScope>,
    body: web::Json<RuleChange>,
) -> Result<HttpResponse, ApiError> {
    let account = auth.principal.account_id;
    let change = body.into_inner().into_change()?;
    let changes = AppState::run(&state, move |conn| rules::preview(conn, account, &change)).await?;
    Ok(json(json!({ "changes": changes })))
}
