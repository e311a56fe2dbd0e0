//! Okta entitlements (issue 19, docs/OKTA.md "Entitlements"): Okta discovers
//! the Role and Entitlement resource types, reads `/Roles` and
//! `/Entitlements`, and assigns users `roles` and `entitlements` values;
//! those naming a Role or an Entitlement are direct grants (source
//! `entitlement`) under "highest wins" with the rules, explained, audited
//! and evented, and worth nothing to an inactive member. A value naming
//! nothing is kept and reported; the account's model can turn them off.

use reqwest::Method;
use serde_json::{Value, json};

use crate::access::{access, feed, group, levels, patch_user, rule};
use crate::grants::{audit_of, explanation};
use crate::helpers::{TestApp, TestDb, admin, assert_scim_error, scim};

crate::on_both_databases!(
    okta_discovers_reads_assigns_and_deactivation_takes_it_away,
    unmatched_values_are_kept_and_reported_until_they_match,
    roles_and_entitlements_are_read_only_and_scoped,
    the_setting_off_grants_nothing_and_the_model_drives_the_grants,
);

const ROLE_URN: &str = "urn:okta:scim:schemas:core:1.0:Role";
const ENTITLEMENT_URN: &str = "urn:okta:scim:schemas:core:1.0:Entitlement";

async fn workspaces(app: &TestApp) {
    for (slug, name) in [("prod", "Production"), ("staging", "Staging")] {
        admin(app)
            .ok(
                Method::POST,
                "/api/v1/workspaces",
                Some(json!({"slug": slug, "name": name})),
            )
            .await;
    }
}

async fn get(app: &TestApp, path: &str) -> Value {
    scim(app).ok(Method::GET, path, None).await
}

