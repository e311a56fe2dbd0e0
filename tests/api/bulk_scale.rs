//! `POST /scim/v2/Bulk` at scale and against the single requests: the
//! audit entries and events of a Bulk are those of the same single requests,
//! and one Bulk creates 1,000 members and 10 groups naming them by `bulkId`
//! (issue 19), read back the same by GET.

use reqwest::Method;
use serde_json::{Value, json};

use crate::bulk::{by_bulk_id, get, id_of, post_group, post_user, run};
use crate::helpers::{TestApp, TestDb, scim};

crate::on_both_databases!(
    audit_entries_and_events_are_those_of_the_single_requests,
    a_thousand_members_and_ten_groups_by_bulk_id,
);

/// The (resource type, action) of the account's audit entries, and the
/// kinds of its events.
async fn activity(app: &TestApp) -> (Vec<(String, String)>, Vec<String>) {
    let admin = crate::helpers::admin(app);
    let audit = admin
        .ok(Method::GET, "/api/v1/audit?limit=1000", None)
        .await;
    let entries = audit["entries"].as_array().unwrap();
    let entries = entries
        .iter()
        .map(|entry| {
            (
                entry["resource"]["type"].as_str().unwrap().to_owned(),
                entry["action"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let events = admin
        .ok(Method::GET, "/api/v1/events?after=0&limit=1000", None)
        .await;
    let kinds = events["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|event| event["kind"].as_str().unwrap().to_owned())
        .collect();
    (entries, kinds)
}

async fn audit_entries_and_events_are_those_of_the_single_requests(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let before = activity(&app).await;
    let user = app.create_user(&json!({"userName": "ada"})).await;
    let group = json!({"displayName": "eng", "members": [{"value": user["id"]}]});
    scim(&app)
        .ok(Method::POST, "/scim/v2/Groups", Some(group))
        .await;
    let single = activity(&app).await;
    run(
        &app,
        json!([post_group("ops", &["bob"]), post_user("bob", json!({}))]),
    )
    .await;
    let after = activity(&app).await;
    // What each wrote: the entries and events after those before it.
    let part = |from: &(Vec<(String, String)>, Vec<String>),
                to: &(Vec<(String, String)>, Vec<String>)| {
        (to.0[from.0.len()..].to_vec(), to.1[from.1.len()..].to_vec())
    };
    let by_single = part(&before, &single);
    let by_bulk = part(&single, &after);
    assert!(
        !by_single.0.is_empty() && !by_single.1.is_empty(),
        "{by_single:?}"
    );
    assert_eq!(by_single, by_bulk);
}

async fn a_thousand_members_and_ten_groups_by_bulk_id(db: TestDb) {
    let app = TestApp::spawn_with(db, |config| config.bulk_max_operations = 1010).await;
    let user_names: Vec<String> = (0..1000).map(|i| format!("member{i:04}")).collect();
    // The groups come first: every member reference is forward.
    let mut operations: Vec<Value> = (0..10)
        .map(|g| {
            let members: Vec<&str> = user_names[g * 100..(g + 1) * 100]
                .iter()
                .map(String::as_str)
                .collect();
            post_group(&format!("team{g}"), &members)
        })
        .collect();
    operations.extend(user_names.iter().map(|name| post_user(name, json!({}))));
    let results = run(&app, Value::Array(operations)).await;
    assert_eq!(results.len(), 1010);
    assert!(
        results.iter().all(|result| result["status"] == "201"),
        "{:?}",
        results.iter().find(|result| result["status"] != "201")
    );
    for g in 0..10 {
        let id = id_of(by_bulk_id(&results, &format!("team{g}")));
        let group = get(&app, &format!("/scim/v2/Groups/{id}")).await;
        let members = group["members"].as_array().unwrap();
        assert_eq!(members.len(), 100, "team{g}");
        let mut displays: Vec<&str> = members
            .iter()
            .map(|member| member["display"].as_str().unwrap())
            .collect();
        displays.sort_unstable();
        let expected: Vec<&str> = user_names[g * 100..(g + 1) * 100]
            .iter()
            .map(String::as_str)
            .collect();
        assert_eq!(displays, expected, "team{g}");
    }
    let listed = get(&app, "/scim/v2/Users?count=1000&attributes=userName").await;
    assert_eq!(listed["totalResults"], 1000);
    let mut listed_names: Vec<&str> = listed["Resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|user| user["userName"].as_str().unwrap())
        .collect();
    listed_names.sort_unstable();
    assert_eq!(listed_names, user_names);
}
