//! `GET|POST /api/v1/oauth-clients`, `GET|DELETE /api/v1/oauth-clients/{id}`,
//! `POST /api/v1/oauth-clients/{id}/secrets`, `DELETE
//! /api/v1/oauth-clients/{id}/secrets/{secretId}` (`admin` tokens): the
//! account's OAuth clients (RFC 6749 §2), which obtain access tokens at
//! `POST /oauth/token` (`http/oauth.rs`). A secret is in the answer that
//! made it, and nowhere ever after.

use actix_web::{HttpResponse, web};
use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use super::json;
use super::schemas::{
    CreatedClient, CreatedSecret, ErrorBody, Forbidden, OAuthClientList, Unauthorized,
};
use crate::http::auth::{AdminScope, Authenticated};
use crate::http::error::ApiError;
use crate::http::responses::method_not_allowed;
use crate::http::state::AppState;
use crate::model::{ClientId, ClientSecretId, Scope};
use crate::scim::{MEDIA_TYPE, ScimError};
use crate::service::oauth_clients::{
    self, ClientView, DEFAULT_SECRET_LIFETIME, NewClient, NewCredential,
};
use crate::store::oauth_clients::{Federation, SecretRecord};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/oauth-clients")
            .route(web::get().to(list_clients))
            .route(web::post().to(create_client))
            .default_service(web::to(method_not_allowed)),
    )
    .service(
        web::resource("/oauth-clients/{id}")
            .route(web::get().to(get_client))
            .route(web::delete().to(delete_client))
            .default_service(web::to(method_not_allowed)),
    )
    .service(
        web::resource("/oauth-clients/{id}/secrets")
            .route(web::post().to(add_secret))
            .default_service(web::to(method_not_allowed)),
    )
    .service(
        web::resource("/oauth-clients/{id}/secrets/{secretId}")
            .route(web::delete().to(revoke_secret))
            .default_service(web::to(method_not_allowed)),
    );
}

/// A new client.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(super) struct NewClientBody {
    /// At most 200 bytes.
    label: Option<String>,
    /// `scim` (the default), `access` or `admin`: the scope of its tokens.
    scope: Option<String>,
    /// Its first secret's lifetime in days, 1 to 1095 (default 365).
    secret_expires_in_days: Option<u32>,
    /// Instead of a secret: the issuer whose client assertions (RFC 7523)
    /// authenticate it.
    federated: Option<FederatedCredential>,
}

/// Whose JWTs a federated client accepts as client assertions.
#[derive(Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(super) struct FederatedCredential {
    /// The `iss` (an https URL, at most 1000 bytes).
    issuer: String,
    /// The `sub`.
    subject: String,
    /// The `aud`.
    audience: String,
    /// Where the issuer's keys are; default: its OpenID configuration's `jwks_uri`.
    jwks_url: Option<String>,
}

/// A new secret of a client.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(super) struct NewSecretBody {
    /// The secret's lifetime in days, 1 to 1095 (default 365).
    expires_in_days: Option<u32>,
}

/// A client and its secrets (never the secrets themselves).
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(super) struct OAuthClient {
    /// The `client_id` of the token endpoint.
    #[schema(value_type = String)]
    id: ClientId,
    label: Option<String>,
    #[schema(value_type = String)]
    scope: Scope,
    #[serde(serialize_with = "crate::clock::serialize_rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    created_at: NaiveDateTime,
    /// Set for a federated client (which has no secrets).
    federated: Option<FederatedCredential>,
    /// Oldest first, revoked and expired ones included.
    secrets: Vec<ClientSecretInfo>,
}

/// One of a client's secrets (never the secret).
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(super) struct ClientSecretInfo {
    #[schema(value_type = String)]
    id: ClientSecretId,
    #[serde(serialize_with = "crate::clock::serialize_rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    created_at: NaiveDateTime,
    #[serde(serialize_with = "crate::clock::serialize_rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    expires_at: NaiveDateTime,
    #[serde(serialize_with = "crate::clock::serialize_rfc3339_option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    last_used_at: Option<NaiveDateTime>,
    #[serde(serialize_with = "crate::clock::serialize_rfc3339_option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    revoked_at: Option<NaiveDateTime>,
}

