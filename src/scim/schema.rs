//! The resource schemas Roster serves (RFC 7643 §7, §8.7.1): the core User,
//! the Enterprise User extension (§4.3) and the core Group.
//!
//! They start from the RFC's own definitions as bundled with `scim_v2`, with
//! Roster's deliberate differences applied in [`corrections`]:
//! - `Group.displayName` is required (Roster keeps it unique per account; Entra matches groups by it);
//! - `Group.members` also has the read-only `display` sub-attribute that Okta sends and reads.

use std::sync::LazyLock;

use scim_v2::Asserted;
use scim_v2::models::scim_schema::{Attributes, Schema, SubAttributes, get_schemas};

use super::urns;

static SCHEMAS: LazyLock<Vec<Schema>> = LazyLock::new(|| {
    let mut schemas = get_schemas(vec!["user", "enterprise_user", "group"])
        .expect("scim_v2 bundles the User, Enterprise User and Group schemas");
    for schema in &mut schemas {
        corrections(schema);
    }
    schemas
});

/// The common attributes of every resource (RFC 7643 §3.1), which the RFC
/// keeps out of the schema documents: `id`, `externalId`, `meta`.
static COMMON: LazyLock<Vec<Attributes>> = LazyLock::new(|| {
    let string = |name: &str, case_exact: bool, mutability: &str, returned: &str| Attributes {
        name: name.into(),
        r#type: "string".into(),
        multi_valued: false,
        description: None,
        required: Some(false),
        canonical_values: Asserted::absent(),
        case_exact: Some(case_exact),
        mutability: Some(mutability.into()),
        returned: Some(returned.into()),
        uniqueness: Some("none".into()),
        sub_attributes: Asserted::absent(),
        reference_types: Asserted::absent(),
    };
    let sub = |name: &str, r#type: &str| SubAttributes {
        name: name.into(),
        r#type: r#type.into(),
        multi_valued: false,
        description: None,
        required: Some(false),
        canonical_values: Asserted::absent(),
        case_exact: Some(true),
        mutability: Some("readOnly".into()),
        returned: Some("default".into()),
        uniqueness: Some("none".into()),
        reference_types: Asserted::absent(),
    };
    let mut meta = string("meta", true, "readOnly", "default");
    meta.r#type = "complex".into();
    meta.sub_attributes = Asserted::from(vec![
        sub("resourceType", "string"),
        sub("created", "dateTime"),
        sub("lastModified", "dateTime"),
        sub("location", "reference"),
        sub("version", "string"),
    ]);
    vec![
        Attributes {
            uniqueness: Some("server".into()),
            ..string("id", true, "readOnly", "always")
        },
        string("externalId", true, "readWrite", "default"),
        meta,
    ]
});

/// The two resource types Roster serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ResourceKind {
    User,
    Group,
}

impl ResourceKind {
    /// The core schema URN of the resource.
    pub fn core_urn(self) -> &'static str {
        match self {
            Self::User => urns::USER,
            Self::Group => urns::GROUP,
        }
    }

    /// Extension schema URNs the resource accepts (attributes live under the URN key).
    pub fn extension_urns(self) -> &'static [&'static str] {
        match self {
            Self::User => &[urns::ENTERPRISE_USER],
            Self::Group => &[],
        }
    }
}

/// A top-level attribute of a resource, found by name.
#[derive(Debug, Clone, Copy)]
pub struct AttributeRef {
    /// The schema the attribute belongs to; `None` for the common attributes
    /// (`id`, `externalId`, `meta`) and the core schema's `Some(core_urn)`.
    pub schema: Option<&'static str>,
    /// `true` when the attribute lives under its extension URN key in the document.
    pub in_extension: bool,
    pub definition: &'static Attributes,
}

/// Finds a top-level attribute of `kind` by name, case-insensitively (RFC 7643 §2.1).
/// `urn` is the schema URN the name was qualified with, if any (`urn:…:User:userName`);
/// without one, the core schema and the common attributes are searched, then the extensions.
pub fn find_attribute(kind: ResourceKind, urn: Option<&str>, name: &str) -> Option<AttributeRef> {
    let in_schema = |schema_id: &str| {
        let schema = find(schema_id)?;
        let definition = schema
            .attributes
            .iter()
            .find(|a| a.name.eq_ignore_ascii_case(name))?;
        Some((Some(schema.id.as_str()), definition))
    };
    let common = || COMMON.iter().find(|a| a.name.eq_ignore_ascii_case(name));
    match urn {
        Some(urn) if urn.eq_ignore_ascii_case(kind.core_urn()) => in_schema(kind.core_urn())
            .map(|(schema, definition)| AttributeRef {
                schema,
                in_extension: false,
                definition,
            })
            .or_else(|| {
                common().map(|definition| AttributeRef {
                    schema: None,
                    in_extension: false,
                    definition,
                })
            }),
        Some(urn) => {
            let extension = kind
                .extension_urns()
                .iter()
                .find(|ext| ext.eq_ignore_ascii_case(urn))?;
            in_schema(extension).map(|(schema, definition)| AttributeRef {
                schema,
                in_extension: true,
                definition,
            })
        }
        None => common()
            .map(|definition| AttributeRef {
                schema: None,
                in_extension: false,
                definition,
            })
            .or_else(|| {
                in_schema(kind.core_urn()).map(|(schema, definition)| AttributeRef {
                    schema,
                    in_extension: false,
                    definition,
                })
            })
            .or_else(|| {
                kind.extension_urns().iter().find_map(|ext| {
                    in_schema(ext).map(|(schema, definition)| AttributeRef {
                        schema,
                        in_extension: true,
                        definition,
                    })
                })
            }),
    }
}

