//! `/scim/v2/Users` (RFC 7644 §3.3 create, §3.4.1 read, §3.4.2 list,
//! §3.5.1 replace, §3.5.2 modify with PATCH, §3.6 delete), scoped to the
//! token's account.

use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use serde_json::Value;

use super::auth::{Authenticated, ScimScope};
use super::error::ApiError;
use super::responses::{list_response, method_not_allowed, scim_base_url};
use super::state::AppState;
use crate::model::{AccountId, UserId};
use crate::scim::list::{ListParams, ListRequest};
use crate::scim::resource::{self, Projection, ResourceMeta};
use crate::scim::schema::ResourceKind;
use crate::scim::{self, MEDIA_TYPE, ScimError};
use crate::store::users::{ListQuery, StoredUser};
use crate::store::{self, StoreError};

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

/// The query parameters of single-resource requests; every other parameter
/// is ignored.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ReadQuery {
    attributes: Option<String>,
    excluded_attributes: Option<String>,
}

impl ReadQuery {
    fn projection(&self) -> Projection {
        Projection::from_query(
            self.attributes.as_deref(),
            self.excluded_attributes.as_deref(),
        )
    }
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
        "userName '{user_name}' is already taken (userName is unique per account, ignoring case)"
    ))
    .into()
}

/// Renders the user with its location, projection, `ETag` and `Location`.
fn user_response(
    req: &HttpRequest,
    mut response: actix_web::HttpResponseBuilder,
    user: &StoredUser,
    projection: &Projection,
) -> HttpResponse {
    let location = format!("{}/Users/{}", scim_base_url(req), user.id);
    let mut body = resource::render(
        ResourceKind::User,
        &user.id.to_string(),
        &user.document,
        &user.meta,
        location.clone(),
    );
    projection.apply(ResourceKind::User, &mut body);
    response
        .insert_header((header::CONTENT_TYPE, HeaderValue::from_static(MEDIA_TYPE)))
        .insert_header((header::ETAG, user.meta.etag()))
        .insert_header((header::LOCATION, location))
        .json(body)
}