impl From<ClientView> for OAuthClient {
    fn from(view: ClientView) -> Self {
        Self {
            id: view.client.id,
            label: view.client.label,
            scope: view.client.scope,
            created_at: view.client.created_at,
            federated: view.client.federation.map(|f| FederatedCredential {
                issuer: f.issuer,
                subject: f.subject,
                audience: f.audience,
                jwks_url: f.jwks_url,
            }),
            secrets: view
                .secrets
                .into_iter()
                .map(ClientSecretInfo::from)
                .collect(),
        }
    }
}

impl From<SecretRecord> for ClientSecretInfo {
    fn from(secret: SecretRecord) -> Self {
        Self {
            id: secret.id,
            created_at: secret.created_at,
            expires_at: secret.expires_at,
            last_used_at: secret.last_used_at,
            revoked_at: secret.revoked_at,
        }
    }
}

fn lifetime(days: Option<u32>) -> chrono::Duration {
    days.map_or(DEFAULT_SECRET_LIFETIME, |days| {
        chrono::Duration::days(i64::from(days))
    })
}

/// `POST /oauth-clients`: 201 with the client and its first secret.
#[utoipa::path(
    post,
    path = "/api/v1/oauth-clients",
    operation_id = "create_oauth_client",
    tag = "oauth",
    summary = "Create an OAuth client with its first secret",
    security(("bearer" = ["admin"])),
    request_body = NewClientBody,
    responses(
        (status = 201, description = "The client, with its `clientSecret` shown this once",
            body = CreatedClient),
        (status = 400, description = "The label, scope or lifetime is not valid",
            body = ErrorBody, content_type = MEDIA_TYPE),
        (status = 409, description = "The account has 100 clients already",
            body = ErrorBody, content_type = MEDIA_TYPE),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
    ),
)]
pub(super) async fn create_client(
    state: web::Data<AppState>,
    auth: Authenticated<AdminScope>,
    body: web::Json<NewClientBody>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let scope = match body.scope {
        None => Scope::Scim,
        Some(scope) => scope.parse().map_err(|_| {
            ScimError::invalid_value("scope is one of scim, access or admin".to_owned())
        })?,
    };
    let credential = match body.federated {
        Some(f) if body.secret_expires_in_days.is_none() => NewCredential::Federated(Federation {
            issuer: f.issuer,
            subject: f.subject,
            audience: f.audience,
            jwks_url: f.jwks_url,
        }),
        Some(_) => {
            return Err(ScimError::invalid_value(
                "a federated client has no secret: leave out secretExpiresInDays".to_owned(),
            )
            .into());
        }
        None => NewCredential::Secret(lifetime(body.secret_expires_in_days)),
    };
    let new = NewClient {
        label: body.label,
        scope,
        credential,
    };
    let (account, origin) = (auth.principal.account_id, auth.origin);
    let (view, secret) = AppState::change(&state, account, origin, move |conn, caller| {
        let created = oauth_clients::create(conn, caller, new)?;
        let view = oauth_clients::get(conn, caller.account, created.client.id)?;
        Ok((view, created.secret))
    })
    .await?;
    Ok(HttpResponse::Created().json(json!({
        "client": OAuthClient::from(view),
        "clientSecret": secret.map(|secret| secret.secret.expose().to_owned()),
    })))
}

/// `GET /oauth-clients`.
#[utoipa::path(
    get,
    path = "/api/v1/oauth-clients",
    operation_id = "list_oauth_clients",
    tag = "oauth",
    summary = "The account's OAuth clients and their secrets (never the secrets themselves)",
    security(("bearer" = ["admin"])),
    responses(
        (status = 200, description = "Every client, oldest first", body = OAuthClientList),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
    ),
)]
pub(super) async fn list_clients(
    state: web::Data<AppState>,
    auth: Authenticated<AdminScope>,
) -> Result<HttpResponse, ApiError> {
    let account = auth.principal.account_id;
    let listed = AppState::run(&state, move |conn| oauth_clients::list(conn, account)).await?;
    let clients: Vec<OAuthClient> = listed.into_iter().map(OAuthClient::from).collect();
    Ok(json(json!({ "clients": clients })))
}

/// `GET /oauth-clients/{id}`.
#[utoipa::path(
    get,
    path = "/api/v1/oauth-clients/{id}",
    operation_id = "get_oauth_client",
    tag = "oauth",
    summary = "An OAuth client and its secrets",
    security(("bearer" = ["admin"])),
    params(("id" = String, Path, description = "The client's id (its client_id)")),
    responses(
        (status = 200, description = "The client", body = OAuthClient),
        (status = 404, description = "No such client", body = ErrorBody, content_type = MEDIA_TYPE),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
    ),
)]
pub(super) async fn get_client(
    state: web::Data<AppState>,
    auth: Authenticated<AdminScope>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let account = auth.principal.account_id;
    let id = oauth_clients::client_id(&id)?;
    let view = AppState::run(&state, move |conn| oauth_clients::get(conn, account, id)).await?;
    Ok(json(OAuthClient::from(view)))
}

