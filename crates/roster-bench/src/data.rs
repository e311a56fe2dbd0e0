//! The benchmark's data: users and groups shaped as Okta and Microsoft Entra
//! ID send them (docs/OKTA.md, docs/ENTRA.md), the
//! sizes of the groups, and the request bodies of the scenarios.
//!
//! Every name carries the run's tag, so a run against a server that holds
//! other data (or an earlier run's) never collides with it.

use rand::Rng;
use rand::rngs::StdRng;
use serde_json::{Value, json};

const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
const GROUP: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

/// The userName of user number `index`.
pub fn user_name(tag: &str, index: usize) -> String {
    format!("bench.{tag}.user{index}@example.com")
}

/// User number `index` as its identity provider creates or replaces it:
/// even numbers as Okta sends them, odd ones as Entra ID does.
pub fn user(tag: &str, index: usize, given_name: &str) -> Value {
    let user_name = user_name(tag, index);
    let family_name = format!("User{index}");
    if index.is_multiple_of(2) {
        json!({
            "schemas": [USER],
            "userName": user_name,
            "name": {"givenName": given_name, "familyName": family_name},
            "emails": [{"primary": true, "value": user_name, "type": "work"}],
            "displayName": format!("{given_name} {family_name}"),
            "locale": "en-US",
            "externalId": format!("00u{tag}{index:07}"),
            "groups": [],
            "password": "placeholder-1mz050nq",
            "active": true,
        })
    } else {
        json!({
            "schemas": [USER, ENTERPRISE],
            "externalId": format!("{tag}-{index:08}"),
            "userName": user_name,
            "active": true,
            "emails": [{"primary": true, "type": "work", "value": user_name}],
            "meta": {"resourceType": "User"},
            "name": {
                "formatted": format!("{given_name} {family_name}"),
                "familyName": family_name,
                "givenName": given_name,
            },
            "roles": [],
            ENTERPRISE: {"employeeNumber": format!("{index}"), "department": "Benchmarking"},
        })
    }
}

/// A group as Entra ID creates it: no members yet (they come by PATCH).
pub fn group(tag: &str, display_name: &str, index: usize) -> Value {
    json!({
        "schemas": [GROUP],
        "displayName": display_name,
        "externalId": format!("{tag}-group-{index:06}"),
        "members": [],
    })
}

/// The displayName of the group of `size` members the membership scenario uses.
pub fn sized_group_name(tag: &str, size: usize) -> String {
    format!("bench-{tag}-size-{size}")
}

/// The displayName of one of the other groups.
pub fn other_group_name(tag: &str, index: usize) -> String {
    format!("bench-{tag}-group-{index}")
}

/// A PATCH adding `members` (ids) in one operation, as Okta and Entra ID do.
pub fn add_members<'a>(members: impl Iterator<Item = &'a str>) -> Value {
    let value: Vec<Value> = members.map(|id| json!({"value": id})).collect();
    patch(json!([{"op": "add", "path": "members", "value": value}]))
}

/// RFC 7644 §3.5.2.2's single-member remove.
pub fn remove_member(id: &str) -> Value {
    patch(json!([{"op": "remove", "path": format!("members[value eq \"{id}\"]")}]))
}

/// The deactivation PATCH.
pub fn deactivate() -> Value {
    patch(json!([{"op": "replace", "path": "active", "value": false}]))
}

fn patch(operations: Value) -> Value {
    json!({"schemas": [PATCH_OP], "Operations": operations})
}

/// The sizes of `count` ordinary groups, skewed as in real directories: most
/// groups have a handful of members, a few have thousands. A Pareto
/// distribution (minimum 3, shape 1.1) capped at `cap`: the mean is about 30.
pub fn other_group_sizes(rng: &mut StdRng, count: usize, cap: usize) -> Vec<usize> {
    (0..count)
        .map(|_| {
            let uniform: f64 = 1.0 - rng.random::<f64>();
            let size = 3.0 * uniform.powf(-1.0 / 1.1);
            #[expect(
                clippy::cast_possible_truncation,
                clippy::cast_sign_loss,
                reason = "a float to integer cast saturates, and the size is at least 3 before the cap"
            )]
            let size = size as usize;
            size.clamp(1, cap.max(1))
        })
        .collect()
}

/// Percent-encodes a query value: everything but RFC 3986's unreserved
/// characters.
pub fn percent_encode(value: &str) -> String {
    let mut encoded = String::with_capacity(value.len() * 3);
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            encoded.push(char::from(byte));
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    encoded
}

/// The lookup an identity provider sends before it creates a user.
pub fn lookup_path(tag: &str, index: usize) -> String {
    let filter = format!("userName eq \"{}\"", user_name(tag, index));
    format!("/Users?filter={}", percent_encode(&filter))
}

/// The `totalResults` of a list response, read without parsing the whole body.
pub fn total_results(body: &[u8]) -> Option<u64> {
    const KEY: &[u8] = b"\"totalResults\"";
    let at = body.windows(KEY.len()).position(|window| window == KEY)?;
    let rest = &body[at + KEY.len()..];
    let rest = rest
        .trim_ascii_start()
        .strip_prefix(b":")?
        .trim_ascii_start();
    let digits = rest.iter().take_while(|byte| byte.is_ascii_digit()).count();
    std::str::from_utf8(&rest[..digits]).ok()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;

    use super::*;

    #[test]
    fn group_sizes_are_skewed_with_a_realistic_mean() {
        let mut rng = StdRng::seed_from_u64(7);
        let sizes = other_group_sizes(&mut rng, 1_000, 10_000);
        let mean = sizes.iter().sum::<usize>() as f64 / sizes.len() as f64;
        assert!((15.0..=60.0).contains(&mean), "mean {mean}");
        let small = sizes.iter().filter(|&&size| size <= 10).count();
        assert!(small > 600, "{small} groups of 10 or fewer");
        assert!(sizes.iter().any(|&size| size >= 500), "a few large groups");
        let again = other_group_sizes(&mut StdRng::seed_from_u64(7), 1_000, 10_000);
        assert_eq!(sizes, again, "deterministic");
    }

    #[test]
    fn lookups_are_percent_encoded_and_totals_read() {
        assert_eq!(
            lookup_path("t", 3),
            "/Users?filter=userName%20eq%20%22bench.t.user3%40example.com%22"
        );
        assert_eq!(total_results(br#"{"totalResults":1,"x":2}"#), Some(1));
        assert_eq!(total_results(br#"{"totalResults" : 12 }"#), Some(12));
        assert_eq!(total_results(br#"{"Resources":[]}"#), None);
    }

    #[test]
    fn users_alternate_between_okta_and_entra_shapes() {
        assert!(user("t", 0, "A")["password"].is_string());
        assert_eq!(user("t", 1, "A")["schemas"][1], ENTERPRISE);
        assert_eq!(user("t", 1, "A")["userName"], "bench.t.user1@example.com");
    }
}
