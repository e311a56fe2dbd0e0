//! The team listing (`service::team`, issue 17's Team page and `roster
//! members list`): filters, keyset paging with an opaque cursor, the count,
//! the limits and their errors, and the CSV export of every matching
//! member across pages. Called as the console and the CLI call it, on the
//! test server's own store.

use std::collections::BTreeSet;

use reqwest::Method;
use roster::access::team::{CsvWriter, TeamMember};
use roster::service::team::{self, MAX_PAGE_SIZE, Status, TeamQuery};
use serde_json::json;

use crate::access::{group, rule, user, workspace};
use crate::helpers::{TestApp, TestDb, admin};

crate::on_both_databases!(
    filters_pick_members_and_the_count_follows_them,
    pages_walk_every_member_once_in_user_name_order,
    bad_queries_get_clear_errors,
    the_csv_export_has_every_matching_member_across_pages,
);

fn list(app: &TestApp, query: &TeamQuery) -> Result<team::TeamPage, roster::service::Error> {
    let mut conn = app.backend().pool.get().unwrap();
    team::list(&mut conn, app.account.id, query)
}

fn names(page: &team::TeamPage) -> Vec<&str> {
    page.members.iter().map(|m| m.user_name.as_str()).collect()
}

async fn login(app: &TestApp, id: &str, at: &str) {
    admin(app)
        .ok(
            Method::POST,
            &format!("/api/v1/members/{id}/logins"),
            Some(json!({"at": at})),
        )
        .await;
}

/// ada (admin by rule, editor in prod, logged in now), bob (logged in long
/// ago), cy (inactive), Dee (displayName "Zed Ops", never logged in, local).
pub(crate) async fn small_team(app: &TestApp) -> Vec<String> {
    workspace(app, "prod").await;
    workspace(app, "empty").await;
    let ada = user(app, "ada@example.com").await;
    let bob = app
        .create_user(&json!({"userName": "bob@example.com", "displayName": "Bob 100%_Sure"}))
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let cy = app
        .create_user(&json!({"userName": "cy@example.com", "active": false}))
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let added = app.cli(&[
        "members",
        "add",
        "--account",
        "default",
        "Dee0",
        "--display-name",
        "Zed Ops",
    ]);
    assert!(added.status.success(), "{added:?}");
    let dee = crate::helpers::stdout(&added).trim().to_owned();
    rule(
        app,
        json!({"match": {"group_name": "Admins"}, "role": "admin", "workspace": "prod", "level": "editor"}),
    )
    .await;
    group(app, "Admins", &[&ada, &cy]).await;
    // A little ahead (within the clock skew a login may have): not stale
    // even for "0 days".
    let soon = roster::clock::now() + chrono::Duration::minutes(2);
    login(app, &ada, &roster::clock::rfc3339(soon)).await;
    login(app, &bob, "2020-01-01T00:00:00Z").await;
    vec![ada, bob, cy, dee]
}

