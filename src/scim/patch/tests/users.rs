//! User PATCH requests as Okta and Entra send them.

use serde_json::json;

use super::{ENTERPRISE, barbara, patch_user};

#[test]
fn okta_deactivation_is_a_pathless_replace() {
    let user = patch_user(
        barbara(),
        json!([{"op": "replace", "value": {"active": false}}]),
    );
    assert_eq!(user["active"], false);
    let user = patch_user(user, json!([{"op": "replace", "value": {"active": true}}]));
    assert_eq!(user["active"], true);
}

#[test]
fn okta_pathless_value_with_read_only_keys_ignores_them() {
    let user = patch_user(
        barbara(),
        json!([{"op": "replace", "value": {
            "id": "23a35c27-23d3-4c03-b4c5-6443c09e7173",
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "meta": {"resourceType": "User"},
            "groups": [],
            "password": "1mz050nq",
            "displayName": "Barbara J."
        }}]),
    );
    assert_eq!(user["displayName"], "Barbara J.");
    for key in ["id", "schemas", "meta", "groups", "password"] {
        assert!(user.get(key).is_none(), "{key} must not be written");
    }
}

#[test]
fn entra_replace_burst_without_flag() {
    let user = patch_user(
        barbara(),
        json!([
            {"op": "Replace", "path": "displayName", "value": "Pvlo"},
            {"op": "Replace", "path": "emails[type eq \"work\"].value", "value": "TestBcwqnm@test.microsoft.com"},
            {"op": "Replace", "path": "name.givenName", "value": "Gtfd"},
            {"op": "Replace", "path": "name.familyName", "value": "Pkqf"},
            {"op": "Replace", "path": "externalId", "value": "Eqpj"},
            {"op": "Replace", "path": format!("{ENTERPRISE}:employeeNumber"), "value": "Eqpj"}
        ]),
    );
    assert_eq!(user["displayName"], "Pvlo");
    assert_eq!(
        user["emails"],
        json!([{"value": "TestBcwqnm@test.microsoft.com", "type": "work", "primary": true}])
    );
    assert_eq!(
        user["name"],
        json!({"givenName": "Gtfd", "familyName": "Pkqf"})
    );
    assert_eq!(user["externalId"], "Eqpj");
    assert_eq!(user[ENTERPRISE], json!({"employeeNumber": "Eqpj"}));
}

#[test]
fn entra_flag_pathless_replace_with_dotted_and_urn_keys() {
    let user = patch_user(
        barbara(),
        json!([
            {"op": "replace", "path": "emails[type eq \"work\"].value", "value": "TestMhvaes@test.microsoft.com"},
            {"op": "replace", "value": {
                "displayName": "Bjfe",
                "name.givenName": "Kkom",
                "name.familyName": "Unua",
                format!("{ENTERPRISE}:employeeNumber"): "Aklq"
            }}
        ]),
    );
    assert_eq!(user["displayName"], "Bjfe");
    assert_eq!(
        user["name"],
        json!({"givenName": "Kkom", "familyName": "Unua"})
    );
    assert_eq!(user["emails"][0]["value"], "TestMhvaes@test.microsoft.com");
    assert_eq!(user[ENTERPRISE]["employeeNumber"], "Aklq");
    assert!(user.get("name.givenName").is_none());
}

#[test]
fn entra_disable_sends_booleans_as_strings() {
    for (sent, stored) in [
        (json!("False"), false),
        (json!("True"), true),
        (json!("false"), false),
        (json!("FALSE"), false),
        (json!(true), true),
    ] {
        let user = patch_user(
            barbara(),
            json!([{"op": "Replace", "path": "active", "value": sent}]),
        );
        assert_eq!(user["active"], stored, "sent {sent}");
    }
}

#[test]
fn entra_add_on_single_valued_attributes_sets_them() {
    let user = patch_user(
        barbara(),
        json!([
            {"op": "Add", "path": "nickName", "value": "Babs"},
            {"op": "Add", "path": format!("{ENTERPRISE}:department"), "value": "Retail"},
            {"op": "Replace", "path": "title", "value": "Manager"},
            {"op": "add", "path": "displayName", "value": "B. Jensen"}
        ]),
    );
    assert_eq!(user["nickName"], "Babs");
    assert_eq!(user[ENTERPRISE]["department"], "Retail");
    assert_eq!(user["title"], "Manager");
    assert_eq!(user["displayName"], "B. Jensen");
}

