//! `/scim/v2/Users` (RFC 7644 §3.3 create, §3.4.1 read, §3.4.2 list,
//! §3.5.1 replace, §3.5.2 modify with PATCH, §3.6 delete), scoped to the
//! token's account.

use std::collections::HashMap;

use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::{Map, Value, json};

use super::auth::{Authenticated, ScimScope};
use super::error::ApiError;
use super::resources::{ReadQuery, check_if_match, header_text, not_modified};
use super::responses::{list_response, method_not_allowed, scim_base_url};
use super::state::AppState;
use crate::audit::Action;
use crate::model::{AccountId, UserId};
use crate::scim::list::{ListParams, ListRequest};
use crate::scim::resource::{self, Projection, ResourceMeta};
use crate::scim::schema::ResourceKind;
use crate::scim::{self, MEDIA_TYPE, ScimError, urns};
use crate::store::ListQuery;
use crate::store::groups::Membership;
use crate::store::users::StoredUser;
use crate::store::{self, Conn, StoreError};

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

/// A write's store error, with a userName clash turned into 409 `uniqueness`.
fn write_error(error: StoreError, document: &resource::Document) -> ApiError {
    if !error.is_unique_violation() {
        return error.into();
    }
    let user_name = document
        .get("userName")
        .and_then(Value::as_str)
        .unwrap_or_default();
    ScimError::uniqueness(format!(
        "userName '{user_name}' is already taken (userName is unique per account, ignoring case and look-alike forms)"
    ))
    .into()
}

/// Renders the user with its location, projection, `ETag` and `Location`.
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

/// A user with what its representation computes from other rows: the
/// groups it belongs to (`groups`) and its manager's display name.
pub(super) struct UserView {
    user: StoredUser,
    groups: Vec<Membership>,
    manager: Option<String>,
}

/// The enterprise `manager.value` of a user, if it names a user id.
fn manager_id(user: &StoredUser) -> Option<UserId> {
    user.document
        .get(urns::ENTERPRISE_USER)?
        .get("manager")?
        .get("value")?
        .as_str()?
        .parse()
        .ok()
}

/// The users with their groups (unless the projection leaves `groups` out:
/// then memberships are not read) and their managers' display names.
fn views_of(
    conn: &mut Conn,
    account: AccountId,
    users: Vec<StoredUser>,
    projection: &Projection,
) -> Result<Vec<UserView>, StoreError> {
    let mut memberships = if projection.excludes("groups") {
        HashMap::new()
    } else {
        let ids: Vec<UserId> = users.iter().map(|user| user.id).collect();
        store::groups::memberships(conn, &ids)?
    };
    let managers: Vec<UserId> = users.iter().filter_map(manager_id).collect();
    let managers = store::users::display_names(conn, account, &managers)?;
    Ok(users
        .into_iter()
        .map(|user| UserView {
            groups: memberships.remove(&user.id).unwrap_or_default(),
            manager: manager_id(&user).and_then(|id| managers.get(&id).cloned()),
            user,
        })
        .collect())
}

fn view_of(
    conn: &mut Conn,
    account: AccountId,
    user: StoredUser,
    projection: &Projection,
) -> Result<UserView, StoreError> {
    let mut views = views_of(conn, account, vec![user], projection)?;
    views
        .pop()
        .ok_or_else(|| StoreError::Corrupt("a user vanished while read".into()))
}

/// The user's SCIM representation (RFC 7643 §4.1), `groups` included
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
    let account = auth.principal.account_id;
    let origin = auth.origin;
    let projection = query.projection();
    let limits = state.limits.clone();
    let body = body.into_inner();
    let user = AppState::run(&state, move |conn| -> Result<UserView, ApiError> {
        // The body is checked here, on the blocking pool, not on the worker
        // that serves other connections.
        limits.check_body(&body)?;
        let document = resource::document_from_request(ResourceKind::User, body)?;
        limits.check_document(&document)?;
        let user = StoredUser {
            id: UserId::new(),
            document,
            meta: ResourceMeta::first(crate::clock::now()),
        };
        store::account_transaction(conn, account, |conn| {
            store::users::insert(conn, account, &origin, &user)
        })
        .map_err(|error| write_error(error, &user.document))?;
        // A new user is in no group yet; its manager may already exist.
        Ok(view_of(conn, account, user, &projection)?)
    })
    .await?;
    Ok(user_response(
        &req,
        HttpResponse::Created(),
        &user,
        &query.projection(),
    ))
}

async fn load(
    state: &web::Data<AppState>,
    account: AccountId,
    id: &str,
    projection: Projection,
) -> Result<UserView, ApiError> {
    let user_id: UserId = id.parse().map_err(|_| not_found(id))?;
    let id = id.to_owned();
    AppState::read(state, move |conn| -> Result<UserView, ApiError> {
        let user = store::users::find(conn, account, user_id)?.ok_or_else(|| not_found(&id))?;
        Ok(view_of(conn, account, user, &projection)?)
    })
    .await
}

