//! How much one SCIM request may ask for, and the errors past each limit.
//!
//! The body size is checked by the HTTP layer before a body is read (413), the
//! page size clamps `count` (RFC 7644 §3.4.2.4) and is advertised as
//! `filter.maxResults` (RFC 7643 §5), the filter limits are
//! [`FilterLimits`]. The rest are here: PATCH operations per request (413, as
//! RFC 7644 §3.7.4 answers a bulk request over `maxOperations`), members
//! changed by one request (413), the length of any one value (400
//! `invalidValue`), and the values of multi-valued attributes (400
//! `invalidValue`: at most `max_values` in one attribute of a stored
//! resource, and in all of a PATCH request's operations together). SCIM has
//! no place to advertise those in ServiceProviderConfig; docs/SCIM.md lists
//! them all.
//!
//! Together with the body limit they bound the work of one request: every
//! step that handles a body is linear (or `n log n`) in it, and the few that
//! compare values pairwise (a PATCH `remove` of listed values) compare at
//! most `max_values` stored values with `max_values` sent ones.

use serde_json::Value;

use super::ScimError;
use super::filter::FilterLimits;
use super::resource::{self, Document, StringAt, check_strings};

/// The limits of one request, from the server's configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestLimits {
    pub filter: FilterLimits,
    /// The most operations in one PATCH.
    pub max_patch_operations: usize,
    /// The most members one request names (a group's `members` in POST or
    /// PUT, all `add`, `remove` and `replace` values of a PATCH together).
    pub max_members: usize,
    /// The longest string value (or object key) anywhere in a body, in bytes
    /// of UTF-8.
    pub max_value_bytes: usize,
    /// The most values one multi-valued attribute of a resource holds
    /// (`emails`, `roles`, …; a group's `members` are `max_members`), and
    /// the most values of such attributes one PATCH request sends.
    pub max_values: usize,
}

impl RequestLimits {
    pub const DEFAULT_MAX_PATCH_OPERATIONS: usize = 1000;
    /// About what a 1 MiB body holds when each member carries a `display`.
    pub const DEFAULT_MAX_MEMBERS: usize = 10_000;
    /// Far above any real attribute (an address, a URL), far below the body.
    pub const DEFAULT_MAX_VALUE_BYTES: usize = 16 * 1024;
    /// Far above any real member (a few e-mail addresses, some roles and
    /// entitlements), far below what makes a request slow.
    pub const DEFAULT_MAX_VALUES: usize = 1000;

    /// Refuses a body that no database can store (see
    /// [`check_storable`](super::resource::check_storable)) or in which a
    /// string or an object key is longer than `max_value_bytes`, naming the
    /// attribute it is in: one walk over the body.
    pub fn check_body(&self, body: &Value) -> Result<(), ScimError> {
        let max = self.max_value_bytes;
        check_strings(body, None, &mut |text, at| {
            resource::storable(text)?;
            if text.len() <= max {
                return Ok(());
            }
            let what = match at {
                StringAt::Key => "an attribute name".to_owned(),
                StringAt::Value(Some(attribute)) => format!("a value in '{attribute}'"),
                StringAt::Value(None) => "a value in the body".to_owned(),
            };
            Err(ScimError::invalid_value(format!(
                "{what} is {} bytes long; at most {max} are accepted",
                text.len()
            )))
        })
    }

    /// Refuses a resource the store cannot take as it is: an indexed value
    /// over [`resource::MAX_INDEXED_BYTES`], or more than `max_values`
    /// values in one multi-valued attribute (core or extension), naming the
    /// attribute. Every write checks the resource it leaves here, once.
    pub fn check_document(&self, document: &Document) -> Result<(), ScimError> {
        resource::check_indexed_lengths(document)?;
        let attributes = document.iter().flat_map(|(name, value)| match value {
            Value::Object(extension) if name.to_ascii_lowercase().starts_with("urn:") => {
                extension.iter().collect::<Vec<_>>()
            }
            _ => vec![(name, value)],
        });
        for (name, value) in attributes {
            if let Value::Array(values) = value
                && values.len() > self.max_values
            {
                return Err(ScimError::invalid_value(format!(
                    "'{name}' has {} values; at most {} are accepted",
                    values.len(),
                    self.max_values
                )));
            }
        }
        Ok(())
    }

    /// Refuses a PATCH request whose operations together send more than
    /// `max_values` values of multi-valued attributes: `sent` counts the
    /// items of every list in the values as sent, a group's members left out
    /// (they are [`check_member_count`](Self::check_member_count)'s). The
    /// PATCH parser ([`crate::scim::patch`]) makes this check.
    pub fn check_patch_values(&self, sent: usize) -> Result<(), ScimError> {
        if sent <= self.max_values {
            return Ok(());
        }
        Err(ScimError::invalid_value(format!(
            "the request sends {sent} values of multi-valued attributes; at most {} are \
             accepted in one request",
            self.max_values
        )))
    }

