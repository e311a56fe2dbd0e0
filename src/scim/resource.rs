//! Resource bodies in and out (RFC 7643 §2, §3; RFC 7644 §3.3, §3.5.1, §3.9).
//!
//! [`document_from_request`] turns a client's POST/PUT body into the stored
//! document: attribute names in their schema case, values checked against the
//! attribute's type, booleans sent as strings (`"True"`, Entra) coerced,
//! read-only attributes (`id`, `meta`, `groups`) and nulls ignored, `password`
//! discarded (Roster does not authenticate members, so it never keeps one),
//! Enterprise attributes under their URN key, and the attributes of a declared
//! extension schema Roster does not know kept as sent.
//! [`project`] applies `attributes` / `excludedAttributes` and `returned`.

use scim_v2::models::scim_schema::{Attributes, SubAttributes};
use serde_json::{Map, Value};

use super::schema::{ResourceKind, find_attribute, find_sub_attribute};
use super::{ScimError, urns};

/// The stored form of a resource: its SCIM attributes without `id`, `meta`,
/// `schemas` and `groups`, which the server owns.
pub type Document = Map<String, Value>;

/// Where a string of a body stands (see [`check_strings`]).
#[derive(Debug, Clone, Copy)]
pub enum StringAt<'a> {
    /// An object's key: an attribute name.
    Key,
    /// A value, in the attribute of this name (`None`: not in an object).
    Value(Option<&'a str>),
}

/// Calls `check` with every string and object key of `value`, depth first,
/// and stops at the first error.
pub fn check_strings<'a>(
    value: &'a Value,
    attribute: Option<&'a str>,
    check: &mut impl FnMut(&'a str, StringAt<'a>) -> Result<(), ScimError>,
) -> Result<(), ScimError> {
    match value {
        Value::String(text) => check(text, StringAt::Value(attribute)),
        Value::Array(items) => items
            .iter()
            .try_for_each(|item| check_strings(item, attribute, check)),
        Value::Object(fields) => fields.iter().try_for_each(|(key, field)| {
            check(key, StringAt::Key)?;
            check_strings(field, Some(key), check)
        }),
        _ => Ok(()),
    }
}

/// Refuses text no database can store: U+0000 anywhere in a string or an
/// object key (PostgreSQL's `text` and `jsonb` reject it).
pub fn check_storable(value: &Value) -> Result<(), ScimError> {
    check_strings(value, None, &mut |text, _| storable(text))
}

/// [`check_storable`] for one string.
pub fn storable(text: &str) -> Result<(), ScimError> {
    if text.contains('\0') {
        return Err(ScimError::invalid_value(
            "strings may not contain the NUL character (U+0000)",
        ));
    }
    Ok(())
}

/// The longest value, in bytes of UTF-8, of an attribute the store keeps in
/// an index (`userName`, `displayName`, `externalId`, an e-mail's `value` and
/// `type`): an index entry must fit in a PostgreSQL B-tree page, and no real
/// identifier comes near it.
pub const MAX_INDEXED_BYTES: usize = 1024;

/// Refuses a document whose indexed attributes are longer than
/// [`MAX_INDEXED_BYTES`].
pub fn check_indexed_lengths(document: &Document) -> Result<(), ScimError> {
    let check = |name: &str, value: Option<&Value>| match value.and_then(Value::as_str) {
        Some(text) if text.len() > MAX_INDEXED_BYTES => Err(ScimError::invalid_value(format!(
            "'{name}' is {} bytes long; at most {MAX_INDEXED_BYTES} are accepted",
            text.len()
        ))),
        _ => Ok(()),
    };
    for name in ["userName", "displayName", "externalId"] {
        check(name, document.get(name))?;
    }
    for email in document
        .get("emails")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        check("emails.value", email.get("value"))?;
        check("emails.type", email.get("type"))?;
    }
    Ok(())
}

/// Normalises a POST/PUT body into a [`Document`].
pub fn document_from_request(kind: ResourceKind, body: Value) -> Result<Document, ScimError> {
    check_storable(&body)?;
    let Value::Object(body) = body else {
        return Err(ScimError::invalid_syntax("the body must be a JSON object"));
    };
    let declared: Vec<String> = match body.get("schemas") {
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect(),
        _ => Vec::new(),
    };
    let mut document = Document::new();
    for (key, value) in body {
        if value.is_null() || key.eq_ignore_ascii_case("schemas") {
            continue;
        }
        if let Some(extension) = kind
            .extension_urns()
            .iter()
            .find(|urn| urn.eq_ignore_ascii_case(&key))
        {
            let Value::Object(attributes) = value else {
                return Err(ScimError::invalid_value(format!(
                    "'{extension}' must be an object of attributes"
                )));
            };
            for (name, value) in attributes {
                put_attribute(kind, Some(extension), &mut document, &name, value)?;
            }
        } else if key.to_ascii_lowercase().starts_with("urn:") {
            if key.eq_ignore_ascii_case(kind.core_urn()) {
                continue;
            }
            // An extension Roster does not know: kept as sent when the body declares it.
            if value.is_object() && declared.iter().any(|urn| urn.eq_ignore_ascii_case(&key)) {
                document.insert(key, value);
            }
        } else {
            put_attribute(kind, None, &mut document, &key, value)?;
        }
    }
    let required = match kind {
        ResourceKind::User => "userName",
        ResourceKind::Group => "displayName",
    };
    if document
        .get(required)
        .and_then(Value::as_str)
        .is_none_or(|v| v.trim().is_empty())
    {
        return Err(ScimError::invalid_value(format!(
            "'{required}' is required and must be a non-empty string"
        )));
    }
    check_indexed_lengths(&document)?;
    Ok(document)
}

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

