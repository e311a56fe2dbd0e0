//! Realistic documents the PATCH and PUT targets start from: an Entra-shaped
//! user with the Enterprise extension (docs: idp-behaviour.md §2.5, §2.7) and
//! an Okta-pushed group, each normalised by the same function as a POST.

use roster::scim::resource::{self, Document};
use roster::scim::schema::ResourceKind;
use serde_json::json;

pub fn user() -> Document {
    let body = json!({
        "schemas": [
            "urn:ietf:params:scim:schemas:core:2.0:User",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
        ],
        "externalId": "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
        "userName": "bjensen@example.com",
        "active": true,
        "displayName": "Babs Jensen",
        "nickName": "Babs",
        "title": "Tour Guide",
        "locale": "en-US",
        "name": {"formatted": "Barbara Jensen", "familyName": "Jensen", "givenName": "Barbara"},
        "emails": [
            {"primary": true, "type": "work", "value": "bjensen@example.com"},
            {"type": "home", "value": "babs@jensen.org"}
        ],
        "phoneNumbers": [{"type": "mobile", "value": "+1 555 0100"}],
        "addresses": [{"type": "work", "locality": "Hollywood", "postalCode": "91608"}],
        "roles": [{"primary": true, "type": "WindowsAzureActiveDirectoryRole", "value": "Admin"}],
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {
            "employeeNumber": "701984",
            "department": "Tour Operations",
            "manager": {"value": "26118915-6090-4b9a-8e1c-a2b4b6a3b0c0"}
        }
    });
    resource::document_from_request(ResourceKind::User, body).expect("the fixture user is valid")
}

pub fn group() -> Document {
    let body = json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
        "displayName": "Sales",
        "externalId": "00g1emaKYZTWRYYRRTSK"
    });
    resource::document_from_request(ResourceKind::Group, body).expect("the fixture group is valid")
}
