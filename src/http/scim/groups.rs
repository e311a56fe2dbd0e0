//! `/scim/v2/Groups` (RFC 7644 §3.3 create, §3.4 read and list, §3.5.1
//! replace, §3.5.2 modify, §3.6 delete), scoped to the token's account: the
//! request parsed into what [`crate::service::groups`] takes, the group it
//! returns rendered. A read that excludes `members` (as Entra's always do)
//! never loads them, and a large group's members are written out one by one.

use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, web};
use serde::ser::{SerializeMap, SerializeSeq};
use serde::{Serialize, Serializer};
use serde_json::{Map, Value};

use super::resources::{ReadQuery, header_text, not_modified};
use crate::http::auth::{Authenticated, ScimScope};
use crate::http::error::ApiError;
use crate::http::responses::{listed_response, method_not_allowed, scim_base_url};
use crate::http::state::AppState;
use crate::model::{AccountId, GroupId};
use crate::scim::limits::RequestLimits;
use crate::scim::list::ListParams;
use crate::scim::patch;
use crate::scim::resource::{self, Projection, checked_members};
use crate::scim::schema::ResourceKind;
use crate::scim::{MEDIA_TYPE, ScimError};
use crate::service::Precondition;
use crate::service::groups::{self, GroupEdit, GroupView, NewGroup};
use crate::service::paging;
use crate::store::groups::Member;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/Groups")
            .route(web::get().to(list))
            .route(web::post().to(create))
            .default_service(web::to(method_not_allowed)),
    )
    .service(
        web::resource("/Groups/.search")
            .route(web::post().to(search))
            .default_service(web::to(method_not_allowed)),
    )
    .service(
        web::resource("/Groups/{id}")
            .route(web::get().to(get))
            .route(web::put().to(replace))
            .route(web::patch().to(modify))
            .route(web::delete().to(delete))
            .default_service(web::to(method_not_allowed)),
    );
}

fn not_found(id: &str) -> ScimError {
    ScimError::not_found(format!("no group with id '{id}' in this account"))
}

/// The id in the path; one that is not an id names no group.
fn group_id(id: &str) -> Result<GroupId, ScimError> {
    id.parse().map_err(|_| not_found(id))
}

/// A group response: the rendered group, and its members written one by one
/// (a 50,000-member group is never held as 50,000 JSON objects).
pub(super) struct GroupBody<'a> {
    resource: Map<String, Value>,
    members: Option<(&'a [Member], &'a str)>,
}

impl Serialize for GroupBody<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        for (key, value) in &self.resource {
            map.serialize_entry(key, value)?;
        }
        if let Some((members, base)) = self.members {
            map.serialize_entry("members", &MemberList { members, base })?;
        }
        map.end()
    }
}

struct MemberList<'a> {
    members: &'a [Member],
    base: &'a str,
}

impl Serialize for MemberList<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct MemberJson<'a> {
            value: String,
            #[serde(rename = "$ref")]
            reference: String,
            display: &'a str,
            r#type: &'static str,
        }
        let mut seq = serializer.serialize_seq(Some(self.members.len()))?;
        for member in self.members {
            seq.serialize_element(&MemberJson {
                value: member.id.to_string(),
                reference: format!("{}/Users/{}", self.base, member.id),
                display: &member.display,
                r#type: "User",
            })?;
        }
        seq.end()
    }
}

/// The group as a response body, its members as loaded (`None`: excluded).
pub(super) fn group_body<'a>(
    base: &'a str,
    view: &'a GroupView,
    projection: &Projection,
) -> GroupBody<'a> {
    let group = &view.group;
    let mut resource = resource::render(
        ResourceKind::Group,
        &group.id.to_string(),
        &group.document,
        &group.meta,
        format!("{base}/Groups/{}", group.id),
    );
    projection.apply(ResourceKind::Group, &mut resource);
    GroupBody {
        resource,
        members: view.members.as_deref().map(|members| (members, base)),
    }
}

fn scim_body(body: &impl Serialize) -> Result<Vec<u8>, ApiError> {
    serde_json::to_vec(body).map_err(|_| ScimError::internal().into())
}

fn group_response(
    req: &HttpRequest,
    mut response: actix_web::HttpResponseBuilder,
    view: &GroupView,
    projection: &Projection,
) -> Result<HttpResponse, ApiError> {
    let base = scim_base_url(req);
    let body = scim_body(&group_body(&base, view, projection))?;
    Ok(response
        .insert_header((header::CONTENT_TYPE, HeaderValue::from_static(MEDIA_TYPE)))
        .insert_header((header::ETAG, view.group.meta.etag()))
        .insert_header((header::LOCATION, format!("{base}/Groups/{}", view.group.id)))
        .body(body))
}

/// `POST /Groups`: 201 with the group, with or without members.
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
    let group = AppState::change(&state, account, origin, move |conn, caller| {
        // Checked on the blocking pool, not on the worker that serves
        // other connections.
        let (members, body) = checked_members(caller.limits, body)?;
        let new = NewGroup {
            document: resource::document_from_request(ResourceKind::Group, body)?,
            members: members.unwrap_or_default(),
        };
        Ok(groups::create(conn, caller, new, &projection)?)
    })
    .await?;
    group_response(&req, HttpResponse::Created(), &group, &query.projection())
}

