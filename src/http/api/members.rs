//! What the product asks (`access` or `admin` tokens): a member's effective
//! access with its explanation, members by userName or externalId, and the
//! members of a workspace.

use actix_web::{HttpResponse, web};
use serde::Deserialize;
use serde_json::json;
use utoipa::{IntoParams, ToSchema};

use super::json;
use super::schemas::{
    ErrorBody, EventFeed, Forbidden, LoginRecorded, MemberList, Unauthorized, WorkspaceMemberPage,
};
use crate::access::AccessError;
use crate::http::auth::{AccessScope, Authenticated};
use crate::http::error::ApiError;
use crate::http::responses::method_not_allowed;
use crate::http::state::AppState;
use crate::model::UserId;
use crate::scim::MEDIA_TYPE;
use crate::scim::list::Page;
use crate::service::access::members::{self, MemberAccess};
use crate::service::access::workspaces;
use crate::store;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/members")
            .route(web::get().to(find_members))
            .default_service(web::to(method_not_allowed)),
    )
    .service(
        web::resource("/members/{id}/access")
            .route(web::get().to(member_access))
            .default_service(web::to(method_not_allowed)),
    )
    .service(
        web::resource("/members/{id}/logins")
            .route(web::post().to(record_login))
            .default_service(web::to(method_not_allowed)),
    )
    .service(
        web::resource("/events")
            .route(web::get().to(events))
            .default_service(web::to(method_not_allowed)),
    )
    .service(
        web::resource("/workspaces/{slug}/members")
            .route(web::get().to(workspace_members))
            .default_service(web::to(method_not_allowed)),
    );
}

fn no_member(id: &str) -> AccessError {
    AccessError::NotFound(format!("no member '{id}' in this account"))
}

/// `GET /members/{id}/access`.
#[utoipa::path(
    get,
    path = "/api/v1/members/{id}/access",
    tag = "access",
    summary = "A member's effective access",
    security(("bearer" = ["access"]), ("bearer" = ["admin"])),
    params(("id" = String, Path, description = "The member's SCIM id")),
    responses(
        (status = 200, description = "Role, workspace levels and the rules behind them",
            body = MemberAccess),
        (status = 404, description = "No such member", body = ErrorBody, content_type = MEDIA_TYPE),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
    ),
)]
pub(super) async fn member_access(
    state: web::Data<AppState>,
    auth: Authenticated<AccessScope>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let account = auth.principal.account_id;
    let id: UserId = id.parse().map_err(|_| no_member(&id))?;
    let access = AppState::read(&state, move |conn| members::access_of(conn, account, id)).await?;
    Ok(json(access))
}

/// How far ahead of Roster's clock a reported login may be (clock skew).
const LOGIN_CLOCK_SKEW: chrono::Duration = chrono::Duration::minutes(5);

#[derive(Deserialize, Default, ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct Login {
    /// RFC 3339; default now.
    at: Option<String>,
}

/// `POST /members/{id}/logins` with `{"at": "2026-11-22T09:00:00Z"}` (or an
/// empty body: now): the product reports a login, which the access review
/// shows. Out-of-order reports never move the last login back.
#[utoipa::path(
    post,
    path = "/api/v1/members/{id}/logins",
    tag = "access",
    summary = "Report a login",
    security(("bearer" = ["access"]), ("bearer" = ["admin"])),
    params(("id" = String, Path, description = "The member's SCIM id")),
    request_body(
        content = Login,
        description = "`{\"at\": \"<RFC 3339 time>\"}`, or an empty body for now",
        content_type = "application/json",
    ),
    responses(
        (status = 200, description = "The member's last login, which never moves back",
            body = LoginRecorded),
        (
            status = 400,
            description = "The body or its time is not valid, or the time is in the future",
            body = ErrorBody, content_type = MEDIA_TYPE,
        ),
        (status = 404, description = "No such member", body = ErrorBody, content_type = MEDIA_TYPE),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
    ),
)]
pub(super) async fn record_login(
    state: web::Data<AppState>,
    auth: Authenticated<AccessScope>,
    id: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let user_id: UserId = id.parse().map_err(|_| no_member(&id))?;
    let login: Login = if body.iter().all(u8::is_ascii_whitespace) {
        Login::default()
    } else {
        serde_json::from_slice(&body).map_err(|error| {
            AccessError::Invalid(format!(
                "the body must be {{\"at\": \"<RFC 3339 time>\"}} or empty: {error}"
            ))
        })?
    };
    let now = crate::clock::now();
    let at = match login.at {
        None => now,
        Some(text) => crate::clock::parse_rfc3339(&text).ok_or_else(|| {
            AccessError::Invalid(format!(
                "'at' must be an RFC 3339 time such as 2026-11-22T09:00:00Z, not '{text}'"
            ))
        })?,
    };
    if at > now + LOGIN_CLOCK_SKEW {
        return Err(AccessError::Invalid(format!(
            "'at' ({}) is in the future",
            crate::clock::rfc3339(at)
        ))
        .into());
    }
    let account = auth.principal.account_id;
    let last = AppState::run(&state, move |conn| {
        store::activity::record_login(conn, account, user_id, at)
    })
    .await?
    .ok_or_else(|| no_member(&id))?;
    Ok(json(json!({
        "member": user_id.to_string(),
        "lastLogin": crate::clock::rfc3339(last),
    })))
}

