//! `POST /scim/v2/Bulk` (RFC 7644 §3.7): the body read within its own limit
//! (`maxPayloadSize`, 413 above it, §3.7.3), the BulkRequest parsed
//! ([`crate::scim::bulk`]), its operations run by [`service::bulk::run`],
//! and the BulkResponse rendered with each operation's `location`,
//! `version` and error.

use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::Value;

use crate::http::auth::{Authenticated, ScimScope};
use crate::http::error::ApiError;
use crate::http::middleware::limits;
use crate::http::responses::{method_not_allowed, scim_base_url, scim_json};
use crate::http::state::AppState;
use crate::scim::bulk::{self, Outcome};
use crate::scim::schema::ResourceKind;
use crate::service;

pub fn configure(cfg: &mut web::ServiceConfig, max_payload_bytes: usize) {
    cfg.service(
        web::resource("/Bulk")
            .app_data(limits::bulk_json_config(max_payload_bytes))
            .route(web::post().to(run))
            .default_service(web::to(method_not_allowed)),
    );
}

/// `POST /Bulk`: 200 with a BulkResponse whenever the request is a
/// BulkRequest within the limits, whatever its operations' outcomes.
async fn run(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Authenticated<ScimScope>,
    body: web::Json<Value>,
) -> Result<HttpResponse, ApiError> {
    let (account, origin) = (auth.principal.account_id, auth.origin);
    let max_operations = state.capabilities.bulk_max_operations;
    let body = body.into_inner();
    let (request, results) = AppState::change(&state, account, origin, move |conn, caller| {
        let request = bulk::parse(body, max_operations)?;
        let results = service::bulk::run(conn, caller, &request);
        Ok((request, results))
    })
    .await?;
    let base = scim_base_url(&req);
    let outcomes: Vec<Option<Outcome>> = results
        .into_iter()
        .map(|result| result.map(|result| outcome(&base, result)))
        .collect();
    Ok(scim_json(bulk::render(&request.entries, &outcomes)))
}

fn outcome(base: &str, result: Result<service::bulk::Applied, service::Error>) -> Outcome {
    match result {
        Ok(applied) => {
            let endpoint = match applied.kind {
                ResourceKind::User => "Users",
                ResourceKind::Group => "Groups",
            };
            Outcome::Done {
                status: applied.status,
                location: format!("{base}/{endpoint}/{}", applied.id),
                version: applied.version,
            }
        }
        Err(error) => {
            let error = ApiError::from(error);
            let scim = error.to_scim();
            if scim.status >= 500 {
                tracing::error!(error = %error, cause = ?error, "a bulk operation failed");
            }
            Outcome::Failed(scim)
        }
    }
}
