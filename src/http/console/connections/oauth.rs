//! The account's OAuth clients (RFC 6749 §2) on the Connections page: each
//! with its scope, kind (secret, or federated: RFC 7523 issuer, subject,
//! audience) and secrets (never the secrets themselves); creating a client
//! (its first secret shown once, with the token endpoint and SCIM URL the
//! identity provider needs), adding a secret (shown once), and revoking a
//! secret or deleting a client after a confirmation that says what stops
//! ([`super::oauth_remove`]). Every change is `service::oauth_clients`'s (docs/CONSOLE.md, "OAuth
//! clients").

use actix_web::{HttpRequest, HttpResponse, web};
use maud::{Markup, html};
use serde::Deserialize;

use super::tokens::{read_scope_and_label, scope_and_label, used_by};
use super::{PATH, shown_once};
use crate::http::base_url::server_url;
use crate::http::console::error::ConsoleError;
use crate::http::console::page;
use crate::http::console::session::{ConsoleForm, ConsoleSession};
use crate::http::state::AppState;
use crate::service::oauth_clients::{
    self, ClientView, IssuedSecret, MAX_FEDERATION_BYTES, MAX_SECRET_LIFETIME, NewClient,
    NewCredential,
};
use crate::store::oauth_clients::{ClientRecord, Federation, SecretRecord};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/connections/oauth-clients", web::post().to(create))
        .route(
            "/connections/oauth-clients/federated",
            web::post().to(create_federated),
        )
        .route(
            "/connections/oauth-clients/{id}/secrets",
            web::post().to(add_secret),
        );
}

/// The secret lifetimes the forms offer, in days; a year is the default.
const LIFETIMES: [(u32, &str); 6] = [
    (30, "30 days"),
    (90, "90 days"),
    (180, "180 days"),
    (365, "1 year"),
    (730, "2 years"),
    (1095, "3 years"),
];

/// Where the client's pages are.
pub(super) const CLIENTS: &str = "/console/connections/oauth-clients";

pub(super) fn label(client: &ClientRecord) -> String {
    client
        .label
        .clone()
        .unwrap_or_else(|| "(no label)".to_owned())
}

/// The lifetime `<select>` of a form.
fn lifetime_select() -> Markup {
    html! {
        label { "Secret expires"
            select name="expires_in_days" {
                @for (days, text) in LIFETIMES {
                    option value=(days) selected[days == 365] { "in " (text) }
                }
            }
        }
    }
}

/// A secret's state, for people.
fn secret_state(secret: &SecretRecord) -> Markup {
    html! {
        @if let Some(at) = secret.revoked_at {
            span.badge.inactive { "revoked" } " " (page::when(Some(at)))
        } @else if secret.expires_at <= crate::clock::now() {
            span.badge.inactive { "expired" }
        } @else {
            "in use"
        }
    }
}

/// What a client is: its facts.
pub(super) fn describe(client: &ClientRecord) -> Markup {
    html! {
        dl.facts {
            dt { "Client ID" } dd { code { (client.id) } }
            dt { "Scope" } dd { code { (client.scope) } " — " (used_by(client.scope)) }
            @if let Some(federation) = &client.federation {
                dt { "Kind" } dd { "federated: client assertions (JWTs) of another issuer, no secret" }
                dt { "Issuer" } dd { code { (federation.issuer) } }
                dt { "Subject" } dd { code { (federation.subject) } }
                dt { "Audience" } dd { code { (federation.audience) } }
            } @else {
                dt { "Kind" } dd { "client secret" }
            }
            dt { "Created" } dd { (page::when(Some(client.created_at))) }
        }
    }
}

