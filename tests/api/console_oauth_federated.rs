//! Federated OAuth clients (RFC 7523) on the console's Connections page over
//! HTTP (docs/CONSOLE.md, "OAuth clients"): created from the page with the
//! issuer, subject and audience it trusts, listed with them, taking no
//! secret; bad values are a page in words and change nothing; a forged
//! CSRF token is refused.

use serde_json::Value;

use crate::console_client::{Console, console_entries};
use crate::console_oauth::clients;
use crate::helpers::{TestApp, TestDb};

crate::on_both_databases!(a_federated_client_is_created_from_the_page);

const FORM: &str = "/console/connections/oauth-clients/federated";

async fn a_federated_client_is_created_from_the_page(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let console = Console::open(&app).await;
    let issuer = "https://login.example.com/tenant/v2.0";
    let at_limit = "s".repeat(1000);
    let too_long = "s".repeat(1001);
    let fields = |issuer: &'static str, subject: &str| -> Vec<(&'static str, String)> {
        vec![
            ("scope", "scim".into()),
            ("label", "Entra federated".into()),
            ("issuer", issuer.into()),
            ("subject", subject.into()),
            ("audience", "api://roster".into()),
        ]
    };
    let post = async |fields: Vec<(&'static str, String)>| {
        let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        console.post(FORM, &fields).await
    };
    // Refused, in words: nothing is made.
    for (fields, words) in [
        (
            fields("ftp://login.example.com/x", "app"),
            "not an https:// URL",
        ),
        (fields(issuer, ""), "1 to 1000 bytes"),
        (fields(issuer, &too_long), "1 to 1000 bytes"),
    ] {
        let (status, _, html) = post(fields).await;
        assert_eq!(status, 400, "{html}");
        assert!(html.contains(words), "{words}: {html}");
        assert!(!html.contains(&too_long));
    }
    let (status, _, html) = console
        .post_with_csrf(FORM, &[("scope", "scim"), ("issuer", issuer)], "forged")
        .await;
    assert_eq!(status, 403, "{html}");
    assert!(clients(&app).await.is_empty());

    // At the limit: made, listed with its trust, no secret shown.
    let mut subject = fields(issuer, &at_limit);
    subject[3].1 = format!("app-<{}>", &at_limit[..994]);
    let (status, location, html) = post(subject).await;
    assert_eq!(
        (status, location.as_str()),
        (
            303,
            "/console/connections?done=federated-created#oauth-title"
        ),
        "{html}"
    );
    let listed = clients(&app).await;
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["federated"]["issuer"], issuer);
    assert_eq!(listed[0]["secrets"], Value::Array(vec![]));
    let id = listed[0]["id"].as_str().unwrap();
    let (_, page) = console
        .get("/console/connections?done=federated-created")
        .await;
    for shown in [
        "The federated client is created",
        "Entra federated",
        id,
        issuer,
        "app-&lt;sss",
        "api://roster",
    ] {
        assert!(page.contains(shown), "{shown}: {page}");
    }
    assert!(!page.contains("will not be shown again"));
    // It takes no secret.
    let (status, _, html) = console
        .post(
            &format!("/console/connections/oauth-clients/{id}/secrets"),
            &[("expires_in_days", "30")],
        )
        .await;
    assert_eq!(status, 409, "{html}");
    assert!(html.contains("federated"), "{html}");
    let entries = console_entries(&app, "OAuthClient").await;
    assert_eq!(entries.len(), 1, "{entries:?}");
    assert_eq!(entries[0]["changes"]["federatedIssuer"]["after"], issuer);
}
