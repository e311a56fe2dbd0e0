//! `GET|POST /api/v1/webhooks`, `DELETE /api/v1/webhooks/{id}` (`admin`
//! tokens): the account's webhook endpoints and where their delivery stands
//! (`crate::webhooks`; docs/ACCESS.md "Webhooks").

use actix_web::{HttpResponse, web};
use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use utoipa::ToSchema;

use super::json;
use super::schemas::{CreatedWebhook, ErrorBody, Forbidden, Unauthorized, WebhookList};
use crate::http::auth::{AdminScope, Authenticated};
use crate::http::error::ApiError;
use crate::http::responses::method_not_allowed;
use crate::http::state::AppState;
use crate::model::WebhookId;
use crate::scim::MEDIA_TYPE;
use crate::service::webhooks::{self, NewWebhook, WebhookView};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/webhooks")
            .route(web::get().to(list))
            .route(web::post().to(create))
            .default_service(web::to(method_not_allowed)),
    )
    .service(
        web::resource("/webhooks/{id}")
            .route(web::delete().to(delete))
            .default_service(web::to(method_not_allowed)),
    );
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = NewWebhook)]
pub(super) struct NewWebhookBody {
    /// An `http` or `https` URL without credentials or control characters, at
    /// most 2048 bytes, whose host is a public address or resolves only to
    /// public addresses (unless the operator allows internal ones).
    url: String,
    /// At most 500 bytes.
    description: Option<String>,
}

/// An endpoint with its delivery state.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(super) struct Webhook {
    #[schema(value_type = String)]
    id: WebhookId,
    url: String,
    description: Option<String>,
    #[serde(serialize_with = "crate::clock::serialize_rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    created_at: NaiveDateTime,
    delivery: Delivery,
}

/// Where delivery to an endpoint stands.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(super) struct Delivery {
    /// Every event of the account up to this `seq` (the account's own numbering) is delivered.
    delivered_seq: i64,
    /// Events waiting to be delivered (filled in by `list`).
    backlog: i64,
    /// Failed attempts at the next event since the last success.
    attempts: i32,
    #[serde(serialize_with = "crate::clock::serialize_rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    next_attempt_at: NaiveDateTime,
    #[serde(serialize_with = "crate::clock::serialize_rfc3339_option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    last_attempt_at: Option<NaiveDateTime>,
    #[serde(serialize_with = "crate::clock::serialize_rfc3339_option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    last_success_at: Option<NaiveDateTime>,
    last_error: Option<String>,
}

impl From<WebhookView> for Webhook {
    fn from(WebhookView { webhook, backlog }: WebhookView) -> Self {
        Self {
            id: webhook.id,
            url: webhook.url,
            description: webhook.description,
            created_at: webhook.created_at,
            delivery: Delivery {
                delivered_seq: webhook.delivered_seq,
                backlog,
                attempts: webhook.attempts,
                next_attempt_at: webhook.next_attempt_at,
                last_attempt_at: webhook.last_attempt_at,
                last_success_at: webhook.last_success_at,
                last_error: webhook.last_error,
            },
        }
    }
}

/// `POST /webhooks` with `{"url": …, "description": …}`: 201 with the
/// endpoint and its `secret`, shown this once. Events from now on go to it.
#[utoipa::path(
    post,
    path = "/api/v1/webhooks",
    operation_id = "create_webhook",
    tag = "webhooks",
    summary = "Add a webhook endpoint",
    security(("bearer" = ["admin"])),
    request_body = NewWebhookBody,
    responses(
        (status = 201, description = "The endpoint, with its signing `secret`, shown this once",
            body = CreatedWebhook),
        (status = 400, description = "The URL or description is not valid, or the URL names an \
            internal address",
            body = ErrorBody, content_type = MEDIA_TYPE),
        (status = 409, description = "The account has 20 endpoints already",
            body = ErrorBody, content_type = MEDIA_TYPE),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
    ),
)]
pub(super) async fn create(
    state: web::Data<AppState>,
    auth: Authenticated<AdminScope>,
    body: web::Json<NewWebhookBody>,
) -> Result<HttpResponse, ApiError> {
    let NewWebhookBody { url, description } = body.into_inner();
    let allow_private = state.webhook_allow_private_destinations;
    let new = NewWebhook::check(&url, description, allow_private).await?;
    let (account, origin) = (auth.principal.account_id, auth.origin);
    let created = AppState::change(&state, account, origin, move |conn, caller| {
        Ok(webhooks::create(conn, caller, new)?)
    })
    .await?;
    let mut body = serde_json::to_value(Webhook::from(created.webhook)).unwrap_or(Value::Null);
    if let Value::Object(fields) = &mut body {
        fields.insert("secret".into(), Value::String(created.secret));
    }
    Ok(HttpResponse::Created().json(body))
}

/// `GET /webhooks`: every endpoint with its delivery status and backlog.
#[utoipa::path(
    get,
    path = "/api/v1/webhooks",
    operation_id = "list_webhooks",
    tag = "webhooks",
    summary = "The webhook endpoints",
    security(("bearer" = ["admin"])),
    responses(
        (status = 200, description = "Every endpoint with its delivery status and backlog",
            body = WebhookList),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
    ),
)]
pub(super) async fn list(
    state: web::Data<AppState>,
    auth: Authenticated<AdminScope>,
) -> Result<HttpResponse, ApiError> {
    let account = auth.principal.account_id;
    let listed = AppState::run(&state, move |conn| webhooks::list(conn, account)).await?;
    let listed: Vec<Webhook> = listed.into_iter().map(Webhook::from).collect();
    Ok(json(json!({ "webhooks": listed })))
}

/// `DELETE /webhooks/{id}`: 204; its undelivered events are not sent.
#[utoipa::path(
    delete,
    path = "/api/v1/webhooks/{id}",
    operation_id = "delete_webhook",
    tag = "webhooks",
    summary = "Delete a webhook endpoint",
    security(("bearer" = ["admin"])),
    params(("id" = String, Path, description = "The endpoint's id")),
    responses(
        (status = 204, description = "Deleted; its undelivered events are not sent"),
        (status = 404, description = "No such endpoint",
            body = ErrorBody, content_type = MEDIA_TYPE),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
    ),
)]
pub(super) async fn delete(
    state: web::Data<AppState>,
    auth: Authenticated<AdminScope>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let (account, origin) = (auth.principal.account_id, auth.origin);
    AppState::change(&state, account, origin, move |conn, caller| {
        Ok(webhooks::delete(conn, caller, &id)?)
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
