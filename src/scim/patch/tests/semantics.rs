//! RFC 7644 §3.5.2 semantics: add, replace, remove, filters, ordering.

use serde_json::{Value, json};

use super::{ENTERPRISE, assert_error, barbara, patch_user, try_patch};
use crate::scim::ScimType;
use crate::scim::schema::ResourceKind;

#[test]
fn add_on_multi_valued_appends_without_duplicating() {
    let user = patch_user(
        barbara(),
        json!([{"op": "add", "path": "emails", "value": [
            {"value": "BJENSEN@example.com", "type": "WORK", "primary": true},
            {"value": "babs@home.example", "type": "home"}
        ]}]),
    );
    assert_eq!(
        user["emails"],
        json!([
            {"value": "bjensen@example.com", "type": "work", "primary": true},
            {"value": "babs@home.example", "type": "home"}
        ])
    );
}

#[test]
fn add_of_a_single_object_to_a_multi_valued_attribute_wraps_it() {
    let user = patch_user(
        barbara(),
        json!([{"op": "add", "path": "phoneNumbers", "value": {"value": "+1 555", "type": "work"}}]),
    );
    assert_eq!(
        user["phoneNumbers"],
        json!([{"value": "+1 555", "type": "work"}])
    );
}

#[test]
fn adding_a_primary_element_demotes_the_others() {
    let user = patch_user(
        barbara(),
        json!([{"op": "add", "path": "emails", "value": [{"value": "new@example.com", "primary": "true"}]}]),
    );
    assert_eq!(
        user["emails"],
        json!([
            {"value": "bjensen@example.com", "type": "work", "primary": false},
            {"value": "new@example.com", "primary": true}
        ])
    );
}

#[test]
fn replace_on_multi_valued_without_filter_replaces_the_list() {
    let user = patch_user(
        barbara(),
        json!([{"op": "replace", "path": "emails", "value": [{"value": "only@example.com", "type": "other"}]}]),
    );
    assert_eq!(
        user["emails"],
        json!([{"value": "only@example.com", "type": "other"}])
    );
    let user = patch_user(
        user,
        json!([{"op": "replace", "path": "emails", "value": []}]),
    );
    assert!(user.get("emails").is_none());
}

#[test]
fn complex_values_merge_for_add_and_replace() {
    // RFC 7644 §3.5.2.3: sub-attributes not in the value are left unchanged.
    for op in ["add", "replace"] {
        let user = patch_user(
            barbara(),
            json!([{"op": op, "path": "name", "value": {"GIVENNAME": "Babs", "middleName": "J"}}]),
        );
        assert_eq!(
            user["name"],
            json!({"givenName": "Babs", "middleName": "J", "familyName": "Jensen"}),
            "{op}"
        );
    }
    let user = patch_user(
        barbara(),
        json!([{"op": "replace", "path": "emails[type eq \"work\"]", "value": {"display": "Work mail"}}]),
    );
    assert_eq!(
        user["emails"],
        json!([{"value": "bjensen@example.com", "type": "work", "primary": true, "display": "Work mail"}])
    );
}

#[test]
fn remove_targets_attributes_sub_attributes_and_elements() {
    let user = patch_user(
        barbara(),
        json!([
            {"op": "remove", "path": "name.givenName"},
            {"op": "remove", "path": "displayName"},
            {"op": "remove", "path": "emails[type eq \"work\"]"}
        ]),
    );
    assert_eq!(
        user,
        json!({"userName": "bjensen@example.com", "name": {"familyName": "Jensen"}, "active": true})
    );
    let user = patch_user(user, json!([{"op": "remove", "path": "name"}]));
    assert!(user.get("name").is_none());
}

#[test]
fn removing_something_absent_succeeds() {
    let user = patch_user(
        barbara(),
        json!([
            {"op": "remove", "path": "nickName"},
            {"op": "remove", "path": "emails[type eq \"home\"]"},
            {"op": "remove", "path": "addresses"},
            {"op": "remove", "path": format!("{ENTERPRISE}:manager")},
            {"op": "remove", "path": ENTERPRISE}
        ]),
    );
    assert_eq!(user, barbara());
}

