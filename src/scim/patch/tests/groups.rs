//! Group PATCH requests as Okta and Entra send them, split into document
//! operations and membership changes.

use serde_json::{Value, json};

use super::{assert_error, body, document, limits};
use crate::scim::ScimError;
use crate::scim::ScimType;
use crate::scim::patch::compile::Edit;
use crate::scim::patch::{
    CompiledOperation, GroupPatch, MemberChange, Patch, PatchOp, parse_group_request, parse_path,
};
use crate::scim::schema::ResourceKind;

fn split(operations: Value) -> Result<GroupPatch, ScimError> {
    parse_group_request(&body(operations), &limits(100))
}

fn changes(operations: Value) -> Vec<MemberChange> {
    split(operations).unwrap_or_else(|e| panic!("{e}")).members
}

fn ids(ids: &[&str]) -> Vec<String> {
    ids.iter().map(|id| (*id).to_owned()).collect()
}

#[test]
fn okta_add_members_with_display() {
    let patch = split(json!([{"op": "add", "path": "members", "value": [
        {"value": "23a35c27-23d3-4c03-b4c5-6443c09e7173", "display": "test.user@okta.local"}
    ]}]))
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        patch.members,
        [MemberChange::Add(ids(&[
            "23a35c27-23d3-4c03-b4c5-6443c09e7173"
        ]))]
    );
    assert!(patch.document.operations.is_empty());
}

#[test]
fn entra_add_members_with_null_ref() {
    let members = changes(json!([{"op": "Add", "path": "members", "value": [
        {"$ref": null, "value": "f648f8d5ea4e4cd38e9c"},
        {"value": "f648f8d5ea4e4cd38e9c", "type": "User"}
    ]}]));
    assert_eq!(members, [MemberChange::Add(ids(&["f648f8d5ea4e4cd38e9c"]))]);
}

#[test]
fn okta_membership_push_removes_by_filter_and_adds_in_order() {
    let members = changes(json!([
        {"op": "remove", "path": "members[value eq \"89bb1940-b905-4575-9e7f-6f887cfb368e\"]"},
        {"op": "add", "path": "members", "value": [
            {"value": "23a35c27-23d3-4c03-b4c5-6443c09e7173", "display": "test.user@okta.local"}
        ]}
    ]));
    assert_eq!(
        members,
        [
            MemberChange::Remove(ids(&["89bb1940-b905-4575-9e7f-6f887cfb368e"])),
            MemberChange::Add(ids(&["23a35c27-23d3-4c03-b4c5-6443c09e7173"]))
        ]
    );
    let members = changes(json!([
        {"op": "remove", "path": "members[value eq \"a\" or value eq \"b\"]"}
    ]));
    assert_eq!(members, [MemberChange::Remove(ids(&["a", "b"]))]);
}

#[test]
fn entra_remove_members_with_value_list_removes_only_those() {
    let members = changes(json!([{"op": "Remove", "path": "members", "value": [
        {"$ref": null, "value": "f648f8d5ea4e4cd38e9c"}
    ]}]));
    assert_eq!(
        members,
        [MemberChange::Remove(ids(&["f648f8d5ea4e4cd38e9c"]))]
    );
    // An empty list is ambiguous: it removes nothing, and never everything.
    assert!(changes(json!([{"op": "Remove", "path": "members", "value": []}])).is_empty());
}

#[test]
fn remove_members_without_value_removes_all() {
    assert_eq!(
        changes(json!([{"op": "remove", "path": "members"}])),
        [MemberChange::RemoveAll]
    );
}

#[test]
fn okta_push_now_replaces_the_full_set_even_empty() {
    let members = changes(json!([{"op": "replace", "path": "members", "value": [
        {"value": "23a35c27", "display": "test.user@okta.local"},
        {"value": "89bb1940", "display": "test.user@okta.local"}
    ]}]));
    assert_eq!(
        members,
        [MemberChange::Replace(ids(&["23a35c27", "89bb1940"]))]
    );
    assert_eq!(
        changes(json!([{"op": "replace", "path": "members", "value": []}])),
        [MemberChange::Replace(Vec::new())]
    );
}

