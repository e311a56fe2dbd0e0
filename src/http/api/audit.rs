//! `GET /api/v1/audit` (`admin` tokens): the account's audit log, oldest
//! first, by member, group and time range, paged with an `after` cursor
//! (docs/ACCESS.md "Audit log").

use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use utoipa::{IntoParams, ToSchema};

use super::json;
use super::schemas::{AuditPage, ErrorBody, Forbidden, Unauthorized};
use crate::http::auth::{AdminScope, Authenticated};
use crate::http::error::ApiError;
use crate::http::responses::method_not_allowed;
use crate::http::state::AppState;
use crate::model::{GroupId, UserId};
use crate::scim::{MEDIA_TYPE, ScimError};
use crate::service;
use crate::store::audit::{AuditQuery, StoredEntry};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/audit")
            .route(web::get().to(audit))
            .default_service(web::to(method_not_allowed)),
    );
}

/// The most entries one page holds, and the default.
const MAX_LIMIT: i64 = 1000;
const DEFAULT_LIMIT: i64 = 100;

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(super) struct AuditParams {
    /// Entries about this member (an id).
    member: Option<String>,
    /// Entries about this group (an id).
    group: Option<String>,
    /// Entries at or after this RFC 3339 time.
    #[param(format = DateTime)]
    since: Option<String>,
    /// Entries before this RFC 3339 time.
    #[param(format = DateTime)]
    until: Option<String>,
    /// Entries with a greater `seq`: the `next` of the previous page (default 0).
    after: Option<i64>,
    /// The most entries to return, 1 to 1000 (default 100).
    #[param(minimum = 1, maximum = 1000)]
    limit: Option<i64>,
}

/// A stored entry, as the API shows it.
#[derive(Serialize, ToSchema)]
pub(super) struct AuditRecord {
    /// The account's own sequence number: 1, 2, 3 … without gaps.
    seq: i64,
    id: String,
    #[schema(format = DateTime)]
    at: String,
    /// `{"type": "token", "tokenId": …, "label": …}`, `{"type": "cli"}`, or
    /// `{"type": "console", "linkIssuedBy": <the token or cli that issued the session's link>}`.
    #[schema(value_type = Object)]
    actor: Value,
    #[serde(rename = "requestId")]
    request_id: Option<String>,
    /// `{"type": "User" | "Group" | "AccessModel" | "Workspace" | "Rule" | "Webhook" | "Token" | "Account"
    /// | "ConsoleLink" | "ConsoleSession" | "AccessReview" | "OAuthClient" | "OAuthClientSecret", "id": …}`.
    #[schema(value_type = Object)]
    resource: Value,
    action: String,
    #[schema(value_type = Option<String>)]
    member: Option<UserId>,
    #[schema(value_type = Option<String>)]
    group: Option<GroupId>,
    /// Attribute → `{"before": …, "after": …}`.
    #[schema(value_type = Object)]
    changes: Value,
}

impl From<StoredEntry> for AuditRecord {
    fn from(entry: StoredEntry) -> Self {
        let actor = match entry.actor.as_str() {
            "token" => {
                json!({"type": "token", "tokenId": entry.token_id, "label": entry.token_label})
            }
            "console" => json!({
                "type": "console",
                "linkIssuedBy": match entry.token_id {
                    Some(token) => json!({"type": "token", "tokenId": token, "label": entry.token_label}),
                    None => json!({"type": "cli"}),
                },
            }),
            _ => json!({"type": entry.actor}),
        };
        Self {
            seq: entry.seq,
            id: entry.id,
            at: crate::clock::rfc3339(entry.at),
            actor,
            request_id: entry.request_id,
            resource: json!({"type": entry.resource_type, "id": entry.resource_id}),
            action: entry.action,
            member: entry.member,
            group: entry.group,
            changes: entry.changes,
        }
    }
}

fn parsed<T: std::str::FromStr>(name: &str, value: Option<&str>) -> Result<Option<T>, ScimError> {
    value
        .map(|text| {
            text.parse().map_err(|_| {
                ScimError::invalid_value(format!("'{name}' must be an id, and '{text}' is not one"))
            })
        })
        .transpose()
}

fn time(name: &str, value: Option<&str>) -> Result<Option<chrono::NaiveDateTime>, ScimError> {
    value
        .map(|text| {
            crate::clock::parse_rfc3339(text).ok_or_else(|| {
                ScimError::invalid_value(format!(
                    "'{name}' must be an RFC 3339 time such as 2026-11-22T09:00:00Z, not '{text}'"
                ))
            })
        })
        .transpose()
}

/// `GET /audit?member=ID&group=ID&since=T&until=T&after=SEQ&limit=N`:
/// entries matching every given condition (`since` inclusive, `until`
/// exclusive), at most `limit` (default 100, at most 1000); `next` is the
/// cursor for the following page, `null` after the last.
#[utoipa::path(
    get,
    path = "/api/v1/audit",
    tag = "audit",
    summary = "The audit log",
    security(("bearer" = ["admin"])),
    params(AuditParams),
    responses(
        (status = 200, description = "Entries matching every given condition, oldest first",
            body = AuditPage),
        (status = 400, description = "A parameter is unknown or not valid",
            body = ErrorBody, content_type = MEDIA_TYPE),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
    ),
)]
pub(super) async fn audit(
    state: web::Data<AppState>,
    auth: Authenticated<AdminScope>,
    params: web::Query<AuditParams>,
) -> Result<HttpResponse, ApiError> {
    let limit = params.limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(ScimError::invalid_value(format!("'limit' is 1 to {MAX_LIMIT}")).into());
    }
    let query = AuditQuery {
        member: parsed("member", params.member.as_deref())?,
        group: parsed("group", params.group.as_deref())?,
        since: time("since", params.since.as_deref())?,
        until: time("until", params.until.as_deref())?,
        after: params.after.unwrap_or(0).max(0),
        limit,
        ..AuditQuery::default()
    };
    let account = auth.principal.account_id;
    let entries = AppState::run(&state, move |conn| {
        service::audit::query(conn, account, &query)
    })
    .await?;
    let entries: Vec<AuditRecord> = entries.into_iter().map(AuditRecord::from).collect();
    let next = match entries.last() {
        Some(last) if i64::try_from(entries.len()) == Ok(limit) => Some(last.seq),
        _ => None,
    };
    Ok(json(json!({ "entries": entries, "next": next })))
}
