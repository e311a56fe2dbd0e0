//! What the rest of Roster reads from a User's document (RFC 7643 §4.1).

use serde_json::Value;

use super::resource::Document;

/// `active` (RFC 7643 §4.1.1), true when absent: the attribute is optional,
/// and a member is active until an identity provider says otherwise.
pub fn is_active(document: &Document) -> bool {
    document
        .get("active")
        .and_then(Value::as_bool)
        .unwrap_or(true)
}
