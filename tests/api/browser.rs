//! Browser tests: a real headless Chromium, driven through WebDriver
//! (chromedriver, with the fantoccini client), against the real server of a
//! [`TestApp`](crate::helpers::TestApp) — for pages people use, such as the
//! admin console.
//!
//! [`Browser::open`] gives a test a fresh Chromium session with a profile
//! (cookies, storage, cache) of its own, in a temporary directory; the
//! session ends and its profile is deleted when the [`Browser`] is dropped,
//! even when the test panics. One chromedriver serves every test of the
//! process (`browser/driver.rs`). Every helper fails the test with what it
//! was doing and the page it was on; waits poll until a deadline
//! ([`WAIT`]), never sleep a fixed time.
//!
//! Needs `/usr/bin/chromium` and `/usr/bin/chromedriver` (Debian's
//! `chromium` and `chromium-driver`; `ROSTER_TEST_CHROMIUM` and
//! `ROSTER_TEST_CHROMEDRIVER` name others): without them a browser test
//! fails, unless `ROSTER_TEST_SKIP_BROWSER=1`, when it returns early with
//! a note. [`Browser::screenshot`] writes `target/screenshots/NAME.png`,
//! and `docs/console/NAME.png` too when `ROSTER_UPDATE_SCREENSHOTS=1`.

mod chromium;
mod driver;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::Value;

pub use fantoccini::cookies::Cookie;

/// How long a wait lasts before it fails the test.
pub const WAIT: Duration = Duration::from_secs(10);

/// The size of the page's viewport.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Viewport {
    pub width: u32,
    pub height: u32,
    /// Emulates a phone's screen: `width`×`height` CSS pixels at twice the
    /// density, touch, and a page laid out 980 px wide unless its
    /// `<meta name="viewport">` says otherwise, as on a phone.
    pub phone: bool,
}

impl Viewport {
    /// A laptop's window: [`Browser::open`].
    pub const LAPTOP: Self = Self {
        width: 1280,
        height: 900,
        phone: false,
    };
    /// A phone's screen (an iPhone 12 to 15): [`Browser::open_phone`].
    pub const PHONE: Self = Self {
        width: 390,
        height: 844,
        phone: true,
    };
}

/// One headless Chromium session of one test.
pub struct Browser {
    client: Client,
    session: String,
    driver: &'static driver::Driver,
    /// Dropped after the session has ended (fields drop after `Drop::drop`).
    _profile: tempfile::TempDir,
}

impl Browser {
    /// A fresh session in a [`Viewport::LAPTOP`] window; `None` (with a
    /// note) when the browser is missing and `ROSTER_TEST_SKIP_BROWSER=1`.
    pub async fn open() -> Option<Self> {
        Self::open_sized(Viewport::LAPTOP).await
    }

    /// [`Browser::open`] on a [`Viewport::PHONE`].
    pub async fn open_phone() -> Option<Self> {
        Self::open_sized(Viewport::PHONE).await
    }