async fn filters_pick_members_and_the_count_follows_them(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let ids = small_team(&app).await;
    let all = list(&app, &TeamQuery::default()).unwrap();
    assert_eq!(
        names(&all),
        [
            "ada@example.com",
            "bob@example.com",
            "cy@example.com",
            "Dee0"
        ],
        "by userName key (case-folded)"
    );
    assert_eq!((all.total, all.next_cursor.as_deref()), (4, None));
    let ada = &all.members[0];
    assert_eq!(ada.id.to_string(), ids[0]);
    assert_eq!(ada.role.as_deref(), Some("admin"));
    assert_eq!(ada.workspaces.len(), 1);
    assert_eq!(
        (
            ada.workspaces[0].workspace.as_str(),
            ada.workspaces[0].level.as_str()
        ),
        ("prod", "editor")
    );
    assert!(ada.last_login.is_some());
    assert_eq!(ada.provisioned_by.via, "scim");
    assert!(ada.provisioned_by.token_label.is_some());
    let dee = &all.members[3];
    assert_eq!(
        (dee.provisioned_by.via.as_str(), dee.display_name.as_deref()),
        ("local", Some("Zed Ops"))
    );
    assert_eq!(all.members[2].role, None, "cy is inactive");

    let query = |edit: fn(&mut TeamQuery)| {
        let mut query = TeamQuery::default();
        edit(&mut query);
        query
    };
    let cases: Vec<(TeamQuery, Vec<&str>)> = vec![
        (
            query(|q| q.search = Some("BOB@".into())),
            vec!["bob@example.com"],
        ),
        (query(|q| q.search = Some("zed".into())), vec!["Dee0"]),
        // LIKE's wildcards are plain text.
        (
            query(|q| q.search = Some("100%_s".into())),
            vec!["bob@example.com"],
        ),
        (
            query(|q| q.search = Some("%".into())),
            vec!["bob@example.com"],
        ),
        (query(|q| q.search = Some("nobody".into())), vec![]),
        (
            query(|q| q.search = Some("  ".into())),
            vec![
                "ada@example.com",
                "bob@example.com",
                "cy@example.com",
                "Dee0",
            ],
        ),
        (
            query(|q| q.role = Some("admin".into())),
            vec!["ada@example.com"],
        ),
        (
            query(|q| q.role = Some("member".into())),
            vec!["bob@example.com", "Dee0"],
        ),
        (
            query(|q| q.workspace = Some("prod".into())),
            vec!["ada@example.com"],
        ),
        (query(|q| q.workspace = Some("empty".into())), vec![]),
        (
            query(|q| q.status = Some(Status::Inactive)),
            vec!["cy@example.com"],
        ),
        (
            query(|q| q.status = Some(Status::Active)),
            vec!["ada@example.com", "bob@example.com", "Dee0"],
        ),
        // bob last logged in in 2020; the others were created today.
        (query(|q| q.stale_days = Some(30)), vec!["bob@example.com"]),
        (
            query(|q| q.stale_days = Some(0)),
            vec!["bob@example.com", "cy@example.com", "Dee0"],
        ),
        (
            query(|q| {
                q.role = Some("member".into());
                q.stale_days = Some(0);
                q.search = Some("e".into());
            }),
            vec!["bob@example.com", "Dee0"],
        ),
    ];
    for (query, expected) in cases {
        let page = list(&app, &query).unwrap();
        assert_eq!(names(&page), expected, "{query:?}");
        assert_eq!(
            page.total,
            i64::try_from(expected.len()).unwrap(),
            "{query:?}"
        );
    }
}

async fn pages_walk_every_member_once_in_user_name_order(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let mut expected: Vec<String> = app
        .seed_users("m", 23)
        .into_iter()
        .enumerate()
        .map(|(index, _)| format!("m{index}"))
        .collect();
    expected.sort();
    for page_size in [1, 5, 23, 24, MAX_PAGE_SIZE] {
        let mut query = TeamQuery {
            page_size,
            ..TeamQuery::default()
        };
        let mut seen = Vec::new();
        let mut pages = 0;
        loop {
            let page = list(&app, &query).unwrap();
            assert_eq!(page.total, 23);
            assert!(page.members.len() <= page_size);
            seen.extend(page.members.iter().map(|m| m.user_name.clone()));
            pages += 1;
            match page.next_cursor {
                Some(next) => query.cursor = Some(next),
                None => break,
            }
        }
        assert_eq!(seen, expected, "page size {page_size}");
        assert_eq!(pages, 23_usize.div_ceil(page_size), "no empty last page");
    }
    // A member deleted after its page was read does not break the cursor.
    let first = list(
        &app,
        &TeamQuery {
            page_size: 3,
            ..TeamQuery::default()
        },
    )
    .unwrap();
    let gone = first.members[2].id;
    let mut conn = app.backend().pool.get().unwrap();
    let caller = roster::service::Caller {
        account: app.account.id,
        origin: &roster::audit::Origin::cli(),
        limits: &roster::scim::limits::RequestLimits::default(),
    };
    roster::service::users::delete(&mut conn, &caller, gone).unwrap();
    let next = list(
        &app,
        &TeamQuery {
            page_size: 3,
            cursor: first.next_cursor,
            ..TeamQuery::default()
        },
    )
    .unwrap();
    assert_eq!(names(&next), &expected[3..6]);
    assert_eq!(next.total, 22);
}