#[derive(Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub(super) struct MemberLookup {
    /// The member's userName, in any case.
    user_name: Option<String>,
    /// The member's externalId, exactly.
    external_id: Option<String>,
}

/// `GET /members?userName=…` or `?externalId=…`: the matching members with
/// their access (userName ignores case, externalId does not).
#[utoipa::path(
    get,
    path = "/api/v1/members",
    tag = "access",
    summary = "Members by userName or externalId",
    security(("bearer" = ["access"]), ("bearer" = ["admin"])),
    params(MemberLookup),
    responses(
        (status = 200, description = "The matching members with their access", body = MemberList),
        (status = 400, description = "Not exactly one of userName and externalId",
            body = ErrorBody, content_type = MEDIA_TYPE),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
    ),
)]
pub(super) async fn find_members(
    state: web::Data<AppState>,
    auth: Authenticated<AccessScope>,
    query: web::Query<MemberLookup>,
) -> Result<HttpResponse, ApiError> {
    let (attribute, value) = match (&query.user_name, &query.external_id) {
        (Some(user_name), None) => ("userName", user_name),
        (None, Some(external_id)) => ("externalId", external_id),
        _ => {
            return Err(
                AccessError::Invalid("give exactly one of userName and externalId".into()).into(),
            );
        }
    };
    let (value, by_external_id) = (value.clone(), attribute == "externalId");
    let account = auth.principal.account_id;
    let members = AppState::read(&state, move |conn| {
        members::find(conn, account, &value, by_external_id)
    })
    .await?;
    Ok(json(json!({ "members": members })))
}

#[derive(Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub(super) struct PageQuery {
    /// The 1-based index of the first member (default 1).
    #[param(value_type = Option<i64>)]
    start_index: Option<String>,
    /// The most members to return (default and most: the server's `max_page_size`).
    #[param(value_type = Option<i64>)]
    count: Option<String>,
}

/// `GET /workspaces/{slug}/members`: paged like SCIM lists (`startIndex`, `count`).
#[utoipa::path(
    get,
    path = "/api/v1/workspaces/{slug}/members",
    tag = "access",
    summary = "A workspace's members",
    security(("bearer" = ["access"]), ("bearer" = ["admin"])),
    params(("slug" = String, Path, description = "The workspace's slug"), PageQuery),
    responses(
        (
            status = 200,
            description = "The members with a level in the workspace, by userName, \
                           paged like SCIM lists",
            body = WorkspaceMemberPage,
        ),
        (status = 400, description = "startIndex or count is not an integer",
            body = ErrorBody, content_type = MEDIA_TYPE),
        (status = 404, description = "No such workspace",
            body = ErrorBody, content_type = MEDIA_TYPE),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
    ),
)]
pub(super) async fn workspace_members(
    state: web::Data<AppState>,
    auth: Authenticated<AccessScope>,
    slug: web::Path<String>,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let page = Page::parse(
        query.start_index.as_deref(),
        query.count.as_deref(),
        state.capabilities.max_results,
    )?;
    let account = auth.principal.account_id;
    let (total, members) = AppState::read(&state, move |conn| {
        workspaces::members(conn, account, &slug, page.offset(), page.count)
    })
    .await?;
    Ok(json(json!({
        "totalResults": total,
        "startIndex": page.start_index,
        "itemsPerPage": members.len(),
        "members": members,
    })))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct FeedQuery {
    /// Events with a greater `seq` (default 0: from the start).
    after: Option<i64>,
    /// The most events to return, 1 to 1000 (default 100; others are clamped).
    limit: Option<i64>,
}

/// `GET /events?after=SEQ&limit=N`: the account's change events after
/// `after` (default 0), oldest first, at most `limit` (default 100, at most
/// 1000). Resume with `after` = the last `seq` seen: none is skipped or
/// repeated.
#[utoipa::path(
    get,
    path = "/api/v1/events",
    tag = "access",
    summary = "The change-event feed",
    security(("bearer" = ["access"]), ("bearer" = ["admin"])),
    params(FeedQuery),
    responses(
        (
            status = 200,
            description = "Events after `after`, oldest first; resume with `after` = `next`",
            body = EventFeed,
        ),
        (status = 400, description = "after or limit is not a whole number",
            body = ErrorBody, content_type = MEDIA_TYPE),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
    ),
)]
pub(super) async fn events(
    state: web::Data<AppState>,
    auth: Authenticated<AccessScope>,
    query: web::Query<FeedQuery>,
) -> Result<HttpResponse, ApiError> {
    let after = query.after.unwrap_or(0).max(0);
    let limit = query.limit.unwrap_or(100).clamp(1, 1000);
    let account = auth.principal.account_id;
    let events = AppState::read(&state, move |conn| {
        store::events::feed(conn, account, after, limit)
    })
    .await?;
    let next = events.last().map_or(after, |event| event.seq);
    Ok(json(json!({ "events": events, "next": next })))
}
