//! No input makes PATCH panic: random request bodies and documents built from
//! nasty pieces (a seeded generator, so failures replay), plus a few extremes.
//! A request that parses never fails in `apply` with anything but a 400.

use serde_json::{Map, Value, json};

use super::{ENTERPRISE, barbara, read};
use crate::scim::patch::compile::compile;
use crate::scim::patch::{CompiledOperation, Operation, Patch, PatchOp, parse_path};
use crate::scim::schema::ResourceKind;

/// xorshift64*: enough randomness for input generation, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % n.max(1) as u64).unwrap_or(0)
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        let index = self.below(items.len());
        &items[index]
    }

    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
}

fn paths() -> Vec<String> {
    let deep = format!("emails[{}type pr{}]", "not (".repeat(80), ")".repeat(80));
    let mut paths: Vec<String> = [
        "userName",
        "active",
        "name",
        "name.givenName",
        "emails",
        "emails.value",
        "emails[type eq \"work\"].value",
        "emails[type eq \"work\" and value co \"x\"]",
        "emails[not (primary eq true)].display",
        "emails[primary eq \"True\"]",
        "roles",
        "roles[primary eq \"True\"].value",
        "manager",
        "manager.value",
        "phoneNumbers[type eq \"mobile\"]",
        "addresses[postalCode gt 5].region",
        "x509Certificates[value pr].display",
        "members",
        "members[value eq \"a\"]",
        "members[value eq \"a\" or value eq \"b\"]",
        "members[value eq \"a\"].value",
        "displayName",
        "externalId",
        "id",
        "meta.created",
        "groups",
        "password",
        "",
        " ",
        "[",
        "]",
        "emails[",
        "a.b.c",
        "urn:",
        "é",
        "\u{0}",
        "emails[type eq \"\\u0000\"]",
        "urn:ietf:params:scim:schemas:core:2.0:User",
        "urn:ietf:params:scim:schemas:core:2.0:Group:members",
        "emails[type eq 1e400]",
        "emails[value eq \"\\ud800\"]",
        "emails[type eq \"a\"].nope.more",
    ]
    .iter()
    .map(|p| (*p).to_owned())
    .collect();
    paths.extend([
        ENTERPRISE.to_owned(),
        format!("{ENTERPRISE}:manager"),
        format!("{ENTERPRISE}:manager.value"),
        format!("{ENTERPRISE}:badge"),
        format!("{ENTERPRISE}:employeeNumber"),
        deep,
        "a".repeat(100_000),
        format!("emails[value eq \"{}\"]", "x".repeat(10_000)),
    ]);
    paths
}

fn keys() -> Vec<String> {
    let mut keys: Vec<String> = [
        "value",
        "type",
        "primary",
        "display",
        "$ref",
        "members",
        "active",
        "displayName",
        "name.givenName",
        "id",
        "schemas",
        "userName",
        "emails",
        "roles",
        "manager",
        "givenName",
        "Operations",
        "op",
        "path",
        "",
        "🙂",
        "meta",
    ]
    .iter()
    .map(|k| (*k).to_owned())
    .collect();
    keys.extend([ENTERPRISE.to_owned(), format!("{ENTERPRISE}:manager")]);
    keys
}

fn random_value(rng: &mut Rng, depth: usize) -> Value {
    let strings = [
        "True",
        "false",
        "",
        "x",
        "work",
        "{\"value\":1}",
        "{",
        "{\"id\":\"a\",\"value\":25}",
        "2025-01-31T12:00:00Z",
        "\u{0}",
        "ä👍",
    ];
    match rng.below(if depth == 0 { 5 } else { 8 }) {
        0 => Value::Null,
        1 => Value::Bool(rng.chance(50)),
        2 => rng
            .pick(&[
                json!(0),
                json!(-1),
                json!(1.5e300),
                json!(u64::MAX),
                json!(42),
            ])
            .clone(),
        3 => Value::String((*rng.pick(&strings)).to_owned()),
        4 => Value::String("y".repeat(rng.below(3) * 50_000)),
        5 | 6 => {
            let keys = keys();
            let mut object = Map::new();
            for _ in 0..rng.below(4) {
                object.insert(rng.pick(&keys).clone(), random_value(rng, depth - 1));
            }
            Value::Object(object)
        }
        _ => Value::Array(
            (0..rng.below(4))
                .map(|_| random_value(rng, depth - 1))
                .collect(),
        ),
    }
}

/// One of [`super::plausible_values`].
fn plausible_value(rng: &mut Rng) -> Value {
    rng.pick(&super::plausible_values()).clone()
}

/// Paths valid for `kind`, so that many requests get past parsing.
fn plausible_path(rng: &mut Rng, kind: ResourceKind) -> String {
    let path = match kind {
        ResourceKind::User => *rng.pick(&[
            "active",
            "name.givenName",
            "emails[type eq \"work\"].value",
            "emails",
            "roles",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager",
            "nickName",
        ]),
        ResourceKind::Group => *rng.pick(&[
            "displayName",
            "externalId",
            "members",
            "members[value eq \"a\"]",
        ]),
    };
    path.to_owned()
}

