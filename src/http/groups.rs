//! `/scim/v2/Groups` (RFC 7644 §3.3 create, §3.4 read and list, §3.5.1
//! replace, §3.5.2 modify, §3.6 delete), scoped to the token's account.
//!
//! Membership lives in the store as rows, so a PATCH that adds or removes
//! members touches only those rows, and a read that excludes `members`
//! (as Entra's always do) never loads them. Member ids that are not users of
//! the account are skipped, never refused: Okta stops a whole group push on a
//! 400 (docs/SCIM.md, "Groups").

use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, web};
use serde::ser::{SerializeMap, SerializeSeq};
use serde::{Serialize, Serializer};
use serde_json::{Map, Value};

use super::auth::{Authenticated, ScimScope};
use super::error::ApiError;
use super::resources::{ReadQuery, check_if_match, header_text, not_modified};
use super::responses::{method_not_allowed, scim_base_url};
use super::state::AppState;
use crate::audit::{Action, Origin};
use crate::model::{AccountId, GroupId, UserId};
use crate::scim::limits::RequestLimits;
use crate::scim::list::{ListParams, ListRequest};
use crate::scim::patch::{self, MemberChange};
use crate::scim::resource::{self, Document, Projection, ResourceMeta};
use crate::scim::schema::ResourceKind;
use crate::scim::{MEDIA_TYPE, ScimError, urns};
use crate::store::groups::{Member, StoredGroup};
use crate::store::{self, Conn, ListQuery, StoreError};

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

/// A write's store error, with a displayName clash turned into 409 `uniqueness`.
fn write_error(error: StoreError, document: &Document) -> ApiError {
    if !error.is_unique_violation() {
        return error.into();
    }
    let name = document
        .get("displayName")
        .and_then(Value::as_str)
        .unwrap_or_default();
    ScimError::uniqueness(format!(
        "a group named '{name}' already exists (displayName is unique per account, ignoring case and look-alike forms)"
    ))
    .into()
}

/// Checks a POST/PUT body against the limits and splits `members` off it
/// (see [`take_members`]).
fn checked_members(
    limits: &RequestLimits,
    body: Value,
) -> Result<(Option<Vec<String>>, Value), ScimError> {
    limits.check_body(&body)?;
    let (members, body) = take_members(body)?;
    limits.check_member_count(members.as_ref().map_or(0, Vec::len))?;
    Ok((members, body))
}

/// Splits `members` off a POST/PUT body: the ids it lists (`None` when the
/// body does not mention `members`), and the body without it.
fn take_members(body: Value) -> Result<(Option<Vec<String>>, Value), ScimError> {
    let Value::Object(mut body) = body else {
        return Err(ScimError::invalid_syntax("the body must be a JSON object"));
    };
    let key = body
        .keys()
        .find(|key| key.eq_ignore_ascii_case("members"))
        .cloned();
    let Some(members) = key.and_then(|key| body.remove(&key)) else {
        return Ok((None, Value::Object(body)));
    };
    let items = match members {
        Value::Null => Vec::new(),
        Value::Array(items) => items,
        single => vec![single],
    };
    let ids = items
        .into_iter()
        .map(|item| match item.get("value") {
            Some(Value::String(id)) => Ok(id.clone()),
            _ => Err(ScimError::invalid_value(
                "each of 'members' is an object with the member's id as \"value\"",
            )),
        })
        .collect::<Result<_, _>>()?;
    Ok((Some(ids), Value::Object(body)))
}

