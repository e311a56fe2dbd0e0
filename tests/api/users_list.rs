//! Listing and searching Users (RFC 7644 §3.4.2, §3.4.3) as Okta and Entra
//! do it (docs/OKTA.md, docs/ENTRA.md): the existence pre-checks, raw query
//! encodings, paging, sorting, `.search`, and the errors for what cannot be evaluated.

use serde_json::{Value, json};

use crate::helpers::{TestApp, TestDb, assert_scim_content_type, assert_scim_error};

crate::on_both_databases!(
    okta_precheck_finds_the_user_case_insensitively_and_misses_with_an_empty_list,
    entra_matching_filters_find_the_user,
    entra_raw_query_with_plus_for_spaces,
    deactivated_users_stay_findable,
    count_zero_gives_only_the_total_and_pages_report_their_start,
    search_endpoints_take_the_same_parameters_in_a_body,
    bad_filters_and_sorts_are_400_with_a_useful_detail,
    filters_never_reach_another_account,
);

fn entra_user(user_name: &str, external_id: &str, email: &str) -> Value {
    json!({
        "schemas": [
            "urn:ietf:params:scim:schemas:core:2.0:User",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
        "externalId": external_id,
        "userName": user_name,
        "active": true,
        "emails": [
            { "primary": false, "type": "home", "value": "home@example.org" },
            { "primary": true, "type": "work", "value": email }
        ],
        "meta": { "resourceType": "User" },
        "name": { "formatted": "givenName familyName", "familyName": "familyName", "givenName": "givenName" },
        "roles": [],
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {
            "employeeNumber": "701984", "department": "Tour Operations", "manager": "26118915-6090"
        }
    })
}

/// `GET` with the query as given (already encoded), returning the list.
async fn list(app: &TestApp, query: &str) -> Value {
    let response = app.scim_get(&format!("/scim/v2/Users?{query}")).await;
    assert_eq!(response.status(), 200, "{query}");
    assert_scim_content_type(&response);
    response.json().await.unwrap()
}

fn ids(list: &Value) -> Vec<&str> {
    list["Resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|user| user["id"].as_str().unwrap())
        .collect()
}

async fn okta_precheck_finds_the_user_case_insensitively_and_misses_with_an_empty_list(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let missing = list(
        &app,
        "filter=userName%20eq%20%22test.user%40okta.local%22&startIndex=1&count=100",
    )
    .await;
    assert_eq!(
        missing,
        json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
            "totalResults": 0, "startIndex": 1, "itemsPerPage": 0, "Resources": []
        })
    );
    let created = app.create_user(&json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "Test.User@okta.local",
               "name": {"givenName": "Test", "familyName": "User"}, "password": "1mz050nq", "groups": []}),
    )
    .await;
    app.create_user(&json!({"userName": "other@okta.local"}))
        .await;
    let found = list(
        &app,
        "filter=userName%20eq%20%22test.user%40OKTA.local%22&startIndex=1&count=100",
    )
    .await;
    assert_eq!(found["totalResults"], 1);
    assert_eq!(found["itemsPerPage"], 1);
    assert_eq!(ids(&found), [created["id"].as_str().unwrap()]);
    assert_eq!(
        found["Resources"][0]["userName"], "Test.User@okta.local",
        "stored as sent"
    );
    assert!(found["Resources"][0].get("password").is_none());
}

async fn entra_matching_filters_find_the_user(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let user = app
        .create_user(&entra_user(
            "Test_User_00aa00aa",
            "0a21f0f2-8d2a",
            "Test_User_11bb11bb@testuser.com",
        ))
        .await;
    let id = user["id"].as_str().unwrap();
    let mut someone_else = entra_user("someone.else", "ffff", "someone@testuser.com");
    someone_else["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"] =
        json!({"employeeNumber": "1", "manager": "another-manager"});
    app.create_user(&someone_else).await;
    for query in [
        "filter=userName+eq+%22Test_User_00aa00aa%22",
        "filter=externalId+eq+%220a21f0f2-8d2a%22",
        // Entra's legacy unquoted value.
        "filter=externalId+eq+0a21f0f2-8d2a",
        "filter=emails%5Btype+eq+%22work%22%5D.value+eq+%22test_user_11bb11bb%40TESTUSER.com%22",
        "filter=emails.value+eq+%22Test_User_11bb11bb%40testuser.com%22",
        "filter=id+eq+%22{id}%22+and+manager+eq+%2226118915-6090%22",
        "filter=urn%3Aietf%3Aparams%3Ascim%3Aschemas%3Aextension%3Aenterprise%3A2.0%3AUser%3AemployeeNumber+eq+%22701984%22",
        "filter=userName+eq+%22Test_User_00aa00aa%22+and+active+eq+true",
    ] {
        let query = query.replace("{id}", id);
        assert_eq!(ids(&list(&app, &query).await), [id], "{query}");
    }
    // The home address is not the work address: one element must meet both conditions.
    let crossed = list(
        &app,
        "filter=emails%5Btype+eq+%22work%22%5D.value+eq+%22home%40example.org%22",
    )
    .await;
    assert_eq!(crossed["totalResults"], 0);
    // externalId is caseExact.
    assert_eq!(
        list(&app, "filter=externalId+eq+%220A21F0F2-8D2A%22").await["totalResults"],
        0
    );
}

