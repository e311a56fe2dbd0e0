//! `roster keys`: the keys that sign tokens. Rotating adds a key that signs
//! new tokens while the old ones stay valid; retiring a key refuses every
//! token it signed from the next request on, on every replica (and stops
//! the webhooks whose secrets derive from it: add them again).

use anyhow::{Context, anyhow, bail};
use clap::Subcommand;

use super::output;
use crate::model::KeyId;
use crate::service::{self, keys};
use crate::startup::Backend;
use crate::store::DatabaseUrl;

#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// List the signing keys and how many live tokens each signed
    List {
        /// Print JSON instead of a table
        #[arg(long)]
        json: bool,
    },
    /// Add a key that signs new tokens from now on (old tokens stay valid)
    Rotate,
    /// Retire a key: every token it signed is refused from now on
    Retire { key_id: String },
}

pub fn run(command: KeysCommand, url: &DatabaseUrl) -> anyhow::Result<()> {
    let backend = Backend::open(url, 1)?;
    let mut conn = backend.pool.get().context("no database connection")?;
    match command {
        KeysCommand::List { json } => {
            let listed = keys::list(&mut conn)?;
            if json {
                let listed: Vec<_> = listed
                    .iter()
                    .map(|key| {
                        serde_json::json!({
                            "id": key.id, "created": output::rfc3339(Some(key.created_at)),
                            "retired": output::rfc3339(key.retired_at), "liveTokens": key.live_tokens,
                        })
                    })
                    .collect();
                println!("{}", serde_json::to_string_pretty(&listed)?);
                return Ok(());
            }
            let rows: Vec<Vec<String>> = listed
                .iter()
                .map(|key| {
                    vec![
                        key.id.to_string(),
                        output::time(Some(key.created_at)),
                        output::time(key.retired_at),
                        key.live_tokens.to_string(),
                    ]
                })
                .collect();
            output::table(&["ID", "CREATED", "RETIRED", "LIVE TOKENS"], &rows);
        }
        KeysCommand::Rotate => {
            let key = keys::rotate(&mut conn)?;
            tracing::info!(key = %key, "signing key added");
            println!("{key}");
        }
        KeysCommand::Retire { key_id } => {
            let id: KeyId = key_id
                .parse()
                .map_err(|_| anyhow!("'{key_id}' is not a key id (see 'roster keys list')"))?;
            match keys::retire(&mut conn, id) {
                Err(service::Error::NotFound(_)) => {
                    bail!("no active signing key {id} (see 'roster keys list')")
                }
                Err(service::Error::Conflict(_)) => {
                    bail!("{id} is the only active signing key: run 'roster keys rotate' first")
                }
                other => other?,
            }
            tracing::warn!(key = %id, "signing key retired");
            println!("retired signing key {id}");
        }
    }
    Ok(())
}
