//! The admin console driven in a real Chromium (browser.rs) as an account
//! admin uses it: follow a link, see the team, filter it, open a member,
//! give a local member a role, offboard them; and what it refuses — a used
//! link, a forged CSRF token, another account's member, a browser without a
//! session. The screenshots of docs/CONSOLE.md come from here
//! (`ROSTER_UPDATE_SCREENSHOTS=1`).

use reqwest::Method;
use serde_json::json;

use crate::browser::{Browser, Viewport};
use crate::console::new_link;
use crate::helpers::{TestApp, TestDb, admin, cli_token};

crate::on_both_databases!(
    an_admin_sees_the_team_and_steers_a_local_member,
    the_console_refuses_what_is_not_its_session,
);

/// A team: three members the IdP pushed (two of them admins through the
/// "Admins" group), a workspace they have a level in, and a local
/// break-glass member.
async fn team(app: &TestApp) {
    let ids = {
        let mut ids = Vec::new();
        for (user_name, display_name) in [
            ("ada@example.com", "Ada Lovelace"),
            ("grace@example.com", "Grace Hopper"),
            ("linus@example.com", "Linus Pauling"),
        ] {
            let user = app
                .create_user(&json!({"userName": user_name, "displayName": display_name}))
                .await;
            ids.push(user["id"].as_str().unwrap().to_owned());
        }
        ids
    };
    crate::helpers::scim(app)
        .ok(
            Method::POST,
            "/scim/v2/Groups",
            Some(
                json!({"displayName": "Admins", "members": [{"value": ids[0]}, {"value": ids[1]}]}),
            ),
        )
        .await;
    admin(app)
        .ok(
            Method::POST,
            "/api/v1/workspaces",
            Some(json!({"slug": "production", "name": "Production"})),
        )
        .await;
    admin(app)
        .ok(
            Method::POST,
            "/api/v1/rules",
            Some(json!({"match": {"group_name": "Admins"}, "role": "admin", "workspace": "production", "level": "editor"})),
        )
        .await;
    let added = app.cli(&["members", "add", "--account", "default", "breakglass"]);
    assert!(added.status.success(), "{added:?}");
}

/// Opens the console with a new link, as the admin's browser follows it.
async fn enter(browser: &Browser, app: &TestApp) {
    browser.goto(&new_link(app).await).await;
    browser.wait_for_path("/console/team").await;
}

async fn an_admin_sees_the_team_and_steers_a_local_member(db: TestDb) {
    let Some(browser) = Browser::open().await else {
        return;
    };
    let app = TestApp::spawn(db).await;
    team(&app).await;
    enter(&browser, &app).await;

    // The whole team, with roles, levels and how each came.
    assert_eq!(browser.text("#team-total").await, "4 members match");
    let table = browser.text("#team tbody").await;
    assert!(
        table.contains("Ada Lovelace") && table.contains("production: editor"),
        "{table}"
    );
    assert!(
        table.contains("breakglass") && table.contains("Local"),
        "{table}"
    );
    let session = browser
        .cookie("roster_console")
        .await
        .expect("the session cookie");
    assert_eq!(session.http_only(), Some(true));
    assert!(
        !browser.inline_script_runs().await,
        "the CSP stops inline scripts"
    );
    browser.screenshot("team").await;

    // Filtered to the admins: a link that keeps the filter.
    browser.select("select[name=role]", "admin").await;
    browser.submit("form.filters").await;
    browser
        .wait_for_text("#team-total", "2 members match")
        .await;
    let table = browser.text("#team tbody").await;
    assert!(
        table.contains("Grace Hopper") && !table.contains("breakglass"),
        "{table}"
    );
    assert!(
        browser
            .url()
            .await
            .query()
            .unwrap_or_default()
            .contains("role=admin")
    );

    // The local member: no access beyond the default role yet.
    browser.goto(&app.url("/console/team?q=breakglass")).await;
    browser
        .wait_for_text("#team-total", "1 member matches")
        .await;
    browser.click("#team tbody a").await;
    browser.wait_for("#access-explanation").await;
    assert!(browser.text("main").await.contains("the default role"));

    // Given the admin role directly: saved, explained, audited.
    browser.select("select[name=role]", "admin").await;
    browser.submit("form[action$='/role']").await;
    browser
        .wait_for_text("p.notice", "granted role is saved")
        .await;
    let explained = browser.text("#access-explanation").await;
    assert!(
        explained.contains("role admin") && explained.contains("granted directly"),
        "{explained}"
    );
    assert!(
        browser
            .text("#member-timeline")
            .await
            .contains("console session")
    );
    browser.screenshot("member").await;

    // Offboarded after the confirmation page says what it does.
    browser.click("a[href$='/offboard']").await;
    browser.wait_for_text("main", "deactivates them now").await;
    browser.screenshot("offboard-confirm").await;
    browser.click("button.danger").await;
    browser.wait_for_text("p.notice", "offboarded").await;
    assert!(
        browser
            .text("main")
            .await
            .contains("Inactive: no access anywhere")
    );

    // An IdP member has no direct access forms: the IdP manages them.
    browser.goto(&app.url("/console/team?q=ada")).await;
    browser.click("#team tbody a").await;
    browser
        .wait_for_text("main", "Managed by your identity provider")
        .await;
    assert!(browser.find_all("form[action$='/role']").await.is_empty());

    // The CSV export has every member.
    let csv = reqwest::Client::new()
        .get(app.url("/console/team.csv"))
        .header("Cookie", format!("roster_console={}", session.value()))
        .send()
        .await
        .unwrap();
    assert_eq!(csv.status(), 200);
    assert!(
        csv.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("attachment")
    );
    let csv = csv.text().await.unwrap();
    assert_eq!(csv.lines().count(), 5, "a header and four members: {csv}");

    // On a phone, the same page fits the screen.
    let Some(phone) = Browser::open_sized(Viewport::PHONE).await else {
        return;
    };
    enter(&phone, &app).await;
    let width = phone
        .execute("return document.documentElement.scrollWidth", vec![])
        .await;
    assert!(
        width.as_u64().unwrap() <= 390,
        "no sideways page scroll: {width}"
    );
    phone.screenshot("team-phone").await;
}