#[test]
fn entra_add_on_filtered_path_creates_the_missing_element() {
    let home_only = json!({
        "userName": "x",
        "emails": [{"value": "home@example.com", "type": "home"}],
        "addresses": [{"type": "home", "locality": "Oslo"}]
    });
    let user = patch_user(
        home_only,
        json!([
            {"op": "add", "path": "emails[type eq \"work\"].value", "value": "work@example.com"},
            {"op": "Add", "path": "addresses[type eq \"work\"].formatted", "value": "1 Main St"},
            {"op": "Replace", "path": "addresses[type eq \"work\"].streetAddress", "value": "1 Main St"},
            {"op": "Replace", "path": "phoneNumbers[type eq \"mobile\"].value", "value": "+47 555"}
        ]),
    );
    assert_eq!(
        user["emails"],
        json!([
            {"value": "home@example.com", "type": "home"},
            {"type": "work", "value": "work@example.com"}
        ])
    );
    assert_eq!(
        user["addresses"],
        json!([
            {"type": "home", "locality": "Oslo"},
            {"type": "work", "formatted": "1 Main St", "streetAddress": "1 Main St"}
        ])
    );
    assert_eq!(
        user["phoneNumbers"],
        json!([{"type": "mobile", "value": "+47 555"}])
    );
}

#[test]
fn entra_validator_email_burst() {
    let user = patch_user(
        barbara(),
        json!([
            {"op": "add", "path": "emails[type eq \"home\"].value", "value": "home@example.com"},
            {"op": "add", "path": "emails[type eq \"other\"].value", "value": "other@example.com"},
            {"op": "replace", "path": "emails[type eq \"work\"].display", "value": "Work"},
            {"op": "replace", "path": "emails[type eq \"home\"].primary", "value": "True"}
        ]),
    );
    assert_eq!(
        user["emails"],
        json!([
            {"value": "bjensen@example.com", "type": "work", "primary": false, "display": "Work"},
            {"type": "home", "value": "home@example.com", "primary": true},
            {"type": "other", "value": "other@example.com"}
        ])
    );
}

#[test]
fn entra_remove_with_value_on_email_path_removes_and_never_sets() {
    let other = json!([
        {"op": "Remove", "path": "emails[type eq \"work\"].value", "value": "someone.else@example.com"}
    ]);
    assert_eq!(patch_user(barbara(), other), barbara());
    let user = patch_user(
        barbara(),
        json!([{"op": "Remove", "path": "emails[type eq \"work\"].value", "value": "BJensen@example.com"}]),
    );
    assert!(user.get("emails").is_none(), "{user}");
}

#[test]
fn remove_with_value_list_on_multi_valued_attribute_removes_only_those() {
    let mut user = barbara();
    user["emails"] = json!([
        {"value": "a@example.com", "type": "work"},
        {"value": "b@example.com", "type": "home"}
    ]);
    let user = patch_user(
        user,
        json!([{"op": "remove", "path": "emails", "value": [{"value": "B@example.com"}]}]),
    );
    assert_eq!(
        user["emails"],
        json!([{"value": "a@example.com", "type": "work"}])
    );
}

#[test]
fn entra_manager_as_bare_string_is_stored_as_object() {
    let user = patch_user(
        barbara(),
        json!([{"op": "add", "path": format!("{ENTERPRISE}:manager"), "value": "2c2f6fb8-254f-492e-b7fe-c09c5a61c8a2"}]),
    );
    assert_eq!(
        user[ENTERPRISE]["manager"],
        json!({"value": "2c2f6fb8-254f-492e-b7fe-c09c5a61c8a2"})
    );
}

#[test]
fn entra_manager_object_and_legacy_list_forms() {
    let user = patch_user(
        barbara(),
        json!([{"op": "replace", "path": format!("{ENTERPRISE}:manager"),
                "value": {"value": "26118915-6090", "displayName": "John Smith"}}]),
    );
    assert_eq!(
        user[ENTERPRISE]["manager"],
        json!({"value": "26118915-6090", "displayName": "John Smith"})
    );
    // Legacy sample: unqualified path, one-element list with `$ref`; the old displayName goes.
    let user = patch_user(
        user,
        json!([{"op": "Add", "path": "manager",
                "value": [{"$ref": "https://example.com/scim/Users/00aa", "value": "00aa"}]}]),
    );
    assert_eq!(
        user[ENTERPRISE]["manager"],
        json!({"value": "00aa", "$ref": "https://example.com/scim/Users/00aa"})
    );
    let user = patch_user(
        user,
        json!([{"op": "replace", "value": {format!("{ENTERPRISE}:manager"): {"value": "00bb"}}}]),
    );
    assert_eq!(user[ENTERPRISE]["manager"], json!({"value": "00bb"}));
}

