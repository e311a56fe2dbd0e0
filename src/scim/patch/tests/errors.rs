//! Refusals: each with its status, `scimType` and a detail naming the problem.

use serde_json::{Value, json};

use super::{ENTERPRISE, assert_error, barbara, parse, patch_user, read, user_error};
use crate::scim::ScimType;
use crate::scim::patch::{Patch, PatchOp};
use crate::scim::schema::ResourceKind;

fn parse_body(body: Value) -> Result<Patch, crate::scim::ScimError> {
    read(ResourceKind::User, &body, 10)
}

/// The `op` of each edit of the document, in order.
fn ops(patch: &Patch) -> Vec<PatchOp> {
    patch
        .operations
        .iter()
        .flat_map(|operation| &operation.edits)
        .map(|edit| edit.op)
        .collect()
}

#[test]
fn request_shape_is_checked() {
    let deactivate = json!([{"op": "replace", "value": {"active": false}}]);
    // Lenient: no `schemas`, `operations` in lower case.
    let parsed = parse_body(json!({"operations": deactivate})).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(parsed.operations.len(), 1);
    assert_eq!(ops(&parsed), [PatchOp::Replace]);

    let syntax = Some(ScimType::InvalidSyntax);
    let cases = [
        (json!([]), "JSON object"),
        (
            json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "Operations": deactivate}),
            "PatchOp",
        ),
        (
            json!({"schemas": "nope", "Operations": deactivate}),
            "PatchOp",
        ),
        (
            json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"]}),
            "Operations",
        ),
        (json!({"Operations": {"op": "add"}}), "Operations"),
        (json!({"Operations": []}), "empty"),
        (
            json!({"Operations": deactivate, "operations": deactivate}),
            "twice",
        ),
        (json!({"Operations": ["add"]}), "object"),
        (json!({"Operations": [{"op": "move", "path": "x"}]}), "`op`"),
        (
            json!({"Operations": [{"path": "active", "value": true}]}),
            "`op`",
        ),
    ];
    for (body, mentions) in cases {
        match parse_body(body.clone()) {
            Ok(_) => panic!("{body} should be refused"),
            Err(error) => assert_error(&error, 400, syntax.clone(), mentions),
        }
    }
}

#[test]
fn operations_over_the_limit_are_too_large() {
    let one = json!({"op": "replace", "path": "active", "value": true});
    let body = json!({"Operations": vec![one; 11]});
    let error = parse_body(body).unwrap_err();
    assert_error(&error, 413, None, "at most 10");
}

#[test]
fn op_is_case_insensitive() {
    let parsed = parse(
        ResourceKind::User,
        json!([
            {"op": "ADD", "path": "nickName", "value": "x"},
            {"OP": "Replace", "PATH": "nickName", "VALUE": "y"},
            {"op": "rEmOvE", "path": "nickName"}
        ]),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        ops(&parsed),
        [PatchOp::Add, PatchOp::Replace, PatchOp::Remove]
    );
}

#[test]
fn bad_paths_are_invalid_path_naming_the_problem() {
    let cases = [
        (json!(42), "must be a string"),
        (json!(""), "empty"),
        (json!("emails[type eq"), "not a valid PATCH path"),
        (json!("a.b.c"), "not a valid PATCH path"),
        (
            json!("favouriteColour"),
            "unknown attribute `favouriteColour`",
        ),
        (json!("name.nickname"), "no sub-attribute `nickname`"),
        (json!("userName.value"), "`userName` has no sub-attributes"),
        (json!("name[givenName eq \"x\"]"), "multi-valued"),
        (json!("emails[colour eq \"x\"].value"), "`colour`"),
        (json!("emails.value[type eq \"x\"]"), "not a sub-attribute"),
        (
            json!("urn:example:custom:2.0:User:x"),
            "not a schema of this resource",
        ),
        (json!(format!("{ENTERPRISE}:badge.level")), "not defined by"),
        (
            json!("urn:ietf:params:scim:schemas:core:2.0:User"),
            "core schema",
        ),
        (
            json!("urn:ietf:params:scim:schemas:core:2.0:User:nope"),
            "unknown attribute `nope`",
        ),
    ];
    for (path, mentions) in cases {
        let error = user_error(
            barbara(),
            json!([{"op": "replace", "path": path, "value": "x"}]),
        );
        assert_error(&error, 400, Some(ScimType::InvalidPath), mentions);
        assert!(
            error.detail.starts_with("operation 1: "),
            "{}",
            error.detail
        );
    }
}

#[test]
fn unknown_keys_in_a_pathless_value_are_invalid_path() {
    let error = user_error(
        barbara(),
        json!([{"op": "replace", "value": {"active": false, "favouriteColour": "blue"}}]),
    );
    assert_error(&error, 400, Some(ScimType::InvalidPath), "favouriteColour");
}

#[test]
fn read_only_targets_with_a_path_are_mutability() {
    for path in [
        "id",
        "meta",
        "meta.created",
        "groups",
        "groups[value eq \"x\"]",
        "manager.displayName",
    ] {
        let error = user_error(
            barbara(),
            json!([{"op": "replace", "path": path, "value": "x"}]),
        );
        assert_error(&error, 400, Some(ScimType::Mutability), "read-only");
    }
}