#[test]
fn okta_group_push_pathless_members() {
    let patch = split(json!([{"op": "replace", "value": {
        "id": "abf4dd94", "displayName": "Test SCIMv2", "members": [{"value": "23a35c27"}]
    }}]))
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(patch.members, [MemberChange::Replace(ids(&["23a35c27"]))]);
    assert_eq!(patch.document.operations.len(), 1);
    let group = patch
        .document
        .apply(&document(json!({"displayName": "Old"})))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(Value::Object(group), json!({"displayName": "Test SCIMv2"}));

    let members = changes(json!([{"op": "add", "value": {"Members": [{"value": "89bb1940"}]}}]));
    assert_eq!(members, [MemberChange::Add(ids(&["89bb1940"]))]);
}

#[test]
fn okta_rename_with_read_only_id_never_touches_members() {
    let patch = split(json!([{"op": "replace", "value": {
        "id": "abf4dd94-a4c0-4f67-89c9-76b03340cb9b", "displayName": "Test SCIMv2"
    }}]))
    .unwrap_or_else(|e| panic!("{e}"));
    assert!(patch.members.is_empty());
    let group = patch
        .document
        .apply(&document(json!({"displayName": "Old", "externalId": "e"})))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        Value::Object(group),
        json!({"displayName": "Test SCIMv2", "externalId": "e"})
    );
}

#[test]
fn entra_rename_with_path() {
    let patch = split(
        json!([{"op": "Replace", "path": "displayName", "value": "1879db59-updatedDisplayName"}]),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert!(patch.members.is_empty());
    let group = patch
        .document
        .apply(&document(json!({"displayName": "Old"})))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(group["displayName"], "1879db59-updatedDisplayName");
}

#[test]
fn unsupported_member_shapes_are_refused() {
    let cases = [
        (
            json!({"op": "replace", "path": "members[value eq \"a\"].value", "value": "x"}),
            Some(ScimType::InvalidPath),
            "sub-attributes",
        ),
        (
            json!({"op": "add", "path": "members[value eq \"a\"]", "value": {"value": "a"}}),
            Some(ScimType::InvalidPath),
            "`members`",
        ),
        (
            json!({"op": "remove", "path": "members[type eq \"User\"]"}),
            Some(ScimType::InvalidFilter),
            "value eq",
        ),
        (
            json!({"op": "add", "path": "members", "value": [{"display": "no id"}]}),
            Some(ScimType::InvalidValue),
            "`value` is the id",
        ),
        (
            json!({"op": "add", "path": "members", "value": "23a35c27"}),
            Some(ScimType::InvalidValue),
            "`members`",
        ),
    ];
    for (operation, scim_type, mentions) in cases {
        match split(json!([operation])) {
            Ok(patch) => panic!("{operation} gave {patch:?}"),
            Err(error) => assert_error(&error, 400, scim_type, mentions),
        }
    }
}

/// Membership is compiled into [`MemberChange`]s, never into edits; an edit
/// of `members` (which only a bug could make) is an internal error.
#[test]
fn apply_refuses_membership_that_was_not_split_off() {
    let edit = Edit {
        op: PatchOp::Add,
        path: parse_path(ResourceKind::Group, "members").unwrap_or_else(|e| panic!("{e}")),
        value: Some(json!([{"value": "a"}])),
    };
    let operations = Patch {
        kind: ResourceKind::Group,
        operations: vec![CompiledOperation {
            index: 0,
            edits: vec![edit],
        }],
    };
    let group = document(json!({"displayName": "G"}));
    let error = operations.apply(&group).unwrap_err();
    assert_eq!(error.status, 500);
    assert_eq!(Value::Object(group), json!({"displayName": "G"}));
}

/// A path-less value may name `members.display` (read-only) only where
/// another error does not come first: that refusal waits until every
/// operation has compiled.
#[test]
fn a_read_only_member_key_is_refused_after_the_other_operations() {
    let display = json!({"op": "replace", "value": {"members.display": "x"}});
    let error = split(json!([display])).unwrap_err();
    assert_error(
        &error,
        400,
        Some(ScimType::InvalidPath),
        "operation 1: `members.display`",
    );
    let error = split(json!([display, {"op": "move"}])).unwrap_err();
    assert_error(
        &error,
        400,
        Some(ScimType::InvalidSyntax),
        "operation 2: `op`",
    );
}
