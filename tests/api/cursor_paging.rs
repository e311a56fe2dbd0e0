//! Cursor paging (RFC 9865) on `GET /Users`, `GET /Groups` and their
//! `/.search`: a whole walk forwards and back, each error (`invalidCursor`,
//! `expiredCursor`, `invalidCount`), the ServiceProviderConfig block, a walk
//! across a key rotation. What cursors are for — a walk while members come
//! and go — is tests/api/cursor_walks.rs.

use std::collections::BTreeSet;
use std::time::Duration;

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{TestApp, TestDb, assert_scim_error, cli_token, scim};

crate::on_both_databases!(
    a_cursor_walks_every_member_once_forwards_and_back,
    groups_and_searches_walk_by_cursor_too,
    a_cursor_of_another_account_query_or_tampered_is_invalid_cursor,
    a_cursor_older_than_cursor_timeout_is_expired,
    a_walk_survives_a_key_rotation_and_a_restart,
    count_is_checked_at_the_limit_and_one_above,
    service_provider_config_advertises_both_methods,
);

/// `GET path`, asserting 200; the list.
pub(crate) async fn get(app: &TestApp, path: &str) -> Value {
    scim(app).ok(Method::GET, path, None).await
}

pub(crate) fn ids(page: &Value) -> Vec<String> {
    page["Resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|resource| resource["id"].as_str().unwrap().to_owned())
        .collect()
}

pub(crate) fn text<'a>(page: &'a Value, name: &str) -> Option<&'a str> {
    page.get(name).and_then(Value::as_str)
}

/// Walks `/Users` from the first page by `nextCursor`, `count` a page; the
/// pages.
async fn walk_users(app: &TestApp, query: &str, count: usize) -> Vec<Value> {
    let mut pages = Vec::new();
    let mut cursor = String::new();
    loop {
        let page = get(
            app,
            &format!("/scim/v2/Users?{query}&count={count}&cursor={cursor}"),
        )
        .await;
        let next = text(&page, "nextCursor").map(str::to_owned);
        pages.push(page);
        match next {
            Some(next) => cursor = next,
            None => return pages,
        }
    }
}

async fn a_cursor_walks_every_member_once_forwards_and_back(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let mut seeded = app.seed_users("walker", 23);
    seeded.sort();
    let pages = walk_users(&app, "excludedAttributes=groups", 5).await;
    assert_eq!(pages.len(), 5);
    let walked: Vec<String> = pages.iter().flat_map(ids).collect();
    assert_eq!(walked, seeded, "every member once, in id order");
    for (index, page) in pages.iter().enumerate() {
        assert_eq!(page["totalResults"], 23);
        assert!(
            page.get("startIndex").is_none(),
            "no index on a cursor page"
        );
        assert_eq!(page["itemsPerPage"], ids(page).len());
        assert_eq!(
            text(page, "previousCursor").is_some(),
            index > 0,
            "page {index}"
        );
        assert_eq!(
            text(page, "nextCursor").is_some(),
            index < 4,
            "page {index}"
        );
        let cursor = text(page, "nextCursor").unwrap_or_default();
        assert!(
            cursor
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'),
            "RFC 3986 unreserved: {cursor}"
        );
    }
    // Back from the last page by previousCursor: the same pages, reversed.
    let mut back = vec![ids(&pages[4])];
    let mut previous = text(&pages[4], "previousCursor").map(str::to_owned);
    while let Some(cursor) = previous {
        let page = get(
            &app,
            &format!("/scim/v2/Users?excludedAttributes=groups&count=5&cursor={cursor}"),
        )
        .await;
        assert!(
            text(&page, "nextCursor").is_some(),
            "a page read back has a next"
        );
        previous = text(&page, "previousCursor").map(str::to_owned);
        back.push(ids(&page));
    }
    back.reverse();
    assert_eq!(back, pages.iter().map(ids).collect::<Vec<_>>());
    // `?cursor` without a value is the first page too; without `cursor`,
    // index paging as before.
    let bare = get(
        &app,
        "/scim/v2/Users?cursor&count=5&excludedAttributes=groups",
    )
    .await;
    assert_eq!(ids(&bare), ids(&pages[0]));
    let index = get(&app, "/scim/v2/Users?count=5").await;
    assert_eq!(
        (index["startIndex"].clone(), index.get("nextCursor")),
        (json!(1), None)
    );
}