/// The ids of `sent` that are users of the account, in order, without
/// duplicates; the others are skipped, and counted in a warning (never
/// logged themselves: they are request values).
fn known_members(
    conn: &mut Conn,
    account: AccountId,
    group: GroupId,
    sent: &[String],
) -> Result<Vec<UserId>, StoreError> {
    let mut parsed: Vec<UserId> = sent.iter().filter_map(|id| id.parse().ok()).collect();
    parsed.sort_unstable();
    parsed.dedup();
    let known = store::groups::existing_users(conn, account, &parsed)?;
    if known.len() < sent.len() {
        let unknown = sent
            .iter()
            .filter(|id| {
                id.parse::<UserId>()
                    .map_or(true, |id| known.binary_search(&id).is_err())
            })
            .count();
        if unknown > 0 {
            tracing::warn!(
                group = %group,
                skipped = unknown,
                "skipped member ids that are not users of this account"
            );
        }
    }
    Ok(known)
}

/// Applies membership changes in order.
fn change_members(
    conn: &mut Conn,
    account: AccountId,
    origin: &Origin,
    group: GroupId,
    changes: &[MemberChange],
) -> Result<usize, StoreError> {
    let mut changed = 0;
    for change in changes {
        changed += match change {
            MemberChange::Add(ids) => {
                let known = known_members(conn, account, group, ids)?;
                store::groups::add_members(conn, account, origin, group, &known)?
            }
            MemberChange::Remove(ids) => {
                let ids: Vec<UserId> = ids.iter().filter_map(|id| id.parse().ok()).collect();
                store::groups::remove_members(conn, account, origin, group, &ids)?
            }
            MemberChange::RemoveAll => {
                store::groups::remove_all_members(conn, account, origin, group)?
            }
            MemberChange::Replace(ids) => {
                let known = known_members(conn, account, group, ids)?;
                store::groups::replace_members(conn, account, origin, group, &known)?
            }
        };
    }
    Ok(changed)
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

/// The group as a response body; `members` as loaded (`None`: excluded).
pub(super) fn group_body<'a>(
    base: &'a str,
    group: &StoredGroup,
    members: Option<&'a [Member]>,
    projection: &Projection,
) -> GroupBody<'a> {
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
        members: members.map(|members| (members, base)),
    }
}

/// A ListResponse of groups (RFC 7644 §3.4.2).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct GroupList<'a> {
    schemas: [&'static str; 1],
    total_results: i64,
    start_index: i64,
    items_per_page: usize,
    #[serde(rename = "Resources")]
    resources: Vec<GroupBody<'a>>,
}

fn scim_body(body: &impl Serialize) -> Result<Vec<u8>, ApiError> {
    serde_json::to_vec(body).map_err(|_| ScimError::internal().into())
}

fn group_response(
    req: &HttpRequest,
    mut response: actix_web::HttpResponseBuilder,
    group: &StoredGroup,
    members: Option<&[Member]>,
    projection: &Projection,
) -> Result<HttpResponse, ApiError> {
    let base = scim_base_url(req);
    let body = scim_body(&group_body(&base, group, members, projection))?;
    Ok(response
        .insert_header((header::CONTENT_TYPE, HeaderValue::from_static(MEDIA_TYPE)))
        .insert_header((header::ETAG, group.meta.etag()))
        .insert_header((header::LOCATION, format!("{base}/Groups/{}", group.id)))
        .body(body))
}

/// The group's members, unless the projection leaves them out (then they
/// are not read at all).
fn members_unless_excluded(
    conn: &mut Conn,
    group: GroupId,
    projection: &Projection,
) -> Result<Option<Vec<Member>>, StoreError> {
    if projection.excludes("members") {
        return Ok(None);
    }
    store::groups::members(conn, group).map(Some)
}

