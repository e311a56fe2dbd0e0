//! The `roster` command line (clap). The command forms are a contract that
//! scripts rely on; see the README.

mod access;
mod accounts;
mod clients;
mod config;
mod console;
mod doctor;
mod flags;
mod keys;
mod members;
mod output;
mod serve;
mod tokens;

use clap::{Parser, Subcommand};

use crate::config::{CommonConfig, Given, Sources};
use crate::telemetry;

#[derive(Debug, Parser)]
#[command(
    name = "roster",
    version,
    about = "Roster: a SCIM 2.0 server that maps your identity provider's groups onto account roles and workspace permissions",
    long_about = None,
    after_help = "Start here: 'roster serve' creates the database (sqlite://roster.db by default), \
                  an account named 'default' and its first tokens, and prints them once. \
                  'roster doctor' checks an installation and says what to fix."
)]
pub struct Cli {
    /// --config, --database-url, --log-format, --log (config::settings)
    #[command(flatten)]
    global: flags::GlobalFlags,

    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the server (migrating the database first)
    Serve(serve::ServeArgs),
    /// Apply pending database migrations and exit
    Migrate,
    /// Create and list accounts (tenants); set their network allow-lists
    #[command(subcommand)]
    Accounts(accounts::AccountsCommand),
    /// Issue, list and revoke API tokens
    #[command(subcommand)]
    Tokens(tokens::TokensCommand),
    /// OAuth clients: create them, add and revoke their secrets, delete them
    #[command(subcommand)]
    Clients(clients::ClientsCommand),
    /// List, rotate and retire the keys that sign tokens
    #[command(subcommand)]
    Keys(keys::KeysCommand),
    /// Create, list and delete an account's workspaces
    #[command(subcommand)]
    Workspaces(access::WorkspacesCommand),
    /// Add, list and delete the rules mapping groups to roles and workspace levels
    #[command(subcommand)]
    Rules(access::RulesCommand),
    /// Show a member's effective access, or who has a role
    #[command(subcommand)]
    Access(access::AccessCommand),
    /// List the account's members; add a local (break-glass) member and grant it access directly
    #[command(subcommand)]
    Members(members::MembersCommand),
    /// One-time links to an account's admin console
    #[command(subcommand)]
    Console(console::ConsoleCommand),
    /// Check the configuration (flags, ROSTER_… variables, --config file)
    #[command(subcommand)]
    Config(config::ConfigCommand),
    /// Check the configuration, the database, its migrations and the signing keys, changing nothing
    Doctor(doctor::DoctorArgs),
}

/// Runs the command line; the error is printed by `main` as one line.
pub fn run() -> anyhow::Result<()> {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) if !error.use_stderr() => error.exit(), // --help, --version
        Err(error) => {
            eprintln!(
                "roster: error: {}",
                usage_error_line(&error.render().to_string())
            );
            std::process::exit(2);
        }
    };
    let given = cli.global.0;
    match cli.command {
        Command::Serve(args) => {
            let sources = Sources::load(with_serve_flags(given, args.flags))?;
            let config = crate::config::serve(&sources)?;
            start(&sources, "info")?;
            serve::run(config)
        }
        Command::Migrate => {
            let common = start(&Sources::load(given)?, "warn")?;
            let database_url = common.database_url;
            let new_file = match &database_url {
                crate::store::DatabaseUrl::Sqlite(path) => {
                    path != ":memory:" && !std::path::Path::new(path).exists()
                }
                crate::store::DatabaseUrl::Postgres(_) => false,
            };
            let backend = crate::startup::Backend::open(&database_url, 1)?;
            let url = database_url.redacted();
            let applied = &backend.migrations_applied;
            if new_file {
                println!("created the database {url} (owner-only: mode 0600)");
            }
            match applied.len() {
                0 => println!("database {url} is up to date: no migration was pending"),
                count => println!(
                    "applied {count} migration{} to {url}: {}; it is up to date",
                    if count == 1 { "" } else { "s" },
                    applied.join(", ")
                ),
            }
            Ok(())
        }
        Command::Accounts(command) => {
            let common = start(&Sources::load(given)?, "warn")?;
            accounts::run(command, &common.database_url)
        }
        Command::Tokens(command) => {
            let common = start(&Sources::load(given)?, "warn")?;
            tokens::run(command, &common.database_url)
        }
        Command::Clients(command) => {
            let common = start(&Sources::load(given)?, "warn")?;
            clients::run(command, &common.database_url)
        }
        Command::Workspaces(command) => {
            let common = start(&Sources::load(given)?, "warn")?;
            access::workspaces(command, &common.database_url)
        }
        Command::Rules(command) => {
            let common = start(&Sources::load(given)?, "warn")?;
            access::rules(command, &common.database_url)
        }
        Command::Access(command) => {
            let common = start(&Sources::load(given)?, "warn")?;
            access::access(command, &common.database_url)
        }
        Command::Keys(command) => {
            let common = start(&Sources::load(given)?, "warn")?;
            keys::run(command, &common.database_url)
        }
        Command::Members(command) => {
            let common = start(&Sources::load(given)?, "warn")?;
            members::run(command, &common.database_url)
        }
        Command::Console(command) => {
            let flags = flags::ServeFlags(console::serve_flags(&command));
            let sources = Sources::load(with_serve_flags(given, flags))?;
            let serve = crate::config::serve(&sources)?;
            start(&sources, "warn")?;
            console::run(command, &serve)
        }
        Command::Config(command) => config::run(command, given),
        Command::Doctor(args) => doctor::run(args, given),
    }
}

