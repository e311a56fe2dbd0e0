//! Rate limits: above the configured rate a token gets 429 with an integer
//! `Retry-After` and a SCIM error, never a 5xx; after waiting that long it
//! gets through again; other accounts are not slowed down.

use std::time::Duration;

use crate::helpers::{TestApp, TestDb, assert_scim_error, stdout};

crate::on_both_databases!(a_token_over_its_rate_gets_429_with_retry_after);

async fn a_token_over_its_rate_gets_429_with_retry_after(db: TestDb) {
    let app = TestApp::spawn_with(db, |config| config.rate_limit = 5).await;
    assert!(app.cli(&["accounts", "create", "other"]).status.success());
    let output = app.cli(&["tokens", "issue", "--account", "other", "--scope", "scim"]);
    let other = stdout(&output).trim().lines().last().unwrap().to_owned();

    let get = |token: String| {
        let request = app
            .client
            .get(app.url("/scim/v2/Users?count=1"))
            .bearer_auth(token)
            .send();
        async move { request.await.unwrap() }
    };
    let mut limited = None;
    let mut passed = 0;
    for _ in 0..30 {
        let response = get(app.scim_token.clone()).await;
        match response.status().as_u16() {
            200 => passed += 1,
            429 => {
                limited = Some(response);
                break;
            }
            status => panic!("status {status}"),
        }
    }
    assert!(
        (5..=6).contains(&passed),
        "a burst of the rate passes: {passed}"
    );
    let limited = limited.expect("the token was limited");
    let retry_after: u64 = limited.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .expect("an integer Retry-After");
    assert!((1..=2).contains(&retry_after), "{retry_after}");
    let body = assert_scim_error(limited, 429).await;
    assert!(
        body["detail"].as_str().unwrap().contains("5 per second"),
        "{body}"
    );

    // Another account's token is not slowed down by this one.
    assert_eq!(get(other).await.status(), 200);

    actix_web::rt::time::sleep(Duration::from_secs(retry_after)).await;
    assert_eq!(
        get(app.scim_token.clone()).await.status(),
        200,
        "after Retry-After"
    );
}
