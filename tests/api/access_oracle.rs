//! Property test of effective access (PRODUCT.md "Effective access"): random
//! sequences of SCIM membership, group and user changes, of rule changes, of
//! direct grants to local members and of the IdP's `roles`/`entitlements`
//! values (Okta entitlements, direct grants too); after each step, every
//! member's stored access (through the access API) equals a from-scratch
//! recomputation by the oracle below, and neither adding a member to a
//! group nor adding a grant (an entitlement value) ever lowers anyone's
//! access.

use std::collections::{BTreeMap, BTreeSet};

use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::TestRunner;
use roster::model::fold_case;
use serde_json::{Value, json};

use crate::helpers::{TestApp, TestDb};

crate::on_both_databases!(stored_access_equals_a_from_scratch_recomputation);

const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
const ROLES: [&str; 2] = ["member", "admin"];
const LEVELS: [&str; 3] = ["viewer", "editor", "admin"];
const WORKSPACES: [&str; 2] = ["prod", "staging"];
const GROUP_NAMES: [&str; 4] = ["Engineering", "ENGINEERING-2", "Sales", "Straße"];
const ROLE_VALUES: [&str; 3] = ["Auditor", "Billing", "Ops"];
/// Values an IdP assigns: Roles (in `roles`), Entitlements (in
/// `entitlements`), and some that name nothing (a role in the wrong case,
/// a level or a workspace that does not exist).
const ASSIGNED: [(&str, &str); 8] = [
    ("roles", "admin"),
    ("roles", "member"),
    ("roles", "Admin"),
    ("entitlements", "prod:editor"),
    ("entitlements", "staging:admin"),
    ("entitlements", "prod:viewer"),
    ("entitlements", "prod:owner"),
    ("entitlements", "nowhere:admin"),
];
/// Members made in Roster itself (the last ones of `World::users`), which
/// direct grants may be given to.
const LOCAL_MEMBERS: usize = 2;

#[derive(Debug, Clone)]
enum Step {
    Add {
        group: usize,
        user: usize,
    },
    Remove {
        group: usize,
        user: usize,
    },
    Rename {
        group: usize,
        name: usize,
    },
    SetActive {
        user: usize,
        active: bool,
    },
    SetRoles {
        user: usize,
        roles: Vec<usize>,
    },
    AddRule {
        selector: usize,
        target: usize,
        grant: usize,
    },
    DeleteRule {
        index: usize,
    },
    /// A value the IdP assigns (`ASSIGNED`), added to the user's `roles` or
    /// `entitlements`.
    Entitle {
        user: usize,
        value: usize,
    },
    /// The user's `entitlements` removed.
    Unentitle {
        user: usize,
    },
    /// A direct grant to a local member: its role grant set (or taken
    /// away), and its level in a workspace set (or taken away).
    Grant {
        local: usize,
        role: Option<usize>,
        workspace: usize,
        level: Option<usize>,
    },
}

fn step(users: usize, groups: usize) -> impl Strategy<Value = Step> {
    prop_oneof![
        4 => (0..groups, 0..users).prop_map(|(group, user)| Step::Add { group, user }),
        2 => (0..groups, 0..users).prop_map(|(group, user)| Step::Remove { group, user }),
        1 => (0..groups, 0..GROUP_NAMES.len()).prop_map(|(group, name)| Step::Rename { group, name }),
        1 => (0..users, any::<bool>()).prop_map(|(user, active)| Step::SetActive { user, active }),
        1 => (0..users, prop::collection::vec(0..ROLE_VALUES.len(), 0..3)).prop_map(|(user, roles)| Step::SetRoles { user, roles }),
        2 => (0..4usize, 0..8usize, 0..100usize).prop_map(|(selector, target, grant)| Step::AddRule { selector, target, grant }),
        1 => (0..100usize).prop_map(|index| Step::DeleteRule { index }),
        2 => (0..users, 0..ASSIGNED.len()).prop_map(|(user, value)| Step::Entitle { user, value }),
        1 => (0..users).prop_map(|user| Step::Unentitle { user }),
        2 => (0..LOCAL_MEMBERS, prop::option::of(0..ROLES.len()), 0..WORKSPACES.len(), prop::option::of(0..LEVELS.len()))
            .prop_map(|(local, role, workspace, level)| Step::Grant { local, role, workspace, level }),
    ]
}

/// A rule as created: id, kind, value, role, (workspace, level).
struct StoredRule {
    id: String,
    kind: &'static str,
    value: String,
    role: Option<&'static str>,
    grant: Option<(&'static str, &'static str)>,
}

