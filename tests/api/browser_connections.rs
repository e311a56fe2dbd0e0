//! The console's Connections and Groups pages in a real Chromium
//! (browser.rs): a console link followed, a token issued and shown once
//! with its Copy button (console.js un-hides it), then revoked after the
//! confirmation; an OAuth client created, its secret shown once and then
//! revoked after the confirmation; the Groups page reached from the
//! navigation, with its counts and rules. Their screenshots are
//! docs/console/connections.png, connections-oauth.png and groups.png.

use reqwest::Method;
use serde_json::json;

use crate::browser::Browser;
use crate::console::new_link;
use crate::console_client::scim_status;
use crate::helpers::{TestApp, TestDb, admin, scim};
use crate::oauth::{Credentials, token_basic};

crate::on_both_databases!(
    a_token_is_issued_and_revoked_in_chromium,
    an_oauth_client_is_created_and_its_secret_revoked_in_chromium,
    the_groups_page_in_chromium,
);

/// Follows a new console link; the browser holds the session after it.
async fn enter_console(browser: &Browser, app: &TestApp) {
    browser.goto(&new_link(app).await).await;
    browser.wait_for_path("/console/team").await;
}

/// Submits the form at `/console/connections/{action}` for a `scim`
/// credential labelled `label` that expires in 90 days; waits for the page
/// `title` that shows its secret once, with a Copy button console.js shows.
async fn make_scim_credential(browser: &Browser, action: &str, label: &str, title: &str) {
    let form = format!("form[action='/console/connections/{action}']");
    browser
        .select(&format!("{form} select[name=scope]"), "scim")
        .await;
    browser
        .fill(&format!("{form} input[name=label]"), label)
        .await;
    browser
        .select(&format!("{form} select[name=expires_in_days]"), "90")
        .await;
    browser.submit(&form).await;
    browser.wait_for_text("h1", title).await;
    browser
        .wait_for_text("main", "will not be shown again")
        .await;
    let copy = browser.wait_for("button[data-copy=secret]").await;
    assert!(copy.is_displayed().await.unwrap(), "console.js shows it");
}

async fn a_token_is_issued_and_revoked_in_chromium(db: TestDb) {
    let Some(browser) = Browser::open().await else {
        return;
    };
    let app = TestApp::spawn_with(db, crate::webhooks::allow_private).await;
    admin(&app)
        .ok(
            Method::POST,
            "/api/v1/webhooks",
            Some(
                json!({"url": "http://127.0.0.1:9/roster-events", "description": "Product events"}),
            ),
        )
        .await;
    enter_console(&browser, &app).await;
    browser.goto(&app.url("/console/connections")).await;
    browser.wait_for_text("h1", "Connections").await;
    browser
        .wait_for_text("#tokens-title + p + div", "IdP SCIM token")
        .await;

    // Issue a token: shown once, with a working Copy button.
    make_scim_credential(&browser, "tokens", "Okta production", "Token issued").await;
    let token = browser.text("code#secret").await;
    assert_eq!(scim_status(&app, &token).await, 200);

    // Back on the page: listed, then revoked after the confirmation.
    browser
        .click("main > p > a[href='/console/connections']")
        .await;
    browser.wait_for_path("/console/connections").await;
    browser.wait_for_text("main", "Okta production").await;
    browser.screenshot("connections").await;
    let row = "//tr[td[contains(., 'Okta production')]]//a[text()='Revoke']";
    let revoke = browser
        .client()
        .find(fantoccini::Locator::XPath(row))
        .await
        .unwrap();
    revoke.click().await.unwrap();
    browser.wait_for_text("h1", "Revoke this token?").await;
    browser
        .wait_for_text("main", "identity provider's SCIM provisioning")
        .await;
    browser.submit("div.confirm form").await;
    browser
        .wait_for_path("/console/connections?done=revoked")
        .await;
    browser
        .wait_for_text("p.notice", "The token is revoked")
        .await;
    assert_eq!(scim_status(&app, &token).await, 401);
}