fn random_operation(rng: &mut Rng, kind: ResourceKind, paths: &[String]) -> Value {
    let mut operation = Map::new();
    if rng.chance(95) {
        let ops = [
            json!("add"),
            json!("Replace"),
            json!("remove"),
            json!("REMOVE"),
            json!("add"),
            json!("x"),
            json!(1),
        ];
        operation.insert("op".to_owned(), rng.pick(&ops).clone());
    }
    if rng.chance(70) {
        let path = if rng.chance(50) {
            Value::String(plausible_path(rng, kind))
        } else if rng.chance(90) {
            Value::String(rng.pick(paths).clone())
        } else {
            random_value(rng, 2)
        };
        operation.insert("path".to_owned(), path);
    }
    if rng.chance(80) {
        let value = if rng.chance(50) {
            plausible_value(rng)
        } else {
            random_value(rng, 3)
        };
        operation.insert("value".to_owned(), value);
    }
    Value::Object(operation)
}

fn random_body(rng: &mut Rng, kind: ResourceKind, paths: &[String]) -> Value {
    let operations: Vec<Value> = (0..rng.below(3) + 1)
        .map(|_| random_operation(rng, kind, paths))
        .collect();
    match rng.below(10) {
        0 => random_value(rng, 3),
        1 => json!({"Operations": operations}),
        2 => json!({"schemas": random_value(rng, 1), "operations": operations}),
        _ => {
            json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": operations})
        }
    }
}

fn random_document(rng: &mut Rng, kind: ResourceKind) -> Value {
    let mut document = match kind {
        ResourceKind::User => barbara(),
        ResourceKind::Group => json!({"displayName": "G"}),
    };
    if rng.chance(30) {
        let keys = keys();
        for _ in 0..rng.below(4) {
            document[rng.pick(&keys).as_str()] = random_value(rng, 3);
        }
    }
    document
}

/// Parses (for groups, membership split off) and applies; returns whether
/// the request parsed.
fn exercise(kind: ResourceKind, body: &Value, document: &Value) -> bool {
    let patch = match read(kind, body, 20) {
        Ok(patch) => patch,
        Err(error) => {
            assert!(matches!(error.status, 400 | 413), "{error}");
            return false;
        }
    };
    let current = super::document(document.clone());
    if let Err(error) = patch.apply(&current) {
        assert_eq!(error.status, 400, "{error} for {body}");
        assert_eq!(&Value::Object(current), document);
    }
    true
}

#[test]
fn random_requests_never_panic() {
    let paths = paths();
    let mut rng = Rng(0x5EED_CAFE_F00D_0001);
    let mut parsed = 0;
    for _ in 0..3000 {
        for kind in [ResourceKind::User, ResourceKind::Group] {
            let body = random_body(&mut rng, kind, &paths);
            let document = random_document(&mut rng, kind);
            parsed += usize::from(exercise(kind, &body, &document));
        }
    }
    assert!(
        parsed > 200,
        "the generator should produce some valid requests ({parsed})"
    );
}

#[test]
fn hand_built_operations_with_any_value_never_panic() {
    let paths = paths();
    let mut rng = Rng(0xDEAD_BEEF_0000_0042);
    for _ in 0..3000 {
        for kind in [ResourceKind::User, ResourceKind::Group] {
            let path = parse_path(kind, rng.pick(&paths).as_str()).ok();
            let op = *rng.pick(&[PatchOp::Add, PatchOp::Replace, PatchOp::Remove]);
            let value = rng.chance(80).then(|| random_value(&mut rng, 3));
            let operation = Operation {
                op,
                path,
                value: value.as_ref(),
            };
            let mut document = random_document(&mut rng, kind);
            if let Ok(compiled) = compile(kind, &operation) {
                let patch = Patch {
                    kind,
                    operations: vec![CompiledOperation {
                        index: 0,
                        edits: compiled.edits,
                    }],
                };
                let _ = patch.apply_to(&mut document);
            }
        }
    }
}

#[test]
fn extreme_inputs_are_refused_or_applied_without_panic() {
    let mut deep = json!("leaf");
    for _ in 0..100 {
        deep = json!([{"value": deep}]);
    }
    let bodies = [
        json!(null),
        json!("Operations"),
        json!({"Operations": [{"op": "add", "path": "emails", "value": deep.clone()}]}),
        json!({"Operations": [{"op": "add", "value": {ENTERPRISE: deep.clone()}}]}),
        json!({"Operations": [{"op": "replace", "path": format!("{ENTERPRISE}:badge"), "value": deep}]}),
        json!({"Operations": vec![json!({"op": "remove", "path": "nickName"}); 10_000]}),
        json!({"Operations": [{"op": "add", "path": "displayName", "value": "z".repeat(1_000_000)}]}),
    ];
    for body in &bodies {
        for kind in [ResourceKind::User, ResourceKind::Group] {
            exercise(kind, body, &random_document(&mut Rng(7), kind));
        }
    }
    let remove = json!({"Operations": [{"op": "remove", "path": "nickName"}]});
    for mut document in [json!(null), json!([1]), json!("user")] {
        let patch = read(ResourceKind::User, &remove, 20).unwrap_or_else(|e| panic!("{e}"));
        let error = patch.apply_to(&mut document).unwrap_err();
        assert_eq!(error.status, 500);
    }
}