    /// Refuses a request that names more than `max_members` members.
    pub fn check_member_count(&self, members: usize) -> Result<(), ScimError> {
        if members <= self.max_members {
            return Ok(());
        }
        Err(ScimError::new(
            413,
            None,
            format!(
                "the request names {members} members; Roster takes at most {} per request, \
                 send them in several PATCH requests",
                self.max_members
            ),
        ))
    }
}

impl Default for RequestLimits {
    fn default() -> Self {
        Self {
            filter: FilterLimits::default(),
            max_patch_operations: Self::DEFAULT_MAX_PATCH_OPERATIONS,
            max_members: Self::DEFAULT_MAX_MEMBERS,
            max_value_bytes: Self::DEFAULT_MAX_VALUE_BYTES,
            max_values: Self::DEFAULT_MAX_VALUES,
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn limits(max_value_bytes: usize) -> RequestLimits {
        RequestLimits {
            max_value_bytes,
            max_members: 3,
            ..RequestLimits::default()
        }
    }

    #[test]
    fn values_at_the_limit_pass_and_longer_ones_are_named() {
        let limits = limits(10);
        let body =
            json!({"name": {"givenName": "Alice Ames"}, "emails": [{"value": "ab@cd.test"}]});
        limits.check_body(&body).unwrap();

        let error = limits
            .check_body(&json!({"name": {"givenName": "Alicia Ames"}}))
            .unwrap_err();
        assert_eq!(error.status, 400);
        assert_eq!(error.scim_type, Some(crate::scim::ScimType::InvalidValue));
        assert!(error.detail.contains("'givenName'"), "{}", error.detail);
        assert!(error.detail.contains("11 bytes"), "{}", error.detail);

        let error = limits
            .check_body(&json!({"emails": [{"value": "abc@cd.test"}]}))
            .unwrap_err();
        assert!(error.detail.contains("'value'"), "{}", error.detail);
        let error = limits
            .check_body(&json!([{"longattribute": 1}]))
            .unwrap_err();
        assert!(error.detail.contains("attribute name"), "{}", error.detail);
    }

    #[test]
    fn nul_characters_are_refused_in_values_and_names() {
        let limits = limits(10);
        assert!(limits.check_body(&json!({"a": "x\u{0}"})).is_err());
        assert!(limits.check_body(&json!({"a\u{0}": "x"})).is_err());
    }

    #[test]
    fn lengths_count_bytes_not_characters() {
        // Five characters, ten bytes.
        assert!(limits(9).check_body(&json!("ééééé")).is_err());
        assert!(limits(10).check_body(&json!("ééééé")).is_ok());
    }

    #[test]
    fn values_per_attribute_at_the_limit_pass_and_more_are_named() {
        let limits = RequestLimits {
            max_values: 2,
            ..RequestLimits::default()
        };
        let document = |emails: Value| {
            json!({"userName": "u", "emails": emails, "urn:x": {"badges": [1, 2]}})
                .as_object()
                .unwrap()
                .clone()
        };
        limits
            .check_document(&document(json!([{"value": "a"}, {"value": "b"}])))
            .unwrap();
        let error = limits
            .check_document(&document(
                json!([{"value": "a"}, {"value": "b"}, {"value": "c"}]),
            ))
            .unwrap_err();
        assert_eq!(error.scim_type, Some(crate::scim::ScimType::InvalidValue));
        assert!(
            error.detail.contains("'emails' has 3 values"),
            "{}",
            error.detail
        );
        let mut extension = document(json!([]));
        extension.insert("urn:x".into(), json!({"badges": [1, 2, 3]}));
        let error = limits.check_document(&extension).unwrap_err();
        assert!(error.detail.contains("'badges'"), "{}", error.detail);
    }

    #[test]
    fn patch_values_count_across_operations() {
        let limits = RequestLimits {
            max_values: 3,
            ..RequestLimits::default()
        };
        let parse = |operations: Value| {
            crate::scim::patch::parse_user_request(&json!({"Operations": operations}), &limits)
        };
        let two = json!({"op": "add", "path": "emails", "value": [{"value": "a"}, {"value": "b"}]});
        let one = json!({"op": "add", "value": {"roles": [{"value": "r"}], "title": "t"}});
        parse(json!([two, one])).unwrap();
        let error = parse(json!([two, one, one])).unwrap_err();
        assert_eq!(error.status, 400);
        assert!(error.detail.contains("sends 4 values"), "{}", error.detail);
    }

    #[test]
    fn member_count() {
        let limits = limits(5);
        limits.check_member_count(3).unwrap();
        let error = limits.check_member_count(4).unwrap_err();
        assert_eq!(error.status, 413);
        assert!(error.detail.contains("4 members"), "{}", error.detail);
        assert!(error.detail.contains("at most 3"), "{}", error.detail);
    }
}
