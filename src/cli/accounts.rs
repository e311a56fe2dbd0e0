//! `roster accounts create|list`.

use anyhow::{Context, bail};
use clap::Subcommand;

use super::output;
use crate::audit::Origin;
use crate::auth::network::AllowList;
use crate::model::{Account, AccountId, Slug};
use crate::startup::Backend;
use crate::store::{self, DatabaseUrl};

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
            let account = Account {
                id: AccountId::new(),
                name: name.unwrap_or_else(|| slug.to_string()),
                slug,
                created_at: crate::clock::now(),
            };
            let inserted = store::write_transaction(&mut conn, |conn| {
                store::accounts::insert(conn, &Origin::cli(), &account)
            });
            match inserted {
                Err(error) if error.is_unique_violation() => {
                    bail!("an account with slug '{}' exists already", account.slug)
                }
                other => other?,
            }
            println!("{}", account.id);
        }
        AccountsCommand::List { json } => {
            let accounts = store::accounts::list(&mut conn)?;
            if json {
                let accounts: Vec<_> = accounts
                    .iter()
                    .map(|a| {
                        serde_json::json!({
                            "id": a.id, "slug": a.slug, "name": a.name,
                            "created": output::rfc3339(Some(a.created_at)),
                        })
                    })
                    .collect();
                println!("{}", serde_json::to_string_pretty(&accounts)?);
                return Ok(());
            }
            let rows: Vec<Vec<String>> = accounts
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
            let account = store::accounts::find_by_slug(&mut conn, &account)?.ok_or_else(|| {
                anyhow::anyhow!("no account '{account}' (see 'roster accounts list')")
            })?;
            if any || !cidrs.is_empty() {
                let list = AllowList::parse(&cidrs).map_err(anyhow::Error::msg)?;
                store::account_transaction(&mut conn, account.id, |conn| {
                    store::accounts::set_networks(
                        conn,
                        account.id,
                        &Origin::cli(),
                        &list.to_strings(),
                    )
                })?;
            }
            let networks = store::accounts::networks(&mut conn, account.id)?;
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