/// Checks and stores one attribute, under its extension key when it has one.
fn put_attribute(
    kind: ResourceKind,
    urn: Option<&str>,
    document: &mut Document,
    name: &str,
    value: Value,
) -> Result<(), ScimError> {
    let Some(found) = find_attribute(kind, urn, name) else {
        // Unknown attributes of the known schemas are ignored (RFC 7644 §3.3 leaves this to the server).
        return Ok(());
    };
    let definition = found.definition;
    if matches!(
        definition.mutability.as_deref(),
        Some("readOnly" | "writeOnly")
    ) {
        return Ok(());
    }
    let Some(value) = normalize_attribute(definition, value)? else {
        return Ok(());
    };
    let target = match (found.in_extension, found.schema) {
        (true, Some(urn)) => document
            .entry(urn.to_owned())
            .or_insert_with(|| Value::Object(Map::new()))
            .as_object_mut()
            .ok_or_else(|| ScimError::invalid_value(format!("'{urn}' must be an object")))?,
        _ => document,
    };
    target.insert(definition.name.clone(), value);
    Ok(())
}

/// A checked value for the attribute, or `None` when it is empty (null, "" or []).
pub fn normalize_attribute(
    definition: &Attributes,
    value: Value,
) -> Result<Option<Value>, ScimError> {
    let name = definition.name.as_str();
    if definition.multi_valued {
        let items = match value {
            Value::Array(items) => items,
            Value::Null => return Ok(None),
            single => vec![single],
        };
        let mut normalized = Vec::with_capacity(items.len());
        // Repeats are dropped by their JSON text (objects serialise with
        // sorted keys, so equal values have equal texts): one hash per value,
        // where comparing each with all before it was quadratic.
        let mut seen = std::collections::HashSet::with_capacity(items.len());
        for item in items {
            let item = if definition.r#type == "complex" {
                normalize_complex(definition, item)?
            } else {
                normalize_scalar(name, &definition.r#type, item)?
            };
            if let Some(item) = item
                && seen.insert(item.to_string())
            {
                normalized.push(item);
            }
        }
        return Ok((!normalized.is_empty()).then_some(Value::Array(normalized)));
    }
    if definition.r#type == "complex" {
        // Entra sends `manager` as a bare id; RFC 7643 §4.3 has it as {"value": id}.
        if name == "manager"
            && let Value::String(id) = value
        {
            return Ok((!id.is_empty()).then(|| serde_json::json!({ "value": id })));
        }
        return normalize_complex(definition, value);
    }
    normalize_scalar(name, &definition.r#type, value)
}

fn normalize_complex(definition: &Attributes, value: Value) -> Result<Option<Value>, ScimError> {
    let name = definition.name.as_str();
    let Value::Object(fields) = value else {
        if value.is_null() {
            return Ok(None);
        }
        return Err(ScimError::invalid_value(format!(
            "'{name}' takes objects of sub-attributes"
        )));
    };
    let mut normalized = Map::new();
    for (key, value) in fields {
        let Some(sub) = find_sub_attribute(definition, &key) else {
            continue;
        };
        if sub.mutability.as_deref() == Some("readOnly") {
            continue;
        }
        if let Some(value) = normalize_sub_attribute(name, sub, value)? {
            normalized.insert(sub.name.clone(), value);
        }
    }
    Ok((!normalized.is_empty()).then_some(Value::Object(normalized)))
}