/// The OAuth clients' part of the Connections page.
pub fn section(session: &ConsoleSession, clients: &[ClientView]) -> Markup {
    html! {
        section.card aria-labelledby="oauth-title" {
            h2 #oauth-title { "OAuth clients" }
            p.muted {
                "An identity provider that asks for its own tokens (Microsoft Entra's OAuth 2.0 \
                 client credentials grant) uses a client: its ID and a secret get it short-lived \
                 tokens at Roster's token endpoint. A client can have several secrets at once, \
                 so you can switch to a new one before revoking the old."
            }
            @if clients.is_empty() {
                p { "This account has no OAuth client." }
            }
            @for view in clients {
                @let client = &view.client;
                article.card aria-label={ "OAuth client " (label(client)) } {
                    h3 { (label(client)) }
                    (describe(client))
                    @if client.federation.is_none() {
                        @if view.secrets.is_empty() {
                            p { "No secret." }
                        } @else {
                            div.table-wrap { table {
                                thead { tr {
                                    th scope="col" { "Secret ID" } th scope="col" { "Created" }
                                    th scope="col" { "Expires" } th scope="col" { "Last used" }
                                    th scope="col" { "State" } th scope="col" { "Actions" }
                                } }
                                tbody {
                                    @for secret in &view.secrets {
                                        tr {
                                            td { code { (secret.id) } }
                                            td { (page::when(Some(secret.created_at))) }
                                            td { (page::when(Some(secret.expires_at))) }
                                            td { (page::when(secret.last_used_at)) }
                                            td { (secret_state(secret)) }
                                            td { @if secret.revoked_at.is_none() {
                                                a href={ (CLIENTS) "/" (client.id) "/secrets/" (secret.id) "/revoke" } { "Revoke" }
                                            } }
                                        }
                                    }
                                }
                            } }
                        }
                        form method="post" action={ (CLIENTS) "/" (client.id) "/secrets" } {
                            (page::csrf_field(session))
                            div.actions {
                                (lifetime_select())
                                button type="submit" { "Add a secret" }
                            }
                        }
                    }
                    p { a href={ (CLIENTS) "/" (client.id) "/delete" } { "Delete this client" } }
                }
            }
            h3 { "Create a client" }
            form.card method="post" action=(CLIENTS) {
                (page::csrf_field(session))
                div.actions {
                    (scope_and_label("e.g. Entra production"))
                    (lifetime_select())
                    button type="submit" { "Create client" }
                }
            }
            h3 { "Create a federated client" }
            p.muted {
                "A federated client has no secret: it authenticates with client assertions, JWTs \
                 of another issuer (RFC 7523) — for Entra, the issuer " code {
                 "https://login.microsoftonline.com/TENANT_ID/v2.0" } " and the subject and \
                 audience of the customer's federated credential."
            }
            form.card method="post" action={ (CLIENTS) "/federated" } {
                (page::csrf_field(session))
                div.actions {
                    (scope_and_label("e.g. Entra (federated)"))
                    @for (name, text, kind) in FEDERATION_FIELDS {
                        label { (text)
                            input type=(kind) name=(name) required[name != "jwks_url"]
                                maxlength=(MAX_FEDERATION_BYTES) size="30";
                        }
                    }
                    button type="submit" { "Create federated client" }
                }
            }
        }
    }
}

#[derive(Deserialize)]
struct CreateForm {
    #[serde(default)]
    scope: String,
    #[serde(default)]
    label: String,
    #[serde(default)]
    expires_in_days: String,
}

/// The fields of the federated form: name, words, input type.
const FEDERATION_FIELDS: [(&str, &str, &str); 4] = [
    ("issuer", "Issuer", "url"),
    ("subject", "Subject", "text"),
    ("audience", "Audience", "text"),
    ("jwks_url", "JWKS URL (optional)", "url"),
];

#[derive(Deserialize)]
struct FederatedForm {
    #[serde(default)]
    scope: String,
    #[serde(default)]
    label: String,
    #[serde(default)]
    issuer: String,
    #[serde(default)]
    subject: String,
    #[serde(default)]
    audience: String,
    #[serde(default)]
    jwks_url: String,
}

#[derive(Deserialize)]
struct SecretForm {
    #[serde(default)]
    expires_in_days: String,
}

/// A lifetime from a form: whole days, 1 to 1095.
fn lifetime(days: &str) -> Result<chrono::Duration, ConsoleError> {
    let max_days = MAX_SECRET_LIFETIME.num_days();
    days.trim()
        .parse::<i64>()
        .ok()
        .filter(|days| (1..=max_days).contains(days))
        .map(chrono::Duration::days)
        .ok_or_else(|| ConsoleError::Invalid(format!("a secret expires in 1 to {max_days} days")))
}

