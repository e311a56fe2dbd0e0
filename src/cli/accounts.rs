//! `roster accounts create|list`.

use anyhow::Context;
use clap::Subcommand;

use super::output;
use crate::audit::Origin;
use crate::auth::network::AllowList;
use crate::model::Slug;
use crate::scim::limits::RequestLimits;
use crate::service::{Caller, accounts};
use crate::startup::Backend;
use crate::store::DatabaseUrl;

#[derive(Debug, Subcommand)]
pub enum AccountsCommand {
    /// Create an account and print its id
    Create {
        /// Short URL-safe name: lowercase letters, digits and '-'
        slug: String,
        /// Display name (default: the slug)
        #[arg(long)]
        name: Option<String>,
    },
    /// List every account
    List {
        /// Print JSON instead of a table
        #[arg(long)]
        json: bool,
    },
    /// Show or set the networks an account's requests may come from
    Networks {
        #[arg(long)]
        account: String,
        /// CIDR blocks to allow (replacing the list), e.g. 10.0.0.0/8 2001:db8::/32
        #[arg(conflicts_with = "any")]
        cidrs: Vec<String>,
        /// Allow any network (empty the list)
        #[arg(long)]
        any: bool,
    },
}

pub fn run(command: AccountsCommand, url: &DatabaseUrl) -> anyhow::Result<()> {
    let backend = Backend::open(url, 1)?;
    let mut conn = backend.pool.get().context("no database connection")?;
    match command {
        AccountsCommand::Create { slug, name } => {
            let slug = Slug::parse(&slug).map_err(anyhow::Error::msg)?;
            // A taken slug: "an account with slug '…' exists already".
            let account = accounts::create(&mut conn, &Origin::cli(), slug, name)?;
            println!("{}", account.id);
        }
        AccountsCommand::List { json } => {
            let listed = accounts::list(&mut conn)?;
            if json {
                let listed: Vec<_> = listed
                    .iter()
                    .map(|a| {
                        serde_json::json!({
                            "id": a.id, "slug": a.slug, "name": a.name,
                            "created": output::rfc3339(Some(a.created_at)),
                        })
                    })
                    .collect();
                println!("{}", serde_json::to_string_pretty(&listed)?);
                return Ok(());
            }
            let rows: Vec<Vec<String>> = listed
                .into_iter()
                .map(|a| {
                    vec![
                        a.slug.to_string(),
                        a.id.to_string(),
                        a.name,
                        output::time(Some(a.created_at)),
                    ]
                })
                .collect();
            output::table(&["SLUG", "ID", "NAME", "CREATED"], &rows);
        }
        AccountsCommand::Networks {
            account,
            cidrs,
            any,
        } => {
            let account = accounts::find_by_slug(&mut conn, &account)?.ok_or_else(|| {
                anyhow::anyhow!("no account '{account}' (see 'roster accounts list')")
            })?;
            let networks = if any || !cidrs.is_empty() {
                let list = AllowList::parse(&cidrs).map_err(anyhow::Error::msg)?;
                let caller = Caller {
                    account: account.id,
                    origin: &Origin::cli(),
                    limits: &RequestLimits::default(),
                };
                accounts::set_networks(&mut conn, &caller, &list)?
            } else {
                accounts::networks(&mut conn, account.id)?
            };
            if networks.is_empty() {
                println!("any network");
            }
            for cidr in networks {
                println!("{cidr}");
            }
        }
    }
    Ok(())
}