fn normalize_sub_attribute(
    parent: &str,
    sub: &SubAttributes,
    value: Value,
) -> Result<Option<Value>, ScimError> {
    normalize_scalar(&format!("{parent}.{}", sub.name), &sub.r#type, value)
}

/// Checks a scalar against its SCIM type (RFC 7643 §2.3).
fn normalize_scalar(name: &str, r#type: &str, value: Value) -> Result<Option<Value>, ScimError> {
    let wrong = |expected: &str| ScimError::invalid_value(format!("'{name}' must be {expected}"));
    Ok(match (r#type, value) {
        (_, Value::Null) => None,
        ("boolean", Value::Bool(b)) => Some(Value::Bool(b)),
        ("boolean", Value::String(s)) => match s.to_ascii_lowercase().as_str() {
            "true" => Some(Value::Bool(true)),
            "false" => Some(Value::Bool(false)),
            _ => return Err(wrong("a boolean (true or false)")),
        },
        ("boolean", _) => return Err(wrong("a boolean (true or false)")),
        ("integer", Value::Number(n)) if n.is_i64() || n.is_u64() => Some(Value::Number(n)),
        ("integer", _) => return Err(wrong("an integer")),
        ("decimal", Value::Number(n)) => Some(Value::Number(n)),
        ("decimal", _) => return Err(wrong("a number")),
        ("dateTime", Value::String(s)) => {
            chrono::DateTime::parse_from_rfc3339(&s).map_err(|_| wrong("an RFC 3339 date-time"))?;
            Some(Value::String(s))
        }
        (_, Value::String(s)) if s.is_empty() => None,
        (_, Value::String(s)) => Some(Value::String(s)),
        (_, _) => return Err(wrong("a string")),
    })
}

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

/// What the server keeps about a resource besides its document (RFC 7643 §3.1 `meta`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceMeta {
    pub created: chrono::NaiveDateTime,
    pub last_modified: chrono::NaiveDateTime,
    pub version: i64,
}

impl ResourceMeta {
    /// The meta of a resource created at `now`: version 1.
    pub fn first(now: chrono::NaiveDateTime) -> Self {
        Self {
            created: now,
            last_modified: now,
            version: 1,
        }
    }

    /// The meta of the next version, changed at `now`.
    pub fn next(&self, now: chrono::NaiveDateTime) -> Self {
        Self {
            created: self.created,
            last_modified: now,
            version: self.version + 1,
        }
    }

    /// The weak ETag of this version (RFC 7644 §3.14), also `meta.version`.
    pub fn etag(&self) -> String {
        format!("W/\"{}\"", self.version)
    }
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
    fn okta_create_body_is_normalised() {
        let body = json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "userName": "test.user@okta.local",
            "name": { "givenName": "Test", "familyName": "User" },
            "emails": [{ "primary": true, "value": "test.user@okta.local", "type": "work" }],
            "displayName": "Test User", "locale": "en-US", "externalId": "00ujl29u0le5T6Aj10h7",
            "groups": [], "password": "1mz050nq", "active": true, "id": "ignored", "meta": {"resourceType": "User"}
        });
        let doc = document_from_request(ResourceKind::User, body).unwrap();
        assert!(
            doc.get("password").is_none() && doc.get("groups").is_none() && doc.get("id").is_none()
        );
        assert_eq!(doc["externalId"], "00ujl29u0le5T6Aj10h7");
        assert_eq!(doc["emails"][0]["primary"], true);
    }

    #[test]
    fn entra_quirks() {
        let body = json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", urns::ENTERPRISE_USER],
            "USERNAME": "a@b.c", "active": "False", "roles": [], "title": null,
            urns::ENTERPRISE_USER: { "employeeNumber": "701984", "manager": "26118915" },
        });
        let doc = document_from_request(ResourceKind::User, body).unwrap();
        assert_eq!(doc["userName"], "a@b.c");
        assert_eq!(doc["active"], false);
        assert!(doc.get("roles").is_none() && doc.get("title").is_none());
        assert_eq!(
            doc[urns::ENTERPRISE_USER]["manager"],
            json!({"value": "26118915"})
        );
        assert_eq!(schemas_of(ResourceKind::User, &doc).len(), 2);
    }

    #[test]
    fn bad_values_are_invalid_value() {
        for body in [
            json!({"userName": ""}),
            json!({"userName": 5}),
            json!({"userName": "x", "active": "yes"}),
            json!({"userName": "x", "name": "Bob"}),
            json!({"userName": "x", "emails": [{"value": {"deep": 1}}]}),
            json!({"userName": "x", urns::ENTERPRISE_USER: "x"}),
            json!([1, 2]),
        ] {
            assert!(
                document_from_request(ResourceKind::User, body.clone()).is_err(),
                "{body}"
            );
        }
    }

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

    #[test]
    fn declared_unknown_extensions_are_kept() {
        let body = json!({"schemas": ["urn:example:ext"], "userName": "x",
                          "urn:example:ext": {"badge": 7}, "urn:example:undeclared": {"a": 1}});
        let doc = document_from_request(ResourceKind::User, body).unwrap();
        assert_eq!(doc["urn:example:ext"]["badge"], 7);
        assert!(doc.get("urn:example:undeclared").is_none());
    }

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