/// `GET /Groups/{id}`; `If-None-Match` with the current version answers 304.
async fn get(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Authenticated<ScimScope>,
    id: web::Path<String>,
    query: web::Query<ReadQuery>,
) -> Result<HttpResponse, ApiError> {
    let account = auth.principal.account_id;
    let group_id = group_id(&id)?;
    let projection = query.projection();
    let group = AppState::read(&state, move |conn| {
        groups::get(conn, account, group_id, &projection)
    })
    .await?;
    if let Some(response) = not_modified(&req, group.group.meta.etag()) {
        return Ok(response);
    }
    group_response(&req, HttpResponse::Ok(), &group, &query.projection())
}

/// PUT and PATCH: on the blocking pool, `parse` turns the body into the
/// edit, and [`groups::update`] makes it.
async fn update(
    req: &HttpRequest,
    state: &web::Data<AppState>,
    auth: Authenticated<ScimScope>,
    id: &str,
    parse: impl FnOnce(&RequestLimits) -> Result<GroupEdit, ScimError> + Send + 'static,
    projection: Projection,
) -> Result<GroupView, ApiError> {
    let (account, origin) = (auth.principal.account_id, auth.origin);
    let group_id = group_id(id)?;
    let precondition = Precondition::if_match(header_text(req, header::IF_MATCH));
    AppState::change(state, account, origin, move |conn, caller| {
        let edit = parse(caller.limits)?;
        Ok(groups::update(
            conn,
            caller,
            group_id,
            &precondition,
            edit,
            &projection,
        )?)
    })
    .await
}

/// `PUT /Groups/{id}`: the body's attributes replace the stored ones, and a
/// `members` list is the complete membership (Okta's AIW push); a body
/// without `members` leaves the membership alone, as PUT keeps what it omits.
async fn replace(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Authenticated<ScimScope>,
    id: web::Path<String>,
    query: web::Query<ReadQuery>,
    body: web::Json<Value>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let parse = move |limits: &RequestLimits| {
        let (members, body) = checked_members(limits, body)?;
        Ok(GroupEdit::Replace { body, members })
    };
    let projection = query.projection();
    let group = update(&req, &state, auth, &id, parse, projection.clone()).await?;
    group_response(&req, HttpResponse::Ok(), &group, &projection)
}

/// `PATCH /Groups/{id}` (RFC 7644 §3.5.2): every operation applies, or none.
/// 204 (what Entra asks for), or 200 with the group when the query has
/// `attributes` or `excludedAttributes`.
async fn modify(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Authenticated<ScimScope>,
    id: web::Path<String>,
    query: web::Query<ReadQuery>,
    body: web::Json<Value>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let parse = move |limits: &RequestLimits| {
        let patch = patch::parse_group_request(&body, limits)?;
        Ok(GroupEdit::Patch(patch))
    };
    let wants_body = query.attributes.is_some() || query.excluded_attributes.is_some();
    let projection = if wants_body {
        query.projection()
    } else {
        // No body: members need not be read back.
        Projection::from_query(None, Some("members"))
    };
    let group = update(&req, &state, auth, &id, parse, projection.clone()).await?;
    if !wants_body {
        return Ok(HttpResponse::NoContent()
            .insert_header((header::ETAG, group.group.meta.etag()))
            .finish());
    }
    group_response(&req, HttpResponse::Ok(), &group, &projection)
}

/// `DELETE /Groups/{id}`: 204, then 404; the members stay.
async fn delete(
    state: web::Data<AppState>,
    auth: Authenticated<ScimScope>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let (account, origin) = (auth.principal.account_id, auth.origin);
    let group_id = group_id(&id)?;
    AppState::change(&state, account, origin, move |conn, caller| {
        Ok(groups::delete(conn, caller, group_id)?)
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// `GET /Groups` (RFC 7644 §3.4.2).
async fn list(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Authenticated<ScimScope>,
    params: web::Query<ListParams>,
) -> Result<HttpResponse, ApiError> {
    search_groups(&req, &state, auth.principal.account_id, &params).await
}

/// `POST /Groups/.search` (RFC 7644 §3.4.3).
async fn search(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Authenticated<ScimScope>,
    body: web::Json<Value>,
) -> Result<HttpResponse, ApiError> {
    let params = ListParams::from_search_body(&body)?;
    search_groups(&req, &state, auth.principal.account_id, &params).await
}

async fn search_groups(
    req: &HttpRequest,
    state: &web::Data<AppState>,
    account: AccountId,
    params: &ListParams,
) -> Result<HttpResponse, ApiError> {
    let request = state.list_request(ResourceKind::Group, params)?;
    let projection = request.projection.clone();
    let shared = state.clone();
    let listed = AppState::read(state, move |conn| {
        paging::list::<GroupView>(conn, account, &request, shared.cursors())
    })
    .await?;
    let base = scim_base_url(req);
    let views = listed.items;
    let resources: Vec<GroupBody> = views
        .iter()
        .map(|view| group_body(&base, view, &projection))
        .collect();
    Ok(listed_response(paging::Listed {
        total: listed.total,
        items: resources,
        paging: listed.paging,
    }))
}
