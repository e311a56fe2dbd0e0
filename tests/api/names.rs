//! Look-alike names (issue 15): userName and a group's displayName are
//! unique by their key (`roster::model::name_key`: NFKC, full case folding,
//! default-ignorable code points removed, surrounding white space trimmed),
//! so a look-alike is 409 `uniqueness` on POST, PUT and PATCH; filters find
//! a name by any of its look-alikes; names are stored and returned as sent;
//! and a database whose keys were computed by the old function is upgraded
//! without failing, its collisions reported by ids.

use diesel::connection::SimpleConnection;
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{TestApp, TestDb, assert_scim_error, scim, stderr, stdout};

crate::on_both_databases!(
    look_alikes_are_taken_on_post_put_and_patch,
    a_look_alike_finds_the_name,
    collisions_of_the_old_key_function_are_reported_not_fatal,
);

const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

/// Issue 15's pairs: (the name that exists, a look-alike of it).
const LOOK_ALIKES: [(&str, &str); 7] = [
    ("jos\u{e9}@example.com", "jose\u{301}@example.com"),
    (
        "alice@example.com",
        "\u{ff41}\u{ff4c}\u{ff49}\u{ff43}\u{ff45}@example.com",
    ),
    ("bob@example.com", "bob@example.com "),
    ("carol@example.com", "car\u{200b}ol@example.com"),
    ("stra\u{df}e", "strasse"),
    ("\u{130}stanbul", "istanbul"),
    ("dave@example.com", "DAVE\u{ff20}EXAMPLE.COM"),
];

async fn send(app: &TestApp, method: Method, path: &str, body: Value) -> reqwest::Response {
    scim(app).send(method, path, Some(body)).await
}

async fn assert_taken(response: reqwest::Response, what: &str) {
    let body = assert_scim_error(response, 409).await;
    assert_eq!(body["scimType"], "uniqueness", "{what}: {body}");
}

async fn look_alikes_are_taken_on_post_put_and_patch(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let spare = app.create_user(&json!({"userName": "spare"})).await;
    let spare = spare["id"].as_str().unwrap().to_owned();
    for (name, look_alike) in LOOK_ALIKES {
        let created = app.create_user(&json!({"userName": name})).await;
        assert_eq!(created["userName"], name, "stored and returned as sent");
        let what = format!("{name:?} / {look_alike:?}");

        let post = send(
            &app,
            Method::POST,
            "/scim/v2/Users",
            json!({"userName": look_alike}),
        )
        .await;
        assert_taken(post, &format!("POST {what}")).await;
        let put = send(
            &app,
            Method::PUT,
            &format!("/scim/v2/Users/{spare}"),
            json!({"userName": look_alike}),
        )
        .await;
        assert_taken(put, &format!("PUT {what}")).await;
        let patch = send(
            &app,
            Method::PATCH,
            &format!("/scim/v2/Users/{spare}"),
            json!({"schemas": [PATCH_OP],
                "Operations": [{"op": "replace", "path": "userName", "value": look_alike}]}),
        )
        .await;
        assert_taken(patch, &format!("PATCH {what}")).await;

        // Groups' displayNames alike.
        let group = send(
            &app,
            Method::POST,
            "/scim/v2/Groups",
            json!({"displayName": name}),
        )
        .await;
        assert_eq!(group.status(), 201, "{what}");
        let again = send(
            &app,
            Method::POST,
            "/scim/v2/Groups",
            json!({"displayName": look_alike}),
        )
        .await;
        assert_taken(again, &format!("group {what}")).await;
    }
    // A user may keep its own name in another spelling (it is the same name).
    let renamed = send(
        &app,
        Method::PATCH,
        &format!("/scim/v2/Users/{spare}"),
        json!({"schemas": [PATCH_OP],
            "Operations": [{"op": "replace", "path": "userName", "value": "SPARE "}]}),
    )
    .await;
    assert_eq!(renamed.status(), 200);
    let renamed: Value = renamed.json().await.unwrap();
    assert_eq!(renamed["userName"], "SPARE ");
}

