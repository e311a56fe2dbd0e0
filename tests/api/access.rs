//! Access mapping end to end: SCIM drives users and groups as an IdP would,
//! the admin API configures workspaces and rules, and the access API shows
//! each member's role and workspace levels, with the explanation.

use serde_json::{Value, json};

use crate::helpers::{Api, TestApp, TestDb, admin, assert_scim_error, scim, stderr, stdout};

crate::on_both_databases!(
    joining_leaving_deactivating_and_renaming_move_access,
    rules_by_external_id_id_and_scim_role,
    replacing_a_rule_moves_access_from_its_old_members_to_its_new_ones,
    model_changes_are_checked_and_recompute_access,
    scopes_and_accounts_are_enforced,
    workspace_members_are_listed_with_levels,
    the_cli_configures_rules_and_answers_who_has_what,
    offboarding_emits_events_in_a_feed_that_never_skips_or_repeats,
    a_rule_change_is_previewed_without_changing_anything,
    deleting_a_workspace_takes_its_levels_with_an_event,
);

const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

pub(crate) async fn access(app: &TestApp, id: &str) -> (Value, Vec<(String, String)>) {
    let body = admin(app)
        .ok(
            reqwest::Method::GET,
            &format!("/api/v1/members/{id}/access"),
            None,
        )
        .await;
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
    (body["role"].clone(), levels)
}

pub(crate) fn levels(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(w, l)| ((*w).to_owned(), (*l).to_owned()))
        .collect()
}