#[test]
fn remove_of_the_extension_urn_removes_the_extension() {
    let mut user = barbara();
    user[ENTERPRISE] = json!({"department": "R&D", "badge": "B-1"});
    let user = patch_user(user, json!([{"op": "remove", "path": ENTERPRISE}]));
    assert_eq!(user, barbara());
}

#[test]
fn undeclared_extension_attributes_are_set_and_removed_whole() {
    let user = patch_user(
        barbara(),
        json!([{"op": "add", "path": format!("{ENTERPRISE}:badge"), "value": {"id": 7}}]),
    );
    assert_eq!(user[ENTERPRISE], json!({"badge": {"id": 7}}));
    let user = patch_user(
        user,
        json!([{"op": "remove", "path": format!("{ENTERPRISE}:badge")}]),
    );
    assert!(user.get(ENTERPRISE).is_none());
}

#[test]
fn value_filters_support_every_operator() {
    let mut user = barbara();
    user["emails"] = json!([
        {"value": "a@work.example", "type": "work", "primary": true},
        {"value": "b@home.example", "type": "home"},
        {"value": "c@other.example", "type": "other", "display": "C"}
    ]);
    let remaining = |path: &str| -> Vec<String> {
        let user = patch_user(user.clone(), json!([{"op": "remove", "path": path}]));
        user["emails"]
            .as_array()
            .map(|emails| {
                emails
                    .iter()
                    .map(|e| e["type"].as_str().unwrap_or("").to_owned())
                    .collect()
            })
            .unwrap_or_default()
    };
    assert_eq!(remaining("emails[type eq \"WORK\"]"), ["home", "other"]);
    assert_eq!(remaining("emails[type ne \"work\"]"), ["work"]);
    assert_eq!(remaining("emails[value co \"HOME\"]"), ["work", "other"]);
    assert_eq!(remaining("emails[value sw \"c@\"]"), ["work", "home"]);
    assert_eq!(
        remaining("emails[value ew \".example\"]"),
        Vec::<String>::new()
    );
    assert_eq!(remaining("emails[display pr]"), ["work", "home"]);
    assert_eq!(remaining("emails[value gt \"b\"]"), ["work"]);
    assert_eq!(remaining("emails[value ge \"b@home.example\"]"), ["work"]);
    assert_eq!(remaining("emails[value lt \"b\"]"), ["home", "other"]);
    assert_eq!(
        remaining("emails[value le \"a@work.example\"]"),
        ["home", "other"]
    );
    assert_eq!(remaining("emails[primary eq true]"), ["home", "other"]);
    assert_eq!(
        remaining("emails[primary eq \"False\"]"),
        ["work", "home", "other"]
    );
    assert_eq!(
        remaining("emails[type eq \"home\" or (type eq \"other\" and not (display eq \"X\"))]"),
        ["work"]
    );
    assert_eq!(
        remaining("emails[type eq \"work\" and primary eq false]"),
        ["work", "home", "other"]
    );
}

#[test]
fn operations_apply_in_order() {
    let user = patch_user(
        barbara(),
        json!([
            {"op": "replace", "path": "nickName", "value": "first"},
            {"op": "remove", "path": "nickName"},
            {"op": "add", "path": "nickName", "value": "last"}
        ]),
    );
    assert_eq!(user["nickName"], "last");
}

#[test]
fn a_failing_operation_leaves_the_document_untouched() {
    let operations = super::parse(
        ResourceKind::User,
        json!([
            {"op": "replace", "path": "displayName", "value": "changed"},
            {"op": "replace", "path": "emails[type ne \"work\"].value", "value": "x@example.com"}
        ]),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let user = super::document(json!({"userName": "x", "displayName": "kept"}));
    let error = operations.apply(&user).unwrap_err();
    assert_error(&error, 400, Some(ScimType::NoTarget), "operation 2: ");
    assert_eq!(
        Value::Object(user),
        json!({"userName": "x", "displayName": "kept"})
    );
}

#[test]
fn group_documents_take_display_name_and_external_id() {
    let group = try_patch(
        ResourceKind::Group,
        json!({"displayName": "Old"}),
        json!([
            {"op": "Replace", "path": "displayName", "value": "New"},
            {"op": "add", "path": "externalId", "value": "8aa1a0c0"}
        ]),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        group,
        json!({"displayName": "New", "externalId": "8aa1a0c0"})
    );
}