/// A sub-attribute of a complex attribute, by name, case-insensitively.
pub fn find_sub_attribute<'a>(attribute: &'a Attributes, name: &str) -> Option<&'a SubAttributes> {
    attribute
        .sub_attributes
        .as_slice()
        .iter()
        .find(|sub| sub.name.eq_ignore_ascii_case(name))
}

/// Every schema Roster serves, in a fixed order (User, Enterprise User, Group).
pub fn all() -> &'static [Schema] {
    &SCHEMAS
}

/// The schema with this URN (compared case-insensitively).
pub fn find(id: &str) -> Option<&'static Schema> {
    SCHEMAS
        .iter()
        .find(|schema| schema.id.eq_ignore_ascii_case(id))
}

fn corrections(schema: &mut Schema) {
    if schema.id == urns::USER {
        // RFC 7643 §2.4 gives every multi-valued attribute `primary`, but
        // the §8.7.1 schema leaves it out of `addresses`.
        if let Some(addresses) = schema.attributes.iter_mut().find(|a| a.name == "addresses") {
            addresses.sub_attributes.push(SubAttributes {
                name: "primary".into(),
                r#type: "boolean".into(),
                multi_valued: false,
                description: Some(
                    "A Boolean value indicating the 'primary' or preferred address.".into(),
                ),
                required: Some(false),
                canonical_values: Asserted::absent(),
                case_exact: Some(false),
                mutability: Some("readWrite".into()),
                returned: Some("default".into()),
                uniqueness: Some("none".into()),
                reference_types: Asserted::absent(),
            });
        }
        return;
    }
    if schema.id != urns::GROUP {
        return;
    }
    for attribute in &mut schema.attributes {
        match attribute.name.as_str() {
            "displayName" => attribute.required = Some(true),
            "members" => {
                let display = SubAttributes {
                    name: "display".into(),
                    r#type: "string".into(),
                    multi_valued: false,
                    description: Some(
                        "A human-readable name of the member: its displayName or userName.".into(),
                    ),
                    required: Some(false),
                    canonical_values: Asserted::absent(),
                    case_exact: Some(false),
                    mutability: Some("readOnly".into()),
                    returned: Some("default".into()),
                    uniqueness: Some("none".into()),
                    reference_types: Asserted::absent(),
                };
                attribute.sub_attributes.push(display);
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_have_primary() {
        let addresses = find_attribute(ResourceKind::User, None, "addresses").unwrap();
        let primary = find_sub_attribute(addresses.definition, "PRIMARY").unwrap();
        assert_eq!(primary.r#type, "boolean");
    }

    #[test]
    fn serves_user_enterprise_and_group() {
        let ids: Vec<_> = all().iter().map(|s| s.id.as_str()).collect();
        assert_eq!(ids, [urns::USER, urns::ENTERPRISE_USER, urns::GROUP]);
        assert!(find(&urns::GROUP.to_uppercase()).is_some());
        assert!(find("urn:example:nope").is_none());
    }

    #[test]
    fn attributes_are_found_case_insensitively_with_or_without_urn() {
        let user_name = find_attribute(ResourceKind::User, None, "USERNAME").unwrap();
        assert_eq!(user_name.definition.name, "userName");
        assert!(!user_name.in_extension);
        let qualified = find_attribute(ResourceKind::User, Some(urns::USER), "emails").unwrap();
        assert_eq!(qualified.definition.name, "emails");
        let department = find_attribute(
            ResourceKind::User,
            Some(urns::ENTERPRISE_USER),
            "department",
        )
        .unwrap();
        assert!(department.in_extension);
        assert_eq!(department.schema, Some(urns::ENTERPRISE_USER));
        let unqualified = find_attribute(ResourceKind::User, None, "employeeNumber").unwrap();
        assert!(unqualified.in_extension);
        assert_eq!(
            find_attribute(ResourceKind::User, None, "ID")
                .unwrap()
                .definition
                .mutability
                .as_deref(),
            Some("readOnly")
        );
        let meta = find_attribute(ResourceKind::Group, None, "meta").unwrap();
        assert_eq!(
            find_sub_attribute(meta.definition, "LASTMODIFIED")
                .unwrap()
                .r#type,
            "dateTime"
        );
        assert!(find_attribute(ResourceKind::Group, None, "userName").is_none());
        assert!(
            find_attribute(
                ResourceKind::Group,
                Some(urns::ENTERPRISE_USER),
                "department"
            )
            .is_none()
        );
        assert!(find_attribute(ResourceKind::User, Some("urn:example:x"), "department").is_none());
    }

    #[test]
    fn group_corrections_apply() {
        let group = find(urns::GROUP).unwrap();
        let display_name = group
            .attributes
            .iter()
            .find(|a| a.name == "displayName")
            .unwrap();
        assert_eq!(display_name.required, Some(true));
        let members = group
            .attributes
            .iter()
            .find(|a| a.name == "members")
            .unwrap();
        assert!(
            members
                .sub_attributes
                .as_slice()
                .iter()
                .any(|s| s.name == "display")
        );
    }
}