/// Entra sends `+` for spaces, values hold spaces, and the quotes often
/// come unencoded (docs/ENTRA.md): `filter=userName+eq+"a@b.c"`. Both
/// forms, on a raw socket (an HTTP client would encode the quotes), for
/// Users and Groups (vendor/http/ROSTER-PATCH.md).
async fn entra_raw_query_with_plus_for_spaces(db: TestDb) {
    use std::io::{Read, Write};

    let app = TestApp::spawn(db).await;
    let user = app
        .create_user(&json!({"userName": "dale mohr@romaguera.uk"}))
        .await;
    let group = crate::helpers::scim(&app)
        .ok(
            reqwest::Method::POST,
            "/scim/v2/Groups",
            Some(json!({"displayName": "EDU All personal"})),
        )
        .await;
    let host = app.address.trim_start_matches("http://").to_owned();
    let targets = [
        (
            "/scim/v2/Users?filter=userName+eq+%22dale+mohr%40romaguera.uk%22&startIndex=1&count=100",
            &user,
        ),
        (
            "/scim/v2/Users?filter=userName+eq+\"dale+mohr%40romaguera.uk\"",
            &user,
        ),
        (
            "/scim/v2/Users?filter=userName+eq+\"DALE+MOHR@romaguera.uk\"&attributes=userName",
            &user,
        ),
        (
            "/scim/v2/Groups?excludedAttributes=members&filter=displayName+eq+%22EDU+All+personal%22",
            &group,
        ),
        (
            "/scim/v2/Groups?excludedAttributes=members&filter=displayName+eq+\"EDU+All+personal\"",
            &group,
        ),
    ];
    for (target, expected) in targets {
        // The server's workers run on their own threads: blocking I/O is fine here.
        let mut stream = std::net::TcpStream::connect(&host).unwrap();
        let request = format!(
            "GET {target} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {}\r\n\
             Connection: close\r\n\r\n",
            app.scim_token
        );
        stream.write_all(request.as_bytes()).unwrap();
        let mut response = String::new();
        stream.read_to_string(&mut response).unwrap();
        assert!(response.starts_with("HTTP/1.1 200"), "{target}: {response}");
        assert!(
            response.contains(expected["id"].as_str().unwrap()),
            "{target}: {response}"
        );
        assert!(
            response.contains("\"totalResults\":1"),
            "{target}: {response}"
        );
    }
}

async fn deactivated_users_stay_findable(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let mut body = json!({"userName": "leaver@example.com", "active": true});
    let user = app.create_user(&body.clone()).await;
    let id = user["id"].as_str().unwrap();
    body["active"] = json!(false);
    let response = app
        .client
        .put(app.url(&format!("/scim/v2/Users/{id}")))
        .bearer_auth(&app.scim_token)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let found = list(&app, "filter=userName+eq+%22LEAVER%40example.com%22").await;
    assert_eq!(ids(&found), [id]);
    assert_eq!(found["Resources"][0]["active"], false);
    assert_eq!(ids(&list(&app, "filter=active+eq+false").await), [id]);
    assert_eq!(
        list(&app, "filter=active+eq+%22True%22").await["totalResults"],
        0
    );
}

