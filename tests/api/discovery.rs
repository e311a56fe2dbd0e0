//! SCIM discovery (RFC 7643 §5–7, RFC 7644 §4).

use serde_json::Value;

use crate::helpers::{TestApp, TestDb, assert_scim_content_type, assert_scim_error};

crate::on_both_databases!(
    service_provider_config_is_truthful,
    resource_types_list_and_by_id,
    schemas_describe_every_attribute,
    unknown_ids_are_404,
    writes_on_discovery_are_405,
    filters_on_discovery_are_403,
    discovery_is_public_but_a_sent_token_must_be_valid,
    the_root_names_the_endpoints,
);

/// `GET /`: a page for a person (strict CSP, no script, nothing external),
/// JSON for a client that asks for it; other methods 405.
async fn the_root_names_the_endpoints(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let page = app.client.get(app.url("/")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let header = |response: &reqwest::Response, name: &str| {
        response
            .headers()
            .get(name)
            .map(|value| value.to_str().unwrap().to_owned())
            .unwrap_or_default()
    };
    assert_eq!(header(&page, "content-type"), "text/html; charset=utf-8");
    assert_eq!(
        header(&page, "content-security-policy"),
        "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    );
    assert_eq!(header(&page, "x-content-type-options"), "nosniff");
    let html = page.text().await.unwrap();
    for endpoint in [
        "/scim/v2",
        "/api/v1/openapi.json",
        "/healthz",
        "/metrics",
        "docs/OKTA.md",
    ] {
        assert!(html.contains(endpoint), "{endpoint}: {html}");
    }
    for external in [
        "<script", "<style", "style=", "http://", "https://", "<img", "<link",
    ] {
        assert!(!html.contains(external), "{external}: {html}");
    }

    let index: Value = app
        .client
        .get(app.url("/"))
        .header("Accept", "application/json")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(index["name"], "Roster");
    let paths: Vec<&str> = index["endpoints"]
        .as_array()
        .unwrap()
        .iter()
        .map(|endpoint| endpoint["path"].as_str().unwrap())
        .collect();
    assert!(
        paths.contains(&"/scim/v2") && paths.contains(&"/api/v1"),
        "{index}"
    );

    let post = app.client.post(app.url("/")).send().await.unwrap();
    assert_eq!(post.status(), 405);
}

async fn service_provider_config_is_truthful(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let response = app.scim_get("/scim/v2/ServiceProviderConfig").await;
    assert_eq!(response.status(), 200);
    assert_scim_content_type(&response);
    let spc: Value = response.json().await.unwrap();
    assert_eq!(
        spc["schemas"],
        serde_json::json!(["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"])
    );
    assert_eq!(
        spc["changePassword"]["supported"], false,
        "changePassword is not implemented: {spc}"
    );
    for supported in ["bulk", "filter", "sort", "etag"] {
        assert_eq!(spc[supported]["supported"], true, "{supported}: {spc}");
    }
    assert_eq!(
        spc["filter"]["maxResults"], 1000,
        "the default maximum page"
    );
    assert_eq!(
        spc["bulk"]["maxOperations"], 1000,
        "the default bulk_max_operations"
    );
    assert_eq!(
        spc["bulk"]["maxPayloadSize"], 1_048_576,
        "the default bulk_max_payload_bytes"
    );
    let scheme = &spc["authenticationSchemes"][0];
    assert_eq!(scheme["type"], "oauthbearertoken");
    assert_eq!(scheme["primary"], true);
    assert_eq!(spc["meta"]["resourceType"], "ServiceProviderConfig");
    assert_eq!(
        spc["meta"]["location"],
        app.url("/scim/v2/ServiceProviderConfig")
    );
}

async fn resource_types_list_and_by_id(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let list: Value = app
        .scim_get("/scim/v2/ResourceTypes")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        list["schemas"][0],
        "urn:ietf:params:scim:api:messages:2.0:ListResponse"
    );
    assert_eq!(list["totalResults"], 4);
    assert_eq!(list["itemsPerPage"], 4);
    assert_eq!(list["startIndex"], 1);
    let names: Vec<&str> = list["Resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    // Okta's Role and Entitlement: tests/api/entitlements.rs.
    assert_eq!(names, ["User", "Group", "Role", "Entitlement"]);

    let user: Value = app
        .scim_get("/scim/v2/ResourceTypes/User")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(user["endpoint"], "/Users");
    assert_eq!(user["schema"], "urn:ietf:params:scim:schemas:core:2.0:User");
    assert_eq!(
        user["schemaExtensions"],
        serde_json::json!([{"schema": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User", "required": false}])
    );
    assert_eq!(
        user["meta"]["location"],
        app.url("/scim/v2/ResourceTypes/User")
    );
    let group: Value = app
        .scim_get("/scim/v2/ResourceTypes/Group")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(group["endpoint"], "/Groups");
}

async fn schemas_describe_every_attribute(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let list: Value = app.scim_get("/scim/v2/Schemas").await.json().await.unwrap();
    // User, Enterprise User, Group, and Okta's Role and Entitlement.
    assert_eq!(list["totalResults"], 5);
    let user = &list["Resources"][0];
    assert_eq!(user["id"], "urn:ietf:params:scim:schemas:core:2.0:User");
    let attribute = |schema: &Value, name: &str| -> Value {
        schema["attributes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["name"] == name)
            .unwrap_or_else(|| panic!("{name} is described"))
            .clone()
    };
    for name in [
        "userName",
        "name",
        "displayName",
        "nickName",
        "profileUrl",
        "title",
        "userType",
        "preferredLanguage",
        "locale",
        "timezone",
        "active",
        "password",
        "emails",
        "phoneNumbers",
        "ims",
        "photos",
        "addresses",
        "groups",
        "entitlements",
        "roles",
        "x509Certificates",
    ] {
        let a = attribute(user, name);
        for characteristic in ["type", "multiValued", "mutability", "returned"] {
            assert!(
                a.get(characteristic).is_some(),
                "{name} has {characteristic}: {a}"
            );
        }
    }
    let user_name = attribute(user, "userName");
    assert_eq!(user_name["required"], true);
    assert_eq!(user_name["caseExact"], false);
    assert_eq!(user_name["uniqueness"], "server");
    assert_eq!(attribute(user, "password")["returned"], "never");
    assert_eq!(attribute(user, "groups")["mutability"], "readOnly");
    assert_eq!(user["meta"]["resourceType"], "Schema");

    let enterprise: Value = app
        .scim_get("/scim/v2/Schemas/urn:ietf:params:scim:schemas:extension:enterprise:2.0:User")
        .await
        .json()
        .await
        .unwrap();
    let manager = attribute(&enterprise, "manager");
    let subs: Vec<&str> = manager["subAttributes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(subs, ["value", "$ref", "displayName"]);

    let group: Value = app
        .scim_get("/scim/v2/Schemas/urn:ietf:params:scim:schemas:core:2.0:Group")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(attribute(&group, "displayName")["required"], true);
    let text = serde_json::to_string(&list).unwrap();
    assert!(!text.contains("null"), "Entra needs schemas without nulls");
}

async fn unknown_ids_are_404(db: TestDb) {
    let app = TestApp::spawn(db).await;
    assert_scim_error(app.scim_get("/scim/v2/ResourceTypes/Printer").await, 404).await;
    assert_scim_error(app.scim_get("/scim/v2/Schemas/urn:example:nope").await, 404).await;
}

async fn writes_on_discovery_are_405(db: TestDb) {
    let app = TestApp::spawn(db).await;
    for path in [
        "/scim/v2/ServiceProviderConfig",
        "/scim/v2/ResourceTypes",
        "/scim/v2/Schemas/x",
        "/scim/v2/ResourceTypes/User",
    ] {
        for method in [
            reqwest::Method::POST,
            reqwest::Method::PUT,
            reqwest::Method::PATCH,
            reqwest::Method::DELETE,
        ] {
            let response = app
                .client
                .request(method.clone(), app.url(path))
                .bearer_auth(&app.scim_token)
                .header("content-type", "application/scim+json")
                .body("{}")
                .send()
                .await
                .unwrap();
            let body = assert_scim_error(response, 405).await;
            assert!(
                body["detail"].as_str().unwrap().contains(method.as_str()),
                "{body}"
            );
        }
    }
}

async fn filters_on_discovery_are_403(db: TestDb) {
    let app = TestApp::spawn(db).await;
    for path in [
        "/scim/v2/Schemas?filter=id+eq+%22x%22",
        "/scim/v2/ResourceTypes?filter=name%20eq%20%22User%22",
    ] {
        assert_scim_error(app.scim_get(path).await, 403).await;
    }
    // Other query parameters are ignored.
    let response = app
        .scim_get("/scim/v2/Schemas?aadOptscim062020&count=1&whatever=%zz")
        .await;
    assert_eq!(response.status(), 200);
}

async fn discovery_is_public_but_a_sent_token_must_be_valid(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let anonymous = app
        .client
        .get(app.url("/scim/v2/ServiceProviderConfig"))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 200);
    let bad = app
        .client
        .get(app.url("/scim/v2/ServiceProviderConfig"))
        .bearer_auth("not-a-token")
        .send()
        .await
        .unwrap();
    assert_scim_error(bad, 401).await;
}
