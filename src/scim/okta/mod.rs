//! The Role and Entitlement resources an identity provider assigns (issue
//! 19): Okta's resource types `urn:okta:scim:schemas:core:1.0:Role` and
//! `urn:okta:scim:schemas:core:1.0:Entitlement` (Okta developer docs,
//! "Build a SCIM 2.0 server with entitlements"; the same shapes as the IETF
//! draft draft-ietf-scim-roles-entitlements), as discovery documents
//! (RFC 7643 §6–7) and as read-only resources listed with index paging
//! (RFC 7644 §3.4.2.4) and the filters of [`filter`]. Pure: the offers come
//! from [`crate::access::entitlements`].

pub mod filter;

use serde_json::{Value, json};

use super::ScimError;
use super::list::{ListResponse, Page};
use crate::access::entitlements::Offer;
pub use filter::OfferFilter;

/// The schema of a Role resource.
pub const ROLE_URN: &str = "urn:okta:scim:schemas:core:1.0:Role";
/// The schema of an Entitlement resource.
pub const ENTITLEMENT_URN: &str = "urn:okta:scim:schemas:core:1.0:Entitlement";

/// The two kinds of resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OfferKind {
    /// An account role (`/Roles`).
    Role,
    /// A level in a workspace (`/Entitlements`).
    Entitlement,
}

impl OfferKind {
    /// The resource type's id and name, and an Entitlement's `type`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Role => "Role",
            Self::Entitlement => "Entitlement",
        }
    }

    /// The endpoint, relative to the SCIM base.
    pub fn endpoint(self) -> &'static str {
        match self {
            Self::Role => "/Roles",
            Self::Entitlement => "/Entitlements",
        }
    }

    /// The schema URN.
    pub fn urn(self) -> &'static str {
        match self {
            Self::Role => ROLE_URN,
            Self::Entitlement => ENTITLEMENT_URN,
        }
    }

    fn description(self) -> &'static str {
        match self {
            Self::Role => {
                "An account role: assigned as a User's roles[].value, it is a direct grant of \
                 the role (the highest of the member's rules and grants wins)"
            }
            Self::Entitlement => {
                "A level in a workspace ('<workspace>:<level>'): assigned as a User's \
                 entitlements[].value, it is a direct grant of the level (the highest wins)"
            }
        }
    }

    const ALL: [Self; 2] = [Self::Role, Self::Entitlement];
}

/// The `/ResourceTypes` entries of Role and Entitlement.
pub fn resource_types(base_url: &str) -> Vec<Value> {
    OfferKind::ALL
        .iter()
        .map(|kind| {
            json!({
                "schemas": [super::urns::RESOURCE_TYPE],
                "id": kind.name(),
                "name": kind.name(),
                "description": kind.description(),
                "endpoint": kind.endpoint(),
                "schema": kind.urn(),
                "meta": {
                    "resourceType": "ResourceType",
                    "location": format!("{base_url}/ResourceTypes/{}", kind.name()),
                },
            })
        })
        .collect()
}

fn attribute(name: &str, description: &str, case_exact: bool, required: bool) -> Value {
    json!({
        "name": name,
        "type": "string",
        "multiValued": false,
        "description": description,
        "required": required,
        "caseExact": case_exact,
        "mutability": "readOnly",
        "returned": "default",
        "uniqueness": if name == "displayName" { "server" } else { "none" },
    })
}

/// The `/Schemas` entries of Role and Entitlement (`id` and `meta` are the
/// common attributes of RFC 7643 §3.1, left out as for the other schemas).
pub fn schemas(base_url: &str) -> Vec<Value> {
    OfferKind::ALL
        .iter()
        .map(|kind| schema_document(base_url, *kind))
        .collect()
}

/// The schema `urn` names (case-insensitively), if it is one of these.
pub fn schema(base_url: &str, urn: &str) -> Option<Value> {
    OfferKind::ALL
        .iter()
        .find(|kind| kind.urn().eq_ignore_ascii_case(urn))
        .map(|kind| schema_document(base_url, *kind))
}

fn schema_document(base_url: &str, kind: OfferKind) -> Value {
    let mut attributes = vec![
        attribute(
            "displayName",
            "What the identity provider shows, e.g. 'Production — editor'",
            false,
            true,
        ),
        attribute("description", "What it gives", false, false),
    ];
    if kind == OfferKind::Entitlement {
        attributes.push(attribute(
            "type",
            "The resource type's name: 'Entitlement'",
            true,
            true,
        ));
    }
    json!({
        "schemas": [super::urns::SCHEMA],
        "id": kind.urn(),
        "name": kind.name(),
        "description": kind.description(),
        "attributes": attributes,
        "meta": {
            "resourceType": "Schema",
            "location": format!("{base_url}/Schemas/{}", kind.urn()),
        },
    })
}

/// One offer as a resource.
pub fn render(base_url: &str, kind: OfferKind, offer: &Offer) -> Value {
    let mut resource = json!({
        "schemas": [kind.urn()],
        "id": offer.id,
        "displayName": offer.display_name,
        "description": offer.description,
        "meta": {
            "resourceType": kind.name(),
            "location": format!("{base_url}{}/{}", kind.endpoint(), encode(&offer.id)),
        },
    });
    if kind == OfferKind::Entitlement {
        resource["type"] = json!(kind.name());
    }
    resource
}

