//! `roster keys`: the keys that sign tokens. Rotating adds a key that signs
//! new tokens while the old ones stay valid; retiring a key refuses every
//! token it signed from the next request on, on every replica (and stops
//! the webhooks whose secrets derive from it: add them again).

use anyhow::{Context, anyhow, bail};
use clap::Subcommand;

use super::output;
use crate::model::KeyId;
use crate::startup::Backend;
use crate::store::{self, DatabaseUrl};

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
            let keys = store::signing_keys::list(&mut conn)?;
            let live = store::tokens::live_count_by_key(&mut conn)?;
            let count = |id: &KeyId| {
                live.iter()
                    .find(|(key, _)| *key == id.to_string())
                    .map_or(0, |(_, n)| *n)
            };
            if json {
                let keys: Vec<_> = keys
                    .iter()
                    .map(|key| {
                        serde_json::json!({
                            "id": key.id, "created": output::rfc3339(Some(key.created_at)),
                            "retired": output::rfc3339(key.retired_at), "liveTokens": count(&key.id),
                        })
                    })
                    .collect();
                println!("{}", serde_json::to_string_pretty(&keys)?);
                return Ok(());
            }
            let rows: Vec<Vec<String>> = keys
                .iter()
                .map(|key| {
                    vec![
                        key.id.to_string(),
                        output::time(Some(key.created_at)),
                        output::time(key.retired_at),
                        count(&key.id).to_string(),
                    ]
                })
                .collect();
            output::table(&["ID", "CREATED", "RETIRED", "LIVE TOKENS"], &rows);
        }
        KeysCommand::Rotate => {
            let key = backend.authenticator.rotate_key(&mut conn)?;
            tracing::info!(key = %key.id, "signing key added");
            println!("{}", key.id);
        }
        KeysCommand::Retire { key_id } => {
            let id: KeyId = key_id
                .parse()
                .map_err(|_| anyhow!("'{key_id}' is not a key id (see 'roster keys list')"))?;
            let active = store::signing_keys::list_active(&mut conn)?;
            if !active.iter().any(|key| key.id == id) {
                bail!("no active signing key {id} (see 'roster keys list')");
            }
            if active.len() == 1 {
                bail!("{id} is the only active signing key: run 'roster keys rotate' first");
            }
            store::write_transaction(&mut conn, |conn| {
                store::signing_keys::retire(conn, id, crate::clock::now())
            })?;
            tracing::warn!(key = %id, "signing key retired");
            println!("retired signing key {id}");
        }
    }
    Ok(())
}
