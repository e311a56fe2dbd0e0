//! A PATCH request body (bytes → JSON, as actix's `web::Json<Value>` reads
//! it) → what `PATCH /Users/{id}` and `PATCH /Groups/{id}` do before the
//! store: `RequestLimits::check_body` (storable, lengths), `scim::patch::parse_request`
//! with the default maximum of operations, for groups `split_group_operations`, then
//! `scim::patch::apply` on a realistic stored user and group, the result's
//! `check_indexed_lengths`, and the comparable document the store writes.
//!
//! Checked beyond "no panic", each from the code's own documentation:
//! a refused request is 400 (413 above the operation limit); a request that
//! parses fails in `apply` only with a 400, and then leaves the document
//! unchanged; an applied PATCH leaves an object that meets the limits of
//! POST and PUT — no U+0000 anywhere (`http/users.rs`, `patch`).

use std::sync::LazyLock;

use roster::scim::filter::comparable_document;
use roster::scim::limits::RequestLimits;
use roster::scim::patch::{apply, parse_request, split_group_operations};
use roster::scim::resource::{self, Document};
use roster::scim::schema::ResourceKind;
use serde_json::Value;

use super::fixtures;

static USER: LazyLock<Value> = LazyLock::new(|| Value::Object(fixtures::user()));
static GROUP: LazyLock<Value> = LazyLock::new(|| Value::Object(fixtures::group()));

fn patch(kind: ResourceKind, body: &Value) {
    let operations = match parse_request(body, kind, RequestLimits::DEFAULT_MAX_PATCH_OPERATIONS) {
        Ok(operations) => operations,
        Err(error) => {
            assert!(matches!(error.status, 400 | 413), "{error}");
            return;
        }
    };
    let (operations, stored) = match kind {
        ResourceKind::User => (operations, &*USER),
        ResourceKind::Group => match split_group_operations(&operations) {
            Ok(split) => (split.document, &*GROUP),
            Err(error) => {
                assert_eq!(error.status, 400, "{error}");
                return;
            }
        },
    };
    let mut document = stored.clone();
    if let Err(error) = apply(kind, &mut document, &operations) {
        assert_eq!(error.status, 400, "{error}");
        assert_eq!(&document, stored, "a failed PATCH changed the document");
        return;
    }
    let Value::Object(document) = document else {
        panic!("PATCH left a non-object: {document}");
    };
    let document: Document = document;
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
    if let Err(error) = RequestLimits::default().check_body(&body) {
        assert_eq!(error.status, 400, "{error}");
        return;
    }
    patch(ResourceKind::User, &body);
    patch(ResourceKind::Group, &body);
}
