//! The console's Access review page over HTTP (docs/CONSOLE.md "Access
//! review"): the flagged members, the "Review completed" sign-off (who, the
//! reviewer's typed name and note shown escaped, when), the next review's
//! due date and the interval, the overdue highlight, the CSV export with
//! its guard against spreadsheet formulas, and the sign-off in
//! `GET /api/v1/reports/access-review`; forged forms, bad input, another
//! account and no session refused.

use chrono::{Duration, SecondsFormat, Utc};
use reqwest::Method;
use serde_json::{Value, json};

use crate::console::browserless;
use crate::console_access::{Console, audit};
use crate::helpers::{TestApp, TestDb, admin, cli_token};

crate::on_both_databases!(
    the_review_is_signed_off_and_the_next_one_is_due_after_the_interval,
    the_csv_lists_every_member_and_no_cell_is_a_formula,
    forged_forms_bad_input_and_other_accounts_change_nothing,
);

async fn report(app: &TestApp, token: &str) -> Value {
    let response = app
        .client
        .get(app.url("/api/v1/reports/access-review"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

fn parse_time(value: &Value) -> chrono::DateTime<Utc> {
    chrono::DateTime::parse_from_rfc3339(value.as_str().unwrap())
        .unwrap()
        .with_timezone(&Utc)
}

async fn the_review_is_signed_off_and_the_next_one_is_due_after_the_interval(db: TestDb) {
    let app = TestApp::spawn(db).await;
    admin(&app)
        .ok(
            Method::POST,
            "/api/v1/rules",
            Some(json!({"match": {"scim_role": "Boss"}, "role": "admin"})),
        )
        .await;
    app.create_user(&json!({"userName": "ada@example.com", "roles": [{"value": "Boss"}]}))
        .await;
    let bob = app
        .create_user(&json!({"userName": "bob@example.com"}))
        .await;
    let long_ago = (Utc::now() - Duration::days(200)).to_rfc3339_opts(SecondsFormat::Secs, true);
    admin(&app)
        .ok(
            Method::POST,
            &format!("/api/v1/members/{}/logins", bob["id"].as_str().unwrap()),
            Some(json!({"at": long_ago})),
        )
        .await;
    let output = app.cli(&["members", "add", "--account", "default", "break-glass"]);
    assert!(output.status.success(), "{output:?}");
    let console = Console::open(&app).await;

    // Never signed off, and the account is new: due in 14 days.
    let before = report(&app, &app.admin_token).await;
    assert_eq!(before["lastReview"], Value::Null);
    assert_eq!(before["reviewIntervalDays"], 14);
    assert_eq!(before["reviewOverdue"], false);
    let (status, page) = console.get("/console/review?max_admins=0").await;
    assert_eq!(status, 200);
    assert!(page.contains("never been signed off"), "{page}");
    assert!(!page.contains(r#"class="overdue" id="due""#), "{page}");
    assert!(page.contains("Admins over the limit"), "{page}");
    let section = |id: &str| {
        let start = page.find(&format!(r#"id="{id}""#)).unwrap();
        let end = page[start..].find("</table>").unwrap();
        page[start..start + end].to_owned()
    };
    assert!(section("admins").contains("ada@example.com"));
    assert!(section("stale").contains("bob@example.com"));
    assert!(section("local").contains("break-glass"));
    assert!(!section("local").contains("ada@example.com"));
    assert!(page.contains(r#"href="/console/review.csv?stale_days=90&amp;max_admins=0""#));

    // "Review completed", with what the reviewer typed: shown escaped.
    let (status, location) = console
        .post(
            "/console/review/sign-off",
            &[
                ("reviewer", " <script>alert(1)</script> Eve "),
                ("note", "All fine.\nBob asked."),
            ],
        )
        .await;
    assert_eq!(
        (status, location.as_str()),
        (303, "/console/review?done=signed-off")
    );
    let (_, page) = console.get("/console/review?done=signed-off").await;
    assert!(page.contains("The review is signed off."));
    assert!(!page.contains("<script>alert"), "{page}");
    assert!(
        page.contains("&lt;script&gt;alert(1)&lt;/script&gt; Eve"),
        "{page}"
    );
    assert!(page.contains("console session (link from token"), "{page}");

    // In the API's report: who, when, and the next due date.
    let after = report(&app, &app.admin_token).await;
    let last = &after["lastReview"];
    assert_eq!(last["reviewer"], "<script>alert(1)</script> Eve");
    assert_eq!(last["note"], "All fine.\nBob asked.");
    assert_eq!(last["by"]["type"], "console");
    assert_eq!(last["by"]["linkIssuedBy"]["type"], "token");
    let at = parse_time(&last["at"]);
    assert!((Utc::now() - at).num_seconds().abs() < 60, "{last}");
    assert_eq!(parse_time(&after["nextReviewDue"]) - at, Duration::days(14));
    let entries = audit(&app, &app.admin_token).await;
    let signed = entries.last().unwrap();
    assert_eq!(signed["resource"]["type"], "AccessReview");
    assert_eq!(signed["resource"]["id"], last["id"]);
    assert_eq!(signed["action"], "created");
    assert_eq!(signed["actor"]["type"], "console");
    assert_eq!(signed["changes"]["note"]["after"], "All fine.\nBob asked.");

    // The interval moves the due date, and is audited.
    let (status, location) = console
        .post("/console/review/interval", &[("days", "30")])
        .await;
    assert_eq!(
        (status, location.as_str()),
        (303, "/console/review?done=interval-saved")
    );
    let after = report(&app, &app.admin_token).await;
    assert_eq!(after["reviewIntervalDays"], 30);
    assert_eq!(parse_time(&after["nextReviewDue"]) - at, Duration::days(30));
    let entries = audit(&app, &app.admin_token).await;
    let changed = entries.last().unwrap();
    assert_eq!(changed["resource"]["type"], "AccessReview");
    assert_eq!(changed["resource"]["id"], app.account.id.to_string());
    assert_eq!(changed["action"], "modified");
    assert_eq!(
        changed["changes"]["intervalDays"],
        json!({"before": 14, "after": 30})
    );
    // The same interval again records nothing.
    console
        .post("/console/review/interval", &[("days", "30")])
        .await;
    assert_eq!(audit(&app, &app.admin_token).await.len(), entries.len());

    // A review signed off long ago is overdue, on the page and in the API.
    app.execute_sql("UPDATE access_reviews SET reviewed_at = '2026-01-01 00:00:00'");
    let overdue = report(&app, &app.admin_token).await;
    assert_eq!(overdue["reviewOverdue"], true);
    assert_eq!(overdue["nextReviewDue"], "2026-01-31T00:00:00.000Z");
    let (_, page) = console.get("/console/review").await;
    assert!(
        page.contains(r#"class="overdue" id="due" role="alert">The review is overdue: it was due 2026-01-31 00:00 UTC."#),
        "{page}"
    );
    // A second sign-off is the last one; the first stays in the history.
    console
        .post(
            "/console/review/sign-off",
            &[("reviewer", ""), ("note", "")],
        )
        .await;
    let again = report(&app, &app.admin_token).await;
    assert_eq!(again["reviewOverdue"], false);
    assert_eq!(again["lastReview"]["reviewer"], Value::Null);
    let (_, page) = console.get("/console/review").await;
    assert!(page.contains(r#"id="history""#) && page.contains("2026-01-01 00:00 UTC"));
}

async fn the_csv_lists_every_member_and_no_cell_is_a_formula(db: TestDb) {
    let app = TestApp::spawn(db).await;
    app.create_user(&json!({
        "userName": "=HYPERLINK(\"http://evil.example\",\"x\")",
        "displayName": "+SUM(1,2)",
    }))
    .await;
    app.create_user(&json!({"userName": "@cmd", "displayName": "-1"}))
        .await;
    app.create_user(&json!({"userName": "plain", "displayName": "A=B"}))
        .await;
    let console = Console::open(&app).await;
    let response = browserless()
        .get(app.url("/console/review.csv?stale_days=30"))
        .header("Cookie", &console.cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"],
        "text/csv; charset=utf-8"
    );
    assert_eq!(
        response.headers()["content-disposition"],
        "attachment; filename=\"access-review.csv\""
    );
    let body = response.text().await.unwrap();
    let mut reader = csv::Reader::from_reader(body.as_bytes());
    let header = reader.headers().unwrap().clone();
    assert_eq!(&header[1], "userName");
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 3);
    let names: Vec<(&str, &str)> = rows.iter().map(|row| (&row[1], &row[2])).collect();
    for expected in [
        ("'=HYPERLINK(\"http://evil.example\",\"x\")", "'+SUM(1,2)"),
        ("'@cmd", "'-1"),
        ("plain", "A=B"),
    ] {
        assert!(names.contains(&expected), "{expected:?} in {names:?}");
    }
    for row in &rows {
        for cell in row {
            assert!(
                !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                "{cell}"
            );
        }
    }
    // The API's CSV is the same, guarded alike.
    let response = app
        .client
        .get(app.url("/api/v1/reports/access-review?format=csv&stale_days=30"))
        .bearer_auth(&app.admin_token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.text().await.unwrap(), body);
}

async fn forged_forms_bad_input_and_other_accounts_change_nothing(db: TestDb) {
    let app = TestApp::spawn(db).await;
    app.create_user(&json!({"userName": "a-secret@example.com"}))
        .await;
    let console = Console::open(&app).await;
    let unchanged =
        |report: &Value| report["lastReview"].is_null() && report["reviewIntervalDays"] == 14;
    let sign_off = [("reviewer", "Eve"), ("note", "")];
    let (status, _) = console
        .post_with_csrf("/console/review/sign-off", &sign_off, "forged")
        .await;
    assert_eq!(status, 403);
    let (status, _) = console
        .post_with_csrf("/console/review/interval", &[("days", "30")], "")
        .await;
    assert_eq!(status, 403);
    assert!(unchanged(&report(&app, &app.admin_token).await));

    // Bad input: a 400 page in words.
    let long = "x".repeat(201);
    let long_note = "y".repeat(2001);
    for (path, fields, words) in [
        (
            "/console/review/interval",
            vec![("days", "0")],
            "1 to 365 days",
        ),
        (
            "/console/review/interval",
            vec![("days", "366")],
            "1 to 365 days",
        ),
        (
            "/console/review/interval",
            vec![("days", "-5")],
            "1 to 365 days",
        ),
        (
            "/console/review/interval",
            vec![("days", "two weeks")],
            "whole number",
        ),
        (
            "/console/review/interval",
            vec![("days", "99999999999999999999")],
            "whole number",
        ),
        (
            "/console/review/sign-off",
            vec![("reviewer", long.as_str())],
            "at most 200",
        ),
        (
            "/console/review/sign-off",
            vec![("note", long_note.as_str())],
            "at most 2000",
        ),
        (
            "/console/review/sign-off",
            vec![("reviewer", "a\u{7}b")],
            "control characters",
        ),
    ] {
        let (status, page) = console.post(path, &fields).await;
        assert_eq!(status, 400, "{path} {fields:?}: {page}");
        assert!(page.contains(words), "{path} {fields:?}: {page}");
    }
    for query in [
        "stale_days=abc",
        "stale_days=0",
        "stale_days=3651",
        "max_admins=-1",
    ] {
        for page in ["/console/review", "/console/review.csv"] {
            let (status, body) = console.get(&format!("{page}?{query}")).await;
            assert_eq!(status, 400, "{page}?{query}: {body}");
            assert!(body.contains("<p class=\"error\""), "{body}");
        }
    }
    assert!(unchanged(&report(&app, &app.admin_token).await));

    // Another account's session sees and signs off only its own review.
    assert!(app.cli(&["accounts", "create", "other"]).status.success());
    let other_admin = cli_token(&app, "other", "admin");
    let other = Console::open_with(&app, &other_admin).await;
    let (status, page) = other.get("/console/review?stale_days=1").await;
    assert_eq!(status, 200);
    assert!(!page.contains("a-secret@example.com"));
    let (_, csv) = other.get("/console/review.csv").await;
    assert!(!csv.contains("a-secret@example.com"));
    // A's CSRF token does not work with B's session.
    let (status, _) = other
        .post_with_csrf("/console/review/sign-off", &sign_off, &console.csrf)
        .await;
    assert_eq!(status, 403);
    assert_eq!(
        other.post("/console/review/sign-off", &sign_off).await.0,
        303
    );
    assert_eq!(
        other
            .post("/console/review/interval", &[("days", "7")])
            .await
            .0,
        303
    );
    assert!(unchanged(&report(&app, &app.admin_token).await));
    let theirs = report(&app, &other_admin).await;
    assert_eq!(theirs["lastReview"]["reviewer"], "Eve");
    assert_eq!(theirs["reviewIntervalDays"], 7);
    assert!(
        !audit(&app, &app.admin_token)
            .await
            .iter()
            .any(|entry| entry["resource"]["type"] == "AccessReview")
    );

    // Without a session: the signed-out page.
    for path in ["/console/review", "/console/review.csv"] {
        let response = browserless().get(app.url(path)).send().await.unwrap();
        assert_eq!(response.status(), 401, "{path}");
    }
    let response = browserless()
        .post(app.url("/console/review/sign-off"))
        .form(&sign_off)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
}