#[test]
fn entra_manager_removal_by_remove_or_empty_value() {
    let mut with_manager = barbara();
    with_manager[ENTERPRISE] = json!({"manager": {"value": "00aa"}});
    for operation in [
        json!({"op": "Remove", "path": format!("{ENTERPRISE}:manager")}),
        json!({"op": "Replace", "path": format!("{ENTERPRISE}:manager"), "value": ""}),
        json!({"op": "Replace", "path": format!("{ENTERPRISE}:manager"), "value": null}),
        json!({"op": "Replace", "path": format!("{ENTERPRISE}:manager"), "value": {"value": ""}}),
        json!({"op": "remove", "path": format!("{ENTERPRISE}:manager.value")}),
    ] {
        let user = patch_user(with_manager.clone(), json!([operation]));
        assert!(user.get(ENTERPRISE).is_none(), "{operation} left {user}");
    }
}

#[test]
fn entra_roles_as_json_encoded_strings_are_decoded() {
    let user = patch_user(
        barbara(),
        json!([{"op": "Add", "path": "roles", "value": [
            {"value": "{\"id\":\"06b07648-ecfe-589f-9d2f-6f3db1ec8c14\",\"value\":\"25\",\"displayName\":\"Role1234\"}"}
        ]}]),
    );
    assert_eq!(
        user["roles"],
        json!([{"value": "25", "display": "Role1234"}])
    );
    // An app role without value is kept by its id; a bare role name is wrapped.
    let user = patch_user(
        barbara(),
        json!([
            {"op": "Add", "path": "roles", "value": [{"value": "{\"id\":\"06b0\",\"displayName\":\"User\"}", "primary": "True"}]},
            {"op": "add", "path": "roles", "value": "Admin"}
        ]),
    );
    assert_eq!(
        user["roles"],
        json!([{"value": "06b0", "display": "User", "primary": true}, {"value": "Admin"}])
    );
}

#[test]
fn entra_assertive_roles_replace_the_whole_list() {
    let mut user = barbara();
    user["roles"] = json!([{"value": "old"}]);
    let user = patch_user(
        user,
        json!([{"op": "replace", "path": "roles", "value": [
            {"value": "Admin", "display": "Admin", "primary": true},
            {"value": "Reader", "display": "Reader", "primary": false}
        ]}]),
    );
    assert_eq!(
        user["roles"],
        json!([
            {"value": "Admin", "display": "Admin", "primary": true},
            {"value": "Reader", "display": "Reader", "primary": false}
        ])
    );
}

#[test]
fn entra_single_role_through_primary_filter() {
    let user = patch_user(
        barbara(),
        json!([{"op": "Replace", "path": "roles[primary eq \"True\"].value", "value": "Admin"}]),
    );
    assert_eq!(user["roles"], json!([{"primary": true, "value": "Admin"}]));
    let user = patch_user(
        user,
        json!([{"op": "Replace", "path": "roles[primary eq \"True\"].value", "value": "Reader"}]),
    );
    assert_eq!(user["roles"], json!([{"primary": true, "value": "Reader"}]));
}

#[test]
fn okta_push_empty_values_clears_attributes() {
    let mut user = barbara();
    user["title"] = json!("Boss");
    user["nickName"] = json!("Babs");
    let user = patch_user(
        user,
        json!([
            {"op": "replace", "path": "displayName", "value": null},
            {"op": "add", "path": "title", "value": ""},
            {"op": "replace", "value": {"nickName": "", "name.givenName": null}}
        ]),
    );
    for key in ["displayName", "title", "nickName"] {
        assert!(user.get(key).is_none(), "{key} in {user}");
    }
    assert_eq!(user["name"], json!({"familyName": "Jensen"}));
}

#[test]
fn pathless_extension_object_merges_and_keeps_undeclared_attributes() {
    let mut user = barbara();
    user[ENTERPRISE] = json!({"employeeNumber": "7", "badge": "B-1"});
    let user = patch_user(
        user,
        json!([{"op": "add", "value": {ENTERPRISE: {
            "department": "R&D",
            "costCenter": "42",
            "floor": {"building": "A"}
        }}}]),
    );
    assert_eq!(
        user[ENTERPRISE],
        json!({
            "employeeNumber": "7",
            "badge": "B-1",
            "department": "R&D",
            "costCenter": "42",
            "floor": {"building": "A"}
        })
    );
}

#[test]
fn pathless_add_with_qualified_manager_key() {
    let user = patch_user(
        barbara(),
        json!([{"op": "add", "value": {format!("{ENTERPRISE}:manager"): "00aa", "userType": "Employee"}}]),
    );
    assert_eq!(user[ENTERPRISE]["manager"], json!({"value": "00aa"}));
    assert_eq!(user["userType"], "Employee");
}
