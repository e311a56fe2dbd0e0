//! A console session as a browser without script drives it, for the tests
//! of the console's pages over HTTP, and what those tests look at besides
//! the pages: the account's tokens, a token's reach, the audit log.

use reqwest::Method;
use serde_json::Value;

use crate::console::{browserless, csrf_token, sign_in, sign_in_with};
use crate::helpers::{TestApp, admin, stdout};

/// A console session of one account, as a browser without script drives
/// it.
pub struct Console<'a> {
    pub app: &'a TestApp,
    pub cookie: String,
}

impl<'a> Console<'a> {
    /// A session of the first start's account.
    pub async fn open(app: &'a TestApp) -> Self {
        Self {
            app,
            cookie: sign_in(app).await,
        }
    }

    /// A session of the account whose admin token this is.
    pub async fn open_with(app: &'a TestApp, admin_token: &str) -> Self {
        Self {
            app,
            cookie: sign_in_with(app, admin_token).await,
        }
    }

    /// `GET path`: the status and the page.
    pub async fn get(&self, path: &str) -> (u16, String) {
        let response = browserless()
            .get(self.app.url(path))
            .header("Cookie", &self.cookie)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        assert!(
            response.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/html")
                || status == 303,
            "{path}: an HTML page"
        );
        (status, response.text().await.unwrap())
    }

    /// `POST path` with `fields` and the session's CSRF token, as the
    /// console's own form: the status, the `Location` and the page.
    pub async fn post(&self, path: &str, fields: &[(&str, &str)]) -> (u16, String, String) {
        self.post_with_csrf(path, fields, &csrf_token(&self.cookie))
            .await
    }

    pub async fn post_with_csrf(
        &self,
        path: &str,
        fields: &[(&str, &str)],
        csrf: &str,
    ) -> (u16, String, String) {
        let mut form: Vec<(&str, &str)> = fields.to_vec();
        form.push(("csrf", csrf));
        let response = browserless()
            .post(self.app.url(path))
            .header("Cookie", &self.cookie)
            .header("Sec-Fetch-Site", "same-origin")
            .form(&form)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        let location = response
            .headers()
            .get("location")
            .map(|value| value.to_str().unwrap().to_owned())
            .unwrap_or_default();
        (status, location, response.text().await.unwrap())
    }
}

/// The text of `<code id="secret" …>…</code>` on a page that shows a
/// secret once.
pub fn shown_secret(html: &str) -> String {
    let start = html.find(r#"id="secret""#).expect("a secret on the page");
    let after = &html[start..];
    let open = after.find('>').unwrap() + 1;
    let close = after.find("</code>").unwrap();
    after[open..close].to_owned()
}

/// The account's tokens as the CLI lists them.
pub fn tokens(app: &TestApp, account: &str) -> Vec<Value> {
    let output = app.cli(&["tokens", "list", "--account", account, "--json"]);
    assert!(output.status.success(), "{output:?}");
    serde_json::from_str::<Value>(&stdout(&output))
        .unwrap()
        .as_array()
        .unwrap()
        .clone()
}

pub fn token_id(app: &TestApp, label: &str) -> String {
    let listed = tokens(app, "default");
    let matching: Vec<&Value> = listed
        .iter()
        .filter(|token| token["label"] == label && token["revoked"].is_null())
        .collect();
    assert_eq!(matching.len(), 1, "{listed:?}");
    matching[0]["id"].as_str().unwrap().to_owned()
}

/// The status of a SCIM request with `token`.
pub async fn scim_status(app: &TestApp, token: &str) -> u16 {
    app.client
        .get(app.url("/scim/v2/Users?count=1"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

/// The audit entries of the console session on resources of `kind`.
pub async fn console_entries(app: &TestApp, kind: &str) -> Vec<Value> {
    let entries = admin(app)
        .ok(Method::GET, "/api/v1/audit?limit=200", None)
        .await;
    entries["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|entry| entry["actor"]["type"] == "console" && entry["resource"]["type"] == kind)
        .cloned()
        .collect()
}