async fn an_oauth_client_is_created_and_its_secret_revoked_in_chromium(db: TestDb) {
    let Some(browser) = Browser::open().await else {
        return;
    };
    let app = TestApp::spawn(db).await;
    enter_console(&browser, &app).await;
    browser.goto(&app.url("/console/connections")).await;
    browser
        .wait_for_text("#oauth-title + p + p", "no OAuth client")
        .await;

    // Create a client: its secret shown once, with what Entra needs.
    make_scim_credential(
        &browser,
        "oauth-clients",
        "Entra production",
        "OAuth client created",
    )
    .await;
    assert_eq!(
        browser.text("code#token-endpoint").await,
        app.url("/oauth/token")
    );
    let client = Credentials {
        id: browser.text("code#client-id").await,
        secret: browser.text("code#secret").await,
    };
    assert_eq!(token_basic(&app, &client).await.status(), 200);

    // Listed without its secret; revoked after the confirmation.
    browser
        .click("main > p > a[href='/console/connections']")
        .await;
    browser.wait_for_path("/console/connections").await;
    browser
        .wait_for_text("#oauth-title ~ article", "Entra production")
        .await;
    let source = browser.client().source().await.unwrap();
    assert!(source.contains(&client.id) && !source.contains(&client.secret));
    browser
        .execute(
            "document.getElementById('oauth-title').scrollIntoView()",
            vec![],
        )
        .await;
    browser.screenshot("connections-oauth").await;
    let revoke = "//article[h3[text()='Entra production']]//a[text()='Revoke']";
    browser
        .client()
        .find(fantoccini::Locator::XPath(revoke))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    browser.wait_for_text("h1", "Revoke this secret?").await;
    browser.wait_for_text("main", "Entra production").await;
    browser.submit("div.confirm form").await;
    browser
        .wait_for_path("/console/connections?done=secret-revoked")
        .await;
    browser
        .wait_for_text("p.notice", "The secret is revoked")
        .await;
    assert_eq!(token_basic(&app, &client).await.status(), 401);
}

async fn the_groups_page_in_chromium(db: TestDb) {
    let Some(browser) = Browser::open().await else {
        return;
    };
    let app = TestApp::spawn(db).await;
    let ada = app
        .create_user(&json!({"userName": "ada@example.com"}))
        .await;
    let bob = app
        .create_user(&json!({"userName": "bob@example.com"}))
        .await;
    for (name, external, members) in [
        (
            "Engineering",
            "okta-00g1",
            json!([{"value": ada["id"]}, {"value": bob["id"]}]),
        ),
        ("Finance", "okta-00g2", json!([{"value": bob["id"]}])),
        ("Support", "okta-00g3", json!([])),
    ] {
        scim(&app)
            .ok(
                Method::POST,
                "/scim/v2/Groups",
                Some(json!({"displayName": name, "externalId": external, "members": members})),
            )
            .await;
    }
    admin(&app)
        .ok(
            Method::POST,
            "/api/v1/workspaces",
            Some(json!({"slug": "billing"})),
        )
        .await;
    for rule in [
        json!({"match": {"group_name": "engineering"}, "role": "admin"}),
        json!({"match": {"group_external_id": "okta-00g2"}, "workspace": "billing", "level": "editor"}),
        json!({"match": {"group_name": "Contractors"}, "workspace": "billing", "level": "viewer"}),
    ] {
        admin(&app)
            .ok(Method::POST, "/api/v1/rules", Some(rule))
            .await;
    }
    enter_console(&browser, &app).await;
    browser.goto(&app.url("/console/connections")).await;
    browser.click("nav a[href='/console/groups']").await;
    browser.wait_for_path("/console/groups").await;
    browser.wait_for_text("main", "3 groups.").await;
    let row = browser.text("tbody tr:nth-child(1)").await;
    assert!(
        row.contains("Engineering") && row.contains("role admin"),
        "{row}"
    );
    let finance = browser.text("tbody tr:nth-child(2)").await;
    assert!(
        finance.contains("level editor in workspace billing"),
        "{finance}"
    );
    browser
        .wait_for_text("#waiting-title + p + ul", "Contractors")
        .await;
    browser.screenshot("groups").await;
}
