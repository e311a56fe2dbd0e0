//! `roster workspaces …`, `roster rules …` and `roster access …`: the access
//! configuration and effective access from a terminal (the same operations
//! as `/api/v1`, `service::access`, so every change is audited and
//! recomputes access the same way).

use anyhow::{Context, anyhow};
use clap::{ArgGroup, Args, Subcommand};

use super::output;
use crate::access::{RuleSpec, Selector};
use crate::audit::Origin;
use crate::model::{Account, Slug};
use crate::scim::limits::RequestLimits;
use crate::service::access::{members, rules, workspaces};
use crate::service::{self, Caller};
use crate::startup::Backend;
use crate::store::{self, Conn, DatabaseUrl};

#[derive(Debug, Subcommand)]
pub enum WorkspacesCommand {
    /// List the account's workspaces
    List {
        #[arg(long)]
        account: String,
        /// Print JSON instead of a table
        #[arg(long)]
        json: bool,
    },
    /// Create a workspace
    Create {
        #[arg(long)]
        account: String,
        /// Short URL-safe name, e.g. production
        slug: String,
        /// Display name (default: the slug)
        #[arg(long)]
        name: Option<String>,
    },
    /// Delete a workspace, its rules and every level in it
    Delete {
        #[arg(long)]
        account: String,
        slug: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum RulesCommand {
    /// List the account's mapping rules
    List {
        #[arg(long)]
        account: String,
        /// Print JSON instead of a table
        #[arg(long)]
        json: bool,
    },
    /// Add a rule: members of a group (or with a SCIM role value) get a role
    /// and/or a level in a workspace
    Add(AddRule),
    /// Delete a rule
    Delete {
        #[arg(long)]
        account: String,
        id: String,
    },
}

#[derive(Debug, Args)]
#[command(group(
    ArgGroup::new("selector")
        .required(true)
        .args(["group_name", "group_external_id", "group_id", "scim_role"])
))]
pub struct AddRule {
    #[arg(long)]
    account: String,
    /// Match members of the group with this displayName (any case)
    #[arg(long)]
    group_name: Option<String>,
    /// Match members of the group with this externalId
    #[arg(long)]
    group_external_id: Option<String>,
    /// Match members of the group with this SCIM id
    #[arg(long)]
    group_id: Option<String>,
    /// Match members whose SCIM roles hold this value (any case)
    #[arg(long)]
    scim_role: Option<String>,
    /// The account role to give
    #[arg(long)]
    role: Option<String>,
    /// The workspace to give a level in (with --level)
    #[arg(long, requires = "level")]
    workspace: Option<String>,
    /// The level to give in --workspace
    #[arg(long, requires = "workspace")]
    level: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum AccessCommand {
    /// Show a member's role, workspace levels and the rules behind them
    Show {
        #[arg(long)]
        account: String,
        /// The member's userName (any case)
        user_name: String,
        /// Print JSON
        #[arg(long)]
        json: bool,
    },
    /// List the active members who have a role, e.g. "who has admin?"
    Who {
        #[arg(long)]
        account: String,
        #[arg(long)]
        role: String,
        /// Print JSON instead of a table
        #[arg(long)]
        json: bool,
    },
}

pub(super) fn open(
    url: &DatabaseUrl,
) -> anyhow::Result<(Backend, r2d2::PooledConnection<store::ConnectionManager>)> {
    let backend = Backend::open(url, 1)?;
    let conn = backend.pool.get().context("no database connection")?;
    Ok((backend, conn))
}

pub(super) fn find_account(conn: &mut Conn, slug: &str) -> anyhow::Result<Account> {
    store::accounts::find_by_slug(conn, slug)?
        .ok_or_else(|| anyhow!("no account '{slug}' (see 'roster accounts list')"))
}

/// Runs an operation as the CLI, in the account.
fn as_cli<T>(
    account: &Account,
    operation: impl FnOnce(&Caller<'_>) -> Result<T, service::Error>,
) -> anyhow::Result<T> {
    let caller = Caller {
        account: account.id,
        origin: &Origin::cli(),
        limits: &RequestLimits::default(),
    };
    Ok(operation(&caller)?)
}

pub fn workspaces(command: WorkspacesCommand, url: &DatabaseUrl) -> anyhow::Result<()> {
    let (_backend, mut conn) = open(url)?;
    match command {
        WorkspacesCommand::List { account, json } => {
            let account = find_account(&mut conn, &account)?;
            let workspaces = workspaces::list(&mut conn, account.id)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&workspaces)?);
                return Ok(());
            }
            let rows: Vec<Vec<String>> = workspaces
                .into_iter()
                .map(|w| vec![w.slug, w.name, output::time(Some(w.created_at))])
                .collect();
            output::table(&["SLUG", "NAME", "CREATED"], &rows);
        }
        WorkspacesCommand::Create {
            account,
            slug,
            name,
        } => {
            let account = find_account(&mut conn, &account)?;
            let slug = Slug::parse(&slug).map_err(|error| anyhow!(error))?;
            let name = name.unwrap_or_else(|| slug.to_string());
            as_cli(&account, |caller| {
                workspaces::create(&mut conn, caller, &slug, &name)
            })?;
            println!("created workspace {slug}");
        }
        WorkspacesCommand::Delete { account, slug } => {
            let account = find_account(&mut conn, &account)?;
            as_cli(&account, |caller| {
                workspaces::delete(&mut conn, caller, &slug)
            })?;
            println!("deleted workspace {slug}");
        }
    }
    Ok(())
}

