//! `roster members add`: a member created in Roster itself rather than
//! pushed by an identity provider (a break-glass account, someone outside
//! the IdP). It is an ordinary SCIM User, provisioned `local`: the access
//! review flags it, because offboarding in the IdP does not reach it.

use anyhow::bail;
use clap::Subcommand;
use serde_json::json;

use super::access::{find_account, open};
use crate::audit::Origin;
use crate::scim::limits::RequestLimits;
use crate::scim::resource::{self, Projection};
use crate::scim::schema::ResourceKind;
use crate::scim::urns;
use crate::service;
use crate::store::DatabaseUrl;

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
            let caller = service::Caller {
                account: account.id,
                origin: &Origin::cli(),
                limits: &RequestLimits::default(),
            };
            let created =
                service::users::create(&mut conn, &caller, document, &Projection::default());
            let user = match created {
                Err(service::Error::Taken(_)) => bail!(
                    "userName '{user_name}' is already taken in account '{}'",
                    account.slug
                ),
                other => other?,
            };
            println!("{}", user.user.id);
        }
    }
    Ok(())
}
