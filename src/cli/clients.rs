//! `roster clients create|list|add-secret|revoke-secret|delete`: OAuth
//! clients (RFC 6749 §2), whose secrets obtain short-lived access tokens at
//! `POST /oauth/token` (docs/ENTRA.md).

use anyhow::{Context, anyhow};
use clap::Subcommand;

use super::output;
use super::tokens::{find_account, parse_lifetime, parse_scope};
use crate::audit::Origin;
use crate::model::{AccountId, ClientId, ClientSecretId, Scope};
use crate::scim::limits::RequestLimits;
use crate::service::Caller;
use crate::service::oauth_clients::{
    self, ClientView, DEFAULT_SECRET_LIFETIME, IssuedSecret, NewClient, NewCredential,
};
use crate::service::tokens::Revocation;
use crate::startup::Backend;
use crate::store::DatabaseUrl;
use crate::store::oauth_clients::Federation;

#[derive(Debug, Subcommand)]
pub enum ClientsCommand {
    /// Create an OAuth client; prints its client_id, then its secret alone on the last line, once
    /// (a federated client has no secret)
    Create {
        /// The account's slug
        #[arg(long)]
        account: String,
        /// A note to recognise the client by, e.g. "Entra ID gallery app"
        #[arg(long)]
        label: Option<String>,
        /// The scope of its access tokens: scim (for the identity provider), access or admin
        #[arg(long, value_parser = parse_scope, default_value = "scim")]
        scope: Scope,
        /// The secret's lifetime, such as 365d or 2y (at most 3y)
        #[arg(long, value_parser = parse_lifetime)]
        secret_expires_in: Option<std::time::Duration>,
        /// Federated (no secret): the issuer whose JWTs authenticate the client (RFC 7523), e.g.
        /// https://login.microsoftonline.com/TENANT/v2.0
        #[arg(long, requires_all = ["federated_subject", "federated_audience"],
            conflicts_with = "secret_expires_in")]
        federated_issuer: Option<String>,
        /// Federated: the `sub` the issuer's JWTs must carry
        #[arg(long, requires = "federated_issuer")]
        federated_subject: Option<String>,
        /// Federated: the `aud` the issuer's JWTs must carry
        #[arg(long, requires = "federated_issuer")]
        federated_audience: Option<String>,
        /// Federated: where the issuer's keys are (default: its OpenID configuration's jwks_uri)
        #[arg(long, requires = "federated_issuer")]
        jwks_url: Option<String>,
    },
    /// List an account's clients and their secrets (never the secrets themselves)
    List {
        /// The account's slug
        #[arg(long)]
        account: String,
        /// Print JSON instead of a table
        #[arg(long)]
        json: bool,
    },
    /// Add a secret to a client (the others stay valid); prints it alone, once
    AddSecret {
        /// The client's id, as 'roster clients list' shows it
        client_id: String,
        /// The secret's lifetime, such as 365d or 2y (at most 3y)
        #[arg(long, value_parser = parse_lifetime)]
        expires_in: Option<std::time::Duration>,
    },
    /// Revoke a client's secret and the access tokens issued under it, from the next request on
    RevokeSecret {
        /// The client's id
        client_id: String,
        /// The secret's id, as 'roster clients list' shows it
        secret_id: String,
    },
    /// Delete a client with its secrets; its access tokens are refused from the next request on
    Delete {
        /// The client's id
        client_id: String,
    },
}