/// What the test knows the state to be.
#[derive(Default)]
struct World {
    users: Vec<(String, bool, Vec<String>)>,
    /// (id, displayName, externalId, members)
    groups: Vec<(String, String, String, BTreeSet<usize>)>,
    rules: Vec<StoredRule>,
    /// Direct grants by user index: (role rank, workspace → level rank).
    grants: BTreeMap<usize, (Option<usize>, BTreeMap<&'static str, usize>)>,
    /// The `entitlements` values by user index (its `roles` values are in
    /// `users`).
    entitlements: BTreeMap<usize, Vec<&'static str>>,
}

/// (role, workspace → level); `None`: no access.
type Access = Option<(String, BTreeMap<String, String>)>;

impl World {
    /// The oracle: straight from the definition.
    fn access(&self, user: usize) -> Access {
        let (id, active, roles) = &self.users[user];
        if !active {
            return None;
        }
        let matches = |kind: &str, value: &str| -> bool {
            match kind {
                "scim_role" => roles.iter().any(|role| fold_case(role) == fold_case(value)),
                _ => self
                    .groups
                    .iter()
                    .any(|(group_id, name, external_id, members)| {
                        members.contains(&user)
                            && match kind {
                                "group_name" => fold_case(name) == fold_case(value),
                                "group_external_id" => external_id == value,
                                _ => group_id == value,
                            }
                    }),
            }
        };
        let _ = id;
        let mut role = 0;
        let mut levels: BTreeMap<String, usize> = BTreeMap::new();
        for StoredRule {
            kind,
            value,
            role: rule_role,
            grant,
            ..
        } in &self.rules
        {
            if !matches(kind, value) {
                continue;
            }
            if let Some(rule_role) = rule_role {
                role = role.max(ROLES.iter().position(|r| r == rule_role).unwrap());
            }
            if let Some((workspace, level)) = grant {
                let rank = LEVELS.iter().position(|l| l == level).unwrap();
                let entry = levels.entry((*workspace).to_owned()).or_insert(rank);
                *entry = (*entry).max(rank);
            }
        }
        // The IdP's values: a `roles` value naming a role exactly, an
        // `entitlements` value naming a workspace and a level.
        for value in roles {
            if let Some(rank) = ROLES.iter().position(|known| known == value) {
                role = role.max(rank);
            }
        }
        for value in self.entitlements.get(&user).into_iter().flatten() {
            let Some((workspace, level)) = value.split_once(':') else {
                continue;
            };
            let rank = LEVELS.iter().position(|known| *known == level);
            if let (true, Some(rank)) = (WORKSPACES.contains(&workspace), rank) {
                let entry = levels.entry(workspace.to_owned()).or_insert(rank);
                *entry = (*entry).max(rank);
            }
        }
        if let Some((granted_role, granted_levels)) = self.grants.get(&user) {
            role = role.max(granted_role.unwrap_or(0));
            for (workspace, rank) in granted_levels {
                let entry = levels.entry((*workspace).to_owned()).or_insert(*rank);
                *entry = (*entry).max(*rank);
            }
        }
        Some((
            ROLES[role].to_owned(),
            levels
                .into_iter()
                .map(|(w, rank)| (w, LEVELS[rank].to_owned()))
                .collect(),
        ))
    }
}

async fn stored_access(app: &TestApp, id: &str) -> Access {
    let response = app
        .client
        .get(app.url(&format!("/api/v1/members/{id}/access")))
        .bearer_auth(&app.admin_token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    let role = body["role"].as_str()?.to_owned();
    let levels = body["workspaces"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| {
            (
                w["workspace"].as_str().unwrap().to_owned(),
                w["level"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    Some((role, levels))
}

/// True when `after` gives at least what `before` gave.
fn at_least(before: &Access, after: &Access) -> bool {
    let rank = |list: &[&str], name: &str| list.iter().position(|known| *known == name).unwrap();
    match (before, after) {
        (None, _) => true,
        (Some(_), None) => false,
        (Some((role_before, levels_before)), Some((role_after, levels_after))) => {
            rank(&ROLES, role_after) >= rank(&ROLES, role_before)
                && levels_before.iter().all(|(workspace, level)| {
                    levels_after
                        .get(workspace)
                        .is_some_and(|after| rank(&LEVELS, after) >= rank(&LEVELS, level))
                })
        }
    }
}

async fn send(
    app: &TestApp,
    method: reqwest::Method,
    path: &str,
    token: &str,
    body: Value,
) -> Value {
    let response = app
        .client
        .request(method, app.url(path))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = response.status();
    let text = response.text().await.unwrap();
    assert!(status.is_success(), "{path} {body}: {status} {text}");
    serde_json::from_str(&text).unwrap_or(Value::Null)
}

/// One PATCH operation on the user `id`.
async fn patch_user(app: &TestApp, token: &str, id: &str, operation: Value) {
    let body = json!({"schemas": [PATCH_OP], "Operations": [operation]});
    let path = format!("/scim/v2/Users/{id}");
    send(app, reqwest::Method::PATCH, &path, token, body).await;
}

async fn stored_access_equals_a_from_scratch_recomputation(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let (scim, admin) = (app.scim_token.clone(), app.admin_token.clone());
    let mut world = World::default();
    for workspace in WORKSPACES {
        send(
            &app,
            reqwest::Method::POST,
            "/api/v1/workspaces",
            &admin,
            json!({"slug": workspace}),
        )
        .await;
    }
    for index in 0..8 {
        let user = app
            .create_user(&json!({"userName": format!("u{index}@example.com")}))
            .await;
        world
            .users
            .push((user["id"].as_str().unwrap().to_owned(), true, Vec::new()));
    }
    for id in app.seed_users("local", LOCAL_MEMBERS) {
        world.users.push((id, true, Vec::new()));
    }
    for (index, name) in ["Engineering", "Sales", "Support"].iter().enumerate() {
        let external_id = format!("ext-{index}");
        let group = send(
            &app,
            reqwest::Method::POST,
            "/scim/v2/Groups",
            &scim,
            json!({"displayName": name, "externalId": external_id}),
        )
        .await;
        world.groups.push((
            group["id"].as_str().unwrap().to_owned(),
            (*name).to_owned(),
            external_id,
            BTreeSet::new(),
        ));
    }
    let mut runner = TestRunner::default();
    let steps = prop::collection::vec(step(world.users.len(), world.groups.len()), 60);
    // Fixed steps first — a member in a group, a rule on that group that
    // grants a role and a level, a local member in that group with a direct
    // grant, entitlements to a member and to the local one — so that every run checks real grants (a random run of 60 steps
    // now and then granted nothing and failed the check at the end); the
    // random steps then change and undo them.
    let local = world.users.len() - LOCAL_MEMBERS;
    let steps: Vec<Step> = [
        Step::Add { group: 0, user: 0 },
        Step::AddRule {
            selector: 2,
            target: 0,
            grant: 1,
        },
        Step::Add {
            group: 0,
            user: local,
        },
        Step::Grant {
            local: 0,
            role: Some(1),
            workspace: 0,
            level: Some(0),
        },
        // An entitlement to a SCIM member, and one beside the admin's grant
        // to the local member.
        Step::Entitle { user: 1, value: 3 },
        Step::Entitle {
            user: local,
            value: 4,
        },
    ]
    .into_iter()
    .chain(steps.new_tree(&mut runner).unwrap().current())
    .collect();
    let mut steps_with_grants = 0;
    for (number, step) in steps.iter().enumerate() {
        let before: Vec<Access> = (0..world.users.len())
            .map(|user| world.access(user))
            .collect();
        match step {
            Step::Add { group, user } => {
                let path = format!("/scim/v2/Groups/{}", world.groups[*group].0);
                let body = json!({"schemas": [PATCH_OP], "Operations": [{"op": "Add", "path": "members", "value": [{"value": world.users[*user].0}]}]});
                send(&app, reqwest::Method::PATCH, &path, &scim, body).await;
                world.groups[*group].3.insert(*user);
            }
            Step::Remove { group, user } => {
                let path = format!("/scim/v2/Groups/{}", world.groups[*group].0);
                let member = &world.users[*user].0;
                let body = json!({"schemas": [PATCH_OP], "Operations": [{"op": "remove", "path": format!("members[value eq \"{member}\"]")}]});
                send(&app, reqwest::Method::PATCH, &path, &scim, body).await;
                world.groups[*group].3.remove(user);
            }
            Step::Rename { group, name } => {
                let name = format!(
                    "{}{}",
                    GROUP_NAMES[*name],
                    if world
                        .groups
                        .iter()
                        .any(|g| fold_case(&g.1) == fold_case(GROUP_NAMES[*name]))
                    {
                        format!("-{number}")
                    } else {
                        String::new()
                    }
                );
                let path = format!("/scim/v2/Groups/{}", world.groups[*group].0);
                let body = json!({"schemas": [PATCH_OP], "Operations": [{"op": "replace", "path": "displayName", "value": name}]});
                send(&app, reqwest::Method::PATCH, &path, &scim, body).await;
                world.groups[*group].1 = name;
            }
            Step::SetActive { user, active } => {
                let path = format!("/scim/v2/Users/{}", world.users[*user].0);
                let body = json!({"schemas": [PATCH_OP], "Operations": [{"op": "replace", "value": {"active": active}}]});
                send(&app, reqwest::Method::PATCH, &path, &scim, body).await;
                world.users[*user].1 = *active;
            }
            Step::SetRoles { user, roles } => {
                let values: Vec<String> = roles
                    .iter()
                    .map(|index| ROLE_VALUES[*index].to_owned())
                    .collect();
                let value: Vec<Value> =
                    values.iter().map(|value| json!({"value": value})).collect();
                let operation = if value.is_empty() {
                    json!({"op": "remove", "path": "roles"})
                } else {
                    json!({"op": "replace", "path": "roles", "value": value})
                };
                patch_user(&app, &scim, &world.users[*user].0, operation).await;
                world.users[*user].2 = values;
            }
            Step::AddRule {
                selector,
                target,
                grant,
            } => {
                let group = &world.groups[target % world.groups.len()];
                let (kind, value) = match selector {
                    0 => (
                        "group_name",
                        GROUP_NAMES[target % GROUP_NAMES.len()].to_lowercase(),
                    ),
                    1 => ("group_external_id", group.2.clone()),
                    2 => ("group_id", group.0.clone()),
                    _ => (
                        "scim_role",
                        ROLE_VALUES[target % ROLE_VALUES.len()].to_uppercase(),
                    ),
                };
                let role = (grant % 3 != 2).then_some(ROLES[grant % 2]);
                let level = (grant % 3 != 0).then_some((WORKSPACES[grant % 2], LEVELS[grant % 3]));
                let mut body = json!({"match": {kind: value}});
                if let Some(role) = role {
                    body["role"] = json!(role);
                }
                if let Some((workspace, level)) = level {
                    body["workspace"] = json!(workspace);
                    body["level"] = json!(level);
                }
                let rule = send(&app, reqwest::Method::POST, "/api/v1/rules", &admin, body).await;
                world.rules.push(StoredRule {
                    id: rule["id"].as_str().unwrap().to_owned(),
                    kind,
                    value,
                    role,
                    grant: level,
                });
            }
            Step::DeleteRule { index } => {
                if world.rules.is_empty() {
                    continue;
                }
                let StoredRule { id, .. } = world.rules.remove(index % world.rules.len());
                let response = app
                    .client
                    .delete(app.url(&format!("/api/v1/rules/{id}")))
                    .bearer_auth(&admin)
                    .send()
                    .await
                    .unwrap();
                assert_eq!(response.status(), 204);
            }
            Step::Entitle { user, value } => {
                let (attribute, value) = ASSIGNED[*value];
                let operation =
                    json!({"op": "add", "path": attribute, "value": [{"value": value}]});
                patch_user(&app, &scim, &world.users[*user].0, operation).await;
                if attribute == "roles" {
                    world.users[*user].2.push(value.to_owned());
                } else {
                    world.entitlements.entry(*user).or_default().push(value);
                }
            }
            Step::Unentitle { user } => {
                let operation = json!({"op": "remove", "path": "entitlements"});
                patch_user(&app, &scim, &world.users[*user].0, operation).await;
                world.entitlements.remove(user);
            }
            Step::Grant {
                local,
                role,
                workspace,
                level,
            } => {
                let user = world.users.len() - LOCAL_MEMBERS + local;
                let (granted_role, granted_levels) = world.grants.entry(user).or_default();
                *granted_role = *role;
                match level {
                    Some(level) => granted_levels.insert(WORKSPACES[*workspace], *level),
                    None => granted_levels.remove(WORKSPACES[*workspace]),
                };
                let body = json!({
                    "role": role.map(|role| ROLES[role]),
                    "workspaces": granted_levels
                        .iter()
                        .map(|(workspace, level)| json!({"workspace": workspace, "level": LEVELS[*level]}))
                        .collect::<Vec<_>>(),
                });
                let path = format!("/api/v1/members/{}/grants", world.users[user].0);
                send(&app, reqwest::Method::PUT, &path, &admin, body).await;
            }
        }
        let granted = (0..world.users.len()).any(|user| {
            world
                .access(user)
                .is_some_and(|(role, levels)| role != "member" || !levels.is_empty())
        });
        steps_with_grants += usize::from(granted);
        for (user, before) in before.iter().enumerate() {
            let stored = stored_access(&app, &world.users[user].0).await;
            assert_eq!(
                stored,
                world.access(user),
                "after step {number} {step:?}, user {user}"
            );
            if matches!(step, Step::Add { .. } | Step::Entitle { .. }) {
                assert!(
                    at_least(before, &stored),
                    "{step:?} lowered user {user}: {before:?} → {stored:?}"
                );
            }
        }
    }
    // The generator must have produced access worth checking at some step.
    assert!(
        steps_with_grants > 0,
        "no rule ever gave anyone more than the default"
    );
}
