//! `roster members add`: a member created in Roster itself rather than
//! pushed by an identity provider (a break-glass account, someone outside
//! the IdP). It is an ordinary SCIM User, provisioned `local`: the access
//! review flags it, because offboarding in the IdP does not reach it.

use anyhow::bail;
use clap::Subcommand;
use serde_json::json;

use super::access::{find_account, open, write};
use crate::audit::Origin;
use crate::model::UserId;
use crate::scim::resource::{self, ResourceMeta};
use crate::scim::schema::ResourceKind;
use crate::scim::urns;
use crate::store::{self, DatabaseUrl, users::StoredUser};

#[derive(Debug, Subcommand)]
pub enum MembersCommand {
    /// Add a local member (not provisioned by an identity provider)
    Add {
        #[arg(long)]
        account: String,
        /// The member's userName, unique in the account (ignoring case)
        user_name: String,
        #[arg(long)]
        display_name: Option<String>,
    },
}

pub fn run(command: MembersCommand, url: &DatabaseUrl) -> anyhow::Result<()> {
    let (_backend, mut conn) = open(url)?;
    match command {
        MembersCommand::Add {
            account,
            user_name,
            display_name,
        } => {
            let account = find_account(&mut conn, &account)?;
            let mut body = json!({"schemas": [urns::USER], "userName": user_name, "active": true});
            if let Some(display_name) = display_name {
                body["displayName"] = json!(display_name);
            }
            let document = resource::document_from_request(ResourceKind::User, body)
                .map_err(|error| anyhow::anyhow!("{}", error.detail))?;
            let user = StoredUser {
                id: UserId::new(),
                document,
                meta: ResourceMeta::first(crate::clock::now()),
            };
            let inserted = write(&mut conn, &account, |conn| {
                store::users::insert(conn, account.id, &Origin::cli(), &user)
            });
            match inserted {
                Err(error)
                    if error
                        .downcast_ref::<store::StoreError>()
                        .is_some_and(store::StoreError::is_unique_violation) =>
                {
                    bail!(
                        "userName '{user_name}' is already taken in account '{}'",
                        account.slug
                    )
                }
                other => other?,
            }
            println!("{}", user.id);
        }
    }
    Ok(())
}
