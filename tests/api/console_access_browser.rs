//! The Access rules and Access review pages driven in a real Chromium
//! (browser.rs), as an account admin uses them: follow the link, go to the
//! rules, add one after its preview, then sign the access review off with a
//! reviewer name that looks like markup. The screenshots `access` and
//! `review` of docs/CONSOLE.md come from here (`ROSTER_UPDATE_SCREENSHOTS=1`).

use chrono::{Duration, SecondsFormat, Utc};
use reqwest::Method;
use serde_json::json;

use crate::browser::Browser;
use crate::console::new_link;
use crate::helpers::{TestApp, TestDb, admin, scim};

crate::on_both_databases!(an_admin_adds_a_rule_after_its_preview_and_signs_the_review_off);

async fn an_admin_adds_a_rule_after_its_preview_and_signs_the_review_off(db: TestDb) {
    let Some(browser) = Browser::open().await else {
        return;
    };
    let app = TestApp::spawn(db).await;
    let admin = admin(&app);
    admin
        .ok(
            Method::POST,
            "/api/v1/workspaces",
            Some(json!({"slug": "production", "name": "Production"})),
        )
        .await;
    admin
        .ok(
            Method::POST,
            "/api/v1/rules",
            Some(json!({"match": {"group_name": "Admins"}, "role": "admin"})),
        )
        .await;
    let mut ids = Vec::new();
    for (user_name, display_name) in [
        ("ada@example.com", "Ada Lovelace"),
        ("grace@example.com", "Grace Hopper"),
    ] {
        let user = app
            .create_user(&json!({"userName": user_name, "displayName": display_name}))
            .await;
        ids.push(user["id"].as_str().unwrap().to_owned());
    }
    scim(&app)
        .ok(
            Method::POST,
            "/scim/v2/Groups",
            Some(json!({"displayName": "Engineering", "members": [{"value": ids[0]}, {"value": ids[1]}]})),
        )
        .await;
    let long_ago = (Utc::now() - Duration::days(120)).to_rfc3339_opts(SecondsFormat::Secs, true);
    admin
        .ok(
            Method::POST,
            &format!("/api/v1/members/{}/logins", ids[1]),
            Some(json!({"at": long_ago})),
        )
        .await;
    let added = app.cli(&["members", "add", "--account", "default", "breakglass"]);
    assert!(added.status.success(), "{added:?}");

    browser.goto(&new_link(&app).await).await;
    browser.wait_for_path("/console/team").await;

    // The rules page, from the navigation.
    browser.click("nav a[href='/console/access']").await;
    browser.wait_for("#rules").await;
    assert!(browser.text("#roles").await.contains("member default"));
    assert!(browser.text("#rules").await.contains("Group named Admins"));

    // A rule: Engineering are editors in production. Its preview first.
    browser.select("select[name=kind]", "group_name").await;
    browser.fill("input[name=value]", "Engineering").await;
    browser.select("select[name=workspace]", "production").await;
    browser.select("select[name=level]", "editor").await;
    browser.submit("#add-rule").await;
    browser.wait_for("#preview").await;
    let preview = browser.text("#preview").await;
    assert!(
        preview.contains("ada@example.com") && preview.contains("in production: editor"),
        "{preview}"
    );
    assert!(
        browser
            .text("#preview-summary")
            .await
            .contains("2 member(s) would gain")
    );
    browser.submit("form[action='/console/access/rules']").await;
    browser
        .wait_for_text("p.notice", "The rule was saved and applied.")
        .await;
    assert!(
        browser
            .text("#rules")
            .await
            .contains("Group named Engineering")
    );
    browser.screenshot("access").await;

    // The review: flagged members, then the sign-off.
    browser.click("nav a[href='/console/review']").await;
    browser.wait_for("#schedule").await;
    assert!(browser.text("#stale").await.contains("grace@example.com"));
    assert!(browser.text("#local").await.contains("breakglass"));
    assert!(
        browser
            .text("#last-review")
            .await
            .contains("never been signed off")
    );
    browser
        .fill("input[name=reviewer]", "Eve <b>Admin</b>")
        .await;
    browser
        .fill(
            "textarea[name=note]",
            "Asked Grace whether she still needs access.",
        )
        .await;
    browser
        .submit("form[action='/console/review/sign-off']")
        .await;
    browser.wait_for_text("p.notice", "signed off").await;
    let last = browser.text("#last-review").await;
    // Shown as typed, as text: no <b> element was made of it.
    assert!(last.contains("Eve <b>Admin</b>"), "{last}");
    assert!(browser.find_all("#last-review b").await.is_empty());
    assert!(
        browser
            .text("#due")
            .await
            .starts_with("The next review is due")
    );
    browser.screenshot("review").await;
}
