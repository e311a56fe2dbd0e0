//! The console's Access rules page over HTTP (docs/CONSOLE.md "Access
//! rules"): the model, workspaces and rules shown; a rule added only after
//! its preview, deleted after a confirmation that previews it too; each
//! change in the audit log as the console session's; bad input a 400 page
//! in words; a forged CSRF token, another account's rule and no session
//! refused.

use reqwest::Method;
use serde_json::{Value, json};

use crate::console::{browserless, csrf_token, sign_in, sign_in_with};
use crate::helpers::{TestApp, TestDb, admin, cli_token, scim};

crate::on_both_databases!(
    a_rule_is_added_after_its_preview_and_deleted_after_confirmation,
    bad_rules_forged_forms_and_other_accounts_are_refused,
);

/// A browser's session of the console: its cookie and CSRF token.
pub struct Console<'a> {
    pub app: &'a TestApp,
    pub cookie: String,
    pub csrf: String,
}

impl<'a> Console<'a> {
    /// A session of the app's first account.
    pub async fn open(app: &'a TestApp) -> Self {
        let cookie = sign_in(app).await;
        let csrf = csrf_token(&cookie);
        Self { app, cookie, csrf }
    }

    /// A session of the account whose admin token is `admin_token`.
    pub async fn open_with(app: &'a TestApp, admin_token: &str) -> Self {
        let cookie = sign_in_with(app, admin_token).await;
        let csrf = csrf_token(&cookie);
        Self { app, cookie, csrf }
    }

    pub async fn get(&self, path: &str) -> (u16, String) {
        let response = browserless()
            .get(self.app.url(path))
            .header("Cookie", &self.cookie)
            .send()
            .await
            .unwrap();
        (response.status().as_u16(), response.text().await.unwrap())
    }

    /// POSTs the form `fields` with the session's CSRF token, from this
    /// origin; the status and the body or the `Location`.
    pub async fn post(&self, path: &str, fields: &[(&str, &str)]) -> (u16, String) {
        self.post_with_csrf(path, fields, &self.csrf.clone()).await
    }

    pub async fn post_with_csrf(
        &self,
        path: &str,
        fields: &[(&str, &str)],
        csrf: &str,
    ) -> (u16, String) {
        let mut form = vec![("csrf", csrf)];
        form.extend_from_slice(fields);
        let response = browserless()
            .post(self.app.url(path))
            .header("Cookie", &self.cookie)
            .header("Sec-Fetch-Site", "same-origin")
            .form(&form)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        if status == 303 {
            let location = response.headers()["location"].to_str().unwrap().to_owned();
            return (status, location);
        }
        (status, response.text().await.unwrap())
    }
}

