//! A stored resource → its SCIM representation (RFC 7643 §3: `schemas`,
//! `id`, the attributes, `meta`).

use serde_json::{Map, Value};

use super::{Document, ResourceMeta};
use crate::scim::schema::ResourceKind;

/// The `schemas` of a stored document: the core URN, then each extension present.
pub fn schemas_of(kind: ResourceKind, document: &Document) -> Vec<Value> {
    let mut schemas = vec![Value::String(kind.core_urn().to_owned())];
    schemas.extend(
        document
            .keys()
            .filter(|key| key.to_ascii_lowercase().starts_with("urn:"))
            .map(|key| Value::String(key.clone())),
    );
    schemas
}

/// The full representation of a stored resource: `schemas`, `id`, the
/// document's attributes and `meta`. `location` is the resource's absolute URL.
pub fn render(
    kind: ResourceKind,
    id: &str,
    document: &Document,
    meta: &ResourceMeta,
    location: String,
) -> Map<String, Value> {
    let timestamp = crate::clock::rfc3339;
    let mut resource = Map::with_capacity(document.len() + 3);
    resource.insert("schemas".into(), Value::Array(schemas_of(kind, document)));
    resource.insert("id".into(), Value::String(id.to_owned()));
    resource.extend(document.iter().map(|(k, v)| (k.clone(), v.clone())));
    let resource_type = match kind {
        ResourceKind::User => "User",
        ResourceKind::Group => "Group",
    };
    resource.insert(
        "meta".into(),
        serde_json::json!({
            "resourceType": resource_type,
            "created": timestamp(meta.created),
            "lastModified": timestamp(meta.last_modified),
            "location": location,
            "version": meta.etag(),
        }),
    );
    resource
}