/// Resolves the settings every command uses and starts logging with the
/// command's default log filter.
fn start(sources: &Sources, default_log: &str) -> anyhow::Result<CommonConfig> {
    let common = crate::config::common(sources)?;
    telemetry::init(common.log_format, common.log_filter(default_log));
    Ok(common)
}

/// The values of the command line, for commands that take `serve`'s flags too.
fn with_serve_flags(mut given: Vec<Given>, flags: flags::ServeFlags) -> Vec<Given> {
    given.extend(flags.0);
    given
}

/// clap's usage error (an error line, indented items, a tip, the usage, a
/// pointer to `--help`) on one line, keeping every helpful part.
fn usage_error_line(rendered: &str) -> String {
    let mut parts: Vec<String> = Vec::new();
    for line in rendered.lines() {
        let text = line.trim();
        if text.is_empty() {
            continue;
        }
        let indented = line.starts_with(char::is_whitespace) && !text.starts_with("tip:");
        match parts.last_mut() {
            Some(part) if indented => {
                part.push_str(if part.ends_with(':') { " " } else { ", " });
                part.push_str(text);
            }
            _ => parts.push(text.to_owned()),
        }
    }
    parts
        .into_iter()
        .map(|part| {
            let part = part.strip_prefix("error: ").unwrap_or(&part).to_owned();
            match part.strip_prefix("Usage: ") {
                Some(usage) => format!("usage: {usage}"),
                None if part.starts_with("For more information, try ") => part
                    .replace("For more information, try", "see")
                    .trim_end_matches('.')
                    .to_owned(),
                None => part,
            }
        })
        .collect::<Vec<_>>()
        .join("; ")
}

#[cfg(test)]
mod tests {
    use super::usage_error_line;

    #[test]
    fn a_usage_error_is_one_line_with_its_tip_and_usage() {
        let clap = "error: unexpected argument '--verbose' found\n\n  \
                    tip: to pass '--verbose' as a value, use '-- --verbose'\n\n\
                    Usage: roster serve [OPTIONS]\n\nFor more information, try '--help'.\n";
        assert_eq!(
            usage_error_line(clap),
            "unexpected argument '--verbose' found; tip: to pass '--verbose' as a value, use \
             '-- --verbose'; usage: roster serve [OPTIONS]; see '--help'"
        );
        let missing = "error: the following required arguments were not provided:\n  \
                       --account <ACCOUNT>\n  --scope <SCOPE>\n\n\
                       Usage: roster tokens issue --account <ACCOUNT> --scope <SCOPE>\n";
        assert_eq!(
            usage_error_line(missing),
            "the following required arguments were not provided: --account <ACCOUNT>, \
             --scope <SCOPE>; usage: roster tokens issue --account <ACCOUNT> --scope <SCOPE>"
        );
    }
}