pub fn run(command: ClientsCommand, url: &DatabaseUrl) -> anyhow::Result<()> {
    let backend = Backend::open(url, 1)?;
    let mut conn = backend.pool.get().context("no database connection")?;
    let origin = Origin::cli();
    let limits = RequestLimits::default();
    let caller = |account: AccountId| Caller {
        account,
        origin: &origin,
        limits: &limits,
    };
    match command {
        ClientsCommand::Create {
            account,
            label,
            scope,
            secret_expires_in,
            federated_issuer,
            federated_subject,
            federated_audience,
            jwks_url,
        } => {
            let account = find_account(&mut conn, &account)?;
            let credential = match (federated_issuer, federated_subject, federated_audience) {
                (Some(issuer), Some(subject), Some(audience)) => {
                    NewCredential::Federated(Federation {
                        issuer,
                        subject,
                        audience,
                        jwks_url,
                    })
                }
                _ => NewCredential::Secret(lifetime(secret_expires_in)?),
            };
            let new = NewClient {
                label,
                scope,
                credential,
            };
            let created = oauth_clients::create(&mut conn, &caller(account.id), new)?;
            let what = if created.secret.is_some() {
                "Its secret is shown only now: store it safely."
            } else {
                "It authenticates with its issuer's JWTs (client assertions)."
            };
            eprintln!(
                "Created {scope} OAuth client for account '{}'. {what}",
                account.slug
            );
            println!("client_id: {}", created.client.id);
            if let Some(secret) = created.secret {
                print_secret(&secret);
            }
        }
        ClientsCommand::List { account, json } => {
            let account = find_account(&mut conn, &account)?;
            let listed = oauth_clients::list(&mut conn, account.id)?;
            if json {
                let listed: Vec<_> = listed.iter().map(client_json).collect();
                println!("{}", serde_json::to_string_pretty(&listed)?);
            } else {
                print_table(&listed);
            }
        }
        ClientsCommand::AddSecret {
            client_id,
            expires_in,
        } => {
            let id = client(&client_id)?;
            let account = oauth_clients::account_of(&mut conn, id)?;
            let secret =
                oauth_clients::add_secret(&mut conn, &caller(account), id, lifetime(expires_in)?)?;
            eprintln!(
                "Added secret {} to OAuth client {id}; the others stay valid until revoked or expired. \
                 It is shown only now: store it safely.",
                secret.record.id
            );
            print_secret(&secret);
        }
        ClientsCommand::RevokeSecret {
            client_id,
            secret_id,
        } => {
            let id = client(&client_id)?;
            let secret: ClientSecretId = secret_id.parse().map_err(|_| {
                anyhow!("'{secret_id}' is not a secret id (see 'roster clients list')")
            })?;
            let account = oauth_clients::account_of(&mut conn, id)?;
            match oauth_clients::revoke_secret(&mut conn, &caller(account), id, secret)? {
                Revocation::Revoked => println!("revoked secret {secret} of OAuth client {id}"),
                Revocation::AlreadyRevoked(at) => println!(
                    "secret {secret} was already revoked on {}; nothing changed",
                    output::time(Some(at))
                ),
            }
        }
        ClientsCommand::Delete { client_id } => {
            let id = client(&client_id)?;
            let account = oauth_clients::account_of(&mut conn, id)?;
            oauth_clients::delete(&mut conn, &caller(account), id)?;
            println!("deleted OAuth client {id}");
        }
    }
    Ok(())
}

fn client(raw: &str) -> anyhow::Result<ClientId> {
    raw.parse()
        .map_err(|_| anyhow!("'{raw}' is not a client id (see 'roster clients list')"))
}

fn lifetime(given: Option<std::time::Duration>) -> anyhow::Result<chrono::Duration> {
    given.map_or(Ok(DEFAULT_SECRET_LIFETIME), |given| {
        chrono::Duration::from_std(given).map_err(|_| anyhow!("the lifetime is too long"))
    })
}

fn print_secret(secret: &IssuedSecret) {
    println!(
        "client_secret (id {}, expires {}):",
        secret.record.id,
        output::time(Some(secret.record.expires_at))
    );
    println!("{}", secret.secret.expose());
}

fn client_json(view: &ClientView) -> serde_json::Value {
    let client = &view.client;
    let secrets: Vec<_> = view
        .secrets
        .iter()
        .map(|s| {
            serde_json::json!({
                "id": s.id, "created": output::rfc3339(Some(s.created_at)),
                "expires": output::rfc3339(Some(s.expires_at)),
                "lastUsed": output::rfc3339(s.last_used_at),
                "revoked": output::rfc3339(s.revoked_at),
            })
        })
        .collect();
    serde_json::json!({
        "id": client.id, "label": client.label, "scope": client.scope,
        "created": output::rfc3339(Some(client.created_at)),
        "federated": client.federation.as_ref().map(|f| serde_json::json!({
            "issuer": f.issuer, "subject": f.subject, "audience": f.audience, "jwksUrl": f.jwks_url,
        })),
        "secrets": secrets,
    })
}

fn print_table(listed: &[ClientView]) {
    let mut rows = Vec::new();
    for view in listed {
        let client = vec![
            view.client.id.to_string(),
            view.client.label.clone().unwrap_or_else(|| "-".into()),
            view.client.scope.to_string(),
        ];
        if view.secrets.is_empty() {
            let none = if view.client.federation.is_some() {
                "(federated)"
            } else {
                "-"
            };
            let rest = vec!["-".to_owned(); 4];
            rows.push([client.clone(), vec![none.to_owned()], rest].concat());
        }
        for secret in &view.secrets {
            rows.push(
                [
                    client.clone(),
                    vec![
                        secret.id.to_string(),
                        output::time(Some(secret.created_at)),
                        output::time(Some(secret.expires_at)),
                        output::time(secret.last_used_at),
                        output::time(secret.revoked_at),
                    ],
                ]
                .concat(),
            );
        }
    }
    output::table(
        &[
            "CLIENT ID",
            "LABEL",
            "SCOPE",
            "SECRET ID",
            "CREATED",
            "EXPIRES",
            "LAST USED",
            "REVOKED",
        ],
        &rows,
    );
}