async fn count_zero_gives_only_the_total_and_pages_report_their_start(db: TestDb) {
    let app = TestApp::spawn(db).await;
    for index in 0..12 {
        app.create_user(&json!({"userName": format!("user{index:02}"), "title": if index % 2 == 0 { "even" } else { "odd" }})).await;
    }
    let total = list(&app, "count=0").await;
    assert_eq!(
        (total["totalResults"].clone(), total["itemsPerPage"].clone()),
        (json!(12), json!(0))
    );
    assert_eq!(total["Resources"], json!([]));
    // Entra's pagination test: startIndex echoed, five per page.
    let mut seen = Vec::new();
    for page in 0..3 {
        let start = page * 5 + 1;
        let body = list(&app, &format!("startIndex={start}&count=5&sortBy=userName")).await;
        assert_eq!(body["startIndex"], start);
        assert_eq!(body["totalResults"], 12);
        seen.extend(ids(&body).into_iter().map(str::to_owned));
    }
    assert_eq!(seen.len(), 12);
    let names = list(
        &app,
        "filter=title+eq+%22even%22&sortBy=userName&sortOrder=descending&attributes=userName",
    )
    .await;
    let user_names: Vec<&str> = names["Resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["userName"].as_str().unwrap())
        .collect();
    assert_eq!(
        user_names,
        ["user10", "user08", "user06", "user04", "user02", "user00"]
    );
    assert!(
        names["Resources"][0].get("title").is_none(),
        "attributes=userName projects"
    );
}

async fn search_endpoints_take_the_same_parameters_in_a_body(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let wanted = app
        .create_user(&json!({"userName": "searched@example.com", "title": "Engineer"}))
        .await;
    app.create_user(&json!({"userName": "other@example.com"}))
        .await;
    for path in ["/scim/v2/Users/.search", "/scim/v2/.search"] {
        let response = app
            .client
            .post(app.url(path))
            .bearer_auth(&app.scim_token)
            .header("content-type", "application/scim+json")
            .json(&json!({
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
                "attributes": ["userName"],
                "filter": "title co \"engin\"",
                "startIndex": 1,
                "count": 10
            }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "{path}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(ids(&body), [wanted["id"].as_str().unwrap()], "{path}");
        assert!(body["Resources"][0].get("title").is_none(), "{path}");
    }
    let bad = app
        .client
        .post(app.url("/scim/v2/Users/.search"))
        .bearer_auth(&app.scim_token)
        .json(&json!({"filter": "title zz \"x\""}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        assert_scim_error(bad, 400).await["scimType"],
        "invalidFilter"
    );
    let get = app.scim_get("/scim/v2/Users/.search").await;
    assert_eq!(get.status(), 405);
}

async fn bad_filters_and_sorts_are_400_with_a_useful_detail(db: TestDb) {
    let app = TestApp::spawn(db).await;
    app.create_user(&json!({"userName": "someone@example.com"}))
        .await;
    for (query, scim_type, mentions) in [
        ("filter=userName+zz+%22x%22", "invalidFilter", ""),
        ("filter=nosuch+eq+%22x%22", "invalidFilter", "nosuch"),
        ("filter=password+eq+%22x%22", "invalidFilter", "password"),
        ("filter=active+gt+true", "invalidFilter", "active"),
        ("filter=userName+eq", "invalidFilter", ""),
        ("filter=", "invalidFilter", "empty"),
        ("filter=(userName+eq+%22x%22", "invalidFilter", ""),
        (
            "filter=meta.location+eq+%22x%22",
            "invalidFilter",
            "meta.location",
        ),
        (
            "filter=meta.lastModified+gt+%22yesterday%22",
            "invalidFilter",
            "lastModified",
        ),
        ("sortBy=nosuch", "invalidValue", "sortBy"),
        (
            "sortBy=userName&sortOrder=sideways",
            "invalidValue",
            "sortOrder",
        ),
        ("startIndex=abc", "invalidValue", "startIndex"),
        ("count=1.5", "invalidValue", "count"),
    ] {
        let response = app.scim_get(&format!("/scim/v2/Users?{query}")).await;
        let body = assert_scim_error(response, 400).await;
        assert_eq!(body["scimType"], scim_type, "{query}: {body}");
        let detail = body["detail"].as_str().unwrap();
        assert!(detail.contains(mentions), "{query}: {detail}");
    }
    let long = format!("filter=userName+eq+%22{}%22", "a".repeat(5000));
    let body = assert_scim_error(app.scim_get(&format!("/scim/v2/Users?{long}")).await, 400).await;
    assert_eq!(body["scimType"], "invalidFilter");
    let many = vec!["userName eq \"x\""; 100].join(" or ");
    let response = app
        .client
        .get(app.url("/scim/v2/Users"))
        .query(&[("filter", many)])
        .bearer_auth(&app.scim_token)
        .send()
        .await
        .unwrap();
    assert_eq!(
        assert_scim_error(response, 400).await["scimType"],
        "invalidFilter"
    );
}

async fn filters_never_reach_another_account(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let mine = app
        .create_user(
            &json!({"userName": "mine@example.com", "emails": [{"value": "shared@example.com"}]}),
        )
        .await;
    let other = app.cli(&["accounts", "create", "other"]);
    assert!(other.status.success());
    let token_output = app.cli(&["tokens", "issue", "--account", "other", "--scope", "scim"]);
    assert!(
        token_output.status.success(),
        "{}",
        String::from_utf8_lossy(&token_output.stderr)
    );
    let other_token = String::from_utf8(token_output.stdout)
        .unwrap()
        .trim()
        .to_owned();
    for query in [
        "filter=userName+eq+%22mine%40example.com%22",
        "filter=emails.value+eq+%22shared%40example.com%22",
        "filter=emails%5Bvalue+co+%22shared%22%5D",
        "filter=userName+pr",
        "sortBy=emails",
    ] {
        let response = app
            .client
            .get(app.url(&format!("/scim/v2/Users?{query}")))
            .bearer_auth(&other_token)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "{query}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["totalResults"], 0, "{query}: {body}");
    }
    assert_eq!(
        ids(&list(&app, "filter=emails.value+eq+%22shared%40example.com%22").await),
        [mine["id"].as_str().unwrap()]
    );
}
