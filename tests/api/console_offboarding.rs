//! The console's Offboarding page (`/console/offboarding`): a member the
//! IdP deactivates or deletes through SCIM appears with the time of the
//! request, the end of its access, and the time each webhook endpoint
//! acknowledged its event; a leaver no endpoint acknowledges stays in the
//! "not acknowledged yet" list; an account without endpoints is told what
//! that means; another account's leavers never show.

use std::time::Duration;

use reqwest::Method;
use serde_json::{Value, json};

use crate::console::sign_in;
use crate::console_audit::{PATCH_OP, deactivate, page};
use crate::helpers::{TestApp, TestDb, admin};
use crate::webhooks::{Receiver, allow_private};

crate::on_both_databases!(
    an_acknowledged_deactivation_and_deletion_show_their_receipts,
    a_leaver_no_endpoint_acknowledges_stays_listed,
    without_endpoints_the_page_says_what_that_means,
    the_page_needs_a_session_and_shows_only_its_account,
);

async fn add_endpoint(app: &TestApp, url: &str, description: &str) {
    admin(app)
        .ok(
            Method::POST,
            "/api/v1/webhooks",
            Some(json!({"url": url, "description": description})),
        )
        .await;
}

async fn user(app: &TestApp, user_name: &str) -> String {
    let user = app.create_user(&json!({"userName": user_name})).await;
    user["id"].as_str().unwrap().to_owned()
}

/// A URL on this machine where nothing listens: every delivery fails.
fn nowhere() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    format!("http://127.0.0.1:{port}/hook")
}

/// Reloads the page until `done` holds of it (at most 20 s).
async fn page_until(
    app: &TestApp,
    cookie: &str,
    what: &str,
    done: impl Fn(&str) -> bool,
) -> String {
    let mut html = String::new();
    for _ in 0..200 {
        let (status, text) = page(app, cookie, "/console/offboarding").await;
        assert_eq!(status, 200, "{text}");
        html = text;
        if done(&html) {
            return html;
        }
        actix_web::rt::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{what}: {html}");
}

/// The text of the receipts table's row about `name`.
fn row<'a>(html: &'a str, name: &str) -> &'a str {
    let table = &html[html
        .find("<table class=\"receipts\"")
        .expect("the receipts table")..];
    let start = table.find(&format!("<strong>{name}</strong>")).expect(name);
    let end = table[start..].find("</tr>").unwrap();
    &table[start..start + end]
}