async fn groups_and_searches_walk_by_cursor_too(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let mut groups = Vec::new();
    for index in 0..5 {
        let group = scim(&app)
            .ok(
                Method::POST,
                "/scim/v2/Groups",
                Some(json!({"displayName": format!("Team {index}")})),
            )
            .await;
        groups.push(group["id"].as_str().unwrap().to_owned());
    }
    groups.sort();
    let (mut walked, mut cursor) = (Vec::new(), String::new());
    loop {
        let page = scim(&app)
            .ok(
                Method::POST,
                "/scim/v2/Groups/.search",
                Some(json!({
                    "schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
                    "filter": "displayName sw \"team\"", "cursor": cursor, "count": 2
                })),
            )
            .await;
        walked.extend(ids(&page));
        match text(&page, "nextCursor") {
            Some(next) => cursor = next.to_owned(),
            None => break,
        }
    }
    assert_eq!(walked, groups);
    // A filtered user search by POST, and the same by GET: one walk.
    app.seed_users("s", 6);
    app.seed_users("other", 3);
    let first = scim(&app)
        .ok(
            Method::POST,
            "/scim/v2/Users/.search",
            Some(json!({"filter": "userName sw \"s\"", "cursor": "", "count": 4})),
        )
        .await;
    assert_eq!(
        (first["totalResults"].clone(), ids(&first).len()),
        (json!(6), 4)
    );
    let next = text(&first, "nextCursor").unwrap();
    let second = get(
        &app,
        &format!("/scim/v2/Users?filter=UserName%20SW%20%22s%22&count=4&cursor={next}"),
    )
    .await;
    assert_eq!(ids(&second).len(), 2, "the same query, however spelled");
    assert!(second.get("nextCursor").is_none());
    // A cursor of /Users is no cursor of /Groups, even of the same query.
    let users = get(&app, "/scim/v2/Users?count=4&cursor=").await;
    let next = text(&users, "nextCursor").unwrap();
    let error = assert_scim_error(
        scim(&app)
            .send(
                Method::GET,
                &format!("/scim/v2/Groups?count=4&cursor={next}"),
                None,
            )
            .await,
        400,
    )
    .await;
    assert_eq!(error["scimType"], "invalidCursor");
}

/// The scimType of the answer to `GET path` with `token`, which must be 400.
async fn refusal(app: &TestApp, token: &str, path: &str) -> Value {
    let response = app
        .client
        .get(app.url(path))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_scim_error(response, 400).await
}

/// Asserts that each of `paths` is refused with 400 and `scim_type`.
async fn all_refused(app: &TestApp, paths: &[&str], scim_type: &str) {
    for path in paths {
        let error = refusal(app, &app.scim_token, path).await;
        assert_eq!(error["scimType"], scim_type, "{path}");
    }
}

async fn a_cursor_of_another_account_query_or_tampered_is_invalid_cursor(db: TestDb) {
    let app = TestApp::spawn(db).await;
    app.seed_users("m", 6);
    let page = get(
        &app,
        "/scim/v2/Users?filter=userName%20sw%20%22m%22&count=2&cursor=",
    )
    .await;
    let cursor = text(&page, "nextCursor").unwrap().to_owned();
    let mut tampered = cursor.clone().into_bytes();
    tampered[20] = if tampered[20] == b'A' { b'B' } else { b'A' };
    let tampered = String::from_utf8(tampered).unwrap();
    assert!(app.cli(&["accounts", "create", "other"]).status.success());
    let other = cli_token(&app, "other", "scim");
    let token = app.scim_token.clone();
    let mut details = BTreeSet::new();
    for (who, path) in [
        (
            &token,
            format!("/scim/v2/Users?filter=userName%20sw%20%22m%22&count=2&cursor={tampered}"),
        ),
        (
            &token,
            format!("/scim/v2/Users?filter=userName%20sw%20%22x%22&count=2&cursor={cursor}"),
        ),
        (
            &token,
            format!(
                "/scim/v2/Users?filter=userName%20sw%20%22m%22&count=2&attributes=userName&cursor={cursor}"
            ),
        ),
        (
            &token,
            "/scim/v2/Users?count=2&cursor=not-a-cursor".to_owned(),
        ),
        (
            &other,
            format!("/scim/v2/Users?filter=userName%20sw%20%22m%22&count=2&cursor={cursor}"),
        ),
    ] {
        let error = refusal(&app, who, &path).await;
        assert_eq!(error["scimType"], "invalidCursor", "{path}");
        details.insert(error["detail"].as_str().unwrap().to_owned());
    }
    assert_eq!(
        details.len(),
        1,
        "one answer, whatever is wrong: {details:?}"
    );
    // The untouched cursor still works for its own account and query.
    let next = get(
        &app,
        &format!("/scim/v2/Users?filter=userName%20sw%20%22m%22&count=2&cursor={cursor}"),
    )
    .await;
    assert_eq!(ids(&next).len(), 2);
    // Mixing the methods, sorting, or the search over every type: invalidValue.
    let mixed = format!("/scim/v2/Users?count=2&startIndex=1&cursor={cursor}");
    let paths = [mixed.as_str(), "/scim/v2/Users?cursor=&sortBy=userName"];
    all_refused(&app, &paths, "invalidValue").await;
    let response = scim(&app)
        .send(
            Method::POST,
            "/scim/v2/.search",
            Some(json!({"cursor": ""})),
        )
        .await;
    assert_eq!(
        assert_scim_error(response, 400).await["scimType"],
        "invalidValue"
    );
    // Okta's Roles and Entitlements page by startIndex only.
    let paths = [
        "/scim/v2/Roles?cursor=",
        "/scim/v2/Entitlements?count=1&cursor=",
    ];
    all_refused(&app, &paths, "invalidValue").await;
}