pub(crate) async fn user(app: &TestApp, user_name: &str) -> String {
    app.create_user(&json!({"userName": user_name})).await["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

pub(crate) async fn group(app: &TestApp, name: &str, members: &[&str]) -> String {
    let members: Vec<Value> = members.iter().map(|id| json!({"value": id})).collect();
    scim(app)
        .ok(
            reqwest::Method::POST,
            "/scim/v2/Groups",
            Some(json!({"displayName": name, "members": members})),
        )
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

pub(crate) async fn patch_group(app: &TestApp, id: &str, operations: Value) {
    let response = scim(app)
        .send(
            reqwest::Method::PATCH,
            &format!("/scim/v2/Groups/{id}"),
            Some(json!({"schemas": [PATCH_OP], "Operations": operations})),
        )
        .await;
    assert_eq!(response.status(), 204, "{}", response.text().await.unwrap());
}

pub(crate) async fn patch_user(app: &TestApp, id: &str, operations: Value) {
    scim(app)
        .ok(
            reqwest::Method::PATCH,
            &format!("/scim/v2/Users/{id}"),
            Some(json!({"schemas": [PATCH_OP], "Operations": operations})),
        )
        .await;
}

pub(crate) async fn rule(app: &TestApp, body: Value) -> String {
    admin(app)
        .ok(reqwest::Method::POST, "/api/v1/rules", Some(body))
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

pub(crate) async fn workspace(app: &TestApp, slug: &str) {
    admin(app)
        .ok(
            reqwest::Method::POST,
            "/api/v1/workspaces",
            Some(json!({"slug": slug, "name": slug.to_uppercase()})),
        )
        .await;
}

async fn joining_leaving_deactivating_and_renaming_move_access(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let alice = user(&app, "alice@example.com").await;
    let bob = user(&app, "bob@example.com").await;
    assert_eq!(
        access(&app, &alice).await,
        (json!("member"), vec![]),
        "the default role, no workspace"
    );
    workspace(&app, "prod").await;
    rule(
        &app,
        json!({"match": {"group_name": "engineering"}, "workspace": "prod", "level": "editor"}),
    )
    .await;
    rule(
        &app,
        json!({"match": {"group_name": "Viewers"}, "workspace": "prod", "level": "viewer"}),
    )
    .await;
    // A rule may name a group before it exists.
    rule(
        &app,
        json!({"match": {"group_name": "Admins"}, "role": "admin"}),
    )
    .await;
    let engineering = group(&app, "Engineering", &[&alice]).await;
    assert_eq!(
        access(&app, &alice).await,
        (json!("member"), levels(&[("prod", "editor")]))
    );
    let admins = group(&app, "ADMINS", &[&bob]).await;
    assert_eq!(access(&app, &bob).await, (json!("admin"), vec![]));
    // Two groups: the highest wins; leaving one keeps the other.
    let viewers = group(&app, "Viewers", &[&alice]).await;
    assert_eq!(access(&app, &alice).await.1, levels(&[("prod", "editor")]));
    patch_group(
        &app,
        &engineering,
        json!([{"op": "remove", "path": format!("members[value eq \"{alice}\"]")}]),
    )
    .await;
    assert_eq!(access(&app, &alice).await.1, levels(&[("prod", "viewer")]));
    patch_group(
        &app,
        &engineering,
        json!([{"op": "add", "path": "members", "value": [{"value": alice}]}]),
    )
    .await;
    let explained = admin(&app)
        .ok(
            reqwest::Method::GET,
            &format!("/api/v1/members/{alice}/access"),
            None,
        )
        .await;
    let via: Vec<&str> = explained["explanation"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["via"]["displayName"].as_str().unwrap())
        .collect();
    assert_eq!(via, ["Engineering", "Viewers"], "{explained}");
    // Offboarding: deactivation removes everything at once; reactivation restores it.
    patch_user(
        &app,
        &alice,
        json!([{"op": "replace", "value": {"active": false}}]),
    )
    .await;
    assert_eq!(access(&app, &alice).await, (Value::Null, vec![]));
    let body = admin(&app)
        .ok(
            reqwest::Method::GET,
            &format!("/api/v1/members/{alice}/access"),
            None,
        )
        .await;
    assert_eq!(body["active"], false);
    patch_user(
        &app,
        &alice,
        json!([{"op": "Replace", "path": "active", "value": "True"}]),
    )
    .await;
    assert_eq!(
        access(&app, &alice).await,
        (json!("member"), levels(&[("prod", "editor")]))
    );
    // PUT deactivation (Okta) too.
    let put = scim(&app)
        .send(
            reqwest::Method::PUT,
            &format!("/scim/v2/Users/{bob}"),
            Some(json!({"userName": "bob@example.com", "active": false})),
        )
        .await;
    assert_eq!(put.status(), 200);
    assert_eq!(access(&app, &bob).await, (Value::Null, vec![]));
    // Renaming a group a rule names by displayName moves its members' access.
    patch_group(
        &app,
        &engineering,
        json!([{"op": "replace", "path": "displayName", "value": "Engineering (old)"}]),
    )
    .await;
    assert_eq!(access(&app, &alice).await.1, levels(&[("prod", "viewer")]));
    // Deleting a group takes its grants away.
    let deleted = scim(&app)
        .send(
            reqwest::Method::DELETE,
            &format!("/scim/v2/Groups/{viewers}"),
            None,
        )
        .await;
    assert_eq!(deleted.status(), 204);
    assert_eq!(access(&app, &alice).await, (json!("member"), vec![]));
    // Deleting a user: no access to show.
    let deleted = scim(&app)
        .send(
            reqwest::Method::DELETE,
            &format!("/scim/v2/Users/{alice}"),
            None,
        )
        .await;
    assert_eq!(deleted.status(), 204);
    let gone = admin(&app)
        .send(
            reqwest::Method::GET,
            &format!("/api/v1/members/{alice}/access"),
            None,
        )
        .await;
    assert_scim_error(gone, 404).await;
    assert!(!admins.is_empty());
}

async fn rules_by_external_id_id_and_scim_role(db: TestDb) {
    let app = TestApp::spawn(db).await;
    workspace(&app, "staging").await;
    let carol = app
        .create_user(&json!({"userName": "carol@example.com", "roles": [{"value": "Auditor", "primary": true}]}))
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let dave = user(&app, "dave@example.com").await;
    let ops = scim(&app)
        .ok(reqwest::Method::POST, "/scim/v2/Groups", Some(json!({"displayName": "Ops", "externalId": "8aa1a0c0", "members": [{"value": dave}]})))
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    rule(
        &app,
        json!({"match": {"scim_role": "auditor"}, "workspace": "staging", "level": "viewer"}),
    )
    .await;
    rule(
        &app,
        json!({"match": {"group_external_id": "8aa1a0c0"}, "role": "admin"}),
    )
    .await;
    let by_id = rule(
        &app,
        json!({"match": {"group_id": ops}, "workspace": "staging", "level": "admin"}),
    )
    .await;
    assert_eq!(
        access(&app, &carol).await,
        (json!("member"), levels(&[("staging", "viewer")]))
    );
    assert_eq!(
        access(&app, &dave).await,
        (json!("admin"), levels(&[("staging", "admin")]))
    );
    // Changing the SCIM roles (Entra app roles) moves access.
    patch_user(&app, &carol, json!([{"op": "remove", "path": "roles"}])).await;
    assert_eq!(access(&app, &carol).await, (json!("member"), vec![]));
    // Rule changes apply at once.
    admin(&app)
        .ok(
            reqwest::Method::PUT,
            &format!("/api/v1/rules/{by_id}"),
            Some(json!({"match": {"group_id": ops}, "workspace": "staging", "level": "editor"})),
        )
        .await;
    assert_eq!(
        access(&app, &dave).await.1,
        levels(&[("staging", "editor")])
    );
    let deleted = admin(&app)
        .send(
            reqwest::Method::DELETE,
            &format!("/api/v1/rules/{by_id}"),
            None,
        )
        .await;
    assert_eq!(deleted.status(), 204);
    assert_eq!(access(&app, &dave).await, (json!("admin"), vec![]));
    let listed = admin(&app)
        .ok(reqwest::Method::GET, "/api/v1/rules", None)
        .await;
    assert_eq!(listed["rules"].as_array().unwrap().len(), 2);
    // Lookups by userName (ignoring case) and externalId.
    let found = admin(&app)
        .ok(
            reqwest::Method::GET,
            "/api/v1/members?userName=DAVE%40example.com",
            None,
        )
        .await;
    assert_eq!(found["members"][0]["id"], dave);
    assert_eq!(found["members"][0]["role"], "admin");
    let bad = admin(&app)
        .send(reqwest::Method::GET, "/api/v1/members", None)
        .await;
    assert_scim_error(bad, 400).await;
}

/// A rule change recomputes only the members the rule matches, before and
/// after the change (`Who::Matching`): those of its old selector lose what it
/// gave, those of its new one get it, and a member it never matched keeps
/// what another rule gives.
async fn replacing_a_rule_moves_access_from_its_old_members_to_its_new_ones(db: TestDb) {
    let app = TestApp::spawn(db).await;
    workspace(&app, "prod").await;
    let erin = user(&app, "erin@example.com").await;
    let frank = user(&app, "frank@example.com").await;
    let gina = app
        .create_user(&json!({"userName": "gina@example.com", "roles": [{"value": "Auditor"}]}))
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    group(&app, "Red", &[&erin]).await;
    group(&app, "Blue", &[&frank]).await;
    let moved = rule(
        &app,
        json!({"match": {"group_name": "Red"}, "workspace": "prod", "level": "editor"}),
    )
    .await;
    rule(
        &app,
        json!({"match": {"scim_role": "auditor"}, "workspace": "prod", "level": "viewer"}),
    )
    .await;
    let levels_of = |id: &str| {
        let (app, id) = (&app, id.to_owned());
        async move { access(app, &id).await.1 }
    };
    assert_eq!(levels_of(&erin).await, levels(&[("prod", "editor")]));
    assert_eq!(levels_of(&frank).await, levels(&[]));
    assert_eq!(levels_of(&gina).await, levels(&[("prod", "viewer")]));

    let replace = |spec: Value| {
        let (app, moved) = (&app, moved.clone());
        async move {
            admin(app)
                .ok(
                    reqwest::Method::PUT,
                    &format!("/api/v1/rules/{moved}"),
                    Some(spec),
                )
                .await;
        }
    };
    // From one group to another.
    replace(json!({"match": {"group_name": "Blue"}, "workspace": "prod", "level": "editor"})).await;
    assert_eq!(
        levels_of(&erin).await,
        levels(&[]),
        "the old group's member"
    );
    assert_eq!(levels_of(&frank).await, levels(&[("prod", "editor")]));
    assert_eq!(levels_of(&gina).await, levels(&[("prod", "viewer")]));
    // From a group to a SCIM role value.
    replace(json!({"match": {"scim_role": "AUDITOR"}, "workspace": "prod", "level": "admin"}))
        .await;
    assert_eq!(
        levels_of(&frank).await,
        levels(&[]),
        "the old group's member"
    );
    assert_eq!(levels_of(&gina).await, levels(&[("prod", "admin")]));
    assert_eq!(levels_of(&erin).await, levels(&[]));
    // Deleted: what the other rule gives remains.
    let deleted = admin(&app)
        .send(
            reqwest::Method::DELETE,
            &format!("/api/v1/rules/{moved}"),
            None,
        )
        .await;
    assert_eq!(deleted.status(), 204);
    assert_eq!(levels_of(&gina).await, levels(&[("prod", "viewer")]));
}

async fn model_changes_are_checked_and_recompute_access(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let erin = user(&app, "erin@example.com").await;
    let api = admin(&app);
    let model = api
        .ok(reqwest::Method::GET, "/api/v1/access-model", None)
        .await;
    assert_eq!(
        model,
        json!({"roles": ["member", "admin"], "defaultRole": "member", "levels": ["viewer", "editor", "admin"], "entitlementGrants": true})
    );
    rule(
        &app,
        json!({"match": {"group_name": "Staff"}, "role": "admin"}),
    )
    .await;
    group(&app, "Staff", &[&erin]).await;
    let in_use = api
        .send(
            reqwest::Method::PUT,
            "/api/v1/access-model",
            Some(json!({"roles": ["member"], "defaultRole": "member", "levels": ["viewer"]})),
        )
        .await;
    let error = assert_scim_error(in_use, 409).await;
    assert!(
        error["detail"].as_str().unwrap().contains("'admin'"),
        "{error}"
    );
    for bad in [
        json!({"roles": ["member"], "defaultRole": "nobody", "levels": ["viewer"]}),
        json!({"roles": [], "defaultRole": "member", "levels": ["viewer"]}),
        json!({"roles": ["member", "admin"], "defaultRole": "member", "levels": ["viewer"], "extra": 1}),
    ] {
        let response = api
            .send(
                reqwest::Method::PUT,
                "/api/v1/access-model",
                Some(bad.clone()),
            )
            .await;
        assert_scim_error(response, 400).await;
    }
    // Adding owner above admin, and changing the default role, applies at once.
    api.ok(
        reqwest::Method::PUT,
        "/api/v1/access-model",
        Some(json!({"roles": ["guest", "member", "admin", "owner"], "defaultRole": "guest", "levels": ["viewer", "editor", "admin"]})),
    )
    .await;
    let frank = user(&app, "frank@example.com").await;
    assert_eq!(access(&app, &frank).await.0, json!("guest"));
    assert_eq!(access(&app, &erin).await.0, json!("admin"));
    for bad_rule in [
        json!({"match": {"group_name": "x"}}),
        json!({"match": {"group_name": "x"}, "role": "emperor"}),
        json!({"match": {"group_name": "x"}, "workspace": "nowhere", "level": "viewer"}),
        json!({"match": {"colour": "x"}, "role": "admin"}),
    ] {
        let response = api
            .send(
                reqwest::Method::POST,
                "/api/v1/rules",
                Some(bad_rule.clone()),
            )
            .await;
        assert!(
            matches!(response.status().as_u16(), 400 | 404),
            "{bad_rule}: {}",
            response.status()
        );
    }
}

async fn scopes_and_accounts_are_enforced(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let grace = user(&app, "grace@example.com").await;
    let scim_api = scim(&app);
    for path in [
        "/api/v1/rules",
        "/api/v1/access-model",
        &format!("/api/v1/members/{grace}/access"),
    ] {
        assert_eq!(
            scim_api
                .send(reqwest::Method::GET, path, None)
                .await
                .status(),
            403,
            "{path}"
        );
    }
    let access_token = app
        .issue(roster::model::Scope::Access, None)
        .token
        .expose()
        .to_owned();
    let reader = Api {
        app: &app,
        token: access_token,
    };
    assert_eq!(
        reader
            .send(
                reqwest::Method::GET,
                &format!("/api/v1/members/{grace}/access"),
                None
            )
            .await
            .status(),
        200
    );
    assert_eq!(
        reader
            .send(reqwest::Method::GET, "/api/v1/rules", None)
            .await
            .status(),
        403
    );
    let anonymous = app
        .client
        .get(app.url("/api/v1/rules"))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 401);
    assert!(app.cli(&["accounts", "create", "other"]).status.success());
    let output = app.cli(&["tokens", "issue", "--account", "other", "--scope", "admin"]);
    let other = Api {
        app: &app,
        token: String::from_utf8(output.stdout).unwrap().trim().to_owned(),
    };
    assert_eq!(
        other
            .send(
                reqwest::Method::GET,
                &format!("/api/v1/members/{grace}/access"),
                None
            )
            .await
            .status(),
        404
    );
    workspace(&app, "prod").await;
    assert_eq!(
        other
            .send(reqwest::Method::GET, "/api/v1/workspaces/prod", None)
            .await
            .status(),
        404
    );
    let rule_id = rule(&app, json!({"match": {"group_name": "x"}, "role": "admin"})).await;
    assert_eq!(
        other
            .send(
                reqwest::Method::DELETE,
                &format!("/api/v1/rules/{rule_id}"),
                None
            )
            .await
            .status(),
        404
    );
    let rules = other.ok(reqwest::Method::GET, "/api/v1/rules", None).await;
    assert_eq!(rules["rules"], json!([]));
    assert_eq!(
        admin(&app)
            .ok(reqwest::Method::GET, "/api/v1/rules", None)
            .await["rules"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

async fn workspace_members_are_listed_with_levels(db: TestDb) {
    let app = TestApp::spawn(db).await;
    workspace(&app, "prod").await;
    let dup = admin(&app)
        .send(
            reqwest::Method::POST,
            "/api/v1/workspaces",
            Some(json!({"slug": "prod"})),
        )
        .await;
    assert_scim_error(dup, 409).await;
    let bad = admin(&app)
        .send(
            reqwest::Method::POST,
            "/api/v1/workspaces",
            Some(json!({"slug": "Not a slug!"})),
        )
        .await;
    assert_scim_error(bad, 400).await;
    let mut ids = Vec::new();
    for index in 0..3 {
        ids.push(user(&app, &format!("m{index}@example.com")).await);
    }
    rule(
        &app,
        json!({"match": {"group_name": "Team"}, "workspace": "prod", "level": "editor"}),
    )
    .await;
    group(&app, "Team", &[&ids[0], &ids[2]]).await;
    let page = admin(&app)
        .ok(
            reqwest::Method::GET,
            "/api/v1/workspaces/prod/members?count=1",
            None,
        )
        .await;
    assert_eq!(page["totalResults"], 2);
    assert_eq!(
        page["members"],
        json!([{"id": ids[0], "userName": "m0@example.com", "level": "editor"}])
    );
    let renamed = admin(&app)
        .ok(
            reqwest::Method::PATCH,
            "/api/v1/workspaces/prod",
            Some(json!({"name": "Production"})),
        )
        .await;
    assert_eq!(renamed["name"], "Production");
    let deleted = admin(&app)
        .send(reqwest::Method::DELETE, "/api/v1/workspaces/prod", None)
        .await;
    assert_eq!(deleted.status(), 204);
    assert_eq!(access(&app, &ids[0]).await, (json!("member"), vec![]));
    assert_eq!(
        admin(&app)
            .ok(reqwest::Method::GET, "/api/v1/rules", None)
            .await["rules"],
        json!([])
    );
}

async fn the_cli_configures_rules_and_answers_who_has_what(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let run = |args: &[&str]| {
        let output = app.cli(args);
        assert!(output.status.success(), "{args:?}: {}", stderr(&output));
        stdout(&output)
    };
    run(&[
        "workspaces",
        "create",
        "--account",
        "default",
        "prod",
        "--name",
        "Production",
    ]);
    assert!(run(&["workspaces", "list", "--account", "default"]).contains("Production"));
    let admin_rule = run(&[
        "rules",
        "add",
        "--account",
        "default",
        "--group-name",
        "Admins",
        "--role",
        "admin",
    ]);
    run(&[
        "rules",
        "add",
        "--account",
        "default",
        "--group-name",
        "Eng",
        "--workspace",
        "prod",
        "--level",
        "editor",
    ]);
    let listed = run(&["rules", "list", "--account", "default"]);
    assert!(
        listed.contains("group name = Admins") && listed.contains("group name = Eng"),
        "{listed}"
    );
    let leaver = user(&app, "leaver@example.com").await;
    group(&app, "admins", &[&leaver]).await;
    group(&app, "ENG", &[&leaver]).await;
    let shown = run(&[
        "access",
        "show",
        "--account",
        "default",
        "LEAVER@example.com",
    ]);
    assert!(shown.contains("role: admin"), "{shown}");
    assert!(shown.contains("workspace prod: editor"), "{shown}");
    assert!(shown.contains("via group 'admins': role admin"), "{shown}");
    assert!(
        run(&["access", "who", "--account", "default", "--role", "admin"])
            .contains("leaver@example.com")
    );
    let who: Value = serde_json::from_str(&run(&[
        "access",
        "who",
        "--account",
        "default",
        "--role",
        "admin",
        "--json",
    ]))
    .unwrap();
    assert_eq!(who[0]["userName"], "leaver@example.com", "{who}");
    assert_eq!(who[0]["id"], leaver.as_str());
    let workspaces: Value = serde_json::from_str(&run(&[
        "workspaces",
        "list",
        "--account",
        "default",
        "--json",
    ]))
    .unwrap();
    assert_eq!(workspaces[0]["slug"], "prod", "{workspaces}");
    assert_eq!(workspaces[0]["name"], "Production");
    // "Is the person who left yesterday gone?"
    patch_user(
        &app,
        &leaver,
        json!([{"op": "replace", "value": {"active": false}}]),
    )
    .await;
    let shown = run(&[
        "access",
        "show",
        "--account",
        "default",
        "leaver@example.com",
    ]);
    assert!(
        shown.contains("active: false") && shown.contains("role: none (no access)"),
        "{shown}"
    );
    assert!(!shown.contains("workspace prod"), "{shown}");
    assert!(!run(&["access", "who", "--account", "default", "--role", "admin"]).contains("leaver"));
    let json: Value = serde_json::from_str(&run(&[
        "access",
        "show",
        "--account",
        "default",
        "leaver@example.com",
        "--json",
    ]))
    .unwrap();
    assert_eq!(json["role"], Value::Null);
    run(&["rules", "delete", "--account", "default", admin_rule.trim()]);
    assert!(!run(&["rules", "list", "--account", "default"]).contains("Admins"));
    let missing = app.cli(&[
        "access",
        "show",
        "--account",
        "default",
        "nobody@example.com",
    ]);
    assert_eq!(missing.status.code(), Some(1));
    assert!(
        stderr(&missing).contains("no member 'nobody@example.com'"),
        "{}",
        stderr(&missing)
    );
    let no_selector = app.cli(&["rules", "add", "--account", "default", "--role", "admin"]);
    assert_eq!(no_selector.status.code(), Some(2));
    let bad_role = app.cli(&[
        "rules",
        "add",
        "--account",
        "default",
        "--group-name",
        "x",
        "--role",
        "emperor",
    ]);
    assert_eq!(bad_role.status.code(), Some(1));
    assert!(
        stderr(&bad_role).contains("emperor"),
        "{}",
        stderr(&bad_role)
    );
}

pub(crate) async fn feed(app: &TestApp, after: i64, limit: i64) -> Value {
    admin(app)
        .ok(
            reqwest::Method::GET,
            &format!("/api/v1/events?after={after}&limit={limit}"),
            None,
        )
        .await
}

async fn offboarding_emits_events_in_a_feed_that_never_skips_or_repeats(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let start = feed(&app, 0, 1000).await["next"].as_i64().unwrap();
    workspace(&app, "prod").await;
    rule(&app, json!({"match": {"group_name": "Team"}, "role": "admin", "workspace": "prod", "level": "editor"})).await;
    let ivy = user(&app, "ivy@example.com").await;
    group(&app, "Team", &[&ivy]).await;
    patch_user(
        &app,
        &ivy,
        json!([{"op": "replace", "value": {"active": false}}]),
    )
    .await;
    patch_user(
        &app,
        &ivy,
        json!([{"op": "replace", "value": {"active": true}}]),
    )
    .await;
    let deleted = scim(&app)
        .send(
            reqwest::Method::DELETE,
            &format!("/scim/v2/Users/{ivy}"),
            None,
        )
        .await;
    assert_eq!(deleted.status(), 204);
    let all = feed(&app, start, 1000).await;
    let events = all["events"].as_array().unwrap();
    let kinds: Vec<&str> = events.iter().map(|e| e["kind"].as_str().unwrap()).collect();
    assert_eq!(
        kinds,
        [
            "member.created",
            "access.changed", // none → member
            "access.changed", // joined Team: admin, prod editor
            "member.deactivated",
            "access.changed",
            "member.reactivated",
            "access.changed",
            "member.deleted",
        ],
        "{all}"
    );
    let deactivated = &events[4]["data"];
    assert_eq!(deactivated["old"]["role"], "admin");
    assert_eq!(
        deactivated["old"]["workspaces"],
        json!([{"workspace": "prod", "level": "editor"}])
    );
    assert_eq!(
        deactivated["new"],
        json!({"role": null, "workspaces": []}),
        "offboarding takes everything"
    );
    assert_eq!(
        events[7]["data"]["access"]["role"], "admin",
        "member.deleted says what was taken"
    );
    assert!(events.iter().all(|e| e["member"] == ivy));
    // Walking the feed one at a time gives the same events, none skipped or repeated.
    let mut after = start;
    let mut walked = Vec::new();
    loop {
        let page = feed(&app, after, 1).await;
        let Some(event) = page["events"].as_array().unwrap().first().cloned() else {
            break;
        };
        assert!(event["seq"].as_i64().unwrap() > after);
        after = page["next"].as_i64().unwrap();
        walked.push(event);
    }
    assert_eq!(&walked, events);
    // Another account's feed holds none of them.
    assert!(
        app.cli(&["accounts", "create", "elsewhere"])
            .status
            .success()
    );
    let output = app.cli(&[
        "tokens",
        "issue",
        "--account",
        "elsewhere",
        "--scope",
        "access",
    ]);
    let other = Api {
        app: &app,
        token: stdout(&output).trim().to_owned(),
    };
    assert_eq!(
        other.ok(reqwest::Method::GET, "/api/v1/events", None).await["events"],
        json!([])
    );
}

async fn a_rule_change_is_previewed_without_changing_anything(db: TestDb) {
    let app = TestApp::spawn(db).await;
    workspace(&app, "prod").await;
    let (jo, kim) = (
        user(&app, "jo@example.com").await,
        user(&app, "kim@example.com").await,
    );
    group(&app, "Sales", &[&jo, &kim]).await;
    let existing = rule(
        &app,
        json!({"match": {"group_name": "Sales"}, "workspace": "prod", "level": "viewer"}),
    )
    .await;
    let events_before = feed(&app, 0, 1000).await["next"].clone();
    let api = admin(&app);
    let preview = |body: Value| api.ok(reqwest::Method::POST, "/api/v1/rules/preview", Some(body));
    let gains =
        preview(json!({"create": {"match": {"group_name": "sales"}, "role": "admin"}})).await;
    let changes = gains["changes"].as_array().unwrap();
    assert_eq!(changes.len(), 2, "{gains}");
    assert!(
        changes
            .iter()
            .all(|c| c["old"]["role"] == "member" && c["new"]["role"] == "admin"),
        "{gains}"
    );
    assert_eq!(
        changes[0]["new"]["workspaces"],
        json!([{"workspace": "prod", "level": "viewer"}])
    );
    let loses = preview(json!({"delete": {"id": existing}})).await;
    assert_eq!(loses["changes"].as_array().unwrap().len(), 2);
    assert_eq!(loses["changes"][0]["new"]["workspaces"], json!([]));
    let nothing = preview(json!({"replace": {"id": existing, "rule": {"match": {"group_name": "Sales"}, "workspace": "prod", "level": "viewer"}}})).await;
    assert_eq!(nothing["changes"], json!([]));
    // Nothing was applied: no new rule, same access, no event.
    assert_eq!(
        admin(&app)
            .ok(reqwest::Method::GET, "/api/v1/rules", None)
            .await["rules"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        access(&app, &jo).await,
        (json!("member"), levels(&[("prod", "viewer")]))
    );
    assert_eq!(feed(&app, 0, 1000).await["next"], events_before);
    let bad = admin(&app)
        .send(
            reqwest::Method::POST,
            "/api/v1/rules/preview",
            Some(json!({"delete": {"id": "nope"}})),
        )
        .await;
    assert_scim_error(bad, 404).await;
    let invalid = admin(&app)
        .send(
            reqwest::Method::POST,
            "/api/v1/rules/preview",
            Some(json!({"create": {"match": {"group_name": "x"}, "role": "emperor"}})),
        )
        .await;
    assert_scim_error(invalid, 400).await;
}

async fn deleting_a_workspace_takes_its_levels_with_an_event(db: TestDb) {
    let app = TestApp::spawn(db).await;
    workspace(&app, "prod").await;
    workspace(&app, "staging").await;
    let ada = user(&app, "ada@example.com").await;
    group(&app, "Engineering", &[&ada]).await;
    for slug in ["prod", "staging"] {
        rule(
            &app,
            json!({"match": {"group_name": "Engineering"}, "workspace": slug, "level": "editor"}),
        )
        .await;
    }
    let (_, levels_before) = access(&app, &ada).await;
    assert_eq!(
        levels_before,
        levels(&[("prod", "editor"), ("staging", "editor")])
    );
    let after = feed(&app, 0, 1000).await["next"].as_i64().unwrap();

    let response = admin(&app)
        .send(reqwest::Method::DELETE, "/api/v1/workspaces/prod", None)
        .await;
    assert_eq!(response.status(), 204);
    let (role, levels_after) = access(&app, &ada).await;
    assert_eq!(
        (role, levels_after),
        (json!("member"), levels(&[("staging", "editor")]))
    );
    let events = feed(&app, after, 1000).await;
    let events = events["events"].as_array().unwrap();
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0]["kind"], "access.changed");
    assert_eq!(events[0]["member"], ada.as_str());
    assert_eq!(
        events[0]["data"]["new"]["workspaces"],
        json!([{"workspace": "staging", "level": "editor"}])
    );
    let rules = admin(&app)
        .ok(reqwest::Method::GET, "/api/v1/rules", None)
        .await;
    assert_eq!(
        rules["rules"].as_array().unwrap().len(),
        1,
        "its rule went with it"
    );
}