/// The account's audit entries, oldest first.
pub async fn audit(app: &TestApp, token: &str) -> Vec<Value> {
    let response = app
        .client
        .get(app.url("/api/v1/audit?limit=1000"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let body: Value = response.json().await.unwrap();
    body["entries"].as_array().unwrap().clone()
}

async fn rules(app: &TestApp) -> Vec<Value> {
    let body = admin(app).ok(Method::GET, "/api/v1/rules", None).await;
    body["rules"].as_array().unwrap().clone()
}

async fn role_of(app: &TestApp, member: &str) -> Value {
    let access = admin(app)
        .ok(
            Method::GET,
            &format!("/api/v1/members/{member}/access"),
            None,
        )
        .await;
    access["role"].clone()
}

const ENGINEERING_ADMINS: [(&str, &str); 5] = [
    ("kind", "group_name"),
    ("value", "Engineering"),
    ("role", "admin"),
    ("workspace", "prod"),
    ("level", "editor"),
];

async fn a_rule_is_added_after_its_preview_and_deleted_after_confirmation(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let admin = admin(&app);
    admin
        .ok(
            Method::POST,
            "/api/v1/workspaces",
            Some(json!({"slug": "prod", "name": "Production <main>"})),
        )
        .await;
    admin
        .ok(
            Method::POST,
            "/api/v1/rules",
            Some(json!({"match": {"scim_role": "Ops"}, "role": "admin"})),
        )
        .await;
    let ada = app
        .create_user(&json!({"userName": "ada@example.com"}))
        .await;
    let ada = ada["id"].as_str().unwrap().to_owned();
    scim(&app)
        .ok(
            Method::POST,
            "/scim/v2/Groups",
            Some(json!({"displayName": "Engineering", "members": [{"value": ada}]})),
        )
        .await;
    let console = Console::open(&app).await;

    let (status, page) = console.get("/console/access").await;
    assert_eq!(status, 200);
    // Roles and levels from the least access to the most, the default marked.
    let roles = &page[page.find(r#"id="roles""#).unwrap()..];
    assert!(roles.find("member").unwrap() < roles.find("admin").unwrap());
    assert!(
        page.contains(r#"member <span class="badge">default</span>"#),
        "{page}"
    );
    let levels = &page[page.find(r#"id="levels""#).unwrap()..];
    assert!(levels.find("viewer").unwrap() < levels.find("editor").unwrap());
    // The workspace (its name escaped) and the rule.
    assert!(page.contains("Production &lt;main&gt;"), "{page}");
    assert!(page.contains("SCIM role value <code>Ops</code>"), "{page}");

    // The preview says who gains what, and changes nothing.
    let (status, preview) = console
        .post("/console/access/rules/preview", &ENGINEERING_ADMINS)
        .await;
    assert_eq!(status, 200, "{preview}");
    assert!(preview.contains("ada@example.com"), "{preview}");
    assert!(preview.contains("role admin (was member)"), "{preview}");
    assert!(preview.contains("in prod: editor"), "{preview}");
    assert!(
        preview.contains("<strong>1</strong> member(s) would gain"),
        "{preview}"
    );
    assert!(
        preview.contains(r#"name="value" value="Engineering""#),
        "{preview}"
    );
    assert!(preview.contains("Save rule"));
    assert_eq!(rules(&app).await.len(), 1);
    assert_eq!(role_of(&app, &ada).await, "member");

    // Saving it applies it, as the console session.
    let (status, location) = console
        .post("/console/access/rules", &ENGINEERING_ADMINS)
        .await;
    assert_eq!(
        (status, location.as_str()),
        (303, "/console/access?done=rule-added")
    );
    assert_eq!(role_of(&app, &ada).await, "admin");
    let all = rules(&app).await;
    assert_eq!(all.len(), 2);
    let rule = all
        .iter()
        .find(|rule| rule["match"]["group_name"] == "Engineering")
        .unwrap();
    let id = rule["id"].as_str().unwrap().to_owned();
    let entries = audit(&app, &app.admin_token).await;
    let created = entries
        .iter()
        .find(|entry| entry["resource"] == json!({"type": "Rule", "id": id}))
        .unwrap();
    assert_eq!(created["action"], "created");
    assert_eq!(created["actor"]["type"], "console");
    let (_, page) = console.get("/console/access?done=rule-added").await;
    assert!(page.contains("The rule was saved and applied."));
    assert!(
        page.contains("Group named <code>Engineering</code>"),
        "{page}"
    );

    // Deleting asks first, with who loses what.
    let delete = format!("/console/access/rules/{id}/delete");
    assert!(page.contains(&format!(r#"href="{delete}""#)), "{page}");
    let (status, confirm) = console.get(&delete).await;
    assert_eq!(status, 200);
    assert!(confirm.contains("role admin (now member)"), "{confirm}");
    assert!(
        confirm.contains(&format!(r#"action="{delete}""#)),
        "{confirm}"
    );
    assert_eq!(rules(&app).await.len(), 2);
    let (status, location) = console.post(&delete, &[]).await;
    assert_eq!(
        (status, location.as_str()),
        (303, "/console/access?done=rule-deleted")
    );
    assert_eq!(rules(&app).await.len(), 1);
    assert_eq!(role_of(&app, &ada).await, "member");
    let entries = audit(&app, &app.admin_token).await;
    let deleted = entries.last().unwrap();
    assert_eq!(deleted["resource"]["id"], id.as_str());
    assert_eq!(deleted["action"], "deleted");
    assert_eq!(deleted["actor"]["type"], "console");
}

async fn bad_rules_forged_forms_and_other_accounts_are_refused(db: TestDb) {
    let app = TestApp::spawn(db).await;
    admin(&app)
        .ok(
            Method::POST,
            "/api/v1/workspaces",
            Some(json!({"slug": "prod"})),
        )
        .await;
    let console = Console::open(&app).await;
    let rule = |kind: &'static str, value: &'static str, role: &'static str, workspace, level| {
        [
            ("kind", kind),
            ("value", value),
            ("role", role),
            ("workspace", workspace),
            ("level", level),
        ]
    };
    for (fields, status, words) in [
        (
            rule("group_name", " ", "admin", "", ""),
            400,
            "the value is empty",
        ),
        (
            rule("bogus", "x", "admin", "", ""),
            400,
            "choose what the rule matches",
        ),
        (rule("group_name", "x", "", "", ""), 400, "grants a role"),
        (
            rule("group_name", "x", "owner", "", ""),
            400,
            "is not one of the account",
        ),
        (
            rule("group_name", "x", "admin", "prod", ""),
            400,
            "needs both",
        ),
        (
            rule("group_name", "x", "", "nope", "viewer"),
            404,
            "no workspace",
        ),
    ] {
        for path in ["/console/access/rules/preview", "/console/access/rules"] {
            let (got, page) = console.post(path, &fields).await;
            assert_eq!(got, status, "{path} {fields:?}: {page}");
            assert!(page.contains(words), "{path} {fields:?}: {page}");
            // The form comes back as it was sent.
            assert!(page.contains(r#"id="add-rule""#), "{page}");
        }
    }
    // A form with no fields at all.
    let (status, _) = console.post("/console/access/rules", &[]).await;
    assert_eq!(status, 400);
    assert!(rules(&app).await.is_empty());

    // A forged CSRF token: nothing is created or deleted.
    let good = rule("group_name", "Eng", "admin", "", "");
    let (status, _) = console
        .post_with_csrf("/console/access/rules", &good, "forged")
        .await;
    assert_eq!(status, 403);
    assert!(rules(&app).await.is_empty());
    assert_eq!(console.post("/console/access/rules", &good).await.0, 303);
    let id = rules(&app).await[0]["id"].as_str().unwrap().to_owned();
    let delete = format!("/console/access/rules/{id}/delete");
    assert_eq!(console.post_with_csrf(&delete, &[], "forged").await.0, 403);
    assert_eq!(rules(&app).await.len(), 1);

    // Another account's rule is not found, and stays.
    assert!(app.cli(&["accounts", "create", "other"]).status.success());
    let other_admin = cli_token(&app, "other", "admin");
    let response = app
        .client
        .post(app.url("/api/v1/rules"))
        .bearer_auth(&other_admin)
        .json(&json!({"match": {"group_name": "B secret group"}, "role": "admin"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let theirs: Value = response.json().await.unwrap();
    let theirs = format!(
        "/console/access/rules/{}/delete",
        theirs["id"].as_str().unwrap()
    );
    let (status, page) = console.get(&theirs).await;
    assert_eq!(status, 404, "{page}");
    assert!(!page.contains("B secret group"));
    assert_eq!(console.post(&theirs, &[]).await.0, 404);
    for path in [
        "/console/access/rules/x/delete",
        "/console/access/rules/preview/delete",
    ] {
        assert_eq!(console.get(path).await.0, 404, "{path}");
    }
    let (_, page) = console.get("/console/access").await;
    assert!(!page.contains("B secret group"));
    let other = Console::open_with(&app, &other_admin).await;
    let (_, page) = other.get("/console/access").await;
    assert!(page.contains("B secret group") && !page.contains("<code>Eng</code>"));
    let response = app
        .client
        .get(app.url("/api/v1/rules"))
        .bearer_auth(&other_admin)
        .send()
        .await
        .unwrap();
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["rules"].as_array().unwrap().len(), 1);

    // Without a session: the signed-out page.
    let response = browserless()
        .get(app.url("/console/access"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    let response = browserless()
        .post(app.url("/console/access/rules/preview"))
        .form(&good)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
}