#[test]
fn remove_without_path_is_no_target() {
    let error = user_error(
        barbara(),
        json!([{"op": "remove", "value": {"nickName": "x"}}]),
    );
    assert_error(&error, 400, Some(ScimType::NoTarget), "needs a `path`");
}

#[test]
fn required_attributes_cannot_be_removed_or_emptied() {
    let error = user_error(barbara(), json!([{"op": "remove", "path": "userName"}]));
    assert_error(
        &error,
        400,
        Some(ScimType::Mutability),
        "`userName` is required",
    );
    for value in [
        json!(""),
        json!(" \t "),
        json!(null),
        json!({}),
        json!(["a"]),
    ] {
        let error = user_error(
            barbara(),
            json!([{"op": "replace", "path": "userName", "value": value}]),
        );
        assert_error(&error, 400, Some(ScimType::InvalidValue), "userName");
    }
    let error = user_error(
        barbara(),
        json!([{"op": "replace", "value": {"userName": "   "}}]),
    );
    assert_error(&error, 400, Some(ScimType::InvalidValue), "userName");
    let error = super::try_patch(
        ResourceKind::Group,
        json!({"displayName": "G"}),
        json!([{"op": "remove", "path": "displayName"}]),
    )
    .unwrap_err();
    assert_error(&error, 400, Some(ScimType::Mutability), "displayName");
}

#[test]
fn wrong_types_are_invalid_value_naming_the_attribute() {
    let cases = [
        (
            json!({"op": "replace", "path": "active", "value": 42}),
            "`active` must be true or false",
        ),
        (
            json!({"op": "replace", "path": "active", "value": "yes"}),
            "`active`",
        ),
        (
            json!({"op": "replace", "value": {"active": [true]}}),
            "`active`",
        ),
        (
            json!({"op": "add", "path": "emails", "value": "x@example.com"}),
            "`emails` takes a list",
        ),
        (
            json!({"op": "add", "path": "emails", "value": [{"value": 1}]}),
            "`emails.value`",
        ),
        (
            json!({"op": "add", "path": "emails", "value": [{"value": "x", "colour": "red"}]}),
            "no sub-attribute `colour`",
        ),
        (
            json!({"op": "add", "path": "emails", "value": ["x@example.com"]}),
            "each element of `emails`",
        ),
        (
            json!({"op": "replace", "path": "name", "value": "Barbara"}),
            "`name` takes an object",
        ),
        (
            json!({"op": "replace", "path": "emails[type eq \"work\"].primary", "value": "maybe"}),
            "primary",
        ),
        (
            json!({"op": "replace", "path": format!("{ENTERPRISE}:manager"), "value": [{"value": "a"}, {"value": "b"}]}),
            "one value",
        ),
        (
            json!({"op": "replace", "path": "displayName", "value": {"text": "x"}}),
            "`displayName` must be a string",
        ),
        (
            json!({"op": "replace", "path": ENTERPRISE, "value": "x"}),
            "takes an object",
        ),
        (json!({"op": "add", "path": "nickName"}), "needs a `value`"),
        (
            json!({"op": "replace", "value": ["active"]}),
            "without `path`",
        ),
        (json!({"op": "add"}), "without `path`"),
    ];
    for (operation, mentions) in cases {
        let error = user_error(barbara(), json!([operation]));
        assert_error(&error, 400, Some(ScimType::InvalidValue), mentions);
    }
}

#[test]
fn errors_name_the_operation_counted_from_one() {
    let error = user_error(
        barbara(),
        json!([
            {"op": "replace", "path": "nickName", "value": "ok"},
            {"op": "replace", "path": "active", "value": 42}
        ]),
    );
    assert!(
        error.detail.starts_with("operation 2: `active`"),
        "{}",
        error.detail
    );
}

#[test]
fn filters_on_booleans_take_only_eq_and_ne() {
    let error = user_error(
        barbara(),
        json!([{"op": "remove", "path": "emails[primary gt true]"}]),
    );
    assert_error(
        &error,
        400,
        Some(ScimType::InvalidFilter),
        "`primary` is a boolean",
    );
}

#[test]
fn password_is_ignored_even_with_a_path() {
    let user = patch_user(
        barbara(),
        json!([{"op": "replace", "path": "password", "value": "hunter2"}]),
    );
    assert_eq!(user, barbara());
}

/// A body without U+0000 whose JSON-encoded Entra role holds the escape
/// `\u0000`: decoding the role used to put the character in the document,
/// which PostgreSQL cannot read as `jsonb` (the `patch_apply` fuzz target
/// checks that an applied PATCH holds no U+0000).
#[test]
fn a_nul_escaped_inside_a_json_encoded_role_is_refused() {
    let body = r#"{"Operations": [{"op": "add", "path": "roles", "value": [{"value": "{\"value\":\"a\\u0000b\"}"}]}]}"#;
    let body: Value = serde_json::from_str(body).unwrap();
    crate::scim::resource::check_storable(&body).unwrap();
    for operations in [
        body["Operations"].clone(),
        json!([{"op": "add", "path": "roles", "value": "{\"displayName\":\"\\u0000\",\"id\":\"1\"}"}]),
    ] {
        let error = user_error(barbara(), operations);
        assert_error(
            &error,
            400,
            Some(ScimType::InvalidValue),
            "operation 1: strings may not contain the NUL character",
        );
    }
}