/// `GET /Users/{id}`; `If-None-Match` with the current version answers 304.
async fn get(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Authenticated<ScimScope>,
    id: web::Path<String>,
    query: web::Query<ReadQuery>,
) -> Result<HttpResponse, ApiError> {
    let user = load(&state, auth.principal.account_id, &id, query.projection()).await?;
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
/// the base URL), the state, who asks, the user's id, and the query
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
    let limits = target.1.limits.clone();
    let body = body.into_inner();
    update(target, Action::Replaced, move || {
        limits.check_body(&body)?;
        Ok(move |current: &resource::Document| {
            resource::document_for_put(ResourceKind::User, current, body)
        })
    })
    .await
}

/// `PATCH /Users/{id}` (RFC 7644 §3.5.2): the operations apply all or
/// nothing; 200 with the whole resource, as both IdPs accept; `If-Match` with
/// a stale version answers 412. The request is checked before the user is
/// read, and the result meets the limits of POST and PUT (no U+0000, indexed
/// values at most `MAX_INDEXED_BYTES`).
async fn patch(target: UpdateTarget, body: web::Json<Value>) -> Result<HttpResponse, ApiError> {
    let limits = target.1.limits.clone();
    let body = body.into_inner();
    update(target, Action::Modified, move || {
        limits.check_body(&body)?;
        let operations =
            scim::patch::parse_request(&body, ResourceKind::User, limits.max_patch_operations)?;
        limits.check_patch_values(&operations)?;
        Ok(move |current: &resource::Document| {
            let mut document = Value::Object(current.clone());
            scim::patch::apply(ResourceKind::User, &mut document, &operations)?;
            let Value::Object(document) = document else {
                return Err(ScimError::internal());
            };
            Ok(document)
        })
    })
    .await
}

/// PUT and PATCH, which differ only in how the new document is computed
/// from the stored one. On the blocking pool: `prepare` checks the request
/// and returns that computation; then, in one write transaction, the
/// account's user, locked (404 when absent); `If-Match` (412 when stale);
/// the new document (within the limits of values), stored as the next
/// version unless it equals the stored one (then nothing is written and
/// version and `lastModified` stay). Answers 200 with the user.
async fn update<F>(
    (req, state, auth, id, query): UpdateTarget,
    action: Action,
    prepare: impl FnOnce() -> Result<F, ScimError> + Send + 'static,
) -> Result<HttpResponse, ApiError>
where
    F: FnOnce(&resource::Document) -> Result<resource::Document, ScimError>,
{
    let account = auth.principal.account_id;
    let origin = auth.origin;
    let user_id: UserId = id.parse().map_err(|_| not_found(&id))?;
    let if_match = header_text(&req, header::IF_MATCH);
    let id_text = id.into_inner();
    let projection = query.projection();
    let limits = state.limits.clone();
    let updated = AppState::run(&state, move |conn| {
        let new_document = prepare()?;
        store::account_transaction(conn, account, |conn| -> Result<UserView, ApiError> {
            let current = store::users::find_for_update(conn, account, user_id)?
                .ok_or_else(|| not_found(&id_text))?;
            check_if_match(if_match.as_deref(), "user", &current.meta)?;
            let document = new_document(&current.document)?;
            limits.check_document(&document)?;
            let user = if document == current.document {
                current
            } else {
                let user = StoredUser {
                    id: current.id,
                    document,
                    meta: current.meta.next(crate::clock::now()),
                };
                store::users::update(conn, account, &origin, &current, &user, action)
                    .map_err(|error| write_error(error, &user.document))?;
                user
            };
            Ok(view_of(conn, account, user, &projection)?)
        })
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
    let account = auth.principal.account_id;
    let origin = auth.origin;
    let user_id: UserId = id.parse().map_err(|_| not_found(&id))?;
    let deleted = AppState::run(&state, move |conn| {
        store::account_transaction(conn, account, |conn| {
            store::users::delete(conn, account, &origin, user_id)
        })
    })
    .await?;
    if !deleted {
        return Err(not_found(&id).into());
    }
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

/// The total of the account's users matching the request, and the
/// `limit` of them after `offset`, with their groups.
pub(super) fn page_of_users(
    conn: &mut Conn,
    account: AccountId,
    request: &ListRequest,
    offset: i64,
    limit: i64,
) -> Result<(i64, Vec<UserView>), StoreError> {
    let query = ListQuery {
        filter: request.filter.as_ref(),
        sort: request.sort,
        offset,
        limit,
    };
    let (total, users) = store::users::list(conn, account, &query)?;
    Ok((total, views_of(conn, account, users, &request.projection)?))
}

async fn search_users(
    req: &HttpRequest,
    state: &web::Data<AppState>,
    account: AccountId,
    params: &ListParams,
) -> Result<HttpResponse, ApiError> {
    let request = ListRequest::parse(
        ResourceKind::User,
        params,
        &state.limits.filter,
        state.capabilities.max_results,
    )?;
    let page = request.page;
    let query = request.clone();
    let (total, users) = AppState::read(state, move |conn| {
        page_of_users(conn, account, &query, page.offset(), page.count)
    })
    .await?;
    let base = scim_base_url(req);
    let resources = users
        .iter()
        .map(|user| Value::Object(render_user(&base, user, &request.projection)))
        .collect();
    Ok(list_response(total, page.start_index, resources))
}