    /// [`Browser::open`] with this viewport.
    pub async fn open_sized(viewport: Viewport) -> Option<Self> {
        let driver = match driver::shared() {
            Ok(driver) => driver,
            Err(driver::Unavailable::Missing(why))
                if std::env::var("ROSTER_TEST_SKIP_BROWSER").as_deref() == Ok("1") =>
            {
                eprintln!("skipped: {why}, and ROSTER_TEST_SKIP_BROWSER=1");
                return None;
            }
            Err(driver::Unavailable::Missing(why)) => panic!(
                "the browser tests need Chromium and chromedriver: {why}; ROSTER_TEST_SKIP_BROWSER=1 \
                 skips them"
            ),
            Err(driver::Unavailable::Broken(why)) => panic!("chromedriver: {why}"),
        };
        let profile = tempfile::tempdir_in(&driver.profiles).expect("a browser profile");
        let mut builder =
            ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new());
        builder.capabilities(chromium::capabilities(driver, &profile, viewport));
        let client = builder
            .connect(&driver.url())
            .await
            .unwrap_or_else(|error| panic!("start a Chromium session: {error}"));
        if !viewport.phone {
            chromium::fit_window(&client, viewport).await;
        }
        let session = client
            .session_id()
            .await
            .expect("the session's id")
            .expect("an open session");
        Some(Self {
            client,
            session,
            driver,
            _profile: profile,
        })
    }

    /// The WebDriver client, for what the helpers do not cover.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// Opens `url` and waits until it has loaded.
    pub async fn goto(&self, url: &str) {
        if let Err(error) = self.client.goto(url).await {
            panic!("open {url}: {error}");
        }
    }

    /// The address of the page.
    pub async fn url(&self) -> url::Url {
        self.client.current_url().await.expect("the current URL")
    }

    /// The page's `<title>`.
    pub async fn title(&self) -> String {
        self.client.title().await.expect("the page's title")
    }

    /// The first element matching a CSS selector; fails the test if none does.
    pub async fn find(&self, css: &str) -> Element {
        match self.client.find(Locator::Css(css)).await {
            Ok(element) => element,
            Err(error) => self.fail(&format!("find {css:?}"), error).await,
        }
    }

    /// Every element matching a CSS selector, in document order.
    pub async fn find_all(&self, css: &str) -> Vec<Element> {
        match self.client.find_all(Locator::Css(css)).await {
            Ok(elements) => elements,
            Err(error) => self.fail(&format!("find all {css:?}"), error).await,
        }
    }

    /// The visible text of the first element matching `css`.
    pub async fn text(&self, css: &str) -> String {
        let element = self.find(css).await;
        match element.text().await {
            Ok(text) => text,
            Err(error) => self.fail(&format!("read the text of {css:?}"), error).await,
        }
    }

    /// Clicks the first element matching `css`, as a person would (it must
    /// be visible and not covered).
    pub async fn click(&self, css: &str) {
        let element = self.find(css).await;
        if let Err(error) = element.click().await {
            self.fail(&format!("click {css:?}"), error).await;
        }
    }

    /// Replaces the value of the form field matching `css` by typing `value`.
    pub async fn fill(&self, css: &str, value: &str) {
        let element = self.find(css).await;
        let typed = match element.clear().await {
            Ok(()) => element.send_keys(value).await,
            Err(error) => Err(error),
        };
        if let Err(error) = typed {
            self.fail(&format!("fill {css:?}"), error).await;
        }
    }

    /// Chooses the option whose `value` is `value` in the `<select>` matching `css`.
    pub async fn select(&self, css: &str, value: &str) {
        let element = self.find(css).await;
        if let Err(error) = element.select_by_value(value).await {
            self.fail(&format!("select {value:?} in {css:?}"), error)
                .await;
        }
    }

    /// Submits the form matching `css` by clicking its submit button, as a
    /// person would; fails the test if the form has none.
    pub async fn submit(&self, form_css: &str) {
        let button = format!(
            "{form_css} button[type=submit], {form_css} button:not([type]), {form_css} input[type=submit]"
        );
        self.click(&button).await;
    }

    /// The cookies the browser holds for the page's site, `HttpOnly` ones included.
    pub async fn cookies(&self) -> Vec<Cookie<'static>> {
        self.client.get_all_cookies().await.expect("the cookies")
    }

    /// The cookie named `name` for the page's site, if the browser holds one.
    pub async fn cookie(&self, name: &str) -> Option<Cookie<'static>> {
        self.cookies()
            .await
            .into_iter()
            .find(|cookie| cookie.name() == name)
    }

    /// Runs `script` as the body of a function in the page (`arguments` are
    /// `args`) and returns what it returns. WebDriver's scripts are not
    /// subject to the page's Content-Security-Policy.
    pub async fn execute(&self, script: &str, args: Vec<Value>) -> Value {
        match self.client.execute(script, args).await {
            Ok(value) => value,
            Err(error) => self.fail("run a script", error).await,
        }
    }

    /// Waits until `condition` holds, checking every 50 ms, and fails the
    /// test after [`WAIT`], saying it waited for `what`.
    pub async fn wait_until(&self, what: &str, mut condition: impl AsyncFnMut() -> bool) {
        let deadline = Instant::now() + WAIT;
        while !condition().await {
            if Instant::now() > deadline {
                let page = self.page().await;
                panic!("waited {WAIT:?} for {what}, on {page}");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Waits until an element matches `css` and returns it.
    pub async fn wait_for(&self, css: &str) -> Element {
        let mut found = None;
        self.wait_until(&format!("an element matching {css:?}"), async || {
            found = self.client.find(Locator::Css(css)).await.ok();
            found.is_some()
        })
        .await;
        found.expect("found")
    }

    /// Waits until the text of the first element matching `css` contains
    /// `needle`, and returns that text.
    pub async fn wait_for_text(&self, css: &str, needle: &str) -> String {
        let mut text = String::new();
        self.wait_until(&format!("{css:?} to contain {needle:?}"), async || {
            text = match self.client.find(Locator::Css(css)).await {
                Ok(element) => element.text().await.unwrap_or_default(),
                Err(_) => String::new(),
            };
            text.contains(needle)
        })
        .await;
        text
    }

    /// Waits until the page's path (and query) is `path_and_query`.
    pub async fn wait_for_path(&self, path_and_query: &str) {
        self.wait_until(&format!("the page {path_and_query:?}"), async || {
            let url = self.url().await;
            let query = url.query().map(|query| format!("?{query}"));
            format!("{}{}", url.path(), query.unwrap_or_default()) == path_and_query
        })
        .await;
    }

    /// Whether an inline script added to the page now runs: `false` on a
    /// page whose Content-Security-Policy forbids inline scripts (the
    /// browser then reports the violation), `true` on one that allows them.
    pub async fn inline_script_runs(&self) -> bool {
        let script = "const done = arguments[arguments.length - 1];
            document.addEventListener('securitypolicyviolation',
                (event) => done('blocked by ' + event.effectiveDirective), { once: true });
            const script = document.createElement('script');
            script.textContent = 'window.rosterInlineScriptRan = true';
            document.documentElement.appendChild(script);
            if (window.rosterInlineScriptRan === true) { done('ran'); }";
        match self.client.execute_async(script, vec![]).await {
            Ok(Value::String(outcome)) if outcome == "ran" => true,
            Ok(Value::String(outcome)) if outcome.starts_with("blocked by script-src") => false,
            Ok(other) => panic!("an inline script neither ran nor was blocked: {other}"),
            Err(error) => self.fail("add an inline script", error).await,
        }
    }

    /// Saves a PNG of the viewport as `target/screenshots/NAME.png`, and as
    /// `docs/console/NAME.png` when `ROSTER_UPDATE_SCREENSHOTS=1`; returns
    /// the first path. `name`: lowercase letters, digits and `-`.
    pub async fn screenshot(&self, name: &str) -> PathBuf {
        assert!(
            !name.is_empty()
                && name
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
            "a screenshot's name is lowercase letters, digits and -: {name:?}"
        );
        let png = match self.client.screenshot().await {
            Ok(png) => png,
            Err(error) => self.fail("take a screenshot", error).await,
        };
        let target = std::env::var_os("CARGO_TARGET_DIR")
            .map_or_else(|| repository().join("target"), PathBuf::from);
        let mut directories = vec![target.join("screenshots")];
        if std::env::var("ROSTER_UPDATE_SCREENSHOTS").as_deref() == Ok("1") {
            directories.push(repository().join("docs/console"));
        }
        let paths: Vec<PathBuf> = directories
            .into_iter()
            .map(|directory| {
                std::fs::create_dir_all(&directory).expect("the screenshots' directory");
                // Whole or absent, when tests on both databases take the same one.
                let path = directory.join(format!("{name}.png"));
                let partial = directory.join(format!(".{name}.{}.png", uuid::Uuid::new_v4()));
                std::fs::write(&partial, &png).expect("write the screenshot");
                std::fs::rename(&partial, &path).expect("save the screenshot");
                path
            })
            .collect();
        paths.into_iter().next().expect("target/screenshots")
    }

    /// Where the browser is, for a failure's message.
    async fn page(&self) -> String {
        match self.client.current_url().await {
            Ok(url) => url.to_string(),
            Err(error) => format!("an unknown page ({error})"),
        }
    }

    /// Fails the test: what it tried, on which page, and WebDriver's error.
    async fn fail(&self, what: &str, error: fantoccini::error::CmdError) -> ! {
        let page = self.page().await;
        panic!("{what} on {page}: {error}")
    }
}

impl Drop for Browser {
    /// Ends the session, so its Chromium quits before its profile is deleted.
    fn drop(&mut self) {
        if let Err(error) = self.driver.delete_session(&self.session) {
            eprintln!("could not end the Chromium session: {error}");
        }
    }
}

/// The repository's root.
fn repository() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}
