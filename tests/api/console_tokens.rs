//! Tokens on the console's Connections page over HTTP (docs/CONSOLE.md,
//! "Connections"): issued and shown once, rotated keeping the old token or
//! revoking it at once, revoked after a confirmation that says what stops —
//! each in the audit log as the console session's.

use serde_json::Value;

use crate::console_client::{
    Console, console_entries, scim_status, shown_secret, token_id, tokens,
};
use crate::helpers::{TestApp, TestDb};

crate::on_both_databases!(tokens_are_issued_once_rotated_and_revoked);

async fn tokens_are_issued_once_rotated_and_revoked(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let console = Console::open(&app).await;
    let (status, _, html) = console
        .post(
            "/console/connections/tokens",
            &[
                ("scope", "scim"),
                ("label", "Okta production"),
                ("expires_in_days", "90"),
            ],
        )
        .await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("will not be shown again"), "{html}");
    assert!(html.contains(r#"data-copy="secret""#), "{html}");
    assert!(html.contains("/scim/v2"), "where it goes: {html}");
    let issued = shown_secret(&html);
    assert_eq!(scim_status(&app, &issued).await, 200);
    let id = token_id(&app, "Okta production");
    let listed = tokens(&app, "default");
    let record = listed.iter().find(|token| token["id"] == id).unwrap();
    assert!(record["expires"].is_string(), "{record}");
    // The list shows it, never the token.
    let (_, page) = console.get("/console/connections").await;
    assert!(page.contains("Okta production"));
    assert!(!page.contains(&issued));

    // Rotating keeps the old token until it is revoked.
    let rotate = format!("/console/connections/tokens/{id}/rotate");
    let (status, confirm) = console.get(&rotate).await;
    assert_eq!(status, 200);
    assert!(confirm.contains("keep the old one"), "{confirm}");
    let (status, _, html) = console.post(&rotate, &[("old", "keep")]).await;
    assert_eq!(status, 200, "{html}");
    let replacement = shown_secret(&html);
    assert_ne!(replacement, issued);
    assert!(html.contains("keeps working until you revoke it"), "{html}");
    assert_eq!(scim_status(&app, &replacement).await, 200);
    assert_eq!(
        scim_status(&app, &issued).await,
        200,
        "the old one still works"
    );
    let listed = tokens(&app, "default");
    let same_label: Vec<&Value> = listed
        .iter()
        .filter(|token| token["label"] == "Okta production")
        .collect();
    assert_eq!(same_label.len(), 2);
    assert!(
        same_label
            .iter()
            .all(|token| token["scope"] == "scim" && token["expires"].is_string())
    );

    // Revoking says who stops working, and does it at once.
    let revoke = format!("/console/connections/tokens/{id}/revoke");
    let (status, confirm) = console.get(&revoke).await;
    assert_eq!(status, 200);
    assert!(
        confirm.contains("identity provider's SCIM provisioning")
            && confirm.contains("Okta production")
            && confirm.contains(&format!(r#"action="{revoke}""#)),
        "{confirm}"
    );
    let (status, location, _) = console.post(&revoke, &[]).await;
    assert_eq!(
        (status, location.as_str()),
        (303, "/console/connections?done=revoked")
    );
    assert_eq!(scim_status(&app, &issued).await, 401);
    assert_eq!(scim_status(&app, &replacement).await, 200);
    let (_, page) = console.get(&location).await;
    assert!(page.contains("The token is revoked"), "{page}");
    // Again: nothing changes, and the page says so.
    let (status, location, _) = console.post(&revoke, &[]).await;
    assert_eq!(
        (status, location.as_str()),
        (303, "/console/connections?done=already-revoked")
    );

    // Rotating with "revoke now" ends the old token at once.
    let current = token_id(&app, "Okta production");
    let (status, _, html) = console
        .post(
            &format!("/console/connections/tokens/{current}/rotate"),
            &[("old", "revoke")],
        )
        .await;
    assert_eq!(status, 200, "{html}");
    let third = shown_secret(&html);
    assert_eq!(scim_status(&app, &replacement).await, 401);
    assert_eq!(scim_status(&app, &third).await, 200);
    // A revoked token is not rotated.
    let (status, _, html) = console
        .post(
            &format!("/console/connections/tokens/{current}/rotate"),
            &[("old", "keep")],
        )
        .await;
    assert_eq!(status, 409, "{html}");
    assert!(html.contains("issue a new token"), "{html}");

    // Each change is the console session's in the audit log.
    let entries = console_entries(&app, "Token").await;
    let created = entries
        .iter()
        .filter(|entry| entry["action"] == "created")
        .count();
    let revoked = entries
        .iter()
        .filter(|entry| entry["action"] == "revoked")
        .count();
    assert_eq!((created, revoked), (3, 2), "{entries:?}");
    assert!(
        entries
            .iter()
            .any(|entry| entry["changes"]["replaces"]["after"] == id.as_str()),
        "{entries:?}"
    );
    // No token is in the log.
    let log = Value::Array(entries).to_string();
    assert!(!log.contains(&issued) && !log.contains(&third));
}