fn ids(list: &Value) -> Vec<String> {
    list["Resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|resource| resource["id"].as_str().unwrap().to_owned())
        .collect()
}

/// The `via` of the member's entitlement reasons.
async fn entitlement_vias(app: &TestApp, id: &str) -> Vec<Value> {
    explanation(app, id)
        .await
        .into_iter()
        .filter(|reason| reason["via"]["kind"] == "entitlement")
        .map(|reason| reason["via"].clone())
        .collect()
}

async fn last_audit_changes(app: &TestApp, id: &str) -> Value {
    audit_of(app, id).await.last().unwrap()["changes"].clone()
}

async fn access_events(app: &TestApp, after: i64, id: &str) -> Vec<Value> {
    feed(app, after, 1000).await["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|event| event["kind"] == "access.changed" && event["member"] == id)
        .cloned()
        .collect()
}

async fn next_event(app: &TestApp) -> i64 {
    feed(app, 0, 1000).await["next"].as_i64().unwrap()
}

async fn okta_discovers_reads_assigns_and_deactivation_takes_it_away(db: TestDb) {
    let app = TestApp::spawn(db).await;
    workspaces(&app).await;

    // Discovery: the two resource types with Okta's schemas, and their schemas.
    let types = get(&app, "/scim/v2/ResourceTypes").await;
    let okta: Vec<&Value> = types["Resources"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|rt| rt["schema"] == ROLE_URN || rt["schema"] == ENTITLEMENT_URN)
        .collect();
    assert_eq!(okta.len(), 2, "{types}");
    assert_eq!(
        (&okta[0]["name"], &okta[0]["endpoint"]),
        (&json!("Role"), &json!("/Roles"))
    );
    assert_eq!(
        (&okta[1]["name"], &okta[1]["endpoint"]),
        (&json!("Entitlement"), &json!("/Entitlements"))
    );
    assert_eq!(
        get(&app, "/scim/v2/ResourceTypes/Entitlement").await["schema"],
        ENTITLEMENT_URN
    );
    let schema = get(&app, &format!("/scim/v2/Schemas/{ROLE_URN}")).await;
    assert_eq!(schema["attributes"][0]["name"], "displayName");

    // Okta's "Entitlements test": one item per page, a non-empty list.
    for endpoint in ["/scim/v2/Roles", "/scim/v2/Entitlements"] {
        let page = get(&app, &format!("{endpoint}?count=1&startIndex=1")).await;
        assert_eq!(
            page["schemas"][0],
            "urn:ietf:params:scim:api:messages:2.0:ListResponse"
        );
        assert_eq!(page["itemsPerPage"], 1, "{page}");
        assert_eq!(page["startIndex"], 1);
        assert!(page["totalResults"].as_i64().unwrap() >= 2);
    }
    let roles = get(&app, "/scim/v2/Roles").await;
    assert_eq!(ids(&roles), ["member", "admin"]);
    assert_eq!(roles["Resources"][1]["schemas"][0], ROLE_URN);
    let entitlements = get(&app, "/scim/v2/Entitlements?startIndex=2&count=2").await;
    assert_eq!(entitlements["totalResults"], 6);
    assert_eq!(ids(&entitlements), ["prod:editor", "prod:admin"]);
    let editor = &entitlements["Resources"][0];
    assert_eq!(editor["displayName"], "Production — editor");
    assert_eq!(editor["type"], "Entitlement");
    assert_eq!(editor["schemas"][0], ENTITLEMENT_URN);
    let by_name = get(
        &app,
        "/scim/v2/Entitlements?filter=displayName%20eq%20%22production%20%E2%80%94%20EDITOR%22",
    )
    .await;
    assert_eq!(ids(&by_name), ["prod:editor"]);
    let by_id = get(
        &app,
        "/scim/v2/Entitlements?filter=id%20sw%20%22staging:%22&sortBy=id&sortOrder=descending",
    )
    .await;
    assert_eq!(
        ids(&by_id),
        ["staging:viewer", "staging:editor", "staging:admin"]
    );
    let nothing = get(&app, "/scim/v2/Roles?filter=id%20eq%20%22Admin%22").await;
    assert_eq!(
        (nothing["totalResults"].clone(), ids(&nothing).len()),
        (json!(0), 0)
    );
    let bad = scim(&app)
        .send(
            Method::GET,
            "/scim/v2/Roles?filter=title%20eq%20%22x%22",
            None,
        )
        .await;
    assert_eq!(
        assert_scim_error(bad, 400).await["scimType"],
        "invalidFilter"
    );
    let one = get(&app, "/scim/v2/Entitlements/prod:editor").await;
    assert_eq!(&one, editor);
    assert_eq!(
        get(&app, "/scim/v2/Roles/admin").await["displayName"],
        "admin"
    );
    for unknown in ["/scim/v2/Entitlements/prod:owner", "/scim/v2/Roles/Admin"] {
        assert_scim_error(scim(&app).send(Method::GET, unknown, None).await, 404).await;
    }

    // Assigned at creation: a role.
    let start = next_event(&app).await;
    let ada = app
        .create_user(&json!({"userName": "ada@example.com", "roles": [{"value": "admin", "display": "admin"}]}))
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(access(&app, &ada).await, (json!("admin"), levels(&[])));
    assert_eq!(
        entitlement_vias(&app, &ada).await,
        [json!({"kind": "entitlement", "attribute": "roles", "value": "admin"})]
    );
    assert_eq!(
        last_audit_changes(&app, &ada).await["entitlementGrants"]["after"],
        json!({"role": "admin", "workspaces": []})
    );
    let events = access_events(&app, start, &ada).await;
    assert_eq!(
        events.last().unwrap()["data"]["new"]["role"],
        "admin",
        "{events:?}"
    );

    // By PATCH: an entitlement added, with its event and audit entry.
    let bob = crate::access::user(&app, "bob@example.com").await;
    let start = next_event(&app).await;
    patch_user(
        &app,
        &bob,
        json!([{"op": "add", "path": "entitlements", "value": [{"value": "prod:editor", "display": "Production — editor", "type": "Entitlement"}]}]),
    )
    .await;
    assert_eq!(
        access(&app, &bob).await,
        (json!("member"), levels(&[("prod", "editor")]))
    );
    let events = access_events(&app, start, &bob).await;
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(
        events[0]["data"]["new"]["workspaces"],
        json!([{"workspace": "prod", "level": "editor"}])
    );
    let changes = last_audit_changes(&app, &bob).await;
    assert_eq!(
        changes["entitlementGrants"]["after"]["workspaces"],
        json!([{"workspace": "prod", "level": "editor"}])
    );
    assert!(changes.get("entitlements").is_some(), "{changes}");

    // By PUT, as OIN apps update users: the highest value per workspace wins.
    let mut body = get(&app, &format!("/scim/v2/Users/{bob}")).await;
    body["roles"] = json!([{"value": "admin"}, {"value": "member"}]);
    body["entitlements"] = json!([
        {"value": "prod:viewer", "type": "Entitlement"},
        {"value": "staging:admin", "type": "Entitlement"},
        {"value": "staging:viewer", "type": "Entitlement"},
    ]);
    scim(&app)
        .ok(Method::PUT, &format!("/scim/v2/Users/{bob}"), Some(body))
        .await;
    assert_eq!(
        access(&app, &bob).await,
        (
            json!("admin"),
            levels(&[("prod", "viewer"), ("staging", "admin")])
        )
    );

    // With a group rule: the highest of rule and entitlement wins, both explained.
    rule(
        &app,
        json!({"match": {"group_name": "Eng"}, "workspace": "prod", "level": "admin"}),
    )
    .await;
    group(&app, "Eng", &[&bob]).await;
    assert_eq!(
        access(&app, &bob).await,
        (
            json!("admin"),
            levels(&[("prod", "admin"), ("staging", "admin")])
        )
    );
    let reasons = explanation(&app, &bob).await;
    assert!(reasons[0]["rule"].is_string(), "{reasons:?}");
    assert_eq!(
        reasons
            .iter()
            .filter(|reason| reason["via"]["kind"] == "entitlement")
            .count(),
        5,
        "{reasons:?}"
    );

    // Removed by PATCH: the rule's level stays, the entitlements' go.
    patch_user(
        &app,
        &bob,
        json!([{"op": "remove", "path": "entitlements"}]),
    )
    .await;
    assert_eq!(
        access(&app, &bob).await,
        (json!("admin"), levels(&[("prod", "admin")]))
    );
    patch_user(
        &app,
        &bob,
        json!([{"op": "remove", "path": "roles[value eq \"admin\"]"}]),
    )
    .await;
    assert_eq!(
        access(&app, &bob).await,
        (json!("member"), levels(&[("prod", "admin")]))
    );

    // Deactivated: nothing, at once, with its event; the values stay.
    patch_user(
        &app,
        &ada,
        json!([{"op": "add", "path": "entitlements", "value": [{"value": "staging:editor"}]}]),
    )
    .await;
    let start = next_event(&app).await;
    patch_user(
        &app,
        &ada,
        json!([{"op": "replace", "value": {"active": false}}]),
    )
    .await;
    assert_eq!(access(&app, &ada).await, (Value::Null, levels(&[])));
    let events = access_events(&app, start, &ada).await;
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(
        events[0]["data"]["new"],
        json!({"role": null, "workspaces": []})
    );
    let stored = get(&app, &format!("/scim/v2/Users/{ada}")).await;
    assert_eq!(stored["roles"][0]["value"], "admin");
    // Reactivated, the IdP's values count again.
    patch_user(
        &app,
        &ada,
        json!([{"op": "replace", "value": {"active": true}}]),
    )
    .await;
    assert_eq!(
        access(&app, &ada).await,
        (json!("admin"), levels(&[("staging", "editor")]))
    );
}

async fn unmatched_values_are_kept_and_reported_until_they_match(db: TestDb) {
    let app = TestApp::spawn(db).await;
    workspaces(&app).await;
    let user = app
        .create_user(&json!({
            "userName": "cy@example.com",
            "roles": [{"value": "superuser"}, {"value": "Admin"}],
            "entitlements": [{"value": "prod:owner"}, {"value": "dev:editor"}, {"value": "prod:viewer"}],
        }))
        .await;
    let cy = user["id"].as_str().unwrap().to_owned();
    assert_eq!(user["roles"].as_array().unwrap().len(), 2, "kept: {user}");
    assert_eq!(user["entitlements"].as_array().unwrap().len(), 3);
    assert_eq!(
        access(&app, &cy).await,
        (json!("member"), levels(&[("prod", "viewer")]))
    );
    let unmatched: Vec<Value> = entitlement_vias(&app, &cy)
        .await
        .into_iter()
        .filter(|via| via["unmatched"] == true)
        .map(|via| via["value"].clone())
        .collect();
    assert_eq!(
        unmatched,
        [
            json!("superuser"),
            json!("Admin"),
            json!("prod:owner"),
            json!("dev:editor")
        ]
    );
    // A roles value that a scim_role rule matches is the rule's, not unmatched.
    rule(
        &app,
        json!({"match": {"scim_role": "superuser"}, "workspace": "staging", "level": "viewer"}),
    )
    .await;
    let vias = entitlement_vias(&app, &cy).await;
    assert!(
        vias.iter().all(|via| via["value"] != "superuser"),
        "{vias:?}"
    );
    // The workspace it names appears: the value grants from then on.
    let start = next_event(&app).await;
    admin(&app)
        .ok(
            Method::POST,
            "/api/v1/workspaces",
            Some(json!({"slug": "dev", "name": "Development"})),
        )
        .await;
    assert_eq!(
        access(&app, &cy).await,
        (
            json!("member"),
            levels(&[("dev", "editor"), ("prod", "viewer"), ("staging", "viewer")])
        )
    );
    assert_eq!(access_events(&app, start, &cy).await.len(), 1);
    assert_eq!(
        last_audit_changes(&app, &cy).await["entitlementGrants"]["after"]["workspaces"][0],
        json!({"workspace": "dev", "level": "editor"})
    );
    // And goes with it.
    let response = admin(&app)
        .send(Method::DELETE, "/api/v1/workspaces/dev", None)
        .await;
    assert_eq!(response.status(), 204);
    assert_eq!(
        access(&app, &cy).await,
        (
            json!("member"),
            levels(&[("prod", "viewer"), ("staging", "viewer")])
        )
    );
}

async fn roles_and_entitlements_are_read_only_and_scoped(db: TestDb) {
    let app = TestApp::spawn(db).await;
    workspaces(&app).await;
    for path in [
        "/scim/v2/Roles",
        "/scim/v2/Roles/admin",
        "/scim/v2/Entitlements",
        "/scim/v2/Entitlements/prod:editor",
    ] {
        for method in [Method::POST, Method::PUT, Method::PATCH, Method::DELETE] {
            let response = scim(&app)
                .send(method.clone(), path, Some(json!({"displayName": "x"})))
                .await;
            assert_scim_error(response, 405).await;
        }
    }
    // A token is needed, and one of the scim scope.
    let anonymous = app
        .client
        .get(app.url("/scim/v2/Roles"))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 401);
    let admin_scope = admin(&app)
        .send(Method::GET, "/scim/v2/Entitlements", None)
        .await;
    assert_eq!(admin_scope.status(), 403);
    // Another account's token sees that account's model only.
    assert!(app.cli(&["accounts", "create", "other"]).status.success());
    let other = crate::helpers::Api {
        app: &app,
        token: crate::helpers::cli_token(&app, "other", "scim"),
    };
    let theirs = other.ok(Method::GET, "/scim/v2/Entitlements", None).await;
    assert_eq!(theirs["totalResults"], 0, "{theirs}");
    let response = other
        .send(Method::GET, "/scim/v2/Entitlements/prod:editor", None)
        .await;
    assert_scim_error(response, 404).await;
    // Paging at and past the end, and a count of 0.
    let last = get(&app, "/scim/v2/Entitlements?startIndex=6").await;
    assert_eq!(ids(&last), ["staging:admin"]);
    let past = get(&app, "/scim/v2/Entitlements?startIndex=7").await;
    assert_eq!(
        (past["totalResults"].clone(), ids(&past).len()),
        (json!(6), 0)
    );
    let none = get(&app, "/scim/v2/Roles?count=0").await;
    assert_eq!(
        (none["totalResults"].clone(), none["itemsPerPage"].clone()),
        (json!(2), json!(0))
    );
    let bad = scim(&app)
        .send(Method::GET, "/scim/v2/Roles?sortBy=description", None)
        .await;
    assert_scim_error(bad, 400).await;
}

async fn the_setting_off_grants_nothing_and_the_model_drives_the_grants(db: TestDb) {
    let app = TestApp::spawn(db).await;
    workspaces(&app).await;
    let dee = app
        .create_user(&json!({
            "userName": "dee@example.com",
            "roles": [{"value": "admin"}],
            "entitlements": [{"value": "prod:editor"}],
        }))
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        access(&app, &dee).await,
        (json!("admin"), levels(&[("prod", "editor")]))
    );
    let model = admin(&app)
        .ok(Method::GET, "/api/v1/access-model", None)
        .await;
    assert_eq!(model["entitlementGrants"], true);

    // Off: the values grant nothing and are not explained; the change is audited.
    let start = next_event(&app).await;
    let off = json!({"roles": ["member", "admin"], "defaultRole": "member", "levels": ["viewer", "editor", "admin"], "entitlementGrants": false});
    let stored = admin(&app)
        .ok(Method::PUT, "/api/v1/access-model", Some(off))
        .await;
    assert_eq!(stored["entitlementGrants"], false);
    assert_eq!(access(&app, &dee).await, (json!("member"), levels(&[])));
    assert!(entitlement_vias(&app, &dee).await.is_empty());
    assert_eq!(access_events(&app, start, &dee).await.len(), 1);
    assert_eq!(
        last_audit_changes(&app, &dee).await["entitlementGrants"]["after"],
        json!({"role": null, "workspaces": []})
    );
    // A new assignment while off grants nothing either.
    patch_user(
        &app,
        &dee,
        json!([{"op": "add", "path": "entitlements", "value": [{"value": "staging:admin"}]}]),
    )
    .await;
    assert_eq!(access(&app, &dee).await, (json!("member"), levels(&[])));

    // On again (left out of the model, it is on): the values grant again.
    admin(&app)
        .ok(
            Method::PUT,
            "/api/v1/access-model",
            Some(json!({"roles": ["member", "admin"], "defaultRole": "member", "levels": ["viewer", "editor", "admin"]})),
        )
        .await;
    assert_eq!(
        access(&app, &dee).await,
        (
            json!("admin"),
            levels(&[("prod", "editor"), ("staging", "admin")])
        )
    );

    // A role an entitlement grants may leave the model (unlike one a rule
    // or an admin's grant uses): the grant goes with it, the value stays.
    admin(&app)
        .ok(
            Method::PUT,
            "/api/v1/access-model",
            Some(json!({"roles": ["member", "owner"], "defaultRole": "member", "levels": ["viewer", "editor", "admin"]})),
        )
        .await;
    assert_eq!(
        access(&app, &dee).await,
        (
            json!("member"),
            levels(&[("prod", "editor"), ("staging", "admin")])
        )
    );
    assert_eq!(ids(&get(&app, "/scim/v2/Roles").await), ["member", "owner"]);
    let vias = entitlement_vias(&app, &dee).await;
    assert_eq!(
        vias[0],
        json!({"kind": "entitlement", "attribute": "roles", "value": "admin", "unmatched": true})
    );
}
