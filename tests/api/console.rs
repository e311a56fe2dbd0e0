//! The admin console's access, over plain HTTP (the pages themselves are
//! driven in a real browser in `console_browser.rs`): one-time links from
//! `/api/v1` and the CLI, the session cookie's attributes, links that are
//! used, expired or forged, CSRF and cross-site forms, sign-out, and the
//! console's security headers.

use reqwest::Method;
use reqwest::header::{HeaderMap, SET_COOKIE};
use serde_json::{Value, json};

use crate::helpers::{TestApp, TestDb, admin, run_roster};

crate::on_both_databases!(
    a_link_opens_one_session_once,
    links_that_are_expired_forged_or_out_of_range_open_nothing,
    changes_need_the_session_and_its_csrf_token_from_this_origin,
    the_cli_issues_links_on_the_public_url,
);

/// A client that shows redirects instead of following them.
pub fn browserless() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// A new console link for the app's account, made with its admin token.
pub async fn new_link(app: &TestApp) -> String {
    let response = admin(app)
        .send(Method::POST, "/api/v1/console/links", Some(json!({})))
        .await;
    assert_eq!(response.status(), 201);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let body: Value = response.json().await.unwrap();
    body["url"].as_str().unwrap().to_owned()
}

/// The secret part of a link (what `POST /console/enter` takes).
fn secret_of(url: &str) -> &str {
    url.rsplit('/').next().unwrap()
}

/// Opens the link as the page's form does; the response.
async fn enter(app: &TestApp, link: &str) -> reqwest::Response {
    browserless()
        .post(app.url("/console/enter"))
        .form(&[("link", secret_of(link))])
        .send()
        .await
        .unwrap()
}

/// The `name=value` of the session cookie a response sets, and its
/// attributes.
fn session_cookie(headers: &HeaderMap) -> (String, String) {
    let set = headers
        .get_all(SET_COOKIE)
        .iter()
        .map(|value| value.to_str().unwrap().to_owned())
        .find(|value| value.contains("roster_console="))
        .expect("a session cookie");
    let (pair, attributes) = set.split_once(';').unwrap();
    (pair.trim().to_owned(), attributes.to_owned())
}

/// Opens a session of the app's first account; its cookie (`name=value`).
pub async fn sign_in(app: &TestApp) -> String {
    sign_in_with(app, &app.admin_token).await
}

/// Opens a session of the account whose admin token is `admin_token`; its
/// cookie (`name=value`).
pub async fn sign_in_with(app: &TestApp, admin_token: &str) -> String {
    let response = app
        .client
        .post(app.url("/api/v1/console/links"))
        .bearer_auth(admin_token)
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let link: Value = response.json().await.unwrap();
    let response = enter(app, link["url"].as_str().unwrap()).await;
    assert_eq!(response.status(), 303);
    session_cookie(response.headers()).0
}

async fn a_link_opens_one_session_once(db: TestDb) {
    let app = TestApp::spawn(db).await;
    // Only admin tokens make links.
    let refused = app
        .client
        .post(app.url("/api/v1/console/links"))
        .bearer_auth(&app.scim_token)
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 403);

    let link = new_link(&app).await;
    assert!(
        link.starts_with(&format!("{}/console/enter/", app.address)),
        "{link}"
    );
    // Looking at the link does not use it up; the page's form does.
    let page = browserless().get(&link).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let csp = page.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        csp.contains("script-src 'self'") && csp.contains("frame-ancestors 'none'"),
        "{csp}"
    );
    assert_eq!(page.headers()["x-frame-options"], "DENY");
    assert_eq!(page.headers()["cache-control"], "no-store");
    assert_eq!(page.headers()["referrer-policy"], "same-origin");
    let html = page.text().await.unwrap();
    assert!(html.contains(r#"action="/console/enter""#), "{html}");
    assert!(!html.contains("<script>"), "no inline script: {html}");

    let opened = enter(&app, &link).await;
    assert_eq!(opened.status(), 303);
    assert_eq!(opened.headers()["location"], "/console/team");
    let (cookie, attributes) = session_cookie(opened.headers());
    // Plain http on loopback: not Secure (browsers would drop it), so not
    // __Host- either; HttpOnly and SameSite=Strict always.
    assert!(cookie.starts_with("roster_console="), "{cookie}");
    assert!(attributes.contains("HttpOnly"), "{attributes}");
    assert!(attributes.contains("SameSite=Strict"), "{attributes}");
    assert!(attributes.contains("Path=/"), "{attributes}");
    assert!(!attributes.contains("Secure"), "{attributes}");

    // A second use, and a look at the used link, are refused in words.
    let again = enter(&app, &link).await;
    assert_eq!(again.status(), 403);
    assert!(again.text().await.unwrap().contains("used already"));
    let look = browserless().get(&link).send().await.unwrap();
    assert_eq!(look.status(), 403);

    // The session's link and the session are in the audit log, by the
    // token that issued the link.
    let entries = admin(&app)
        .ok(Method::GET, "/api/v1/audit?limit=100", None)
        .await;
    let entries = entries["entries"].as_array().unwrap();
    let opened = entries
        .iter()
        .find(|entry| entry["resource"]["type"] == "ConsoleSession")
        .expect("the session's entry");
    assert_eq!(opened["actor"]["type"], "console");
    assert_eq!(opened["actor"]["linkIssuedBy"]["type"], "token");
    assert!(
        entries
            .iter()
            .any(|entry| entry["resource"]["type"] == "ConsoleLink")
    );
    // The secret is in no entry.
    assert!(
        !Value::Array(entries.clone())
            .to_string()
            .contains(secret_of(&link))
    );
}

async fn links_that_are_expired_forged_or_out_of_range_open_nothing(db: TestDb) {
    let app = TestApp::spawn(db).await;
    for seconds in [59, 3601] {
        let response = admin(&app)
            .send(
                Method::POST,
                "/api/v1/console/links",
                Some(json!({"expiresInSeconds": seconds})),
            )
            .await;
        assert_eq!(response.status(), 400, "{seconds}");
    }
    for seconds in [60, 3600] {
        let response = admin(&app)
            .send(
                Method::POST,
                "/api/v1/console/links",
                Some(json!({"expiresInSeconds": seconds})),
            )
            .await;
        assert_eq!(response.status(), 201, "{seconds}");
    }

    // A link whose time has passed.
    let link = new_link(&app).await;
    let id = secret_of(&link).split('.').next().unwrap().to_owned();
    app.execute_sql(&format!(
        "UPDATE console_links SET expires_at = '2020-01-01 00:00:00' WHERE id = '{}'",
        uuid::Uuid::parse_str(&id).unwrap().hyphenated()
    ));
    let expired = enter(&app, &link).await;
    assert_eq!(expired.status(), 403);
    assert!(expired.text().await.unwrap().contains("expired"));

    // A forged secret for a real link id, and things that are no link.
    let fresh = new_link(&app).await;
    let (fresh_id, _) = secret_of(&fresh).split_once('.').unwrap();
    let forged = format!("{fresh_id}.{}", "A".repeat(43));
    for presented in [forged.as_str(), "x", "", &"9".repeat(5000)] {
        let response = browserless()
            .post(app.url("/console/enter"))
            .form(&[("link", presented)])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 403, "{presented:.40}");
        assert!(response.headers().get(SET_COOKIE).is_none());
    }
    // The real link still works after the forgeries.
    assert_eq!(enter(&app, &fresh).await.status(), 303);
}

