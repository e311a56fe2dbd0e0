//! Service provider discovery (RFC 7643 §5–7, RFC 7644 §4):
//! `/ServiceProviderConfig` (with RFC 9865 §4's `pagination`),
//! `/ResourceTypes` and `/Schemas`; `bulk` advertises RFC 7644 §3.7's limits.
//!
//! Every document is built from [`Capabilities`], so what Roster advertises
//! is what it does. `base_url` is the absolute SCIM base (…`/scim/v2`) used
//! for `meta.location`.

use scim_v2::Asserted;
use scim_v2::models::resource_types::{ResourceType, SchemaExtension};
use scim_v2::models::scim_schema::Meta;
use scim_v2::models::service_provider_config::{
    AuthenticationScheme, Bulk, Filter, ServiceProviderConfig, Supported,
};
use serde_json::{Value, json};

use super::list::ListResponse;
use super::{ScimError, schema, urns};

/// What the SCIM endpoints support, as advertised in ServiceProviderConfig.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Capabilities {
    pub patch: bool,
    pub filter: bool,
    /// The largest page a list returns (`filter.maxResults`).
    pub max_results: usize,
    pub sort: bool,
    pub etag: bool,
    pub change_password: bool,
    /// How long a list's cursor stays valid (RFC 9865 `cursorTimeout`).
    pub cursor_timeout: std::time::Duration,
    /// The most operations one Bulk request may carry (`bulk.maxOperations`).
    pub bulk_max_operations: usize,
    /// The largest Bulk request body, in bytes (`bulk.maxPayloadSize`).
    pub bulk_max_payload_bytes: usize,
}

impl Capabilities {
    /// What the endpoints implemented so far support.
    pub fn current(max_results: usize) -> Self {
        Self {
            patch: true,
            filter: true,
            max_results,
            sort: true,
            etag: true,
            change_password: false,
            cursor_timeout: std::time::Duration::from_secs(600),
            bulk_max_operations: 1000,
            bulk_max_payload_bytes: 1024 * 1024,
        }
    }
}

/// `GET /ServiceProviderConfig` (RFC 7643 §5).
pub fn service_provider_config(base_url: &str, caps: &Capabilities) -> Value {
    let config =
        ServiceProviderConfig {
            schemas: vec![urns::SERVICE_PROVIDER_CONFIG.to_owned()],
            documentation_uri: None,
            patch: Supported {
                supported: caps.patch,
            },
            bulk: Bulk {
                supported: true,
                max_operations: i64::try_from(caps.bulk_max_operations).unwrap_or(i64::MAX),
                max_payload_size: i64::try_from(caps.bulk_max_payload_bytes).unwrap_or(i64::MAX),
            },
            filter: Filter {
                supported: caps.filter,
                max_results: if caps.filter {
                    i64::try_from(caps.max_results).unwrap_or(i64::MAX)
                } else {
                    0
                },
            },
            change_password: Supported {
                supported: caps.change_password,
            },
            sort: Supported {
                supported: caps.sort,
            },
            etag: Supported {
                supported: caps.etag,
            },
            authentication_schemes: vec![AuthenticationScheme {
            name: "OAuth Bearer Token".into(),
            r#type: Some("oauthbearertoken".into()),
            description:
                "A Roster token of scope 'scim' ('roster tokens issue --scope scim'), sent as \
                          'Authorization: Bearer <token>' or as the bare header value"
                    .into(),
            spec_uri: Some("https://www.rfc-editor.org/info/rfc6750".into()),
            documentation_uri: None,
            primary: Some(true),
        }, AuthenticationScheme {
            name: "OAuth 2.0".into(),
            r#type: Some("oauth2".into()),
            description:
                "An access token of an OAuth client of scope 'scim' ('roster clients create'), \
                 obtained at POST /oauth/token with the client credentials grant (a client secret or an \
                 RFC 7523 client assertion), sent as \
                 'Authorization: Bearer <token>'"
                    .into(),
            spec_uri: Some("https://www.rfc-editor.org/info/rfc6749".into()),
            documentation_uri: None,
            primary: Some(false),
        }],
            meta: Some(meta(
                "ServiceProviderConfig",
                format!("{base_url}/ServiceProviderConfig"),
            )),
        };
    let mut config = to_value(&config);
    config["pagination"] = pagination(caps);
    config
}

/// RFC 9865 §4: both paging methods, index the default (§2.4: clients that
/// predate cursors keep working); one page size for both, `count` or not.
fn pagination(caps: &Capabilities) -> Value {
    let page_size = i64::try_from(caps.max_results).unwrap_or(i64::MAX);
    json!({
        "cursor": true,
        "index": true,
        "defaultPaginationMethod": "index",
        "defaultPageSize": page_size,
        "maxPageSize": page_size,
        "cursorTimeout": caps.cursor_timeout.as_secs(),
    })
}

