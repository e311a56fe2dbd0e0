//! A request body (bytes → JSON, as actix's `web::Json<Value>` reads it) →
//! what the POST and PUT handlers of `/Users` and `/Groups` and the
//! `POST …/.search` handlers do with it before the store:
//! `scim::resource::document_from_request` (POST), `document_for_put` over a
//! realistic stored user or group (PUT), `check_indexed_lengths`, the
//! comparable document the store writes and the rendered response; and
//! `ListParams::from_search_body` → `ListRequest::parse` with the default
//! limits, whose projection is applied to the rendered resources.
//!
//! Checked beyond "no panic": every refusal is a 4xx (docs/ARCHITECTURE.md:
//! "Bad input is always a 4xx SCIM error"); an accepted document holds no
//! U+0000, which no database can store (`check_storable`).
//!
//! Not covered: the group handlers take `members` out of the body first
//! (`http::groups::take_members`, private to the actix layer); here a
//! `members` in the body reaches `document_from_request` as it is, a
//! superset of what the handlers pass it.

use std::sync::LazyLock;

use roster::config::ServeConfig;
use roster::scim::ScimError;
use roster::scim::filter::{FilterLimits, comparable_document};
use roster::scim::list::{ListParams, ListRequest};
use roster::scim::resource::{self, Document, Projection, ResourceMeta};
use roster::scim::schema::ResourceKind;
use serde_json::Value;

use super::fixtures;

static USER: LazyLock<Document> = LazyLock::new(fixtures::user);
static GROUP: LazyLock<Document> = LazyLock::new(fixtures::group);

fn refused(error: &ScimError) {
    assert!((400..500).contains(&error.status), "{error}");
}

fn stored(kind: ResourceKind) -> &'static Document {
    match kind {
        ResourceKind::User => &USER,
        ResourceKind::Group => &GROUP,
    }
}

/// What the store and the response do with an accepted document.
fn accepted(kind: ResourceKind, document: &Document, projection: &Projection) {
    if let Err(error) = resource::check_storable(&Value::Object(document.clone())) {
        panic!("accepted what the database refuses: {error}");
    }
    if let Err(error) = resource::check_indexed_lengths(document) {
        refused(&error);
        return;
    }
    let _ = comparable_document(kind, document);
    let meta = ResourceMeta::first(roster::clock::now());
    let mut rendered = resource::render(
        kind,
        "0190a0a0-0000-7000-8000-000000000002",
        document,
        &meta,
        "https://roster.example/scim/v2/Users/x".to_owned(),
    );
    projection.apply(kind, &mut rendered);
}

fn search(kind: ResourceKind, body: &Value) -> Projection {
    let request = ListParams::from_search_body(body).and_then(|params| {
        ListRequest::parse(
            kind,
            &params,
            &FilterLimits::default(),
            ServeConfig::DEFAULT_MAX_PAGE_SIZE,
        )
    });
    match request {
        Ok(request) => {
            assert!(request.page.start_index >= 1 && request.page.count >= 0);
            request.projection
        }
        Err(error) => {
            refused(&error);
            Projection::default()
        }
    }
}

/// The target's body: `data` as libFuzzer hands it over.
pub fn run(data: &[u8]) {
    let Ok(body) = serde_json::from_slice::<Value>(data) else {
        return;
    };
    for kind in [ResourceKind::User, ResourceKind::Group] {
        let projection = search(kind, &body);
        accepted(kind, stored(kind), &projection);
        match resource::document_from_request(kind, body.clone()) {
            Ok(document) => accepted(kind, &document, &projection),
            Err(error) => refused(&error),
        }
        match resource::document_for_put(kind, stored(kind), body.clone()) {
            Ok(document) => accepted(kind, &document, &projection),
            Err(error) => refused(&error),
        }
    }
}
