//! `GET /healthz` (the process is up) and `GET /readyz` (the database answers).

use actix_web::{HttpResponse, web};
use serde_json::json;

use super::state::AppState;
use crate::store;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/healthz", web::get().to(healthz))
        .route("/readyz", web::get().to(readyz));
}

async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(json!({"status": "ok"}))
}

async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    match AppState::run(&state, store::ping).await {
        Ok(()) => HttpResponse::Ok().json(json!({"status": "ready"})),
        Err(error) => {
            tracing::warn!(%error, "not ready");
            HttpResponse::ServiceUnavailable()
                .json(json!({"status": "unavailable", "detail": "the database does not answer"}))
        }
    }
}