/// `GET /ResourceTypes` entries (RFC 7643 §6).
pub fn resource_types(base_url: &str) -> Vec<Value> {
    let user = ResourceType {
        schemas: vec![urns::RESOURCE_TYPE.to_owned()],
        id: Some("User".into()),
        name: "User".into(),
        description: Some("A member of the account".into()),
        endpoint: "/Users".into(),
        schema: urns::USER.into(),
        schema_extensions: Asserted::from(vec![SchemaExtension {
            schema: urns::ENTERPRISE_USER.into(),
            required: false,
        }]),
        meta: Some(meta(
            "ResourceType",
            format!("{base_url}/ResourceTypes/User"),
        )),
    };
    let group = ResourceType {
        schemas: vec![urns::RESOURCE_TYPE.to_owned()],
        id: Some("Group".into()),
        name: "Group".into(),
        description: Some(
            "A group of members; mapping rules turn groups into roles and workspace levels".into(),
        ),
        endpoint: "/Groups".into(),
        schema: urns::GROUP.into(),
        schema_extensions: Asserted::absent(),
        meta: Some(meta(
            "ResourceType",
            format!("{base_url}/ResourceTypes/Group"),
        )),
    };
    let mut types = vec![to_value(&user), to_value(&group)];
    types.extend(super::okta::resource_types(base_url));
    types
}

/// `GET /ResourceTypes/{id}`; ids compare case-insensitively.
pub fn resource_type(base_url: &str, id: &str) -> Result<Value, ScimError> {
    resource_types(base_url)
        .into_iter()
        .find(|rt| {
            rt["id"]
                .as_str()
                .is_some_and(|rt_id| rt_id.eq_ignore_ascii_case(id))
        })
        .ok_or_else(|| {
            ScimError::not_found(format!(
                "no resource type '{id}'; Roster serves 'User', 'Group', 'Role' and 'Entitlement'"
            ))
        })
}

/// `GET /Schemas` entries (RFC 7643 §7).
pub fn schemas(base_url: &str) -> Vec<Value> {
    schema::all()
        .iter()
        .map(|s| schema_document(base_url, s))
        .chain(super::okta::schemas(base_url))
        .collect()
}

/// `GET /Schemas/{urn}`.
pub fn schema(base_url: &str, id: &str) -> Result<Value, ScimError> {
    schema::find(id)
        .map(|s| schema_document(base_url, s))
        .or_else(|| super::okta::schema(base_url, id))
        .ok_or_else(|| {
            ScimError::not_found(format!(
                "no schema '{id}'; Roster serves {}, {}, {}, {} and {}",
                urns::USER,
                urns::ENTERPRISE_USER,
                urns::GROUP,
                super::okta::ROLE_URN,
                super::okta::ENTITLEMENT_URN
            ))
        })
}

/// RFC 7644 §4: a filter on `/Schemas` or `/ResourceTypes` is answered with
/// 403, so that a client cannot assume its conditions were applied.
pub fn reject_filter(endpoint: &str) -> ScimError {
    ScimError::forbidden(format!(
        "{endpoint} cannot be filtered (RFC 7644 §4): request it without 'filter'"
    ))
}

/// A ListResponse of discovery resources: always the whole set, one page.
pub fn list(resources: Vec<Value>) -> ListResponse<Value> {
    ListResponse::whole(resources)
}

fn schema_document(base_url: &str, schema: &scim_v2::models::scim_schema::Schema) -> Value {
    let mut schema = schema.clone();
    schema.schemas = vec![urns::SCHEMA.to_owned()];
    schema.meta = meta("Schema", format!("{base_url}/Schemas/{}", schema.id));
    to_value(&schema)
}

fn meta(resource_type: &str, location: String) -> Meta {
    Meta {
        resource_type: Some(resource_type.into()),
        location: Some(location),
        ..Meta::default()
    }
}

fn to_value<T: serde::Serialize>(document: &T) -> Value {
    serde_json::to_value(document).expect("discovery documents are plain data")
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = "http://localhost/scim/v2";

    #[test]
    fn service_provider_config_is_truthful() {
        let spc = service_provider_config(BASE, &Capabilities::current(100));
        assert_eq!(spc["schemas"][0], urns::SERVICE_PROVIDER_CONFIG);
        assert_eq!(spc["patch"]["supported"], true);
        assert_eq!(spc["bulk"]["supported"], true);
        assert_eq!(spc["bulk"]["maxOperations"], 1000);
        assert_eq!(spc["bulk"]["maxPayloadSize"], 1024 * 1024);
        assert_eq!(spc["authenticationSchemes"][0]["type"], "oauthbearertoken");
        assert_eq!(
            spc["pagination"],
            json!({
                "cursor": true, "index": true, "defaultPaginationMethod": "index",
                "defaultPageSize": 100, "maxPageSize": 100, "cursorTimeout": 600
            })
        );
        assert_eq!(
            spc["meta"]["location"],
            "http://localhost/scim/v2/ServiceProviderConfig"
        );
    }

    #[test]
    fn lookups_by_id() {
        assert_eq!(resource_type(BASE, "user").unwrap()["endpoint"], "/Users");
        assert_eq!(resource_type(BASE, "Nope").unwrap_err().status, 404);
        assert_eq!(
            schema(BASE, urns::ENTERPRISE_USER).unwrap()["attributes"]
                .as_array()
                .unwrap()
                .len(),
            6
        );
        assert_eq!(schema(BASE, "urn:nope").unwrap_err().status, 404);
    }

    #[test]
    fn schema_documents_have_no_nulls() {
        fn no_nulls(value: &Value) -> bool {
            match value {
                Value::Null => false,
                Value::Array(items) => items.iter().all(no_nulls),
                Value::Object(map) => map.values().all(no_nulls),
                _ => true,
            }
        }
        assert!(schemas(BASE).iter().all(no_nulls));
        assert!(resource_types(BASE).iter().all(no_nulls));
    }
}
