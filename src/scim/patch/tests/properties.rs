//! Property tests, the normal suite's share of what the `patch_path` and
//! `patch_apply` fuzz targets check (docs/SECURITY.md, "Fuzzing"): no text
//! makes [`parse_path`] panic and a refused path is 400 `invalidPath` (or
//! `invalidFilter`); no request makes parsing or applying panic, a refused
//! request is 400 (413 above the operation limit), a failed [`Patch::apply`]
//! is 400 and leaves the document unchanged, and an applied PATCH holds no U+0000.

use proptest::prelude::*;
use proptest::sample::select;
use serde_json::{Map, Value, json};

use super::{barbara, read};
use crate::scim::ScimType;
use crate::scim::patch::parse_path;
use crate::scim::resource::check_storable;
use crate::scim::schema::ResourceKind;

const KINDS: [ResourceKind; 2] = [ResourceKind::User, ResourceKind::Group];

/// Paths valid for a user or a group, so that many requests get past parsing.
const PATHS: &[&str] = &[
    "active",
    "displayName",
    "externalId",
    "nickName",
    "name.givenName",
    "emails",
    "emails[type eq \"work\"].value",
    "roles",
    "roles[primary eq \"True\"].value",
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager",
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:badge",
    "members",
    "members[value eq \"a\"]",
];

fn path_piece() -> impl Strategy<Value = String> {
    let pieces = select(vec![
        "emails",
        "Members",
        "roles",
        "name",
        "meta",
        "id",
        ".",
        ".value",
        ".givenName",
        "type",
        "primary",
        "[",
        "]",
        " eq ",
        " gt ",
        " pr",
        " and ",
        " or ",
        "not (",
        "(",
        ")",
        "\"work\"",
        "\"True\"",
        "\"",
        "\\",
        "true",
        "null",
        "12",
        " ",
        ":",
        "urn:ietf:params:scim:schemas:core:2.0:User:",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
        ":manager",
        "é",
    ]);
    prop_oneof![4 => pieces.prop_map(String::from), 1 => any::<char>().prop_map(String::from)]
}

/// Pieces of paths, joined at random.
fn path_like() -> impl Strategy<Value = String> {
    prop::collection::vec(path_piece(), 0..12).prop_map(|pieces| pieces.concat())
}

/// JSON of the shapes IdPs send and a few that no IdP should.
fn json_value() -> impl Strategy<Value = Value> {
    let text = select(vec![
        "",
        "x",
        "True",
        "false",
        "work",
        "2025-01-31T12:00:00Z",
        "{\"id\":\"a\",\"value\":25,\"displayName\":\"R\"}",
        "{\"value\":\"a\\u0000\"}",
        "{",
        "\u{0}",
        "ä👍",
    ])
    .prop_map(Value::from);
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        text,
    ];
    let keys = select(vec![
        "value",
        "type",
        "primary",
        "display",
        "$ref",
        "active",
        "displayName",
        "name.givenName",
        "givenName",
        "id",
        "emails",
        "roles",
        "members",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
        "",
    ]);
    leaf.prop_recursive(3, 24, 4, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec((keys.clone(), inner), 0..4).prop_map(|members| {
                Value::Object(
                    members
                        .into_iter()
                        .map(|(key, value)| (key.to_owned(), value))
                        .collect(),
                )
            }),
        ]
    })
}

/// [`super::plausible_values`], one at a time.
fn plausible_value() -> impl Strategy<Value = Value> {
    select(super::plausible_values())
}

fn operation() -> impl Strategy<Value = Value> {
    let op = select(vec![
        json!("add"),
        json!("Replace"),
        json!("remove"),
        json!("x"),
        json!(1),
    ]);
    let path = prop_oneof![
        2 => Just(None),
        5 => select(PATHS).prop_map(|path| Some(json!(path))),
        2 => path_like().prop_map(|path| Some(Value::String(path))),
        1 => json_value().prop_map(Some),
    ];
    (
        prop::option::weighted(0.95, op),
        path,
        prop::option::weighted(0.8, prop_oneof![plausible_value(), json_value()]),
    )
        .prop_map(|(op, path, value)| {
            let mut operation = Map::new();
            let members = [("op", op), ("path", path), ("value", value)];
            for (key, member) in members {
                if let Some(member) = member {
                    operation.insert(key.to_owned(), member);
                }
            }
            Value::Object(operation)
        })
}

fn body() -> impl Strategy<Value = Value> {
    let operations = prop::collection::vec(operation(), 0..4);
    prop_oneof![
        1 => json_value(),
        9 => operations.prop_map(|operations| json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": operations
        })),
    ]
}

fn path_is_parsed_or_refused(text: &str) -> Result<(), TestCaseError> {
    for kind in KINDS {
        if let Err(error) = parse_path(kind, text) {
            prop_assert_eq!(error.status, 400, "{}", error);
            prop_assert!(
                matches!(
                    error.scim_type,
                    Some(ScimType::InvalidPath | ScimType::InvalidFilter)
                ),
                "{}",
                error
            );
        }
    }
    Ok(())
}

/// What the PATCH handlers do before the store, with their checks.
fn request_is_applied_or_refused(kind: ResourceKind, body: &Value) -> Result<(), TestCaseError> {
    if check_storable(body).is_err() {
        return Ok(()); // refused by the handler before parsing
    }
    // A group's membership changes go to the store; its document edits are read here.
    let patch = match read(kind, body, 20) {
        Ok(patch) => patch,
        Err(error) => {
            prop_assert!(matches!(error.status, 400 | 413), "{}", error);
            return Ok(());
        }
    };
    let document = match kind {
        ResourceKind::User => barbara(),
        ResourceKind::Group => json!({"displayName": "G"}),
    };
    let current = super::document(document.clone());
    match patch.apply(&current) {
        Ok(patched) => {
            let patched = Value::Object(patched);
            prop_assert!(patched.is_object(), "{}", patched);
            prop_assert!(
                check_storable(&patched).is_ok(),
                "{} gave {}",
                body,
                patched
            );
        }
        Err(error) => {
            prop_assert_eq!(error.status, 400, "{}", error);
            prop_assert_eq!(&Value::Object(current), &document);
        }
    }
    Ok(())
}

proptest! {
    #[test]
    fn no_text_makes_parse_path_panic(text in prop::collection::vec(any::<char>(), 0..64)) {
        path_is_parsed_or_refused(&String::from_iter(text))?;
    }

    #[test]
    fn no_path_like_text_makes_parse_path_panic(text in path_like()) {
        path_is_parsed_or_refused(&text)?;
    }

    #[test]
    fn no_request_makes_patch_panic_or_store_a_nul(body in body()) {
        for kind in KINDS {
            request_is_applied_or_refused(kind, &body)?;
        }
    }
}
