//! The access configuration (`admin` tokens): `/access-model`,
//! `/workspaces`, `/rules`. Each change recomputes the effective access it
//! affects in the same transaction (docs/ACCESS.md).

use actix_web::{HttpResponse, web};
use serde::Deserialize;
use serde_json::json;
use utoipa::ToSchema;

use super::json;
use super::schemas::{
    ErrorBody, Forbidden, PreviewResult, RuleBody, RuleList, Unauthorized, WorkspaceList,
};
use crate::access::{AccessError, AccessModel, RuleSpec};
use crate::http::auth::{AdminScope, Authenticated};
use crate::http::error::ApiError;
use crate::http::responses::method_not_allowed;
use crate::http::state::AppState;
use crate::model::{AccountId, Slug};
use crate::scim::MEDIA_TYPE;
use crate::store::access::Workspace;
use crate::store::{self, access};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/access-model")
            .route(web::get().to(get_model))
            .route(web::put().to(put_model))
            .default_service(web::to(method_not_allowed)),
    )
    .service(
        web::resource("/workspaces")
            .route(web::get().to(list_workspaces))
            .route(web::post().to(create_workspace))
            .default_service(web::to(method_not_allowed)),
    )
    .service(
        web::resource("/workspaces/{slug}")
            .route(web::get().to(get_workspace))
            .route(web::patch().to(rename_workspace))
            .route(web::delete().to(delete_workspace))
            .default_service(web::to(method_not_allowed)),
    )
    .service(
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

/// Runs configuration work in one write transaction.
async fn write<T, F>(
    state: &web::Data<AppState>,
    account: AccountId,
    work: F,
) -> Result<T, ApiError>
where
    F: FnOnce(&mut store::Conn) -> Result<T, store::StoreError> + Send + 'static,
    T: Send + 'static,
{
    AppState::run(state, move |conn| {
        store::account_transaction(conn, account, work)
    })
    .await
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
    let model = AppState::run(&state, move |conn| access::model(conn, account)).await?;
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
    let account = auth.principal.account_id;
    let origin = auth.origin;
    let model = body.into_inner();
    let stored = write(&state, account, move |conn| {
        access::replace_model(conn, account, &origin, &model)?;
        access::model(conn, account)
    })
    .await?;
    Ok(json(stored))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct NewWorkspace {
    /// 1 to 63 lowercase letters, digits and `-`, starting with a letter or digit.
    slug: String,
    /// 1 to 200 bytes; default the slug.
    name: Option<String>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct WorkspaceChange {
    /// 1 to 200 bytes.
    name: String,
}

fn check_name(name: &str) -> Result<(), AccessError> {
    if name.trim().is_empty() || name.len() > 200 {
        return Err(AccessError::Invalid(
            "a workspace name is 1 to 200 bytes".into(),
        ));
    }
    Ok(())
}

#[utoipa::path(
    get,
    path = "/api/v1/workspaces",
    tag = "configuration",
    summary = "The workspaces",
    security(("bearer" = ["admin"])),
    responses(
        (status = 200, description = "Every workspace of the account, by slug",
            body = WorkspaceList),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
    ),
)]
pub(super) async fn list_workspaces(
    state: web::Data<AppState>,
    auth: Authenticated<AdminScope>,
) -> Result<HttpResponse, ApiError> {
    let account = auth.principal.account_id;
    let workspaces = AppState::run(&state, move |conn| access::workspaces(conn, account)).await?;
    Ok(json(json!({ "workspaces": workspaces })))
}

#[utoipa::path(
    post,
    path = "/api/v1/workspaces",
    tag = "configuration",
    summary = "Create a workspace",
    security(("bearer" = ["admin"])),
    request_body = NewWorkspace,
    responses(
        (status = 201, description = "The new workspace", body = Workspace),
        (status = 400, description = "The slug or name is not valid",
            body = ErrorBody, content_type = MEDIA_TYPE),
        (status = 409, description = "The slug is taken",
            body = ErrorBody, content_type = MEDIA_TYPE),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
    ),
)]
pub(super) async fn create_workspace(
    state: web::Data<AppState>,
    auth: Authenticated<AdminScope>,
    body: web::Json<NewWorkspace>,
) -> Result<HttpResponse, ApiError> {
    let account = auth.principal.account_id;
    let origin = auth.origin;
    let NewWorkspace { slug, name } = body.into_inner();
    let slug = Slug::parse(&slug).map_err(AccessError::Invalid)?;
    let name = name.unwrap_or_else(|| slug.to_string());
    check_name(&name)?;
    let workspace = write(&state, account, move |conn| {
        access::create_workspace(conn, account, &origin, slug.as_str(), &name)
    })
    .await?;
    Ok(HttpResponse::Created().json(workspace))
}