pub fn rules(command: RulesCommand, url: &DatabaseUrl) -> anyhow::Result<()> {
    let (_backend, mut conn) = open(url)?;
    match command {
        RulesCommand::List { account, json } => {
            let account = find_account(&mut conn, &account)?;
            let rules = rules::list(&mut conn, account.id)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&rules)?);
                return Ok(());
            }
            let rows: Vec<Vec<String>> = rules
                .into_iter()
                .map(|rule| {
                    let (kind, value) = match &rule.spec.selector {
                        Selector::GroupName(v) => ("group name", v.clone()),
                        Selector::GroupExternalId(v) => ("group externalId", v.clone()),
                        Selector::GroupId(v) => ("group id", v.clone()),
                        Selector::ScimRole(v) => ("SCIM role", v.clone()),
                    };
                    let dash = |v: Option<String>| v.unwrap_or_else(|| "-".into());
                    vec![
                        rule.id.to_string(),
                        format!("{kind} = {value}"),
                        dash(rule.spec.role),
                        dash(rule.spec.workspace),
                        dash(rule.spec.level),
                    ]
                })
                .collect();
            output::table(&["ID", "MATCH", "ROLE", "WORKSPACE", "LEVEL"], &rows);
        }
        RulesCommand::Add(add) => {
            let account = find_account(&mut conn, &add.account)?;
            let selector = match (
                add.group_name,
                add.group_external_id,
                add.group_id,
                add.scim_role,
            ) {
                (Some(name), ..) => Selector::GroupName(name),
                (_, Some(id), ..) => Selector::GroupExternalId(id),
                (_, _, Some(id), _) => Selector::GroupId(id),
                (.., Some(role)) => Selector::ScimRole(role),
                _ => {
                    return Err(anyhow!(
                        "say what the rule matches: --group-name, --group-external-id, --group-id or --scim-role"
                    ));
                }
            };
            let spec = RuleSpec {
                selector,
                role: add.role,
                workspace: add.workspace,
                level: add.level,
            };
            let rule = as_cli(&account, |caller| rules::create(&mut conn, caller, &spec))?;
            println!("{}", rule.id);
        }
        RulesCommand::Delete { account, id } => {
            let account = find_account(&mut conn, &account)?;
            let rule = rules::id(&id)?;
            as_cli(&account, |caller| rules::delete(&mut conn, caller, rule))?;
            println!("deleted rule {id}");
        }
    }
    Ok(())
}

pub fn access(command: AccessCommand, url: &DatabaseUrl) -> anyhow::Result<()> {
    let (_backend, mut conn) = open(url)?;
    match command {
        AccessCommand::Show {
            account,
            user_name,
            json,
        } => {
            let account = find_account(&mut conn, &account)?;
            let found = members::find(&mut conn, account.id, &user_name, false)?;
            let access = found.into_iter().next().ok_or_else(|| {
                anyhow!(
                    "no member '{user_name}' in account '{}' (deleted, or never provisioned)",
                    account.slug
                )
            })?;
            if json {
                println!("{}", serde_json::to_string_pretty(&access)?);
                return Ok(());
            }
            println!("{} ({})", access.user_name, access.id);
            println!("active: {}", access.active);
            println!(
                "role: {}",
                access.role.as_deref().unwrap_or("none (no access)")
            );
            for level in &access.workspaces {
                println!("workspace {}: {}", level.workspace, level.level);
            }
            for reason in &access.explanation {
                let via = match &reason.via {
                    crate::access::Via::Group { display_name, .. } => {
                        format!("group '{display_name}'")
                    }
                    crate::access::Via::ScimRole { value } => format!("SCIM role '{value}'"),
                    crate::access::Via::Grant { source, granted_at } => format!(
                        "a direct grant ({source}, {})",
                        output::time(Some(*granted_at))
                    ),
                    crate::access::Via::Entitlement {
                        attribute,
                        value,
                        unmatched,
                    } => format!(
                        "the IdP's {attribute} value '{value}'{}",
                        if *unmatched {
                            " (unmatched: grants nothing)"
                        } else {
                            ""
                        }
                    ),
                };
                let grants: Vec<String> = reason
                    .role
                    .iter()
                    .map(|role| format!("role {role}"))
                    .chain(
                        reason
                            .workspace
                            .iter()
                            .zip(&reason.level)
                            .map(|(w, l)| format!("{l} in {w}")),
                    )
                    .collect();
                match reason.rule {
                    Some(rule) => println!("  rule {rule} via {via}: {}", grants.join(", ")),
                    None => println!("  {via}: {}", grants.join(", ")),
                }
            }
        }
        AccessCommand::Who {
            account,
            role,
            json,
        } => {
            let account = find_account(&mut conn, &account)?;
            let holders = members::with_role(&mut conn, account.id, &role)?;
            if json {
                let holders: Vec<_> = holders
                    .iter()
                    .map(|holder| {
                        serde_json::json!({"id": holder.id.to_string(), "userName": holder.user_name})
                    })
                    .collect();
                println!("{}", serde_json::to_string_pretty(&holders)?);
                return Ok(());
            }
            let rows: Vec<Vec<String>> = holders
                .into_iter()
                .map(|holder| vec![holder.user_name, holder.id.to_string()])
                .collect();
            output::table(&["USERNAME", "ID"], &rows);
        }
    }
    Ok(())
}
