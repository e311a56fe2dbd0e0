//! The console's Audit log page (`/console/audit`): filters by member
//! (userName, or the id a link carries), group, actor, token and days;
//! newest first, paged by cursor; changes as a before/after table, escaped;
//! another account's ids are 404 and bad filters 400, in words.

use reqwest::Method;
use serde_json::{Value, json};

use crate::console::{browserless, sign_in};
use crate::helpers::{TestApp, TestDb, scim};

crate::on_both_databases!(
    entries_are_filtered_by_member_group_actor_token_and_days,
    entries_are_paged_newest_first_by_cursor,
    bad_filters_and_other_accounts_ids_are_refused_in_words,
    a_form_posted_with_origin_null_needs_sec_fetch_site,
);

pub const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

/// The page (or `path`) as the session's browser gets it: status, HTML.
pub async fn page(app: &TestApp, cookie: &str, path: &str) -> (u16, String) {
    let response = browserless()
        .get(app.url(path))
        .header("Cookie", cookie)
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

/// Deactivates the member through SCIM, as an IdP does.
pub async fn deactivate(app: &TestApp, id: &str) {
    scim(app)
        .ok(
            Method::PATCH,
            &format!("/scim/v2/Users/{id}"),
            Some(json!({"schemas": [PATCH_OP], "Operations": [{"op": "replace", "path": "active", "value": false}]})),
        )
        .await;
}

async fn entries_are_filtered_by_member_group_actor_token_and_days(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let ada = app
        .create_user(&json!({"userName": "ada@example.com", "displayName": "<b>Ada</b>"}))
        .await;
    let ada = ada["id"].as_str().unwrap().to_owned();
    let bob = app
        .create_user(&json!({"userName": "bob@example.com"}))
        .await;
    let bob = bob["id"].as_str().unwrap().to_owned();
    scim(&app)
        .ok(
            Method::POST,
            "/scim/v2/Groups",
            Some(json!({"displayName": "Engineering", "members": [{"value": bob}]})),
        )
        .await;
    deactivate(&app, &ada).await;
    let cookie = sign_in(&app).await;

    // Everything, newest first: the console session's own entry on top.
    let (status, all) = page(&app, &cookie, "/console/audit").await;
    assert_eq!(status, 200, "{all}");
    assert!(all.contains(r#"aria-current="page">Audit log"#), "{all}");
    let session = all
        .find("ConsoleSession created")
        .expect("the session's entry");
    let created = all.find("User created").expect("a creation");
    assert!(session < created, "newest first");
    assert!(
        all.contains("console session from link issued by token"),
        "{all}"
    );
    // Changes as a table, escaped.
    assert!(all.contains("<table class=\"changes\">"), "{all}");
    assert!(all.contains("&lt;b&gt;Ada&lt;/b&gt;"), "{all}");
    assert!(!all.contains("<b>Ada</b>"), "{all}");

    // By userName: Ada's creation and deactivation, nothing of Bob's.
    let (_, by_name) = page(&app, &cookie, "/console/audit?user=ADA%40example.com").await;
    assert!(
        by_name.contains("Entries about <strong>member &#39;ada@example.com&#39;</strong>")
            || by_name.contains("Entries about <strong>member 'ada@example.com'</strong>"),
        "{by_name}"
    );
    assert_eq!(by_name.matches("User created").count(), 1, "{by_name}");
    assert_eq!(by_name.matches("User modified").count(), 1, "{by_name}");
    assert!(
        by_name.contains("<th scope=\"row\">active</th><td>—</td><td>false</td>"),
        "{by_name}"
    );
    assert!(!by_name.contains("bob@example.com"), "{by_name}");
    // By the id a link carries: the same.
    let (_, by_id) = page(&app, &cookie, &format!("/console/audit?member={ada}")).await;
    assert_eq!(by_id.matches("User created").count(), 1, "{by_id}");
    assert_eq!(by_id.matches("User modified").count(), 1, "{by_id}");
    // An unknown userName is said, not an error.
    let (status, nobody) = page(&app, &cookie, "/console/audit?user=nobody").await;
    assert_eq!(status, 200);
    assert!(
        nobody.contains("No member of this account has that userName now."),
        "{nobody}"
    );
    assert!(nobody.contains("No entry matches."), "{nobody}");

    // By group name: its creation and Bob joining it.
    let (_, group) = page(&app, &cookie, "/console/audit?group=engineering").await;
    assert!(group.contains("Group created"), "{group}");
    assert!(group.contains("Group member added"), "{group}");
    assert!(!group.contains("User created"), "{group}");

    // By actor: the console's entries only, or the CLI's (the first start's).
    let (_, console) = page(&app, &cookie, "/console/audit?actor=console").await;
    assert!(console.contains("ConsoleSession created"), "{console}");
    assert!(!console.contains("User created"), "{console}");
    let (_, cli) = page(&app, &cookie, "/console/audit?actor=cli").await;
    assert!(cli.contains("Account created"), "{cli}");
    assert!(!cli.contains("User created"), "{cli}");
    assert!(!cli.contains("from-cli"), "{cli}");
    assert!(
        app.cli(&[
            "tokens",
            "issue",
            "--account",
            "default",
            "--scope",
            "scim",
            "--label",
            "from-cli"
        ])
        .status
        .success()
    );
    let (_, cli) = page(&app, &cookie, "/console/audit?actor=cli").await;
    assert!(cli.contains("from-cli"), "{cli}");
    assert!(cli.contains("the roster command line (CLI)"), "{cli}");

    // By token: the IdP's token made the users and the group.
    let idp = {
        let mut conn = app.backend().pool.get().unwrap();
        roster::store::tokens::list_for_account(&mut conn, app.account.id)
            .unwrap()
            .into_iter()
            .find(|token| token.scope == roster::model::Scope::Scim)
            .unwrap()
            .id
    };
    let (_, by_token) = page(
        &app,
        &cookie,
        &format!("/console/audit?actor=token&token={idp}"),
    )
    .await;
    assert_eq!(by_token.matches("User created").count(), 2, "{by_token}");
    assert!(!by_token.contains("ConsoleSession"), "{by_token}");
    assert!(
        by_token.contains(&format!("<option value=\"{idp}\" selected>")),
        "{by_token}"
    );

    // By days: today has everything, a day long past nothing.
    let today = chrono::Utc::now().date_naive();
    let (_, days) = page(
        &app,
        &cookie,
        &format!("/console/audit?since={today}&until={today}"),
    )
    .await;
    assert!(days.contains("User created"), "{days}");
    let (_, past) = page(&app, &cookie, "/console/audit?until=2020-01-01").await;
    assert!(past.contains("No entry matches."), "{past}");
}

async fn entries_are_paged_newest_first_by_cursor(db: TestDb) {
    let app = TestApp::spawn(db).await;
    for index in 0..60 {
        app.create_user(&json!({"userName": format!("m{index:02}@example.com")}))
            .await;
    }
    let cookie = sign_in(&app).await;
    let idp = {
        let mut conn = app.backend().pool.get().unwrap();
        roster::store::tokens::list_for_account(&mut conn, app.account.id)
            .unwrap()
            .into_iter()
            .find(|token| token.scope == roster::model::Scope::Scim)
            .unwrap()
            .id
    };
    let (_, first) = page(&app, &cookie, &format!("/console/audit?token={idp}")).await;
    assert_eq!(first.matches("User created").count(), 50, "{first}");
    assert!(first.contains("m59@example.com"), "newest first");
    assert!(!first.contains("m09@example.com"), "{first}");
    let next = first
        .split(&format!("href=\"/console/audit?token={idp}&amp;before="))
        .nth(1)
        .expect("a next page");
    let next = &next[..next.find('"').unwrap()];
    let (_, second) = page(
        &app,
        &cookie,
        &format!("/console/audit?token={idp}&before={next}"),
    )
    .await;
    assert_eq!(second.matches("User created").count(), 10, "{second}");
    assert!(second.contains("m00@example.com"), "{second}");
    assert!(!second.contains("m59@example.com"), "{second}");
    assert!(!second.contains("rel=\"next\""), "{second}");
    assert!(second.contains("Newest entries"), "{second}");
}

async fn bad_filters_and_other_accounts_ids_are_refused_in_words(db: TestDb) {
    let app = TestApp::spawn(db).await;
    assert!(app.cli(&["accounts", "create", "other"]).status.success());
    let other = crate::helpers::cli_token(&app, "other", "scim");
    let created = app
        .client
        .post(app.url("/scim/v2/Users"))
        .bearer_auth(&other)
        .json(&json!({"userName": "b-secret@example.com"}))
        .send()
        .await
        .unwrap();
    let theirs = created.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let cookie = sign_in(&app).await;
    for (path, status, words) in [
        (
            format!("/console/audit?member={theirs}"),
            404,
            "no member with that id",
        ),
        (
            "/console/audit?member=not-an-id".to_owned(),
            404,
            "no member with that id",
        ),
        (
            format!("/console/audit?group={theirs}"),
            404,
            "no group with that id",
        ),
        (
            format!("/console/audit?token={theirs}"),
            404,
            "no such token",
        ),
        (
            "/console/audit?since=last%20week".to_owned(),
            400,
            "year-month-day",
        ),
        (
            "/console/audit?since=2026-12-08&until=2026-12-07".to_owned(),
            400,
            "before",
        ),
        (
            "/console/audit?actor=root".to_owned(),
            400,
            "token, cli, console",
        ),
        (
            "/console/audit?before=x".to_owned(),
            400,
            "must be a number",
        ),
    ] {
        let (got, html) = page(&app, &cookie, &path).await;
        assert_eq!(got, status, "{path}: {html}");
        assert!(html.contains(words), "{path}: {html}");
        assert!(!html.contains("b-secret"), "{path}: {html}");
    }
    // The other account's userName finds nothing here.
    let (_, html) = page(&app, &cookie, "/console/audit?user=b-secret%40example.com").await;
    assert!(
        html.contains("No member of this account has that userName now."),
        "{html}"
    );
    assert_eq!(
        page(&app, "roster_console=forged", "/console/audit")
            .await
            .0,
        401
    );
}

/// The console's pages send no referrer, so a browser posts their forms
/// with `Origin: null`: taken when `Sec-Fetch-Site` says this origin,
/// refused otherwise.
async fn a_form_posted_with_origin_null_needs_sec_fetch_site(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let cookie = sign_in(&app).await;
    let csrf = crate::console::csrf_token(&cookie);
    let sign_out = |site: Option<&'static str>| {
        let mut request = browserless()
            .post(app.url("/console/sign-out"))
            .header("Cookie", &cookie)
            .header("Origin", "null")
            .form(&[("csrf", csrf.as_str())]);
        if let Some(site) = site {
            request = request.header("Sec-Fetch-Site", site);
        }
        request.send()
    };
    assert_eq!(sign_out(None).await.unwrap().status(), 403);
    assert_eq!(sign_out(Some("cross-site")).await.unwrap().status(), 403);
    assert_eq!(sign_out(Some("same-origin")).await.unwrap().status(), 200);
}
