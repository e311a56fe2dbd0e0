//! `/api/v1/workspaces` (`admin` tokens): the account's workspaces, named by
//! slug — list, create, read, rename, delete (docs/ACCESS.md). Deleting one
//! takes its rules and every level in it.

use actix_web::{HttpResponse, web};
use serde::Deserialize;
use serde_json::json;
use utoipa::ToSchema;

use super::json;
use super::schemas::{ErrorBody, Forbidden, Unauthorized, WorkspaceList};
use crate::access::{AccessError, Workspace};
use crate::http::auth::{AdminScope, Authenticated};
use crate::http::error::ApiError;
use crate::http::responses::method_not_allowed;
use crate::http::state::AppState;
use crate::model::Slug;
use crate::scim::MEDIA_TYPE;
use crate::service::access::workspaces;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
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
    );
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
    let workspaces = AppState::run(&state, move |conn| workspaces::list(conn, account)).await?;
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
    let NewWorkspace { slug, name } = body.into_inner();
    let slug = Slug::parse(&slug).map_err(AccessError::Invalid)?;
    let name = name.unwrap_or_else(|| slug.to_string());
    check_name(&name)?;
    let workspace = AppState::change(
        &state,
        auth.principal.account_id,
        auth.origin,
        move |conn, caller| Ok(workspaces::create(conn, caller, &slug, &name)?),
    )
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
    let workspace =
        AppState::run(&state, move |conn| workspaces::get(conn, account, &slug)).await?;
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
    let name = body.into_inner().name;
    check_name(&name)?;
    let workspace = AppState::change(
        &state,
        auth.principal.account_id,
        auth.origin,
        move |conn, caller| Ok(workspaces::rename(conn, caller, &slug, &name)?),
    )
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
    AppState::change(
        &state,
        auth.principal.account_id,
        auth.origin,
        move |conn, caller| Ok(workspaces::delete(conn, caller, &slug)?),
    )
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