/// A path segment: `:` is allowed in one (RFC 3986 `pchar`); what a role
/// name may hold otherwise is percent-encoded.
fn encode(id: &str) -> String {
    id.bytes()
        .map(|byte| match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b':' => {
                char::from(byte).to_string()
            }
            other => format!("%{other:02X}"),
        })
        .collect()
}

/// How a list is sorted (`sortBy` `id` or `displayName`); by default the
/// catalog's order (roles from least to most access, entitlements by
/// workspace, then level).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OfferSort {
    pub display_name: bool,
    pub descending: bool,
}

impl OfferSort {
    /// From `sortBy` and `sortOrder` (RFC 7644 §3.4.2.3); `None` without
    /// `sortBy`.
    pub fn parse(
        sort_by: Option<&str>,
        sort_order: Option<&str>,
    ) -> Result<Option<Self>, ScimError> {
        let Some(sort_by) = sort_by else {
            return Ok(None);
        };
        let display_name = if sort_by.eq_ignore_ascii_case("displayName") {
            true
        } else if sort_by.eq_ignore_ascii_case("id") {
            false
        } else {
            return Err(ScimError::invalid_value(
                "Roles and Entitlements sort by id or displayName",
            ));
        };
        let descending = match sort_order {
            None => false,
            Some(order) if order.eq_ignore_ascii_case("ascending") => false,
            Some(order) if order.eq_ignore_ascii_case("descending") => true,
            Some(_) => {
                return Err(ScimError::invalid_value(
                    "'sortOrder' is 'ascending' or 'descending'",
                ));
            }
        };
        Ok(Some(Self {
            display_name,
            descending,
        }))
    }
}

/// The page of the offers that meet the filter, sorted as asked.
pub fn list(
    base_url: &str,
    kind: OfferKind,
    mut offers: Vec<Offer>,
    filter: Option<&OfferFilter>,
    sort: Option<OfferSort>,
    page: Page,
) -> ListResponse<Value> {
    if let Some(filter) = filter {
        offers.retain(|offer| filter.matches(offer));
    }
    if let Some(sort) = sort {
        offers.sort_by_cached_key(|offer| {
            if sort.display_name {
                crate::model::fold_case(&offer.display_name)
            } else {
                offer.id.clone()
            }
        });
        if sort.descending {
            offers.reverse();
        }
    }
    let total = i64::try_from(offers.len()).unwrap_or(i64::MAX);
    let resources = offers
        .iter()
        .skip(usize::try_from(page.offset()).unwrap_or(usize::MAX))
        .take(usize::try_from(page.count).unwrap_or(0))
        .map(|offer| render(base_url, kind, offer))
        .collect();
    ListResponse::new(total, page.start_index, resources)
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = "http://localhost/scim/v2";

    fn offer(id: &str) -> Offer {
        Offer {
            id: id.into(),
            display_name: id.to_uppercase(),
            description: "d".into(),
        }
    }

    #[test]
    fn resources_have_okta_shapes() {
        let types = resource_types(BASE);
        assert_eq!(types[0]["schema"], ROLE_URN);
        assert_eq!(types[1]["endpoint"], "/Entitlements");
        let role = render(BASE, OfferKind::Role, &offer("a b"));
        assert_eq!(role["schemas"][0], ROLE_URN);
        assert!(role.get("type").is_none());
        assert_eq!(role["meta"]["location"], format!("{BASE}/Roles/a%20b"));
        let entitlement = render(BASE, OfferKind::Entitlement, &offer("prod:editor"));
        assert_eq!(entitlement["type"], "Entitlement");
        assert_eq!(
            entitlement["meta"]["location"],
            format!("{BASE}/Entitlements/prod:editor")
        );
        assert_eq!(
            schema(BASE, &ENTITLEMENT_URN.to_uppercase()).unwrap()["name"],
            "Entitlement"
        );
    }

    #[test]
    fn lists_page_sort_and_filter() {
        let offers = vec![offer("b"), offer("a"), offer("c")];
        let page = |start_index, count| Page { start_index, count };
        let ids = |list: ListResponse<Value>| {
            serde_json::to_value(list).unwrap()["Resources"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r["id"].as_str().unwrap().to_owned())
                .collect::<Vec<_>>()
        };
        let all = list(
            BASE,
            OfferKind::Role,
            offers.clone(),
            None,
            None,
            page(2, 5),
        );
        assert_eq!(ids(all), ["a", "c"]);
        let sort = OfferSort::parse(Some("ID"), Some("descending")).unwrap();
        let sorted = list(
            BASE,
            OfferKind::Role,
            offers.clone(),
            None,
            sort,
            page(1, 2),
        );
        let body = serde_json::to_value(&sorted).unwrap();
        assert_eq!(
            (body["totalResults"].clone(), body["itemsPerPage"].clone()),
            (json!(3), json!(2))
        );
        assert_eq!(ids(sorted), ["c", "b"]);
        let filter = OfferFilter::parse(r#"id ne "a""#, &Default::default()).unwrap();
        let filtered = list(
            BASE,
            OfferKind::Role,
            offers,
            Some(&filter),
            None,
            page(1, 9),
        );
        assert_eq!(ids(filtered), ["b", "c"]);
        assert!(OfferSort::parse(Some("description"), None).is_err());
        assert!(OfferSort::parse(Some("id"), Some("up")).is_err());
    }
}