/// `POST /Groups`: 201 with the group, with or without members.
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
    let (group, members) = AppState::run(&state, move |conn| {
        // Checked on the blocking pool, not on the worker that serves
        // other connections.
        let (members, body) = checked_members(&limits, body)?;
        let document = resource::document_from_request(ResourceKind::Group, body)?;
        limits.check_document(&document)?;
        let group = StoredGroup {
            id: GroupId::new(),
            document,
            meta: ResourceMeta::first(crate::clock::now()),
        };
        store::account_transaction(conn, account, |conn| -> Result<_, ApiError> {
            store::groups::insert(conn, account, &origin, &group)
                .map_err(|error| write_error(error, &group.document))?;
            let known = known_members(conn, account, group.id, &members.unwrap_or_default())?;
            store::groups::add_members(conn, account, &origin, group.id, &known)?;
            let members = members_unless_excluded(conn, group.id, &projection)?;
            Ok((group, members))
        })
    })
    .await?;
    group_response(
        &req,
        HttpResponse::Created(),
        &group,
        members.as_deref(),
        &query.projection(),
    )
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
    let group_id: GroupId = id.parse().map_err(|_| not_found(&id))?;
    let projection = query.projection();
    let (group, members) = AppState::read(&state, move |conn| -> Result<_, ApiError> {
        let group = store::groups::find(conn, account, group_id)?
            .ok_or_else(|| not_found(&group_id.to_string()))?;
        let members = members_unless_excluded(conn, group.id, &projection)?;
        Ok((group, members))
    })
    .await?;
    if let Some(response) = not_modified(&req, group.meta.etag()) {
        return Ok(response);
    }
    group_response(
        &req,
        HttpResponse::Ok(),
        &group,
        members.as_deref(),
        &query.projection(),
    )
}

/// How PUT or PATCH computes the new document from the stored one.
type NewDocument = Box<dyn FnOnce(&Document) -> Result<Document, ScimError> + Send>;

/// What PUT and PATCH change: the document, and the membership.
struct GroupChange {
    /// [`Action::Replaced`] for PUT, [`Action::Modified`] for PATCH.
    action: Action,
    document: NewDocument,
    members: Vec<MemberChange>,
}