async fn the_console_refuses_what_is_not_its_session(db: TestDb) {
    let Some(browser) = Browser::open().await else {
        return;
    };
    let app = TestApp::spawn(db).await;
    team(&app).await;
    // Account B and one of its members.
    assert!(app.cli(&["accounts", "create", "other"]).status.success());
    let other_scim = cli_token(&app, "other", "scim");
    let other: serde_json::Value = app
        .client
        .post(app.url("/scim/v2/Users"))
        .bearer_auth(&other_scim)
        .json(&json!({"userName": "b-secret@example.com"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let other_id = other["id"].as_str().unwrap();

    // Without a session: the signed-out page.
    browser.goto(&app.url("/console/team")).await;
    browser.wait_for_text("h1", "You are signed out").await;

    // A link, used: it works once.
    let link = new_link(&app).await;
    browser.goto(&link).await;
    browser.wait_for_path("/console/team").await;
    browser.goto(&link).await;
    browser
        .wait_for_text("h1", "This link cannot be used")
        .await;

    // Account A's session asking for B's member: not found, nothing shown.
    browser
        .goto(&app.url(&format!("/console/members/{other_id}")))
        .await;
    browser.wait_for_text("h1", "Not found").await;
    assert!(!browser.text("main").await.contains("b-secret"));

    // A forged CSRF token: refused, and the role stays as it was.
    browser.goto(&app.url("/console/team?q=breakglass")).await;
    browser.click("#team tbody a").await;
    browser.wait_for("form[action$='/role']").await;
    browser
        .execute(
            "document.querySelector(\"form[action$='/role'] input[name=csrf]\").value = 'forged'",
            vec![],
        )
        .await;
    browser.select("select[name=role]", "admin").await;
    browser.submit("form[action$='/role']").await;
    browser.wait_for_text("h1", "Not allowed").await;
    assert!(browser.text("main").await.contains("CSRF"));
    let access = admin(&app)
        .ok(Method::GET, "/api/v1/members?userName=breakglass", None)
        .await;
    assert_eq!(access["members"][0]["role"], "member", "{access}");

    // Signed out: the cookie opens nothing any more.
    browser.goto(&app.url("/console/team")).await;
    browser.click("form.signout button").await;
    browser.wait_for_text("h1", "You are signed out").await;
    browser.goto(&app.url("/console/team")).await;
    browser.wait_for_text("h1", "You are signed out").await;
}
