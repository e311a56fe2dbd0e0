//! The JSON text a resource row keeps: its document, and the comparable
//! document filters read (`filter_sql`).

use super::StoreError;
use crate::scim::filter::comparable_document;
use crate::scim::resource::Document;
use crate::scim::schema::ResourceKind;

/// A top-level string attribute of a document.
pub(super) fn text(document: &Document, name: &str) -> Option<String> {
    document
        .get(name)
        .and_then(serde_json::Value::as_str)
        .map(str::to_owned)
}

/// The `document` and `filter_document` columns of a resource.
pub(super) fn columns(kind: ResourceKind, document: &Document) -> (String, String) {
    (
        serde_json::Value::Object(document.clone()).to_string(),
        serde_json::Value::Object(comparable_document(kind, document)).to_string(),
    )
}

/// The document of a stored row; `what` names the row in the error.
pub(super) fn parse(text: &str, what: impl FnOnce() -> String) -> Result<Document, StoreError> {
    match serde_json::from_str(text) {
        Ok(serde_json::Value::Object(document)) => Ok(document),
        _ => Err(StoreError::Corrupt(format!("{}: document", what()))),
    }
}