/// `DELETE /oauth-clients/{id}`: 204; its access tokens are refused from
/// the next request on.
#[utoipa::path(
    delete,
    path = "/api/v1/oauth-clients/{id}",
    operation_id = "delete_oauth_client",
    tag = "oauth",
    summary = "Delete an OAuth client, its secrets and its access tokens",
    security(("bearer" = ["admin"])),
    params(("id" = String, Path, description = "The client's id")),
    responses(
        (status = 204, description = "Deleted; its access tokens are refused from now on"),
        (status = 404, description = "No such client", body = ErrorBody, content_type = MEDIA_TYPE),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
    ),
)]
pub(super) async fn delete_client(
    state: web::Data<AppState>,
    auth: Authenticated<AdminScope>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = oauth_clients::client_id(&id)?;
    let (account, origin) = (auth.principal.account_id, auth.origin);
    AppState::change(&state, account, origin, move |conn, caller| {
        Ok(oauth_clients::delete(conn, caller, id)?)
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// `POST /oauth-clients/{id}/secrets`: 201 with the new secret; the others
/// stay valid, so the identity provider can switch over first.
#[utoipa::path(
    post,
    path = "/api/v1/oauth-clients/{id}/secrets",
    operation_id = "add_oauth_client_secret",
    tag = "oauth",
    summary = "Add a secret to an OAuth client",
    security(("bearer" = ["admin"])),
    params(("id" = String, Path, description = "The client's id")),
    request_body = NewSecretBody,
    responses(
        (status = 201, description = "The secret, with its `clientSecret` shown this once",
            body = CreatedSecret),
        (status = 400, description = "The lifetime is not valid",
            body = ErrorBody, content_type = MEDIA_TYPE),
        (status = 404, description = "No such client", body = ErrorBody, content_type = MEDIA_TYPE),
        (status = 409, description = "The client has 5 live secrets already",
            body = ErrorBody, content_type = MEDIA_TYPE),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
    ),
)]
pub(super) async fn add_secret(
    state: web::Data<AppState>,
    auth: Authenticated<AdminScope>,
    id: web::Path<String>,
    body: web::Json<NewSecretBody>,
) -> Result<HttpResponse, ApiError> {
    let id = oauth_clients::client_id(&id)?;
    let lifetime = lifetime(body.into_inner().expires_in_days);
    let (account, origin) = (auth.principal.account_id, auth.origin);
    let issued = AppState::change(&state, account, origin, move |conn, caller| {
        Ok(oauth_clients::add_secret(conn, caller, id, lifetime)?)
    })
    .await?;
    Ok(HttpResponse::Created().json(json!({
        "secret": ClientSecretInfo::from(issued.record),
        "clientSecret": issued.secret.expose(),
    })))
}

/// `DELETE /oauth-clients/{id}/secrets/{secretId}`: 204; the secret and
/// the access tokens issued under it are refused from the next request on.
#[utoipa::path(
    delete,
    path = "/api/v1/oauth-clients/{id}/secrets/{secretId}",
    operation_id = "revoke_oauth_client_secret",
    tag = "oauth",
    summary = "Revoke a secret of an OAuth client and the access tokens issued under it",
    security(("bearer" = ["admin"])),
    params(
        ("id" = String, Path, description = "The client's id"),
        ("secretId" = String, Path, description = "The secret's id"),
    ),
    responses(
        (status = 204, description = "Revoked (or revoked already)"),
        (status = 404, description = "No such client or secret",
            body = ErrorBody, content_type = MEDIA_TYPE),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
    ),
)]
pub(super) async fn revoke_secret(
    state: web::Data<AppState>,
    auth: Authenticated<AdminScope>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (id, secret) = path.into_inner();
    let id = oauth_clients::client_id(&id)?;
    let secret = oauth_clients::secret_id(&secret)?;
    let (account, origin) = (auth.principal.account_id, auth.origin);
    AppState::change(&state, account, origin, move |conn, caller| {
        Ok(oauth_clients::revoke_secret(conn, caller, id, secret)?)
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
