//! The `roster` command line (clap). The command forms are a contract that
//! scripts rely on; see the README.

mod access;
mod accounts;
mod output;
mod serve;
mod tokens;

use clap::{Parser, Subcommand};

use crate::store::DatabaseUrl;
use crate::telemetry::{self, LogFormat};

#[derive(Debug, Parser)]
#[command(
    name = "roster",
    version,
    about = "Roster: a SCIM 2.0 server that maps your identity provider's groups onto account roles and workspace permissions",
    long_about = None,
    after_help = "Start here: 'roster serve' creates the database (sqlite://roster.db by default), \
                  an account named 'default' and its first tokens, and prints them once."
)]
pub struct Cli {
    /// Database: sqlite://PATH (or a bare path) or postgres://USER@HOST:PORT/DB
    #[arg(
        long,
        global = true,
        env = "ROSTER_DATABASE_URL",
        default_value = "sqlite://roster.db"
    )]
    database_url: String,

    /// Log format on stderr
    #[arg(
        long,
        global = true,
        env = "ROSTER_LOG_FORMAT",
        value_enum,
        default_value = "human"
    )]
    log_format: LogFormat,

    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the server (migrating the database first)
    Serve(serve::ServeArgs),
    /// Apply pending database migrations and exit
    Migrate,
    /// Create and list accounts (tenants)
    #[command(subcommand)]
    Accounts(accounts::AccountsCommand),
    /// Issue, list and revoke API tokens
    #[command(subcommand)]
    Tokens(tokens::TokensCommand),
    /// Create, list and delete an account's workspaces
    #[command(subcommand)]
    Workspaces(access::WorkspacesCommand),
    /// Add, list and delete the rules mapping groups to roles and workspace levels
    #[command(subcommand)]
    Rules(access::RulesCommand),
    /// Show a member's effective access, or who has a role
    #[command(subcommand)]
    Access(access::AccessCommand),
}

/// Runs the command line; the error is printed by `main` as one line.
pub fn run() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let database_url = DatabaseUrl::parse(&cli.database_url)?;
    match cli.command {
        Command::Serve(args) => {
            telemetry::init(cli.log_format, "info");
            serve::run(args, database_url)
        }
        Command::Migrate => {
            telemetry::init(cli.log_format, "warn");
            let backend = crate::startup::Backend::open(&database_url, 1)?;
            drop(backend);
            println!("database at {} is up to date", database_url.redacted());
            Ok(())
        }
        Command::Accounts(command) => {
            telemetry::init(cli.log_format, "warn");
            accounts::run(command, &database_url)
        }
        Command::Tokens(command) => {
            telemetry::init(cli.log_format, "warn");
            tokens::run(command, &database_url)
        }
        Command::Workspaces(command) => {
            telemetry::init(cli.log_format, "warn");
            access::workspaces(command, &database_url)
        }
        Command::Rules(command) => {
            telemetry::init(cli.log_format, "warn");
            access::rules(command, &database_url)
        }
        Command::Access(command) => {
            telemetry::init(cli.log_format, "warn");
            access::access(command, &database_url)
        }
    }
}