async fn an_acknowledged_deactivation_and_deletion_show_their_receipts(db: TestDb) {
    let app = TestApp::spawn_with(db, allow_private).await;
    let receiver = Receiver::start();
    add_endpoint(&app, &receiver.url, "Sessions service").await;
    let ada = user(&app, "ada@example.com").await;
    let bob = user(&app, "bob@example.com").await;
    deactivate(&app, &ada).await;
    let response = app
        .client
        .delete(app.url(&format!("/scim/v2/Users/{bob}")))
        .bearer_auth(&app.scim_token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);
    let received = receiver
        .wait_for("both leavers' events", |got| {
            got.iter().any(|r| r.json()["kind"] == "member.deleted")
        })
        .await;
    let kinds: Vec<Value> = received.iter().map(|r| r.json()["kind"].clone()).collect();
    assert!(kinds.contains(&json!("member.deactivated")), "{kinds:?}");

    let cookie = sign_in(&app).await;
    let html = page_until(&app, &cookie, "both receipts acknowledged", |html| {
        html.matches("Sessions service: <span class=\"ack\">")
            .count()
            == 2
    })
    .await;
    assert!(html.contains("Offboarding receipts"), "{html}");
    assert!(
        html.contains(r#"aria-current="page">Offboarding"#),
        "{html}"
    );
    assert!(
        html.contains("Every leaver&#39;s event has been acknowledged")
            || html.contains("Every leaver's event has been acknowledged"),
        "{html}"
    );
    let ada_row = row(&html, "ada@example.com");
    assert!(ada_row.contains("deactivated"), "{ada_row}");
    // The request, by the IdP's token, and the end of access in its transaction.
    assert!(ada_row.contains("by token"), "{ada_row}");
    assert!(ada_row.contains("in the same transaction"), "{ada_row}");
    assert!(ada_row.contains(" UTC"), "{ada_row}");
    assert!(!ada_row.contains("not acknowledged yet"), "{ada_row}");
    assert!(
        ada_row.contains(&format!("/console/audit?member={ada}")),
        "{ada_row}"
    );
    let bob_row = row(&html, "bob@example.com");
    assert!(bob_row.contains("deleted"), "{bob_row}");
    assert!(
        bob_row.contains("Sessions service: <span class=\"ack\">"),
        "{bob_row}"
    );

    // The acknowledgement's time is the one the delivery recorded.
    let acknowledged = app
        .backend()
        .pool
        .get()
        .map(|mut conn| {
            roster::store::offboarding::acknowledgements(
                &mut conn,
                app.account.id,
                &[1, 2, 3, 4, 5, 6, 7],
            )
            .unwrap()
        })
        .unwrap();
    assert_eq!(acknowledged.len(), 2, "{acknowledged:?}");
    for ack in acknowledged {
        let shown = ack.at.format("%Y-%m-%d %H:%M:%S UTC").to_string();
        assert!(html.contains(&shown), "{shown} in {html}");
    }
}

async fn a_leaver_no_endpoint_acknowledges_stays_listed(db: TestDb) {
    let app = TestApp::spawn_with(db, allow_private).await;
    add_endpoint(&app, &nowhere(), "Unreachable product").await;
    let cy = user(&app, "cy@example.com").await;
    deactivate(&app, &cy).await;
    let cookie = sign_in(&app).await;
    // Once the endpoint has tried (and failed), the page still lists Cy.
    let html = page_until(&app, &cookie, "a failed attempt", |html| {
        html.contains("Endpoints that are failing")
    })
    .await;
    assert!(
        html.contains(
            "been acknowledged by no endpoint yet: the product may still hold their sessions"
        ),
        "{html}"
    );
    let list = &html[html
        .find("<ul class=\"unacknowledged\">")
        .expect("the list")..];
    let list = &list[..list.find("</ul>").unwrap()];
    assert!(list.contains("cy@example.com"), "{list}");
    assert!(
        row(&html, "cy@example.com").contains("not acknowledged yet"),
        "{html}"
    );
    assert!(html.contains("could not connect"), "{html}");
}

async fn without_endpoints_the_page_says_what_that_means(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let cookie = sign_in(&app).await;
    let (status, html) = page(&app, &cookie, "/console/offboarding").await;
    assert_eq!(status, 200);
    assert!(html.contains("No member has left yet."), "{html}");
    assert!(
        html.contains("This account has no webhook endpoint."),
        "{html}"
    );

    // A name that is markup stays text.
    let eve = user(&app, "<script>eve</script>@example.com").await;
    deactivate(&app, &eve).await;
    let (_, html) = page(&app, &cookie, "/console/offboarding").await;
    assert!(
        html.contains("&lt;script&gt;eve&lt;/script&gt;@example.com"),
        "{html}"
    );
    assert!(!html.contains("<script>eve"), "{html}");
    assert!(html.contains("no endpoint to tell"), "{html}");
    assert!(!html.contains("Not acknowledged yet"), "{html}");

    // Paging: 30 leavers make two pages, newest first.
    for index in 0..30 {
        let id = user(&app, &format!("leaver{index:02}@example.com")).await;
        deactivate(&app, &id).await;
    }
    let (_, first) = page(&app, &cookie, "/console/offboarding").await;
    assert!(first.contains("leaver29@example.com"), "{first}");
    assert!(!first.contains("leaver04@example.com"), "{first}");
    let next = first
        .split("href=\"/console/offboarding?before=")
        .nth(1)
        .expect("a next page");
    let next = &next[..next.find('"').unwrap()];
    let (status, second) = page(
        &app,
        &cookie,
        &format!("/console/offboarding?before={next}"),
    )
    .await;
    assert_eq!(status, 200);
    assert!(second.contains("leaver04@example.com"), "{second}");
    assert!(second.contains("&lt;script&gt;eve"), "{second}");
    assert!(!second.contains("leaver29@example.com"), "{second}");
    assert!(!second.contains("rel=\"next\""), "{second}");
    // A cursor that is no number is refused in words.
    let (status, bad) = page(&app, &cookie, "/console/offboarding?before=yesterday").await;
    assert_eq!(status, 400, "{bad}");
    assert!(bad.contains("must be a number"), "{bad}");
}

async fn the_page_needs_a_session_and_shows_only_its_account(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let (status, _) = page(&app, "roster_console=forged", "/console/offboarding").await;
    assert_eq!(status, 401);
    // Account B's leaver.
    assert!(app.cli(&["accounts", "create", "other"]).status.success());
    let other = crate::helpers::cli_token(&app, "other", "scim");
    let created = app
        .client
        .post(app.url("/scim/v2/Users"))
        .bearer_auth(&other)
        .json(&json!({"userName": "b-leaver@example.com"}))
        .send()
        .await
        .unwrap();
    let id = created.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let patched = app
        .client
        .patch(app.url(&format!("/scim/v2/Users/{id}")))
        .bearer_auth(&other)
        .json(&json!({"schemas": [PATCH_OP], "Operations": [{"op": "replace", "path": "active", "value": false}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(patched.status(), 200);
    let cookie = sign_in(&app).await;
    let (status, html) = page(&app, &cookie, "/console/offboarding").await;
    assert_eq!(status, 200);
    assert!(!html.contains("b-leaver"), "{html}");
    assert!(html.contains("No member has left yet."), "{html}");
}
