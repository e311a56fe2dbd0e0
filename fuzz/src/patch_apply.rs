//! A PATCH request body (bytes → JSON, as actix's `web::Json<Value>` reads
//! it) → what `PATCH /Users/{id}` and `PATCH /Groups/{id}` do before the
//! store: `scim::patch::parse_user_request` and `parse_group_request` with the
//! default limits (the body's strings storable and within length, the
//! operations, members and values within their maxima), then `Patch::apply`
//! on a realistic stored user and group (a group's membership changes go to
//! the store), the result's `check_indexed_lengths`, and the comparable
//! document the store writes.
//!
//! Checked beyond "no panic", each from the code's own documentation:
//! a refused request is 400 (413 above the operation or member limit); a
//! request that parses fails in `apply` only with a 400; an applied PATCH
//! leaves a document that meets the limits of POST and PUT — no U+0000
//! anywhere (`http/scim/users.rs`, `patch`).

use std::sync::LazyLock;

use roster::scim::filter::comparable_document;
use roster::scim::limits::RequestLimits;
use roster::scim::patch::{parse_group_request, parse_user_request};
use roster::scim::resource::{self, Document};
use roster::scim::schema::ResourceKind;
use serde_json::Value;

use super::fixtures;

static USER: LazyLock<Document> = LazyLock::new(fixtures::user);
static GROUP: LazyLock<Document> = LazyLock::new(fixtures::group);

fn patch(kind: ResourceKind, body: &Value) {
    let limits = RequestLimits::default();
    let (patch, stored) = match kind {
        ResourceKind::User => (parse_user_request(body, &limits), &*USER),
        ResourceKind::Group => (
            parse_group_request(body, &limits).map(|patch| patch.document),
            &*GROUP,
        ),
    };
    let patch = match patch {
        Ok(patch) => patch,
        Err(error) => {
            assert!(matches!(error.status, 400 | 413), "{error}");
            return;
        }
    };
    let document = match patch.apply(stored) {
        Ok(document) => document,
        Err(error) => {
            assert_eq!(error.status, 400, "{error}");
            return;
        }
    };
    if let Err(error) = resource::check_storable(&Value::Object(document.clone())) {
        panic!("PATCH stored what the database refuses: {error}");
    }
    if let Err(error) = resource::check_indexed_lengths(&document) {
        assert_eq!(error.status, 400, "{error}");
        return;
    }
    let _ = comparable_document(kind, &document);
}

/// The target's body: `data` as libFuzzer hands it over.
pub fn run(data: &[u8]) {
    let Ok(body) = serde_json::from_slice::<Value>(data) else {
        return;
    };
    patch(ResourceKind::User, &body);
    patch(ResourceKind::Group, &body);
}
