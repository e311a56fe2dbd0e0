//! `/scim/v2/Users` (RFC 7644 §3.3 create, §3.4.1 read, §3.4.2 list,
//! §3.5.1 replace, §3.5.2 modify with PATCH, §3.6 delete), scoped to the
//! token's account.

use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::{Map, Value, json};

use super::resources::{ReadQuery, header_text, not_modified};
use crate::http::auth::{Authenticated, ScimScope};
use crate::http::error::ApiError;
use crate::http::responses::{listed_response, method_not_allowed, scim_base_url};
use crate::http::state::AppState;
use crate::model::{AccountId, UserId};
use crate::scim::limits::RequestLimits;
use crate::scim::list::ListParams;
use crate::scim::resource::{self, Projection};
use crate::scim::schema::ResourceKind;
use crate::scim::{self, MEDIA_TYPE, ScimError, urns};
use crate::service::Precondition;
use crate::service::paging;
use crate::service::users::{self, UserEdit, UserView};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/Users")
            .route(web::get().to(list))
            .route(web::post().to(create))
            .default_service(web::to(method_not_allowed)),
    )
    .service(
        web::resource("/Users/.search")
            .route(web::post().to(search))
            .default_service(web::to(method_not_allowed)),
    )
    .service(
        web::resource("/Users/{id}")
            .route(web::get().to(get))
            .route(web::put().to(replace))
            .route(web::patch().to(patch))
            .route(web::delete().to(delete))
            .default_service(web::to(method_not_allowed)),
    );
}

fn not_found(id: &str) -> ScimError {
    ScimError::not_found(format!("no user with id '{id}' in this account"))
}

/// The id in the path; one that is not an id names no member.
fn user_id(id: &str) -> Result<UserId, ScimError> {
    id.parse().map_err(|_| not_found(id))
}

/// Renders the member with its location, projection, `ETag` and `Location`.
fn user_response(
    req: &HttpRequest,
    mut response: actix_web::HttpResponseBuilder,
    user: &UserView,
    projection: &Projection,
) -> HttpResponse {
    let base = scim_base_url(req);
    response
        .insert_header((header::CONTENT_TYPE, HeaderValue::from_static(MEDIA_TYPE)))
        .insert_header((header::ETAG, user.user.meta.etag()))
        .insert_header((header::LOCATION, format!("{base}/Users/{}", user.user.id)))
        .json(render_user(&base, user, projection))
}

/// The member's SCIM representation (RFC 7643 §4.1), `groups` included
/// (`type` is always `direct`: Roster has no nested groups).
pub(super) fn render_user(
    base: &str,
    view: &UserView,
    projection: &Projection,
) -> Map<String, Value> {
    let user = &view.user;
    let mut body = resource::render(
        ResourceKind::User,
        &user.id.to_string(),
        &user.document,
        &user.meta,
        format!("{base}/Users/{}", user.id),
    );
    if let Some(display_name) = &view.manager
        && let Some(Value::Object(manager)) = body
            .get_mut(urns::ENTERPRISE_USER)
            .and_then(|enterprise| enterprise.get_mut("manager"))
        && let Some(Value::String(id)) = manager.get("value").cloned()
    {
        manager.insert("$ref".into(), Value::String(format!("{base}/Users/{id}")));
        manager.insert("displayName".into(), Value::String(display_name.clone()));
    }
    if !view.groups.is_empty() {
        let groups = view
            .groups
            .iter()
            .map(|group| {
                json!({
                    "value": group.id.to_string(),
                    "$ref": format!("{base}/Groups/{}", group.id),
                    "display": group.display,
                    "type": "direct",
                })
            })
            .collect();
        body.insert("groups".into(), Value::Array(groups));
    }
    projection.apply(ResourceKind::User, &mut body);
    body
}

/// `POST /Users`: 201 with the new member; 409 `uniqueness` for a taken userName.
async fn create(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Authenticated<ScimScope>,
    query: web::Query<ReadQuery>,
    body: web::Json<Value>,
) -> Result<HttpResponse, ApiError> {
    let (account, origin) = (auth.principal.account_id, auth.origin);
    let projection = query.projection();
    let body = body.into_inner();
    let user = AppState::change(&state, account, origin, move |conn, caller| {
        // The body is checked here, on the blocking pool, not on the worker
        // that serves other connections.
        caller.limits.check_body(&body)?;
        let document = resource::document_from_request(ResourceKind::User, body)?;
        Ok(users::create(conn, caller, document, &projection)?)
    })
    .await?;
    Ok(user_response(
        &req,
        HttpResponse::Created(),
        &user,
        &query.projection(),
    ))
}

