//! `roster members …`: `add` creates a member in Roster itself rather than
//! pushed by an identity provider (a break-glass account, someone outside
//! the IdP). It is an ordinary SCIM User, provisioned `local`: the access
//! review flags it, because offboarding in the IdP does not reach it.
//! `grant` gives such a member a role or a workspace level directly
//! (`service::access::grants`); `list` is the team listing
//! (`service::team`), as a table, JSON or CSV.

use anyhow::{anyhow, bail};
use clap::{ArgGroup, Args, Subcommand};
use serde_json::json;

use super::access::{find_account, open};
use super::output;
use crate::access::team::{CsvWriter, TeamMember};
use crate::audit::Origin;
use crate::scim::limits::RequestLimits;
use crate::scim::resource::{self, Projection};
use crate::scim::schema::ResourceKind;
use crate::scim::urns;
use crate::service;
use crate::service::access::{grants, members};
use crate::service::team::{self, Status, TeamQuery};
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
    /// List the account's members with role, workspace levels, last login and status
    List(ListMembers),
    /// Give a local member a role or a workspace level directly ('none' takes it away)
    Grant(GrantArgs),
}

#[derive(Debug, Args)]
pub struct ListMembers {
    #[arg(long)]
    account: String,
    /// Members with this role
    #[arg(long)]
    role: Option<String>,
    /// Members with a level, any level, in this workspace (slug)
    #[arg(long)]
    workspace: Option<String>,
    /// Members not logged in for this many days (counted from creation when never)
    #[arg(long)]
    stale_days: Option<u32>,
    /// active or inactive
    #[arg(long)]
    status: Option<String>,
    /// Part of the userName or displayName, in any case
    #[arg(long)]
    search: Option<String>,
    /// Print JSON instead of a table
    #[arg(long, conflicts_with = "csv")]
    json: bool,
    /// Print CSV instead of a table
    #[arg(long)]
    csv: bool,
}

#[derive(Debug, Args)]
#[command(group(ArgGroup::new("grant").required(true).args(["role", "workspace"])))]
pub struct GrantArgs {
    #[arg(long)]
    account: String,
    /// The member's userName (any case)
    user_name: String,
    /// The role to grant, or 'none' to take the granted role away
    #[arg(long, conflicts_with = "workspace")]
    role: Option<String>,
    /// The workspace to grant a level in (with --level)
    #[arg(long, requires = "level")]
    workspace: Option<String>,
    /// The level to grant in --workspace, or 'none' to take it away
    #[arg(long, requires = "workspace")]
    level: Option<String>,
}

/// `none` takes a grant away.
fn granted(value: &str) -> Option<&str> {
    (value != "none").then_some(value)
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
        MembersCommand::List(list) => list_members(&mut conn, list)?,
        MembersCommand::Grant(grant) => {
            let account = find_account(&mut conn, &grant.account)?;
            let found = members::find(&mut conn, account.id, &grant.user_name, false)?;
            let member = found.into_iter().next().ok_or_else(|| {
                anyhow!(
                    "no member '{}' in account '{}'",
                    grant.user_name,
                    account.slug
                )
            })?;
            let caller = service::Caller {
                account: account.id,
                origin: &Origin::cli(),
                limits: &RequestLimits::default(),
            };
            let set = match (&grant.role, &grant.workspace, &grant.level) {
                (Some(role), _, _) => {
                    grants::set_role(&mut conn, &caller, member.id, granted(role))?
                }
                (None, Some(workspace), Some(level)) => {
                    grants::set_level(&mut conn, &caller, member.id, workspace, granted(level))?
                }
                _ => bail!("say what to grant: --role R, or --workspace W --level L"),
            };
            let mut parts: Vec<String> =
                set.role.iter().map(|role| format!("role {role}")).collect();
            parts.extend(
                set.workspaces
                    .iter()
                    .map(|granted| format!("{} in {}", granted.level, granted.workspace)),
            );
            let parts = if parts.is_empty() {
                "none".to_owned()
            } else {
                parts.join(", ")
            };
            println!("direct grants of {}: {parts}", member.user_name);
        }
    }
    Ok(())
}

fn list_members(conn: &mut crate::store::Conn, list: ListMembers) -> anyhow::Result<()> {
    let account = find_account(conn, &list.account)?;
    let query = TeamQuery {
        search: list.search,
        role: list.role,
        workspace: list.workspace,
        status: list.status.as_deref().map(Status::parse).transpose()?,
        stale_days: list.stale_days,
        ..TeamQuery::default()
    };
    if list.csv {
        let mut csv = CsvWriter::new(std::io::stdout().lock())?;
        for page in team::all_pages(conn, account.id, &query) {
            for member in page? {
                csv.write(&member)?;
            }
        }
        drop(csv.finish()?);
        return Ok(());
    }
    let mut members: Vec<TeamMember> = Vec::new();
    for page in team::all_pages(conn, account.id, &query) {
        members.extend(page?);
    }
    if list.json {
        println!("{}", serde_json::to_string_pretty(&members)?);
        return Ok(());
    }
    let rows: Vec<Vec<String>> = members
        .into_iter()
        .map(|member| {
            let levels: Vec<String> = member
                .workspaces
                .iter()
                .map(|level| format!("{}={}", level.workspace, level.level))
                .collect();
            vec![
                member.user_name,
                member.display_name.unwrap_or_else(|| "-".into()),
                if member.active { "active" } else { "inactive" }.into(),
                member.role.unwrap_or_else(|| "-".into()),
                if levels.is_empty() {
                    "-".into()
                } else {
                    levels.join(" ")
                },
                output::time(member.last_login),
                member.provisioned_by.via,
            ]
        })
        .collect();
    output::table(
        &[
            "USERNAME",
            "DISPLAY NAME",
            "STATUS",
            "ROLE",
            "WORKSPACES",
            "LAST LOGIN",
            "PROVISIONED",
        ],
        &rows,
    );
    Ok(())
}
