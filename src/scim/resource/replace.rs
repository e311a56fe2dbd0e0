//! The document a PUT leaves (RFC 7644 §3.5.1): what the body sends replaces,
//! what it does not mention stays.

use serde_json::{Map, Value};

use super::{Document, document_from_request};
use crate::scim::ScimError;
use crate::scim::schema::{ResourceKind, find_attribute, find_sub_attribute};

/// The document a PUT leaves (RFC 7644 §3.5.1): attributes in the body replace
/// the stored ones, attributes sent as `null` or `""` are cleared, and
/// attributes the body does not mention are kept — Okta's PUT omits what it
/// does not map, and clearing those would lose data. A single-valued complex
/// attribute (`name`, `manager`) is merged sub-attribute by sub-attribute the
/// same way.
pub fn document_for_put(
    kind: ResourceKind,
    existing: &Document,
    body: Value,
) -> Result<Document, ScimError> {
    let incoming = document_from_request(kind, body.clone())?;
    let Value::Object(body) = body else {
        return Err(ScimError::invalid_syntax("the body must be a JSON object"));
    };
    let mut result = existing.clone();
    let merge_level =
        |target: &mut Document, raw: &Map<String, Value>, new: &Document, urn: Option<&str>| {
            for (key, raw_value) in raw {
                let Some(found) = find_attribute(kind, urn, key) else {
                    continue;
                };
                let definition = found.definition;
                if matches!(
                    definition.mutability.as_deref(),
                    Some("readOnly" | "writeOnly")
                ) || found.in_extension != urn.is_some()
                {
                    continue;
                }
                let name = &definition.name;
                match (new.get(name), target.get_mut(name)) {
                    (Some(Value::Object(new_subs)), Some(Value::Object(old_subs)))
                        if !definition.multi_valued && raw_value.is_object() =>
                    {
                        for (sub, raw_sub) in raw_value.as_object().into_iter().flatten() {
                            let Some(sub_definition) = find_sub_attribute(definition, sub) else {
                                continue;
                            };
                            match new_subs.get(&sub_definition.name) {
                                Some(value) => {
                                    old_subs.insert(sub_definition.name.clone(), value.clone())
                                }
                                None if raw_sub.is_null() || raw_sub == "" => {
                                    old_subs.remove(&sub_definition.name)
                                }
                                None => None,
                            };
                        }
                    }
                    (Some(value), _) => {
                        target.insert(name.clone(), value.clone());
                    }
                    (None, _) => {
                        target.remove(name);
                    }
                }
            }
        };
    merge_level(&mut result, &body, &incoming, None);
    for urn in kind.extension_urns() {
        if let Some((_, Value::Object(raw))) =
            body.iter().find(|(key, _)| key.eq_ignore_ascii_case(urn))
        {
            let new = incoming
                .get(*urn)
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_default();
            let mut target = result
                .get(*urn)
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_default();
            merge_level(&mut target, raw, &new, Some(urn));
            if target.is_empty() {
                result.remove(*urn);
            } else {
                result.insert((*urn).to_owned(), Value::Object(target));
            }
        }
    }
    // Unknown declared extensions are replaced as sent.
    for (key, value) in &incoming {
        if key.to_ascii_lowercase().starts_with("urn:")
            && !kind.extension_urns().contains(&key.as_str())
        {
            result.insert(key.clone(), value.clone());
        }
    }
    Ok(result)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::scim::urns;

    #[test]
    fn put_replaces_what_is_sent_and_keeps_what_is_not() {
        let existing = document_from_request(
            ResourceKind::User,
            json!({"userName": "u", "title": "CTO", "nickName": "Bob", "name": {"givenName": "G", "familyName": "F"},
                   urns::ENTERPRISE_USER: {"department": "D", "costCenter": "C"}}),
        )
        .unwrap();
        let put = json!({"userName": "u2", "nickName": null, "name": {"givenName": "G2"}, "active": false,
                         urns::ENTERPRISE_USER: {"department": ""}, "id": "x", "meta": {}});
        let doc = document_for_put(ResourceKind::User, &existing, put).unwrap();
        assert_eq!(doc["userName"], "u2");
        assert_eq!(doc["title"], "CTO", "not mentioned: kept");
        assert!(doc.get("nickName").is_none(), "null clears");
        assert_eq!(
            doc["name"],
            json!({"givenName": "G2", "familyName": "F"}),
            "partial name merges"
        );
        assert_eq!(doc["active"], false);
        assert_eq!(doc[urns::ENTERPRISE_USER], json!({"costCenter": "C"}));
    }
}