async fn bad_queries_get_clear_errors(db: TestDb) {
    let app = TestApp::spawn(db).await;
    app.seed_users("m", 2);
    let at_limit = TeamQuery {
        page_size: MAX_PAGE_SIZE,
        ..TeamQuery::default()
    };
    assert_eq!(list(&app, &at_limit).unwrap().members.len(), 2);
    let cases: Vec<(TeamQuery, &str)> = vec![
        (
            TeamQuery {
                page_size: MAX_PAGE_SIZE + 1,
                ..TeamQuery::default()
            },
            "the page size is 1 to 500, not 501",
        ),
        (
            TeamQuery {
                page_size: 0,
                ..TeamQuery::default()
            },
            "the page size is 1 to 500, not 0",
        ),
        (
            TeamQuery {
                cursor: Some("nonsense".into()),
                ..TeamQuery::default()
            },
            "the cursor is not one this listing gave",
        ),
        (
            TeamQuery {
                cursor: Some(String::new()),
                ..TeamQuery::default()
            },
            "the cursor is not one this listing gave",
        ),
        (
            TeamQuery {
                role: Some("owner".into()),
                ..TeamQuery::default()
            },
            "'owner' is not one of the account's roles (member, admin)",
        ),
        (
            TeamQuery {
                search: Some("x".repeat(257)),
                ..TeamQuery::default()
            },
            "at most 256 bytes",
        ),
        (
            TeamQuery {
                stale_days: Some(36_501),
                ..TeamQuery::default()
            },
            "at most 36500 days",
        ),
    ];
    for (query, says) in cases {
        match list(&app, &query) {
            Err(roster::service::Error::Access(roster::access::AccessError::Invalid(detail))) => {
                assert!(detail.contains(says), "{detail}");
            }
            other => panic!("{query:?}: {other:?}"),
        }
    }
    let unknown = TeamQuery {
        workspace: Some("nowhere".into()),
        ..TeamQuery::default()
    };
    match list(&app, &unknown) {
        Err(roster::service::Error::NotFound(detail)) => {
            assert_eq!(detail, "no workspace 'nowhere' in this account");
        }
        other => panic!("{other:?}"),
    }
    assert!(Status::parse("gone").is_err());
    assert_eq!(Status::parse("inactive").unwrap(), Status::Inactive);
}

async fn the_csv_export_has_every_matching_member_across_pages(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let count = MAX_PAGE_SIZE + 7;
    app.seed_users("m", count);
    app.create_user(&json!({"userName": "zed@x.org"})).await;
    let query = TeamQuery {
        search: Some("M".into()),
        cursor: Some("ignored".into()),
        page_size: 1,
        ..TeamQuery::default()
    };
    let mut conn = app.backend().pool.get().unwrap();
    let mut csv = CsvWriter::new(Vec::new()).unwrap();
    let mut pages = 0;
    for page in team::all_pages(&mut conn, app.account.id, &query) {
        pages += 1;
        for member in page.unwrap() {
            csv.write(&member).unwrap();
        }
    }
    assert_eq!(pages, 2);
    let text = String::from_utf8(csv.finish().unwrap()).unwrap();
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    assert_eq!(
        reader.headers().unwrap().iter().collect::<Vec<_>>(),
        TeamMember::CSV_HEADER
    );
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), count);
    let unique: BTreeSet<&str> = rows.iter().map(|row| &row[1]).collect();
    assert_eq!(unique.len(), count);
    assert!(
        rows.iter()
            .all(|row| &row[8] == "local" && &row[4] == "member")
    );
    // Nothing matches: the header alone.
    let none = TeamQuery {
        search: Some("nobody".into()),
        ..TeamQuery::default()
    };
    assert_eq!(team::all_pages(&mut conn, app.account.id, &none).count(), 0);
}
