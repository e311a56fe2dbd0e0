//! What cursor paging (RFC 9865) is for: while members are created and
//! deleted, a cursor walk returns every member that existed for the whole
//! walk exactly once — beside a concurrent writer, and in a deterministic
//! interleaving under which index paging (`startIndex`) skips members.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use reqwest::Method;
use serde_json::json;

use crate::cursor_paging::{get, ids, text};
use crate::helpers::{TestApp, TestDb, scim};

crate::on_both_databases!(
    a_cursor_walk_under_deletions_is_exact_where_index_paging_skips,
    a_cursor_walk_beside_a_concurrent_writer_returns_every_stable_member_once,
);

/// Walks `/Users` `count` a page — by cursor, or by `startIndex` — and
/// after each page lets `between` change the members; how often each id
/// was seen.
async fn walk_with<F>(
    app: &TestApp,
    by_cursor: bool,
    count: usize,
    mut between: F,
) -> HashMap<String, usize>
where
    F: AsyncFnMut(&[String]),
{
    let mut seen: HashMap<String, usize> = HashMap::new();
    let (mut cursor, mut start) = (String::new(), 1);
    loop {
        let paging = if by_cursor {
            format!("cursor={cursor}")
        } else {
            format!("startIndex={start}")
        };
        let page = get(
            app,
            &format!("/scim/v2/Users?excludedAttributes=groups&count={count}&{paging}"),
        )
        .await;
        let page_ids = ids(&page);
        for id in &page_ids {
            *seen.entry(id.clone()).or_default() += 1;
        }
        let done = if by_cursor {
            match text(&page, "nextCursor") {
                Some(next) => {
                    cursor = next.to_owned();
                    false
                }
                None => true,
            }
        } else {
            start += count;
            page_ids.len() < count
        };
        if done {
            return seen;
        }
        between(&page_ids).await;
    }
}

async fn delete_user(app: &TestApp, id: &str) {
    let response = scim(app)
        .send(Method::DELETE, &format!("/scim/v2/Users/{id}"), None)
        .await;
    assert_eq!(response.status(), 204);
}

async fn create_user(app: &TestApp, user_name: String) -> String {
    let user = scim(app)
        .ok(
            Method::POST,
            "/scim/v2/Users",
            Some(json!({"userName": user_name})),
        )
        .await;
    user["id"].as_str().unwrap().to_owned()
}

async fn a_cursor_walk_under_deletions_is_exact_where_index_paging_skips(db: TestDb) {
    let app = TestApp::spawn(db).await;
    for by_cursor in [true, false] {
        let mut members = app.seed_users(if by_cursor { "cur" } else { "idx" }, 30);
        members.sort();
        // Between pages: two members already read are deleted (everything
        // after them moves up two places), and one new member arrives.
        let mut deleted = Vec::new();
        let mut created = 0;
        let seen = walk_with(&app, by_cursor, 5, async |page: &[String]| {
            for id in page.iter().take(2) {
                delete_user(&app, id).await;
                deleted.push(id.clone());
            }
            create_user(&app, format!("new-{by_cursor}-{created}")).await;
            created += 1;
        })
        .await;
        let stable: Vec<&String> = members.iter().filter(|id| !deleted.contains(id)).collect();
        let missing: Vec<_> = stable
            .iter()
            .filter(|id| !seen.contains_key(**id))
            .collect();
        let repeated: Vec<_> = seen.iter().filter(|(_, times)| **times > 1).collect();
        if by_cursor {
            assert!(missing.is_empty(), "cursor walk missed {missing:?}");
            assert!(repeated.is_empty(), "cursor walk repeated {repeated:?}");
        } else {
            assert!(
                !missing.is_empty() || !repeated.is_empty(),
                "index paging under deletions skips or repeats members"
            );
        }
        // Clean up for the next method: delete everything left.
        for id in ids(&get(&app, "/scim/v2/Users?count=1000").await) {
            delete_user(&app, &id).await;
        }
    }
}

async fn a_cursor_walk_beside_a_concurrent_writer_returns_every_stable_member_once(db: TestDb) {
    let app = Arc::new(TestApp::spawn(db).await);
    let stable = app.seed_users("stable", 40);
    let volatile = app.seed_users("volatile", 20);
    let done = Arc::new(AtomicBool::new(false));
    let writer = {
        let (app, done) = (Arc::clone(&app), Arc::clone(&done));
        actix_web::rt::spawn(async move {
            let (mut deletable, mut writes) = (volatile, 0);
            while !done.load(Ordering::Relaxed) {
                if let Some(id) = deletable.pop() {
                    delete_user(&app, &id).await;
                }
                deletable.insert(0, create_user(&app, format!("churn-{writes}")).await);
                writes += 1;
            }
            writes
        })
    };
    let mut seen: HashMap<String, usize> = HashMap::new();
    for _ in 0..3 {
        seen = walk_with(&app, true, 3, async |_: &[String]| {
            actix_web::rt::task::yield_now().await;
        })
        .await;
        for id in &stable {
            assert_eq!(seen.get(id), Some(&1), "stable member {id} exactly once");
        }
        assert!(seen.values().all(|times| *times == 1), "no member twice");
    }
    done.store(true, Ordering::Relaxed);
    let writes = writer.await.unwrap();
    assert!(writes > 0, "the writer wrote during the walks");
    assert!(seen.len() >= stable.len());
}