/// `GET /Users/{id}`; `If-None-Match` with the current version answers 304.
async fn get(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Authenticated<ScimScope>,
    id: web::Path<String>,
    query: web::Query<ReadQuery>,
) -> Result<HttpResponse, ApiError> {
    let account = auth.principal.account_id;
    let user_id = user_id(&id)?;
    let projection = query.projection();
    let user = AppState::read(&state, move |conn| {
        users::get(conn, account, user_id, &projection)
    })
    .await?;
    if let Some(response) = not_modified(&req, user.user.meta.etag()) {
        return Ok(response);
    }
    Ok(user_response(
        &req,
        HttpResponse::Ok(),
        &user,
        &query.projection(),
    ))
}

/// What PUT and PATCH extract besides their body: the request (`If-Match`,
/// the base URL), the state, who asks, the member's id, and the query
/// (`attributes`, `excludedAttributes`).
type UpdateTarget = (
    HttpRequest,
    web::Data<AppState>,
    Authenticated<ScimScope>,
    web::Path<String>,
    web::Query<ReadQuery>,
);

/// `PUT /Users/{id}`: replaces what the body sends, keeps what it omits
/// (docs/SCIM.md); `If-Match` with a stale version answers 412.
async fn replace(target: UpdateTarget, body: web::Json<Value>) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    update(target, move |limits| {
        limits.check_body(&body)?;
        Ok(UserEdit::Replace(body))
    })
    .await
}

/// `PATCH /Users/{id}` (RFC 7644 §3.5.2): the operations apply all or
/// nothing; 200 with the whole resource, as both IdPs accept; `If-Match` with
/// a stale version answers 412. The request is checked before the member is
/// read, and the result meets the limits of POST and PUT.
async fn patch(target: UpdateTarget, body: web::Json<Value>) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    update(target, move |limits| {
        let patch = scim::patch::parse_user_request(&body, limits)?;
        Ok(UserEdit::Patch(patch))
    })
    .await
}

/// PUT and PATCH: on the blocking pool, `parse` turns the body into the
/// edit, and [`users::update`] makes it. Answers 200 with the member.
async fn update(
    (req, state, auth, id, query): UpdateTarget,
    parse: impl FnOnce(&RequestLimits) -> Result<UserEdit, ScimError> + Send + 'static,
) -> Result<HttpResponse, ApiError> {
    let user_id = user_id(&id)?;
    let precondition = Precondition::if_match(header_text(&req, header::IF_MATCH));
    let projection = query.projection();
    let (account, origin) = (auth.principal.account_id, auth.origin);
    let updated = AppState::change(&state, account, origin, move |conn, caller| {
        let edit = parse(caller.limits)?;
        Ok(users::update(
            conn,
            caller,
            user_id,
            &precondition,
            edit,
            &projection,
        )?)
    })
    .await?;
    Ok(user_response(
        &req,
        HttpResponse::Ok(),
        &updated,
        &query.projection(),
    ))
}

/// `DELETE /Users/{id}`: 204, then 404.
async fn delete(
    state: web::Data<AppState>,
    auth: Authenticated<ScimScope>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let (account, origin) = (auth.principal.account_id, auth.origin);
    let user_id = user_id(&id)?;
    AppState::change(&state, account, origin, move |conn, caller| {
        Ok(users::delete(conn, caller, user_id)?)
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// `GET /Users` (RFC 7644 §3.4.2): the account's members matching the
/// filter, sorted and paged.
async fn list(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Authenticated<ScimScope>,
    params: web::Query<ListParams>,
) -> Result<HttpResponse, ApiError> {
    search_users(&req, &state, auth.principal.account_id, &params).await
}

/// `POST /Users/.search` (RFC 7644 §3.4.3): the same list, its parameters
/// in a SearchRequest body (kept out of URLs and logs).
async fn search(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Authenticated<ScimScope>,
    body: web::Json<Value>,
) -> Result<HttpResponse, ApiError> {
    let params = ListParams::from_search_body(&body)?;
    search_users(&req, &state, auth.principal.account_id, &params).await
}

async fn search_users(
    req: &HttpRequest,
    state: &web::Data<AppState>,
    account: AccountId,
    params: &ListParams,
) -> Result<HttpResponse, ApiError> {
    let request = state.list_request(ResourceKind::User, params)?;
    let projection = request.projection.clone();
    let shared = state.clone();
    let listed = AppState::read(state, move |conn| {
        paging::list::<UserView>(conn, account, &request, shared.cursors())
    })
    .await?;
    let base = scim_base_url(req);
    Ok(listed_response(listed.map(|user| {
        Value::Object(render_user(&base, &user, &projection))
    })))
}
