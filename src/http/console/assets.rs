//! The console's stylesheet and script, built into the binary (no CDN, no
//! Node build step). Their paths carry a digest of their content, so a
//! browser may keep them for a year and still never use a stale one.

use std::sync::LazyLock;

use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, web};
use sha2::{Digest, Sha256};

const CSS: &str = include_str!("assets/console.css");
const JS: &str = include_str!("assets/console.js");

/// `/console/assets/console.<digest>.css`.
pub static STYLESHEET: LazyLock<String> = LazyLock::new(|| path("css", CSS));
/// `/console/assets/console.<digest>.js`.
pub static SCRIPT: LazyLock<String> = LazyLock::new(|| path("js", JS));

fn path(extension: &str, content: &str) -> String {
    let digest = Sha256::digest(content.as_bytes());
    let short: String = digest[..6]
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect();
    format!("/console/assets/console.{short}.{extension}")
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/assets/{name}", web::get().to(asset));
}

async fn asset(name: web::Path<String>) -> HttpResponse {
    let requested = format!("/console/assets/{name}");
    let (content, content_type) = if requested == *STYLESHEET {
        (CSS, "text/css; charset=utf-8")
    } else if requested == *SCRIPT {
        (JS, "text/javascript; charset=utf-8")
    } else {
        return HttpResponse::NotFound().finish();
    };
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, HeaderValue::from_static(content_type)))
        .insert_header((
            header::CACHE_CONTROL,
            HeaderValue::from_static("public, max-age=31536000, immutable"),
        ))
        .body(content)
}
