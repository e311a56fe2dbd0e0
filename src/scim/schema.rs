//! The resource schemas Roster serves (RFC 7643 §7, §8.7.1): the core User,
//! the Enterprise User extension (§4.3) and the core Group.
//!
//! They start from the RFC's own definitions as bundled with `scim_v2`, with
//! Roster's deliberate differences applied in [`corrections`]:
//! - `Group.displayName` is required (Roster keeps it unique per account; Entra matches groups by it);
//! - `Group.members` also has the read-only `display` sub-attribute that Okta sends and reads.

use std::sync::LazyLock;

use scim_v2::Asserted;
use scim_v2::models::scim_schema::{Schema, SubAttributes, get_schemas};

use super::urns;

static SCHEMAS: LazyLock<Vec<Schema>> = LazyLock::new(|| {
    let mut schemas = get_schemas(vec!["user", "enterprise_user", "group"])
        .expect("scim_v2 bundles the User, Enterprise User and Group schemas");
    for schema in &mut schemas {
        corrections(schema);
    }
    schemas
});

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
    fn serves_user_enterprise_and_group() {
        let ids: Vec<_> = all().iter().map(|s| s.id.as_str()).collect();
        assert_eq!(ids, [urns::USER, urns::ENTERPRISE_USER, urns::GROUP]);
        assert!(find(&urns::GROUP.to_uppercase()).is_some());
        assert!(find("urn:example:nope").is_none());
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
