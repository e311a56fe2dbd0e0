//! The console's Offboarding and Audit log pages in a real Chromium
//! (browser.rs): an admin opens the console from a link, follows the
//! navigation to the receipts of a member the IdP deactivated — with the
//! time the product's endpoint acknowledged it —, follows the member's
//! audit trail link, and filters the log with its form.

use std::time::Duration;

use reqwest::Method;
use serde_json::json;

use crate::browser::Browser;
use crate::console::new_link;
use crate::console_audit::deactivate;
use crate::helpers::{TestApp, TestDb, admin};
use crate::webhooks::{Receiver, allow_private};

crate::on_both_databases!(an_admin_reads_the_receipts_and_the_audit_trail);

async fn an_admin_reads_the_receipts_and_the_audit_trail(db: TestDb) {
    let Some(browser) = Browser::open().await else {
        return;
    };
    let app = TestApp::spawn_with(db, allow_private).await;
    let receiver = Receiver::start();
    admin(&app)
        .ok(
            Method::POST,
            "/api/v1/webhooks",
            Some(json!({"url": receiver.url, "description": "Sessions service"})),
        )
        .await;
    for name in ["grace@example.com", "linus@example.com"] {
        app.create_user(&json!({"userName": name})).await;
    }
    let ada = app
        .create_user(&json!({"userName": "ada@example.com", "displayName": "Ada Lovelace"}))
        .await;
    let ada = ada["id"].as_str().unwrap().to_owned();
    deactivate(&app, &ada).await;
    // The product's endpoint acknowledges the event.
    for _ in 0..200 {
        let mut conn = app.backend().pool.get().unwrap();
        let acks = roster::store::offboarding::acknowledgements(
            &mut conn,
            app.account.id,
            &(1..20).collect::<Vec<_>>(),
        )
        .unwrap();
        if !acks.is_empty() {
            break;
        }
        actix_web::rt::time::sleep(Duration::from_millis(100)).await;
    }

    browser.goto(&new_link(&app).await).await;
    browser
        .wait_until("the link to open a session", async || {
            browser.url().await.path() != "/console/enter"
                && !browser.url().await.path().starts_with("/console/enter/")
        })
        .await;
    browser.goto(&app.url("/console/audit")).await;
    browser.click("nav a[href='/console/offboarding']").await;
    browser.wait_for_path("/console/offboarding").await;
    let receipts = browser
        .wait_for_text("table.receipts", "ada@example.com")
        .await;
    assert!(receipts.contains("deactivated"), "{receipts}");
    assert!(receipts.contains("Sessions service: 20"), "{receipts}");
    assert!(receipts.contains("in the same transaction"), "{receipts}");
    browser
        .wait_for_text("main", "Every leaver's event has been acknowledged")
        .await;
    browser.screenshot("offboarding").await;

    browser
        .click(&format!("a[href='/console/audit?member={ada}']"))
        .await;
    browser
        .wait_for_text("main", "Entries about member 'ada@example.com'")
        .await;
    let trail = browser.text("main table").await;
    assert!(trail.contains("User modified"), "{trail}");
    assert!(trail.contains("User created"), "{trail}");

    // The form: everything the IdP's tokens did to Grace.
    browser.click("form.filters a[href='/console/audit']").await;
    browser.wait_for_path("/console/audit").await;
    browser.fill("input[name=user]", "grace@example.com").await;
    browser.select("select[name=actor]", "token").await;
    browser.submit("form.filters").await;
    browser
        .wait_for_text("main", "Entries about member 'grace@example.com'")
        .await;
    let grace = browser.text("main table").await;
    assert!(grace.contains("User created"), "{grace}");
    assert!(!grace.contains("ada@example.com"), "{grace}");
    browser.goto(&app.url("/console/audit")).await;
    browser
        .wait_for_text("main table", "ConsoleSession created")
        .await;
    browser.screenshot("audit").await;
}