/// PUT and PATCH, on the blocking pool: `prepare` checks the request and
/// returns the change; then, in one write transaction, the group locked
/// (404 when absent), `If-Match` (412 when stale), the document (within the
/// limits) and the membership changed, and the version bumped once when
/// anything changed.
async fn update(
    req: &HttpRequest,
    state: &web::Data<AppState>,
    auth: Authenticated<ScimScope>,
    id: &str,
    prepare: impl FnOnce(&RequestLimits) -> Result<GroupChange, ScimError> + Send + 'static,
    projection: Projection,
) -> Result<(StoredGroup, Option<Vec<Member>>), ApiError> {
    let group_id: GroupId = id.parse().map_err(|_| not_found(id))?;
    let if_match = header_text(req, header::IF_MATCH);
    let (account, origin) = (auth.principal.account_id, auth.origin);
    let limits = state.limits.clone();
    AppState::run(state, move |conn| {
        let change = prepare(&limits)?;
        store::account_transaction(conn, account, |conn| -> Result<_, ApiError> {
            let current = store::groups::find_for_update(conn, account, group_id)?
                .ok_or_else(|| not_found(&group_id.to_string()))?;
            check_if_match(if_match.as_deref(), "group", &current.meta)?;
            let document = (change.document)(&current.document)?;
            limits.check_document(&document)?;
            let members_changed =
                change_members(conn, account, &origin, group_id, &change.members)?;
            let group = if document != current.document || members_changed > 0 {
                let group = StoredGroup {
                    id: current.id,
                    document,
                    meta: current.meta.next(crate::clock::now()),
                };
                store::groups::update(conn, account, &origin, &current, &group, change.action)
                    .map_err(|error| write_error(error, &group.document))?;
                group
            } else {
                current
            };
            let members = members_unless_excluded(conn, group_id, &projection)?;
            Ok((group, members))
        })
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
    let prepare = move |limits: &RequestLimits| {
        let (members, body) = checked_members(limits, body)?;
        Ok(GroupChange {
            action: Action::Replaced,
            document: Box::new(move |current| {
                resource::document_for_put(ResourceKind::Group, current, body)
            }),
            members: members.map(MemberChange::Replace).into_iter().collect(),
        })
    };
    let projection = query.projection();
    let (group, members) = update(&req, &state, auth, &id, prepare, projection.clone()).await?;
    group_response(
        &req,
        HttpResponse::Ok(),
        &group,
        members.as_deref(),
        &projection,
    )
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
    let prepare = move |limits: &RequestLimits| {
        limits.check_body(&body)?;
        let operations =
            patch::parse_request(&body, ResourceKind::Group, limits.max_patch_operations)?;
        let split = patch::split_group_operations(&operations)?;
        limits.check_member_count(split.member_count())?;
        limits.check_patch_values(&split.document)?;
        let document_operations = split.document;
        Ok(GroupChange {
            action: Action::Modified,
            document: Box::new(move |current| {
                let mut document = Value::Object(current.clone());
                patch::apply(ResourceKind::Group, &mut document, &document_operations)?;
                match document {
                    Value::Object(document) => Ok(document),
                    _ => Err(ScimError::internal()),
                }
            }),
            members: split.members,
        })
    };
    let wants_body = query.attributes.is_some() || query.excluded_attributes.is_some();
    let projection = if wants_body {
        query.projection()
    } else {
        // No body: members need not be read back.
        Projection::from_query(None, Some("members"))
    };
    let (group, members) = update(&req, &state, auth, &id, prepare, projection.clone()).await?;
    if !wants_body {
        return Ok(HttpResponse::NoContent()
            .insert_header((header::ETAG, group.meta.etag()))
            .finish());
    }
    group_response(
        &req,
        HttpResponse::Ok(),
        &group,
        members.as_deref(),
        &projection,
    )
}

/// `DELETE /Groups/{id}`: 204, then 404; the members stay.
async fn delete(
    state: web::Data<AppState>,
    auth: Authenticated<ScimScope>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let account = auth.principal.account_id;
    let origin = auth.origin;
    let group_id: GroupId = id.parse().map_err(|_| not_found(&id))?;
    let deleted = AppState::run(&state, move |conn| {
        store::account_transaction(conn, account, |conn| {
            store::groups::delete(conn, account, &origin, group_id)
        })
    })
    .await?;
    if !deleted {
        return Err(not_found(&id).into());
    }
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

/// A group with its members as loaded (`None`: excluded).
pub(super) type GroupView = (StoredGroup, Option<Vec<Member>>);

/// The total of the account's groups matching the request, and the `limit`
/// of them after `offset`, with their members unless excluded.
pub(super) fn page_of_groups(
    conn: &mut Conn,
    account: AccountId,
    request: &ListRequest,
    offset: i64,
    limit: i64,
) -> Result<(i64, Vec<GroupView>), StoreError> {
    let query = ListQuery {
        filter: request.filter.as_ref(),
        sort: request.sort,
        offset,
        limit,
    };
    let (total, groups) = store::groups::list(conn, account, &query)?;
    let mut views = Vec::with_capacity(groups.len());
    for group in groups {
        let members = members_unless_excluded(conn, group.id, &request.projection)?;
        views.push((group, members));
    }
    Ok((total, views))
}

async fn search_groups(
    req: &HttpRequest,
    state: &web::Data<AppState>,
    account: AccountId,
    params: &ListParams,
) -> Result<HttpResponse, ApiError> {
    let request = ListRequest::parse(
        ResourceKind::Group,
        params,
        &state.limits.filter,
        state.capabilities.max_results,
    )?;
    let page = request.page;
    let query = request.clone();
    let (total, groups) = AppState::read(state, move |conn| {
        page_of_groups(conn, account, &query, page.offset(), page.count)
    })
    .await?;
    let base = scim_base_url(req);
    let list = GroupList {
        schemas: [urns::LIST_RESPONSE],
        total_results: total,
        start_index: page.start_index,
        items_per_page: groups.len(),
        resources: groups
            .iter()
            .map(|(group, members)| {
                group_body(&base, group, members.as_deref(), &request.projection)
            })
            .collect(),
    };
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, HeaderValue::from_static(MEDIA_TYPE)))
        .body(scim_body(&list)?))
}