async fn found(app: &TestApp, filter: &str) -> Vec<String> {
    let body: Value = app
        .client
        .get(app.url("/scim/v2/Users"))
        .query(&[("filter", filter)])
        .bearer_auth(&app.scim_token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    body["Resources"]
        .as_array()
        .unwrap_or_else(|| panic!("{filter}: {body}"))
        .iter()
        .map(|user| user["userName"].as_str().unwrap().to_owned())
        .collect()
}

async fn a_look_alike_finds_the_name(db: TestDb) {
    let app = TestApp::spawn(db).await;
    for (name, _) in LOOK_ALIKES {
        app.create_user(&json!({"userName": name, "displayName": name}))
            .await;
    }
    for (name, look_alike) in LOOK_ALIKES {
        // `userName eq` (the IdP's lookup), and the general filter path.
        let quoted = serde_json::to_string(look_alike).unwrap();
        assert_eq!(
            found(&app, &format!("userName eq {quoted}")).await,
            [name],
            "{look_alike:?}"
        );
        assert_eq!(
            found(&app, &format!("userName eq {quoted} and active eq true")).await,
            [name],
            "{look_alike:?}"
        );
        assert_eq!(
            found(&app, &format!("displayName eq {quoted}")).await,
            [name],
            "{look_alike:?}"
        );
    }
    // Full-width, in any case, finds the ASCII name: the key is compared.
    assert_eq!(
        found(&app, "userName eq \"ALICE\u{ff20}EXAMPLE.COM\"").await,
        ["alice@example.com"]
    );
    assert_eq!(
        found(&app, "userName sw \"\u{ff21}LI\"").await,
        ["alice@example.com"]
    );
}

async fn collisions_of_the_old_key_function_are_reported_not_fatal(db: TestDb) {
    let mut app = TestApp::spawn(db).await;
    let older = app
        .create_user(&json!({"userName": "Stra\u{df}e@example.com"}))
        .await;
    let newer = app
        .create_user(&json!({"userName": "placeholder@example.com"}))
        .await;
    let (older, newer) = (
        older["id"].as_str().unwrap().to_owned(),
        newer["id"].as_str().unwrap().to_owned(),
    );
    let group = scim(&app)
        .ok(
            Method::POST,
            "/scim/v2/Groups",
            Some(json!({"displayName": "Caf\u{e9}"})),
        )
        .await;
    let group = group["id"].as_str().unwrap().to_owned();
    let other_group = scim(&app)
        .ok(
            Method::POST,
            "/scim/v2/Groups",
            Some(json!({"displayName": "placeholder"})),
        )
        .await;
    let other_group = other_group["id"].as_str().unwrap().to_owned();
    let mail = app
        .create_user(&json!({"userName": "mail", "emails": [{"value": "\u{ff2d}AIL@EXAMPLE.COM", "type": "work"}]}))
        .await;
    // As Roster before issue 15 wrote them (keys lowercased, nothing more): a
    // second user "STRASSE@example.com" and a second group "Cafe\u{301}"
    // (NFD) could coexist; under the new key they are the same names.
    {
        let mut conn = app.backend().pool.get().unwrap();
        conn.batch_execute(&format!(
            "UPDATE users SET user_name_key = 'stra\u{df}e@example.com' WHERE id = '{older}';
             UPDATE users SET user_name = 'STRASSE@example.com', user_name_key = 'strasse@example.com',
                 document = REPLACE(document, 'placeholder@example.com', 'STRASSE@example.com')
                 WHERE id = '{newer}';
             UPDATE scim_groups SET display_name_key = 'caf\u{e9}' WHERE id = '{group}';
             UPDATE scim_groups SET display_name = 'Cafe\u{301}', display_name_key = 'cafe\u{301}',
                 document = REPLACE(document, 'placeholder', 'Cafe\u{301}')
                 WHERE id = '{other_group}';
             UPDATE user_emails SET value_key = '\u{ff4d}ail@example.com';
             UPDATE key_function SET version = 1;"
        ))
        .unwrap();
    }

    // The next start (here `roster migrate`, which opens the store as
    // `roster serve` does) recomputes the keys, does not fail, and warns.
    let migrate = app.cli(&["migrate"]);
    assert!(migrate.status.success(), "{migrate:?}");
    let log = stderr(&migrate);
    let warning = log
        .lines()
        .find(|line| line.contains("WARN") && line.contains(&older))
        .unwrap_or_else(|| panic!("a WARN naming the member: {log}"));
    assert!(
        warning.contains(&newer) && warning.contains(&app.account.id.to_string()),
        "{warning}"
    );
    assert!(
        log.lines().any(|line| line.contains("WARN")
            && line.contains(&other_group)
            && line.contains(&group)),
        "{log}"
    );
    for name in ["stra\u{df}e", "STRASSE", "Caf\u{e9}", "Cafe"] {
        assert!(!log.contains(name), "a name in the log: {log}");
    }

    // `roster doctor` lists them, by ids.
    let doctor = app.cli(&["doctor"]);
    assert_eq!(doctor.status.code(), Some(0), "{doctor:?}");
    let report = stdout(&doctor);
    let names = report
        .lines()
        .find(|line| line.starts_with("warn  names: 2 names collide"))
        .unwrap_or_else(|| panic!("{report}"));
    assert!(
        names.contains(&format!("User {older} has the name of User {newer}"))
            && names.contains(&format!(
                "Group {other_group} has the name of Group {group}"
            )),
        "{names}"
    );
    assert!(!names.contains("STRASSE"), "{names}");

    // Both members keep working; the one holding the key answers the lookup.
    app.restart().await;
    for id in [&older, &newer] {
        let response = app.scim_get(&format!("/scim/v2/Users/{id}")).await;
        assert_eq!(response.status(), 200);
    }
    assert_eq!(
        found(&app, "userName eq \"strasse@example.com\"").await,
        ["STRASSE@example.com"]
    );
    // Other stored keys are recomputed too (here an e-mail address's).
    assert_eq!(
        found(
            &app,
            "emails[type eq \"work\"].value eq \"mail@example.com\""
        )
        .await,
        ["mail"]
    );
    assert_eq!(mail["emails"][0]["value"], "\u{ff2d}AIL@EXAMPLE.COM");
    let listed: Value = scim(&app)
        .ok(Method::GET, "/scim/v2/Groups?count=10", None)
        .await;
    assert_eq!(listed["totalResults"], 2, "{listed}");
    // Written again under its name, the other is refused until renamed;
    // renamed, it is no longer reported.
    let keep = send(
        &app,
        Method::PATCH,
        &format!("/scim/v2/Users/{older}"),
        json!({"schemas": [PATCH_OP], "Operations": [{"op": "replace", "path": "title", "value": "x"}]}),
    )
    .await;
    assert_taken(keep, "the other, unrenamed").await;
    let rename = send(
        &app,
        Method::PATCH,
        &format!("/scim/v2/Users/{older}"),
        json!({"schemas": [PATCH_OP],
            "Operations": [{"op": "replace", "path": "userName", "value": "strasse-2@example.com"}]}),
    )
    .await;
    assert_eq!(rename.status(), 200);
    let doctor = stdout(&app.cli(&["doctor"]));
    assert!(
        doctor.contains("warn  names: 1 names collide") && !doctor.contains(&older),
        "{doctor}"
    );
}
