//! PATCH path text (`"path"` of an operation) → `scim::patch::parse_path`
//! for Users and Groups.
//!
//! Checked beyond "no panic": a refused path is 400 `invalidPath` (or
//! `invalidFilter` for a value filter that compares wrongly), as
//! `parse_path` documents; an accepted path prints (its `Display`, used in
//! error messages) without panicking.

use roster::scim::ScimType;
use roster::scim::patch::parse_path;
use roster::scim::schema::ResourceKind;

/// The target's body: `data` as libFuzzer hands it over.
pub fn run(data: &[u8]) {
    let text = super::text(data);
    for kind in [ResourceKind::User, ResourceKind::Group] {
        match parse_path(kind, text) {
            Ok(path) => {
                let _ = path.to_string();
                let _ = path.definition();
            }
            Err(error) => {
                assert_eq!(error.status, 400, "{error}");
                assert!(
                    matches!(
                        error.scim_type,
                        Some(ScimType::InvalidPath | ScimType::InvalidFilter)
                    ),
                    "{error}"
                );
            }
        }
    }
}
