//! `GET|POST /api/v1/webhooks`, `DELETE /api/v1/webhooks/{id}` (`admin`
//! tokens): the account's webhook endpoints and where their delivery stands
//! (`crate::webhooks`; docs/ACCESS.md "Webhooks").

use actix_web::{HttpResponse, web};
use serde::Deserialize;
use serde_json::{Value, json};
use utoipa::ToSchema;

use super::json;
use super::schemas::{CreatedWebhook, ErrorBody, Forbidden, Unauthorized, WebhookList};
use crate::access::AccessError;
use crate::http::auth::{AdminScope, Authenticated};
use crate::http::error::ApiError;
use crate::http::responses::method_not_allowed;
use crate::http::state::AppState;
use crate::scim::MEDIA_TYPE;
use crate::store;
use crate::webhooks::signature::endpoint_secret;
use crate::webhooks::{destination, resolver};

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

/// The longest accepted description.
const MAX_DESCRIPTION_BYTES: usize = 500;
/// The most endpoints one account may have.
const MAX_ENDPOINTS: usize = 20;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct NewWebhook {
    /// An `http` or `https` URL without credentials or control characters, at
    /// most 2048 bytes, whose host is a public address or resolves only to
    /// public addresses (unless the operator allows internal ones).
    url: String,
    /// At most 500 bytes.
    description: Option<String>,
}

/// A URL Roster may send to (`webhooks::destination`): its normalised text.
async fn check_url(text: &str, allow_private: bool) -> Result<String, AccessError> {
    let target = destination::parse(text).map_err(AccessError::Invalid)?;
    if !allow_private {
        resolver::check_new(&target)
            .await
            .map_err(|refused| AccessError::Invalid(format!("'url' is refused: {refused}")))?;
    }
    Ok(target.url.into())
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
    request_body = NewWebhook,
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
    body: web::Json<NewWebhook>,
) -> Result<HttpResponse, ApiError> {
    let NewWebhook { url, description } = body.into_inner();
    if description
        .as_ref()
        .is_some_and(|text| text.len() > MAX_DESCRIPTION_BYTES)
    {
        return Err(AccessError::Invalid(format!(
            "'description' is at most {MAX_DESCRIPTION_BYTES} bytes"
        ))
        .into());
    }
    // Last, since it may resolve the URL's host.
    let url = check_url(&url, state.webhook_allow_private_destinations).await?;
    let account = auth.principal.account_id;
    let origin = auth.origin;
    let (webhook, secret) = AppState::run(&state, move |conn| -> Result<_, ApiError> {
        let key = crate::service::keys::current(conn)?;
        store::account_transaction(conn, account, |conn| -> Result<_, ApiError> {
            if store::webhooks::list(conn, account)?.len() >= MAX_ENDPOINTS {
                return Err(AccessError::Conflict(format!(
                    "an account has at most {MAX_ENDPOINTS} webhook endpoints: delete one first"
                ))
                .into());
            }
            let webhook = store::webhooks::create(
                conn,
                account,
                &origin,
                &url,
                description.as_deref(),
                key.id,
            )?;
            let secret = endpoint_secret(&key.secret, &webhook.id);
            Ok((webhook, secret))
        })
    })
    .await?;
    let mut body = serde_json::to_value(&webhook).unwrap_or(Value::Null);
    if let Value::Object(fields) = &mut body {
        fields.insert("secret".into(), Value::String(secret));
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
    let webhooks = AppState::run(&state, move |conn| store::webhooks::list(conn, account)).await?;
    Ok(json(json!({ "webhooks": webhooks })))
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
    let account = auth.principal.account_id;
    let origin = auth.origin;
    let id = id.into_inner();
    let deleted = AppState::run(&state, {
        let id = id.clone();
        move |conn| {
            store::account_transaction(conn, account, |conn| {
                store::webhooks::delete(conn, account, &origin, &id)
            })
        }
    })
    .await?;
    if !deleted {
        return Err(AccessError::NotFound(format!("no webhook '{id}' in this account")).into());
    }
    Ok(HttpResponse::NoContent().finish())
}
