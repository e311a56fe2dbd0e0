//! The home page, `GET /`, in a real Chromium (browser.rs): it renders, its
//! Content-Security-Policy stops an inline script, it fits a phone's screen
//! size; and the harness itself: sessions share no cookie or storage, and
//! its helpers click, fill, choose and submit as a person would.

use base64::Engine;
use serde_json::json;

use crate::browser::Browser;
use crate::helpers::{TestApp, TestDb};

crate::on_both_databases!(
    the_home_page_renders_in_chromium,
    the_home_page_stops_inline_scripts,
    the_home_page_on_a_phone,
    sessions_share_no_cookie_or_storage,
    the_helpers_click_fill_choose_and_submit,
);

/// The title, the heading and the endpoints' links, in a laptop's window.
async fn the_home_page_renders_in_chromium(db: TestDb) {
    let Some(browser) = Browser::open().await else {
        return;
    };
    let app = TestApp::spawn(db).await;
    browser.goto(&app.url("/")).await;
    assert_eq!(browser.title().await, "Roster");
    assert_eq!(
        browser.text("h1").await,
        format!("Roster {}", env!("CARGO_PKG_VERSION"))
    );
    let links = browser.find_all("li a").await;
    assert_eq!(links.len(), 6, "a link per endpoint");
    assert_eq!(links[0].text().await.unwrap(), "/scim/v2");
    let viewport = browser
        .execute("return [window.innerWidth, window.innerHeight]", vec![])
        .await;
    assert_eq!(viewport, json!([1280, 900]));
    let screenshot = browser.screenshot("home").await;
    assert!(screenshot.ends_with("target/screenshots/home.png"));
    assert_eq!(png_size(&screenshot), (1280, 900));
}

/// No `<script>` on the page, and one added to it does not run: the
/// browser enforces the policy Roster sends (`default-src 'none'`). On a
/// page without a policy the same script runs, so the check is real.
async fn the_home_page_stops_inline_scripts(db: TestDb) {
    let Some(browser) = Browser::open().await else {
        return;
    };
    let app = TestApp::spawn(db).await;
    browser.goto(&app.url("/")).await;
    assert!(browser.find_all("script").await.is_empty(), "no script");
    assert!(!browser.inline_script_runs().await, "the policy stops it");
    browser.goto("about:blank").await;
    assert!(browser.inline_script_runs().await, "no policy, it runs");
}

/// A phone's screen, touch and density; the screenshot is at that density.
async fn the_home_page_on_a_phone(db: TestDb) {
    let Some(browser) = Browser::open_phone().await else {
        return;
    };
    let app = TestApp::spawn(db).await;
    browser.goto(&app.url("/")).await;
    let screen = browser
        .execute(
            "return [screen.width, screen.height, window.devicePixelRatio,
                matchMedia('(pointer: coarse)').matches]",
            vec![],
        )
        .await;
    assert_eq!(screen, json!([390, 844, 2, true]));
    browser.wait_for_text("h1", "Roster").await;
    let screenshot = browser.screenshot("home-phone").await;
    assert_eq!(png_size(&screenshot), (780, 1688));
}

/// Each session has a profile of its own: what one stores (a cookie, local
/// storage) another never sees, whether open at the same time or opened
/// after.
async fn sessions_share_no_cookie_or_storage(db: TestDb) {
    let Some(first) = Browser::open().await else {
        return;
    };
    let second = Browser::open().await.expect("a second session");
    let app = TestApp::spawn(db).await;
    first.goto(&app.url("/")).await;
    first
        .execute(
            "document.cookie = 'roster_script=first; path=/';
             localStorage.setItem('roster', 'first');",
            vec![],
        )
        .await;
    first.goto(&app.url("/healthz")).await;
    let cookie = first.cookie("roster_script").await.expect("kept");
    assert_eq!(cookie.value(), "first");
    assert_eq!(first.cookies().await.len(), 1);

    second.goto(&app.url("/")).await;
    assert!(second.cookies().await.is_empty());
    let stored = "return [document.cookie, localStorage.getItem('roster')]";
    assert_eq!(second.execute(stored, vec![]).await, json!(["", null]));

    drop(first);
    let third = Browser::open().await.expect("a third session");
    third.goto(&app.url("/")).await;
    assert!(third.cookies().await.is_empty());
    assert_eq!(third.execute(stored, vec![]).await, json!(["", null]));
}

/// The helpers a console test uses: a link followed, a form filled (a text
/// field, a `<select>`) and submitted with its button, each waited for;
/// and the client beneath them, to go back.
async fn the_helpers_click_fill_choose_and_submit(db: TestDb) {
    let Some(browser) = Browser::open().await else {
        return;
    };
    let app = TestApp::spawn(db).await;
    browser.goto(&app.url("/")).await;
    browser.click("a[href='/healthz']").await;
    browser.wait_for_path("/healthz").await;
    browser.wait_for_text("body", r#""status":"ok""#).await;

    let form = format!(
        "<!doctype html><title>form</title><form action='{}' method='get'>
         <input name='q' value='replaced'>
         <select name='level'><option value='read'>Read</option><option value='admin'>Admin</option></select>
         <button>Search</button></form>",
        app.url("/")
    );
    let page = base64::engine::general_purpose::STANDARD.encode(form);
    browser.goto(&format!("data:text/html;base64,{page}")).await;
    browser.fill("input[name=q]", "team lead").await;
    browser.select("select[name=level]", "admin").await;
    browser.submit("form").await;
    browser.wait_for_path("/?q=team+lead&level=admin").await;
    browser.wait_for("li a[href='/scim/v2']").await;
    // What the helpers do not cover, the WebDriver client does.
    browser.client().back().await.unwrap();
    browser.wait_for("select[name=level]").await;
}

/// The width and height a PNG file declares (its IHDR chunk).
fn png_size(path: &std::path::Path) -> (u32, u32) {
    let png = std::fs::read(path).unwrap();
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "a PNG");
    let number = |at: usize| u32::from_be_bytes(png[at..at + 4].try_into().unwrap());
    (number(16), number(20))
}
