//! Which attributes a response carries (RFC 7644 §3.9, `attributes` and
//! `excludedAttributes`; the `returned` characteristic of RFC 7643 §7 keeps
//! `id` and `schemas` always).

use serde_json::{Map, Value};

use crate::scim::schema::ResourceKind;
use crate::scim::urns;

/// Which attributes a response carries (RFC 7644 §3.9).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Projection {
    /// `attributes`: only these (plus those returned `always`).
    pub attributes: Vec<String>,
    /// `excludedAttributes`: all but these (those returned `always` stay).
    pub excluded: Vec<String>,
}

impl Projection {
    /// From the query parameters' comma-separated lists.
    pub fn from_query(attributes: Option<&str>, excluded: Option<&str>) -> Self {
        let split = |list: Option<&str>| -> Vec<String> {
            list.unwrap_or_default()
                .split(',')
                .map(str::trim)
                .filter(|name| !name.is_empty())
                .map(str::to_owned)
                .collect()
        };
        Self {
            attributes: split(attributes),
            excluded: split(excluded),
        }
    }

    /// True when `name` (a top-level attribute) is excluded.
    pub fn excludes(&self, name: &str) -> bool {
        let mentions = |list: &[String]| {
            list.iter().any(|entry| {
                let path = strip_urn(entry);
                path.eq_ignore_ascii_case(name)
                    || strip_prefix_ignore_case(path, name)
                        .is_some_and(|rest| rest.starts_with('.'))
            })
        };
        if !self.attributes.is_empty() {
            return !mentions(&self.attributes);
        }
        self.excluded
            .iter()
            .any(|entry| strip_urn(entry).eq_ignore_ascii_case(name))
    }

    /// Applies the projection to a rendered resource in place.
    pub fn apply(&self, kind: ResourceKind, resource: &mut Map<String, Value>) {
        if self.attributes.is_empty() && self.excluded.is_empty() {
            return;
        }
        let keys: Vec<String> = resource.keys().cloned().collect();
        for key in keys {
            if key == "schemas" || key == "id" {
                continue; // returned "always"
            }
            let extension = kind
                .extension_urns()
                .iter()
                .find(|urn| urn.eq_ignore_ascii_case(&key));
            if let Some(urn) = extension {
                if let Some(Value::Object(attributes)) = resource.get_mut(&key) {
                    attributes.retain(|name, _| !self.excludes_qualified(urn, name));
                    if attributes.is_empty() {
                        resource.remove(&key);
                    }
                }
                continue;
            }
            if self.excludes(&key) {
                resource.remove(&key);
            }
        }
    }

    fn excludes_qualified(&self, urn: &str, name: &str) -> bool {
        let qualified = format!("{urn}:{name}");
        let matches = |entry: &String| {
            entry.eq_ignore_ascii_case(&qualified)
                || entry.eq_ignore_ascii_case(urn)
                || entry.eq_ignore_ascii_case(name)
                || entry
                    .to_ascii_lowercase()
                    .starts_with(&format!("{}.", qualified.to_ascii_lowercase()))
        };
        if !self.attributes.is_empty() {
            return !self.attributes.iter().any(matches);
        }
        self.excluded.iter().any(matches)
    }
}

/// `urn:…:User:name.givenName` → `name.givenName` for the core schemas.
fn strip_urn(entry: &str) -> &str {
    [urns::USER, urns::GROUP]
        .into_iter()
        .find_map(|core| strip_prefix_ignore_case(entry, core)?.strip_prefix(':'))
        .unwrap_or(entry)
}

/// `text` without `prefix` (ASCII case ignored); never splits a character.
fn strip_prefix_ignore_case<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let head = text.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &text[prefix.len()..])
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn projection() {
        let mut resource = json!({"schemas": [], "id": "1", "userName": "u", "name": {"givenName": "g"},
                                  "emails": [], urns::ENTERPRISE_USER: {"department": "d", "division": "v"}})
        .as_object()
        .unwrap()
        .clone();
        let mut only = resource.clone();
        Projection::from_query(Some("userName, name.givenName"), None)
            .apply(ResourceKind::User, &mut only);
        assert_eq!(
            only.keys().collect::<Vec<_>>(),
            ["id", "name", "schemas", "userName"]
        );
        let mut only_ext = resource.clone();
        Projection::from_query(Some(&format!("{}:department", urns::ENTERPRISE_USER)), None)
            .apply(ResourceKind::User, &mut only_ext);
        assert_eq!(only_ext[urns::ENTERPRISE_USER], json!({"department": "d"}));
        // Multi-byte characters where a prefix would end must not split a character.
        let mut unicode = resource.clone();
        Projection::from_query(
            Some("userNamé,usé.x,urn:ietf:params:scim:schemas:core:2.0:Useré"),
            Some("é"),
        )
        .apply(ResourceKind::User, &mut unicode);
        assert!(unicode.contains_key("id") && !unicode.contains_key("userName"));
        Projection::from_query(None, Some("emails,name")).apply(ResourceKind::User, &mut resource);
        assert!(
            resource.get("emails").is_none()
                && resource.get("name").is_none()
                && resource.get("userName").is_some()
        );
    }
}
