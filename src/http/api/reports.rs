//! `GET /api/v1/reports/access-review` (`admin` tokens): every member with
//! role, workspace levels, last login and provenance, flagged for review
//! (`crate::access::review`), with the last sign-off and when the next
//! review is due (`crate::access::sign_off`), as JSON or CSV.

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use serde::Deserialize;
use utoipa::IntoParams;

use super::json;
use super::schemas::{ErrorBody, Forbidden, Unauthorized};
use crate::access::AccessError;
use crate::access::review::{self, Review, ReviewPolicy};
use crate::http::auth::{AdminScope, Authenticated};
use crate::http::error::ApiError;
use crate::http::responses::method_not_allowed;
use crate::http::state::AppState;
use crate::scim::MEDIA_TYPE;
use crate::service;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/reports/access-review")
            .route(web::get().to(access_review))
            .default_service(web::to(method_not_allowed)),
    );
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(super) struct ReviewParams {
    /// An active member without a login for this many days is `stale`, 1 to 3650 (default 90).
    #[param(minimum = 1, maximum = 3650)]
    stale_days: Option<u32>,
    /// More admins than this flags every admin `too_many_admins` (default 5).
    max_admins: Option<u32>,
    /// `json` (the default) or `csv`.
    #[param(pattern = "^(json|csv)$")]
    format: Option<String>,
}

/// `GET /reports/access-review?stale_days=N&max_admins=M&format=json|csv`.
#[utoipa::path(
    get,
    path = "/api/v1/reports/access-review",
    tag = "reports",
    summary = "The access review",
    description = "`format=csv` answers CSV (`Content-Disposition: attachment`): a header, \
                   then one line per member, workspaces as `slug=level` and flags joined by `;`; \
                   a cell that a spreadsheet would read as a formula (starting with `=`, `+`, \
                   `-`, `@`, a tab or a carriage return) begins with `'`.",
    security(("bearer" = ["admin"])),
    params(ReviewParams),
    responses(
        (
            status = 200,
            description = "Every member with role, workspace levels, last login and \
                           provenance, flagged for review; the last sign-off \
                           (`lastReview`) and when the next review is due",
            content((Review = "application/json"), (String = "text/csv")),
        ),
        (status = 400, description = "A parameter is unknown or not valid",
            body = ErrorBody, content_type = MEDIA_TYPE),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
    ),
)]
pub(super) async fn access_review(
    state: web::Data<AppState>,
    auth: Authenticated<AdminScope>,
    params: web::Query<ReviewParams>,
) -> Result<HttpResponse, ApiError> {
    let policy = ReviewPolicy::new(params.stale_days, params.max_admins, crate::clock::now())?;
    let csv = match params.format.as_deref() {
        None | Some("json") => false,
        Some("csv") => true,
        Some(other) => {
            return Err(
                AccessError::Invalid(format!("'format' is json or csv, not '{other}'")).into(),
            );
        }
    };
    let account = auth.principal.account_id;
    let report = AppState::run(&state, move |conn| {
        service::access::review::report(conn, account, policy)
    })
    .await?;
    if !csv {
        return Ok(json(report));
    }
    let body = review::to_csv(&report).map_err(|error| {
        tracing::error!(%error, "the access review did not render as CSV");
        crate::scim::ScimError::internal()
    })?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/csv; charset=utf-8"))
        .insert_header((
            header::CONTENT_DISPOSITION,
            "attachment; filename=\"access-review.csv\"",
        ))
        .body(body))
}