/// `POST /console/connections/oauth-clients`: creates a client, and shows
/// its first secret once.
async fn create(
    req: HttpRequest,
    state: web::Data<AppState>,
    form: ConsoleForm<CreateForm>,
) -> Result<HttpResponse, ConsoleError> {
    let ConsoleForm { session, form } = form;
    let (scope, label) = read_scope_and_label(&form.scope, &form.label, "client")?;
    let new = NewClient {
        label,
        scope,
        credential: NewCredential::Secret(lifetime(&form.expires_in_days)?),
    };
    let created = session
        .change(&req, &state, move |conn, caller| {
            oauth_clients::create(conn, caller, new)
        })
        .await?;
    let secret = created
        .secret
        .ok_or_else(|| ConsoleError::Invalid("the client has no secret".into()))?;
    Ok(secret_page(
        &req,
        &session,
        "OAuth client created",
        &created.client,
        &secret,
    ))
}

/// `POST /console/connections/oauth-clients/federated`: creates a client
/// that authenticates with the issuer's JWTs; the page lists it.
async fn create_federated(
    req: HttpRequest,
    state: web::Data<AppState>,
    form: ConsoleForm<FederatedForm>,
) -> Result<HttpResponse, ConsoleError> {
    let ConsoleForm { session, form } = form;
    let (scope, label) = read_scope_and_label(&form.scope, &form.label, "client")?;
    let jwks_url = Some(form.jwks_url.trim().to_owned()).filter(|url| !url.is_empty());
    let federation = Federation {
        issuer: form.issuer.trim().to_owned(),
        subject: form.subject.trim().to_owned(),
        audience: form.audience.trim().to_owned(),
        jwks_url,
    };
    let new = NewClient {
        label,
        scope,
        credential: NewCredential::Federated(federation),
    };
    session
        .change(&req, &state, move |conn, caller| {
            oauth_clients::create(conn, caller, new)
        })
        .await?;
    Ok(page::see_other(&format!(
        "{PATH}?done=federated-created#oauth-title"
    )))
}

/// `POST /console/connections/oauth-clients/{id}/secrets`: adds a secret
/// (the others stay valid), and shows it once.
async fn add_secret(
    req: HttpRequest,
    state: web::Data<AppState>,
    id: web::Path<String>,
    form: ConsoleForm<SecretForm>,
) -> Result<HttpResponse, ConsoleError> {
    let ConsoleForm { session, form } = form;
    let id = oauth_clients::client_id(&id)?;
    let lifetime = lifetime(&form.expires_in_days)?;
    let (client, secret) = session
        .change(&req, &state, move |conn, caller| {
            let secret = oauth_clients::add_secret(conn, caller, id, lifetime)?;
            Ok((oauth_clients::get(conn, caller.account, id)?.client, secret))
        })
        .await?;
    Ok(secret_page(
        &req,
        &session,
        "Secret added",
        &client,
        &secret,
    ))
}

/// The page that shows a new secret once, with what the identity provider
/// needs beside it.
fn secret_page(
    req: &HttpRequest,
    session: &ConsoleSession,
    title: &str,
    client: &ClientRecord,
    secret: &IssuedSecret,
) -> HttpResponse {
    let base = server_url(req);
    let after = html! {
        dl.facts {
            dt { "Label" } dd { (label(client)) }
            dt { "Client ID" } dd { code #client-id { (client.id) } }
            dt { "Scope" } dd { code { (client.scope) } " — " (used_by(client.scope)) }
            dt { "Secret expires" } dd { (page::when(Some(secret.record.expires_at))) }
            dt { "Token endpoint" } dd { code #token-endpoint { (base) "/oauth/token" } }
            dt { "SCIM endpoint" } dd { code #scim-endpoint { (base) "/scim/v2" } }
        }
        p {
            "In Microsoft Entra's provisioning settings choose OAuth 2.0 client credentials and \
             paste the token endpoint, the client ID and this client secret; the tenant URL is \
             the SCIM endpoint. Any other secret of this client keeps working until you revoke it."
        }
        p.muted { "Roster keeps only a hash of the secret. If it is lost, add another and revoke this one." }
    };
    shown_once(
        session,
        title,
        "client secret",
        secret.secret.expose(),
        html! {},
        after,
    )
}
