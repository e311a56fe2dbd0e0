//! How a test's Chromium is started: headless, sized, with a profile of its
//! own, and (as root) without the sandbox, which refuses to run as root.

use fantoccini::Client;
use fantoccini::wd::Capabilities;
use serde_json::{Value, json};

use super::Viewport;
use super::driver::Driver;

/// Headless Chromium, sized, with its own profile; without the sandbox
/// when root (Chromium refuses to start sandboxed as root).
pub fn capabilities(
    driver: &Driver,
    profile: &tempfile::TempDir,
    viewport: Viewport,
) -> Capabilities {
    let mut args = vec![
        "--headless=new".to_owned(),
        "--disable-gpu".to_owned(),
        "--disable-dev-shm-usage".to_owned(),
        "--no-first-run".to_owned(),
        "--no-default-browser-check".to_owned(),
        format!("--user-data-dir={}", profile.path().display()),
        format!("--window-size={},{}", viewport.width, viewport.height),
    ];
    if running_as_root() {
        args.push("--no-sandbox".to_owned());
    }
    let mut options = json!({ "binary": driver.chromium, "args": args });
    if viewport.phone {
        options["mobileEmulation"] = json!({
            "deviceMetrics": {
                "width": viewport.width,
                "height": viewport.height,
                "pixelRatio": 2,
                "mobile": true,
                "touch": true,
            },
        });
    }
    let capabilities = json!({ "browserName": "chrome", "goog:chromeOptions": options });
    match capabilities {
        Value::Object(map) => map,
        _ => unreachable!("an object"),
    }
}

fn running_as_root() -> bool {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata("/proc/self").is_ok_and(|process| process.uid() == 0)
}

/// Sizes the window so that the page's viewport is `viewport`: the window
/// also holds the browser's bars, even headless.
pub async fn fit_window(client: &Client, viewport: Viewport) {
    let bars = client
        .execute(
            "return [window.outerWidth - window.innerWidth, window.outerHeight - window.innerHeight]",
            vec![],
        )
        .await
        .expect("the window's size");
    let bar = |index: usize| {
        bars[index]
            .as_u64()
            .and_then(|pixels| u32::try_from(pixels).ok())
            .unwrap_or_else(|| panic!("the size of the browser's bars: {bars}"))
    };
    client
        .set_window_size(viewport.width + bar(0), viewport.height + bar(1))
        .await
        .expect("size the window");
}