async fn changes_need_the_session_and_its_csrf_token_from_this_origin(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let cookie = sign_in(&app).await;
    let sign_out = |csrf: &str, cookie: Option<&str>, site: Option<&str>| {
        let mut request = browserless()
            .post(app.url("/console/sign-out"))
            .form(&[("csrf", csrf)]);
        if let Some(cookie) = cookie {
            request = request.header("Cookie", cookie);
        }
        if let Some(site) = site {
            request = request.header("Sec-Fetch-Site", site);
        }
        request.send()
    };
    // No session: signed out.
    assert_eq!(sign_out("x", None, None).await.unwrap().status(), 401);
    // A forged CSRF token, or none: refused, and the session stays.
    assert_eq!(
        sign_out("forged", Some(&cookie), None)
            .await
            .unwrap()
            .status(),
        403
    );
    assert_eq!(
        sign_out("", Some(&cookie), None).await.unwrap().status(),
        403
    );
    let csrf = csrf_token(&cookie);
    // Another site's form, even with the right token: refused.
    let cross = sign_out(&csrf, Some(&cookie), Some("cross-site"))
        .await
        .unwrap();
    assert_eq!(cross.status(), 403);
    assert!(cross.text().await.unwrap().contains("another site"));
    // The session's own form signs out; then the cookie opens nothing.
    let out = sign_out(&csrf, Some(&cookie), Some("same-origin"))
        .await
        .unwrap();
    assert_eq!(out.status(), 200);
    assert!(session_cookie(out.headers()).1.contains("Max-Age=0"));
    assert_eq!(
        sign_out(&csrf, Some(&cookie), None).await.unwrap().status(),
        401
    );
}

/// The CSRF token of the session whose cookie is `cookie` (`name=value`),
/// as the console derives it (`auth::console`).
pub fn csrf_token(cookie: &str) -> String {
    use base64::Engine;
    use sha2::Digest;
    let secret = cookie.split_once('=').unwrap().1;
    let mut digest = sha2::Sha256::new();
    digest.update(b"roster console csrf\0");
    digest.update(secret.as_bytes());
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(digest.finalize())
}

async fn the_cli_issues_links_on_the_public_url(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let output = run_roster(
        &app,
        &[
            "console",
            "link",
            "--account",
            "default",
            "--expires-in",
            "2m",
        ],
        &[("ROSTER_PUBLIC_URL", "https://roster.example.com")],
    );
    assert!(output.status.success(), "{output:?}");
    let link = String::from_utf8(output.stdout).unwrap();
    let link = link.trim();
    assert!(
        link.starts_with("https://roster.example.com/console/enter/"),
        "{link}"
    );
    // It opens a session on this server.
    assert_eq!(enter(&app, link).await.status(), 303);
    let refused = run_roster(
        &app,
        &[
            "console",
            "link",
            "--account",
            "default",
            "--expires-in",
            "2h",
        ],
        &[],
    );
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("1 to 60 minutes"));
}
