//! `roster tokens issue|list|revoke`.

use anyhow::{Context, anyhow};
use clap::Subcommand;

use super::output;
use crate::audit::Origin;
use crate::model::{Account, Scope, TokenId};
use crate::scim::limits::RequestLimits;
use crate::service::Caller;
use crate::service::accounts;
use crate::service::tokens::{self, NewToken, Revocation};
use crate::startup::Backend;
use crate::store::{Conn, DatabaseUrl};

#[derive(Debug, Subcommand)]
pub enum TokensCommand {
    /// Issue a token and print it, alone, on stdout. It is shown only this once.
    Issue {
        /// The account's slug
        #[arg(long)]
        account: String,
        /// scim (for the identity provider), access (read access) or admin (configuration)
        #[arg(long, value_parser = parse_scope)]
        scope: Scope,
        /// A note to recognise the token by, e.g. "Okta production"
        #[arg(long)]
        label: Option<String>,
        /// Lifetime such as 90d, 12h or 1y (default: no expiry; revoke it instead)
        #[arg(long, value_parser = parse_lifetime)]
        expires_in: Option<std::time::Duration>,
    },
    /// List an account's tokens (never the tokens themselves)
    List {
        /// The account's slug
        #[arg(long)]
        account: String,
        /// Print JSON instead of a table
        #[arg(long)]
        json: bool,
    },
    /// Revoke a token; it is refused from the very next request on
    Revoke {
        /// The token's id, as 'roster tokens list' shows it
        token_id: String,
    },
}

pub(super) fn parse_scope(raw: &str) -> Result<Scope, String> {
    raw.parse()
}

pub(super) fn parse_lifetime(raw: &str) -> Result<std::time::Duration, String> {
    let lifetime = humantime::parse_duration(raw)
        .map_err(|e| format!("'{raw}' is not a lifetime like 90d or 12h: {e}"))?;
    if lifetime.is_zero() {
        return Err("the lifetime must be longer than zero".into());
    }
    Ok(lifetime)
}

pub fn run(command: TokensCommand, url: &DatabaseUrl) -> anyhow::Result<()> {
    let backend = Backend::open(url, 1)?;
    let mut conn = backend.pool.get().context("no database connection")?;
    match command {
        TokensCommand::Issue {
            account,
            scope,
            label,
            expires_in,
        } => {
            let account = find_account(&mut conn, &account)?;
            let expires_at = expires_in
                .map(|lifetime| {
                    chrono::Duration::from_std(lifetime)
                        .ok()
                        .and_then(|lifetime| crate::clock::now().checked_add_signed(lifetime))
                        .ok_or_else(|| anyhow!("the lifetime is too long"))
                })
                .transpose()?;
            let caller = Caller {
                account: account.id,
                origin: &Origin::cli(),
                limits: &RequestLimits::default(),
            };
            let new = NewToken {
                scope,
                label,
                expires_at,
            };
            let issued = tokens::issue(&mut conn, &caller, new)?;
            eprintln!(
                "Issued {scope} token {} for account '{}'. It is shown only now: store it safely.",
                issued.record.id, account.slug
            );
            println!("{}", issued.token.expose());
        }
        TokensCommand::List { account, json } => {
            let account = find_account(&mut conn, &account)?;
            let listed = tokens::list(&mut conn, account.id)?;
            if json {
                let listed: Vec<_> = listed
                    .iter()
                    .map(|t| {
                        serde_json::json!({
                            "id": t.id, "label": t.label, "scope": t.scope,
                            "created": output::rfc3339(Some(t.created_at)),
                            "expires": output::rfc3339(t.expires_at),
                            "lastUsed": output::rfc3339(t.last_used_at),
                            "revoked": output::rfc3339(t.revoked_at),
                        })
                    })
                    .collect();
                println!("{}", serde_json::to_string_pretty(&listed)?);
                return Ok(());
            }
            let rows: Vec<Vec<String>> = listed
                .into_iter()
                .map(|t| {
                    vec![
                        t.id.to_string(),
                        t.label.unwrap_or_else(|| "-".into()),
                        t.scope.to_string(),
                        output::time(Some(t.created_at)),
                        output::time(t.expires_at),
                        output::time(t.last_used_at),
                        output::time(t.revoked_at),
                    ]
                })
                .collect();
            output::table(
                &[
                    "ID",
                    "LABEL",
                    "SCOPE",
                    "CREATED",
                    "EXPIRES",
                    "LAST USED",
                    "REVOKED",
                ],
                &rows,
            );
        }
        TokensCommand::Revoke { token_id } => {
            let id: TokenId = token_id.parse().map_err(|_| {
                anyhow!("'{token_id}' is not a token id (see 'roster tokens list')")
            })?;
            match tokens::revoke(&mut conn, &Origin::cli(), id)? {
                Revocation::Revoked => println!("revoked token {id}"),
                // Not an error: the token is refused, as asked.
                Revocation::AlreadyRevoked(at) => println!(
                    "token {id} was already revoked on {}; nothing changed",
                    output::time(Some(at))
                ),
            }
        }
    }
    Ok(())
}

pub(super) fn find_account(conn: &mut Conn, slug: &str) -> anyhow::Result<Account> {
    accounts::find_by_slug(conn, slug)?
        .ok_or_else(|| anyhow!("no account '{slug}' (see 'roster accounts list')"))
}