async fn a_cursor_older_than_cursor_timeout_is_expired(db: TestDb) {
    let app = TestApp::spawn_with(db, |config| {
        config.cursor_timeout = Duration::from_secs(1);
    })
    .await;
    app.seed_users("old", 3);
    let page = get(&app, "/scim/v2/Users?count=1&cursor=").await;
    let cursor = text(&page, "nextCursor").unwrap().to_owned();
    let fresh = get(&app, &format!("/scim/v2/Users?count=1&cursor={cursor}")).await;
    assert_eq!(ids(&fresh).len(), 1, "valid within the timeout");
    actix_web::rt::time::sleep(Duration::from_millis(1100)).await;
    let error = refusal(
        &app,
        &app.scim_token,
        &format!("/scim/v2/Users?count=1&cursor={cursor}"),
    )
    .await;
    assert_eq!(error["scimType"], "expiredCursor");
    assert!(
        error["detail"].as_str().unwrap().contains("1 seconds"),
        "{error}"
    );
}

async fn a_walk_survives_a_key_rotation_and_a_restart(db: TestDb) {
    let mut app = TestApp::spawn(db).await;
    let mut seeded = app.seed_users("k", 6);
    seeded.sort();
    let first = get(&app, "/scim/v2/Users?count=2&cursor=").await;
    let rotated = app.cli(&["keys", "rotate"]);
    assert!(rotated.status.success(), "{rotated:?}");
    // A new process over the same database (as another replica would be):
    // the new key is the newest, the cursor's key still opens it.
    app.restart().await;
    let mut walked = ids(&first);
    let mut cursor = text(&first, "nextCursor").unwrap().to_owned();
    loop {
        let page = get(&app, &format!("/scim/v2/Users?count=2&cursor={cursor}")).await;
        walked.extend(ids(&page));
        match text(&page, "nextCursor") {
            Some(next) => cursor = next.to_owned(),
            None => break,
        }
    }
    assert_eq!(walked, seeded);
}

async fn count_is_checked_at_the_limit_and_one_above(db: TestDb) {
    let app = TestApp::spawn_with(db, |config| config.max_page_size = 5).await;
    app.seed_users("c", 7);
    let at_limit = get(&app, "/scim/v2/Users?count=5&cursor=").await;
    assert_eq!(ids(&at_limit).len(), 5);
    let no_count = get(&app, "/scim/v2/Users?cursor=").await;
    assert_eq!(ids(&no_count).len(), 5, "defaultPageSize");
    let token = app.scim_token.clone();
    let paths = [
        "/scim/v2/Users?count=6&cursor=",
        "/scim/v2/Users?count=five&cursor=",
    ];
    all_refused(&app, &paths, "invalidCount").await;
    // Another count in the middle of a walk.
    let cursor = text(&at_limit, "nextCursor").unwrap();
    let error = refusal(
        &app,
        &token,
        &format!("/scim/v2/Users?count=4&cursor={cursor}"),
    )
    .await;
    assert_eq!(error["scimType"], "invalidCount");
    // count=0: only the total; index paging still clamps above the limit.
    let zero = get(&app, "/scim/v2/Users?count=0&cursor=").await;
    assert_eq!(
        (zero["totalResults"].clone(), ids(&zero).len()),
        (json!(7), 0)
    );
    assert!(zero.get("nextCursor").is_none());
    assert_eq!(ids(&get(&app, "/scim/v2/Users?count=6").await).len(), 5);
}

async fn service_provider_config_advertises_both_methods(db: TestDb) {
    let app = TestApp::spawn_with(db, |config| {
        config.max_page_size = 250;
        config.cursor_timeout = Duration::from_secs(90);
    })
    .await;
    let config = get(&app, "/scim/v2/ServiceProviderConfig").await;
    assert_eq!(
        config["pagination"],
        json!({
            "cursor": true, "index": true, "defaultPaginationMethod": "index",
            "defaultPageSize": 250, "maxPageSize": 250, "cursorTimeout": 90
        })
    );
}
