//! `roster console link`: a one-time link to an account's admin console
//! (docs/CONSOLE.md), printed alone on stdout — for the operator who hands
//! it to a customer's admin, or opens it themselves.

use clap::Subcommand;

use super::access::{find_account, open};
use crate::audit::Origin;
use crate::config::ServeConfig;
use crate::service::console;

#[derive(Debug, Subcommand)]
pub enum ConsoleCommand {
    /// Print a one-time link that opens the account's admin console (valid minutes, used once)
    Link {
        /// The account's slug
        #[arg(long)]
        account: String,
        /// How long the link may be opened: 1m to 1h
        #[arg(long, default_value = "5m", value_parser = parse_lifetime)]
        expires_in: std::time::Duration,
        /// `roster serve`'s settings: the link is on its public_url, else on
        /// the address it listens on
        #[command(flatten)]
        serve: super::flags::ServeFlags,
    },
}

fn parse_lifetime(raw: &str) -> Result<std::time::Duration, String> {
    humantime::parse_duration(raw).map_err(|e| format!("'{raw}' is not a lifetime like 5m: {e}"))
}

/// The flags of `serve` that the command was given, to read its
/// configuration with.
pub fn serve_flags(command: &ConsoleCommand) -> Vec<crate::config::Given> {
    match command {
        ConsoleCommand::Link { serve, .. } => serve.0.clone(),
    }
}

/// `serve`'s configuration says where the link points: `public_url`, else
/// the address Roster listens on.
pub fn run(command: ConsoleCommand, serve: &ServeConfig) -> anyhow::Result<()> {
    let (_backend, mut conn) = open(&serve.database_url)?;
    match command {
        ConsoleCommand::Link {
            account,
            expires_in,
            ..
        } => {
            let account = find_account(&mut conn, &account)?;
            let link = console::issue_link(&mut conn, account.id, &Origin::cli(), expires_in)?;
            let base = serve
                .public_url
                .clone()
                .unwrap_or_else(|| format!("http://{}", serve.listen));
            println!("{base}/console/enter/{}", link.secret.expose());
            eprintln!(
                "roster: the link opens the console of '{}' once, until {}",
                account.slug,
                crate::clock::rfc3339(link.expires_at)
            );
        }
    }
    Ok(())
}