#[utoipa::path(
    get,
    path = "/api/v1/workspaces/{slug}",
    tag = "configuration",
    summary = "One workspace",
    security(("bearer" = ["admin"])),
    params(("slug" = String, Path, description = "The workspace's slug")),
    responses(
        (status = 200, description = "The workspace", body = Workspace),
        (status = 404, description = "No such workspace",
            body = ErrorBody, content_type = MEDIA_TYPE),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
    ),
)]
pub(super) async fn get_workspace(
    state: web::Data<AppState>,
    auth: Authenticated<AdminScope>,
    slug: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let account = auth.principal.account_id;
    let slug = slug.into_inner();
    let found = AppState::run(&state, {
        let slug = slug.clone();
        move |conn| access::workspace(conn, account, &slug)
    })
    .await?;
    let workspace = found
        .ok_or_else(|| AccessError::NotFound(format!("no workspace '{slug}' in this account")))?;
    Ok(json(workspace))
}

#[utoipa::path(
    patch,
    path = "/api/v1/workspaces/{slug}",
    tag = "configuration",
    summary = "Rename a workspace",
    security(("bearer" = ["admin"])),
    params(("slug" = String, Path, description = "The workspace's slug")),
    request_body = WorkspaceChange,
    responses(
        (status = 200, description = "The renamed workspace", body = Workspace),
        (status = 400, description = "The name is not valid",
            body = ErrorBody, content_type = MEDIA_TYPE),
        (status = 404, description = "No such workspace",
            body = ErrorBody, content_type = MEDIA_TYPE),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
    ),
)]
pub(super) async fn rename_workspace(
    state: web::Data<AppState>,
    auth: Authenticated<AdminScope>,
    slug: web::Path<String>,
    body: web::Json<WorkspaceChange>,
) -> Result<HttpResponse, ApiError> {
    let account = auth.principal.account_id;
    let origin = auth.origin;
    let name = body.into_inner().name;
    check_name(&name)?;
    let workspace = write(&state, account, move |conn| {
        access::rename_workspace(conn, account, &origin, &slug, &name)
    })
    .await?;
    Ok(json(workspace))
}

/// `DELETE /workspaces/{slug}`: the workspace, its rules and every level in it.
#[utoipa::path(
    delete,
    path = "/api/v1/workspaces/{slug}",
    tag = "configuration",
    summary = "Delete a workspace",
    security(("bearer" = ["admin"])),
    params(("slug" = String, Path, description = "The workspace's slug")),
    responses(
        (status = 204, description = "Deleted, with its rules and every level in it"),
        (status = 404, description = "No such workspace",
            body = ErrorBody, content_type = MEDIA_TYPE),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
    ),
)]
pub(super) async fn delete_workspace(
    state: web::Data<AppState>,
    auth: Authenticated<AdminScope>,
    slug: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let account = auth.principal.account_id;
    let origin = auth.origin;
    write(&state, account, move |conn| {
        access::delete_workspace(conn, account, &origin, &slug)
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
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
    let rules = AppState::run(&state, move |conn| access::rules(conn, account)).await?;
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
    let account = auth.principal.account_id;
    let origin = auth.origin;
    let spec = body.into_inner();
    let rule = write(&state, account, move |conn| {
        access::create_rule(conn, account, &origin, &spec)
    })
    .await?;
    Ok(HttpResponse::Created().json(rule))
}

fn no_rule(id: &str) -> AccessError {
    AccessError::NotFound(format!("no rule '{id}' in this account"))
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
    let id = id.into_inner();
    let found = AppState::run(&state, {
        let id = id.clone();
        move |conn| access::rule(conn, account, &id)
    })
    .await?;
    Ok(json(found.ok_or_else(|| no_rule(&id))?))
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
    let account = auth.principal.account_id;
    let origin = auth.origin;
    let spec = body.into_inner();
    let rule = write(&state, account, move |conn| {
        access::replace_rule(conn, account, &origin, &id, &spec)
    })
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
    let account = auth.principal.account_id;
    let origin = auth.origin;
    write(&state, account, move |conn| {
        access::delete_rule(conn, account, &origin, &id)
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
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
    request_body = access::RuleChange,
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
    body: web::Json<access::RuleChange>,
) -> Result<HttpResponse, ApiError> {
    let account = auth.principal.account_id;
    let change = body.into_inner();
    let changes =
        AppState::run(&state, move |conn| access::preview(conn, account, &change)).await?;
    Ok(json(json!({ "changes": changes })))
}
