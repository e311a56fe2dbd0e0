//! Schemas of what no Rust type holds, for the OpenAPI document
//! ([`super::openapi`]): the answers the handlers build with `json!`, the
//! SCIM Error body, and the shared 401 and 403 responses. Nothing builds
//! these types; `tests/api/openapi.rs` checks every answer against them.
#![expect(dead_code, reason = "schemas for the OpenAPI document only")]

use utoipa::{ToResponse, ToSchema};

use super::audit::AuditRecord;
use super::oauth_clients::{ClientSecretInfo, OAuthClient};
use super::webhooks::Webhook;
use crate::access::{Selector, Workspace};
use crate::service::access::members::MemberAccess;
use crate::service::access::rules::AccessDiff;
use crate::service::access::workspaces::WorkspaceMember;
use crate::store::events::Event;

/// The SCIM Error body (RFC 7644 §3.12) of every error.
// As `crate::scim::ScimError::to_body` writes it (a `scim_v2` type).
#[derive(ToSchema)]
#[schema(as = ScimError)]
pub(super) struct ErrorBody {
    /// `["urn:ietf:params:scim:api:messages:2.0:Error"]`.
    schemas: Vec<String>,
    /// The HTTP status, as a string (`"404"`).
    status: String,
    /// An RFC 7644 §3.12 keyword on most 400 errors, e.g. `invalidValue`, `invalidSyntax`.
    #[schema(rename = "scimType")]
    scim_type: Option<String>,
    /// What went wrong, for a person to read.
    detail: String,
}

/// No valid token: missing, malformed, unknown, expired or revoked.
#[derive(ToResponse)]
#[response(content_type = "application/scim+json")]
pub(super) struct Unauthorized(ErrorBody);

/// A valid token whose scope this endpoint does not accept.
#[derive(ToResponse)]
#[response(content_type = "application/scim+json")]
pub(super) struct Forbidden(ErrorBody);

/// The account's workspaces, by slug.
#[derive(ToSchema)]
pub(super) struct WorkspaceList {
    workspaces: Vec<Workspace>,
}

/// The account's rules, oldest first.
#[derive(ToSchema)]
pub(super) struct RuleList {
    rules: Vec<RuleBody>,
}

/// A rule: its id, then what it matches and grants, as created.
// `access::Rule` flattens a `RuleSpec`, which `utoipa` would describe as an
// `allOf` with the spec's `additionalProperties: false`, refusing the `id`.
#[derive(ToSchema)]
#[schema(as = Rule)]
pub(super) struct RuleBody {
    id: String,
    #[serde(rename = "match")]
    selector: Selector,
    /// Absent when the rule grants no role.
    role: Option<String>,
    /// Absent when the rule grants no workspace level.
    workspace: Option<String>,
    level: Option<String>,
}

/// The members whose access the change would alter, with their old and new access.
#[derive(ToSchema)]
pub(super) struct PreviewResult {
    changes: Vec<AccessDiff>,
}

/// The member's last login after the report.
#[derive(ToSchema)]
#[serde(rename_all = "camelCase")]
pub(super) struct LoginRecorded {
    /// The member's id.
    member: String,
    #[schema(format = DateTime)]
    last_login: String,
}

/// The matching members with their access.
#[derive(ToSchema)]
pub(super) struct MemberList {
    members: Vec<MemberAccess>,
}

/// A page of a workspace's members, like a SCIM ListResponse.
#[derive(ToSchema)]
#[serde(rename_all = "camelCase")]
pub(super) struct WorkspaceMemberPage {
    total_results: i64,
    start_index: i64,
    items_per_page: i64,
    members: Vec<WorkspaceMember>,
}

/// Change events, oldest first.
#[derive(ToSchema)]
pub(super) struct EventFeed {
    events: Vec<Event>,
    /// The `seq` of the last event, else `after`: the next request's `after`.
    next: i64,
}

/// Audit entries, oldest first.
#[derive(ToSchema)]
pub(super) struct AuditPage {
    entries: Vec<AuditRecord>,
    /// The `after` of the next page; `null` after the last page.
    next: Option<i64>,
}

/// A new endpoint, with its secret.
#[derive(ToSchema)]
pub(super) struct CreatedWebhook {
    #[serde(flatten)]
    webhook: Webhook,
    /// The key that signs deliveries (`Roster-Signature`); shown this once.
    secret: String,
}

/// The account's endpoints.
#[derive(ToSchema)]
pub(super) struct WebhookList {
    webhooks: Vec<Webhook>,
}

/// A client just created, with its first secret, shown this once (`null`
/// for a federated client).
#[derive(ToSchema)]
#[schema(as = CreatedOAuthClient)]
#[serde(rename_all = "camelCase")]
pub(super) struct CreatedClient {
    client: OAuthClient,
    /// The `client_secret` of the token endpoint: shown this once.
    client_secret: Option<String>,
}

/// A secret just added, shown this once.
#[derive(ToSchema)]
#[schema(as = CreatedOAuthClientSecret)]
#[serde(rename_all = "camelCase")]
pub(super) struct CreatedSecret {
    secret: ClientSecretInfo,
    /// The `client_secret` of the token endpoint: shown this once.
    client_secret: String,
}

/// The account's clients, oldest first.
#[derive(ToSchema)]
pub(super) struct OAuthClientList {
    clients: Vec<OAuthClient>,
}