/// `POST /Users`: 201 with the new member; 409 `uniqueness` for a taken userName.
async fn create(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Authenticated<ScimScope>,
    query: web::Query<ReadQuery>,
    body: web::Json<Value>,
) -> Result<HttpResponse, ApiError> {
    let document = resource::document_from_request(ResourceKind::User, body.into_inner())?;
    let now = crate::clock::now();
    let user = StoredUser {
        id: UserId::new(),
        document,
        meta: ResourceMeta {
            created: now,
            last_modified: now,
            version: 1,
        },
    };
    let account = auth.principal.account_id;
    let inserted = user.clone();
    AppState::run(&state, move |conn| {
        store::write_transaction(conn, |conn| store::users::insert(conn, account, &inserted))
            .map_err(|error| write_error(error, &inserted.document))
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
) -> Result<StoredUser, ApiError> {
    let user_id: UserId = id.parse().map_err(|_| not_found(id))?;
    let found = AppState::run(state, move |conn| {
        store::users::find(conn, account, user_id)
    })
    .await?;
    found.ok_or_else(|| not_found(id).into())
}

/// `GET /Users/{id}`; `If-None-Match` with the current version answers 304.
async fn get(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Authenticated<ScimScope>,
    id: web::Path<String>,
    query: web::Query<ReadQuery>,
) -> Result<HttpResponse, ApiError> {
    let user = load(&state, auth.principal.account_id, &id).await?;
    if header_lists_etag(&req, header::IF_NONE_MATCH, &user.meta.etag()) {
        return Ok(HttpResponse::NotModified()
            .insert_header((header::ETAG, user.meta.etag()))
            .finish());
    }
    Ok(user_response(
        &req,
        HttpResponse::Ok(),
        &user,
        &query.projection(),
    ))
}

/// True when the header is present and lists this ETag (or `*`).
fn header_lists_etag(req: &HttpRequest, name: header::HeaderName, etag: &str) -> bool {
    req.headers()
        .get(name)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| lists_etag(value, etag))
}

/// True when a comma-separated list of entity tags holds this one or `*`.
fn lists_etag(list: &str, etag: &str) -> bool {
    list.split(',')
        .map(str::trim)
        .any(|tag| tag == "*" || tag == etag)
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
    let body = body.into_inner();
    update(target, move |current| {
        resource::document_for_put(ResourceKind::User, current, body)
    })
    .await
}

/// `PATCH /Users/{id}` (RFC 7644 §3.5.2): the operations apply all or
/// nothing; 200 with the whole resource, as both IdPs accept; `If-Match` with
/// a stale version answers 412. The request is checked before the user is
/// read, and the result meets the limits of POST and PUT (no U+0000, indexed
/// values at most `MAX_INDEXED_BYTES`).
async fn patch(
    state: web::Data<AppState>,
    target: UpdateTarget,
    body: web::Json<Value>,
) -> Result<HttpResponse, ApiError> {
    resource::check_storable(&body)?;
    let operations =
        scim::patch::parse_request(&body, ResourceKind::User, state.max_patch_operations)?;
    update(target, move |current| {
        let mut document = Value::Object(current.clone());
        scim::patch::apply(ResourceKind::User, &mut document, &operations)?;
        let Value::Object(document) = document else {
            return Err(ScimError::internal());
        };
        resource::check_indexed_lengths(&document)?;
        Ok(document)
    })
    .await
}

/// PUT and PATCH, which differ only in how `new_document` computes the user
/// from the stored one. In one write transaction: the account's user, locked
/// (404 when absent); `If-Match` (412 when stale); the new document, stored
/// as the next version unless it equals the stored one (then nothing is
/// written and version and `lastModified` stay). Answers 200 with the user.
async fn update(
    (req, state, auth, id, query): UpdateTarget,
    new_document: impl FnOnce(&resource::Document) -> Result<resource::Document, ScimError>
    + Send
    + 'static,
) -> Result<HttpResponse, ApiError> {
    let account = auth.principal.account_id;
    let user_id: UserId = id.parse().map_err(|_| not_found(&id))?;
    let if_match = req
        .headers()
        .get(header::IF_MATCH)
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned);
    let id_text = id.into_inner();
    let updated = AppState::run(&state, move |conn| {
        store::write_transaction(conn, |conn| -> Result<StoredUser, ApiError> {
            let current = store::users::find_for_update(conn, account, user_id)?
                .ok_or_else(|| not_found(&id_text))?;
            if let Some(expected) = &if_match
                && !lists_etag(expected, &current.meta.etag())
            {
                return Err(ScimError::new(412, None, format!(
                    "the user changed since version {expected}; its version is now {}: read it again",
                    current.meta.etag()
                ))
                .into());
            }
            let document = new_document(&current.document)?;
            if document == current.document {
                return Ok(current);
            }
            let user = StoredUser {
                id: current.id,
                document,
                meta: ResourceMeta {
                    created: current.meta.created,
                    last_modified: crate::clock::now(),
                    version: current.meta.version + 1,
                },
            };
            store::users::update(conn, account, &user).map_err(|error| write_error(error, &user.document))?;
            Ok(user)
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
    let user_id: UserId = id.parse().map_err(|_| not_found(&id))?;
    let deleted = AppState::run(&state, move |conn| {
        store::write_transaction(conn, |conn| store::users::delete(conn, account, user_id))
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

/// `POST /Users/.search` and `POST /.search` (RFC 7644 §3.4.3): the same
/// list, its parameters in a SearchRequest body (kept out of URLs and logs).
pub async fn search(
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
    let request = ListRequest::parse(
        ResourceKind::User,
        params,
        &state.filter_limits,
        state.capabilities.max_results,
    )?;
    let (filter, sort, page) = (request.filter, request.sort, request.page);
    let (total, users) = AppState::run(state, move |conn| {
        let query = ListQuery {
            filter: filter.as_ref(),
            sort,
            offset: page.offset(),
            limit: page.count,
        };
        store::users::list(conn, account, &query)
    })
    .await?;
    let base = scim_base_url(req);
    let resources = users
        .iter()
        .map(|user| {
            let mut body = resource::render(
                ResourceKind::User,
                &user.id.to_string(),
                &user.document,
                &user.meta,
                format!("{base}/Users/{}", user.id),
            );
            request.projection.apply(ResourceKind::User, &mut body);
            Value::Object(body)
        })
        .collect();
    Ok(list_response(total, page.start_index, resources))
}
