//! `POST /api/v1/console/links` (`admin` tokens): a one-time link to the
//! admin console for the token's account (docs/CONSOLE.md). The product
//! calls it when its admin clicks "Manage team" and sends the browser to
//! the `url` it gets: the link opens one session, once, within minutes.

use actix_web::http::header::{CACHE_CONTROL, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::schemas::{ErrorBody, Forbidden, Unauthorized};
use crate::http::auth::{AdminScope, Authenticated};
use crate::http::base_url::server_url;
use crate::http::error::ApiError;
use crate::http::responses::method_not_allowed;
use crate::http::state::AppState;
use crate::scim::MEDIA_TYPE;
use crate::service::console;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/console/links")
            .route(web::post().to(create_link))
            .default_service(web::to(method_not_allowed)),
    );
}

/// What link to make.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(super) struct NewLink {
    /// How long the link may be opened, in seconds: 60 to 3600 (default 300).
    expires_in_seconds: Option<u64>,
}

/// A link just made: hand `url` to the admin's browser. It is not shown again.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(super) struct Link {
    /// `https://roster.example.com/console/enter/…` (on `public_url`, else
    /// the address this request reached).
    url: String,
    /// RFC 3339 in UTC; the link opens nothing after it.
    #[schema(format = DateTime)]
    expires_at: String,
}

/// `POST /console/links`.
#[utoipa::path(
    post,
    path = "/api/v1/console/links",
    tag = "console",
    summary = "A one-time link that opens the admin console for the token's account",
    security(("bearer" = ["admin"])),
    request_body(content = Option<NewLink>, description = "Optional; `{}` or no body: 5 minutes"),
    responses(
        (status = 201, description = "The link; open it once, before expiresAt", body = Link),
        (status = 400, description = "expiresInSeconds is outside 60 to 3600",
            body = ErrorBody, content_type = MEDIA_TYPE),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
    ),
)]
pub(super) async fn create_link(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Authenticated<AdminScope>,
    body: Option<web::Json<NewLink>>,
) -> Result<HttpResponse, ApiError> {
    let lifetime = body
        .and_then(|body| body.into_inner().expires_in_seconds)
        .map_or(
            console::DEFAULT_LINK_LIFETIME,
            std::time::Duration::from_secs,
        );
    let (account, origin) = (auth.principal.account_id, auth.origin);
    let link = AppState::run(&state, move |conn| {
        console::issue_link(conn, account, &origin, lifetime)
    })
    .await?;
    let body = Link {
        url: format!(
            "{}/console/enter/{}",
            server_url(&req),
            link.secret.expose()
        ),
        expires_at: crate::clock::rfc3339(link.expires_at),
    };
    Ok(HttpResponse::Created()
        .insert_header((CACHE_CONTROL, HeaderValue::from_static("no-store")))
        .json(body))
}
