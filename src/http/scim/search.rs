//! `POST /.search` (RFC 7644 §3.4.3): one search over every resource type,
//! Users first, then Groups, paged over the two as one list.
//!
//! The filter is resolved against each type's schema; a type it names no
//! attribute of contributes nothing (`userName eq "x"` finds no group), and
//! only a filter that fits no type is refused.

use actix_web::{HttpRequest, HttpResponse, web};
use serde::Serialize;
use serde_json::{Map, Value};

use super::groups::{GroupBody, group_body};
use super::users::render_user;
use crate::http::auth::{Authenticated, ScimScope};
use crate::http::error::ApiError;
use crate::http::responses::{list_response, method_not_allowed, scim_base_url};
use crate::http::state::AppState;
use crate::scim::ScimError;
use crate::scim::list::ListParams;
use crate::scim::resource::Projection;
use crate::scim::schema::ResourceKind;
use crate::service::{groups, users};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/.search")
            .route(web::post().to(search))
            .default_service(web::to(method_not_allowed)),
    );
}

#[derive(Serialize)]
#[serde(untagged)]
enum AnyResource<'a> {
    User(Map<String, Value>),
    Group(GroupBody<'a>),
}

async fn search(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Authenticated<ScimScope>,
    body: web::Json<Value>,
) -> Result<HttpResponse, ApiError> {
    let params = ListParams::from_search_body(&body)?;
    params.refuse_cursor("the search over every resource type")?;
    let parse = |kind| state.list_request(kind, &params);
    let (users, groups) = match (parse(ResourceKind::User), parse(ResourceKind::Group)) {
        (Err(error), Err(_)) => return Err(error.into()),
        (users, groups) => (users.ok(), groups.ok()),
    };
    let page = users
        .as_ref()
        .or(groups.as_ref())
        .map(|request| request.page)
        .ok_or_else(ScimError::internal)?;
    let account = auth.principal.account_id;
    let (user_total, user_page, group_total, group_page) =
        AppState::read(&state, move |conn| -> Result<_, ApiError> {
            let (user_total, user_page) = match &users {
                Some(request) => {
                    users::list(conn, account, request, page.offset(), page.count, None)?
                }
                None => (0, Vec::new()),
            };
            let remaining =
                page.count - i64::try_from(user_page.len()).map_err(|_| ScimError::internal())?;
            let (group_total, group_page) = match &groups {
                Some(request) => {
                    let offset = (page.offset() - user_total).max(0);
                    groups::list(conn, account, request, offset, remaining, None)?
                }
                None => (0, Vec::new()),
            };
            Ok((user_total, user_page, group_total, group_page))
        })
        .await?;
    let base = scim_base_url(&req);
    let projection = &Projection::from_query(
        params.attributes.as_deref(),
        params.excluded_attributes.as_deref(),
    );
    let resources: Vec<AnyResource<'_>> = user_page
        .iter()
        .map(|user| AnyResource::User(render_user(&base, user, projection)))
        .chain(
            group_page
                .iter()
                .map(|group| AnyResource::Group(group_body(&base, group, projection))),
        )
        .collect();
    Ok(list_response(
        user_total + group_total,
        page.start_index,
        resources,
    ))
}
