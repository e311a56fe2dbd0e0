//! `roster serve`.

use anyhow::Context;
use clap::Args;

use crate::config::ServeConfig;
use crate::startup::{Application, Backend, FirstStart, first_start};
use crate::store::DatabaseUrl;

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on (HOST:PORT)
    #[arg(long, env = "ROSTER_LISTEN", default_value = ServeConfig::DEFAULT_LISTEN)]
    listen: String,

    /// Largest accepted request body in bytes; larger bodies get 413
    #[arg(long, env = "ROSTER_MAX_BODY_BYTES", default_value_t = ServeConfig::DEFAULT_MAX_BODY_BYTES as u64,
          value_parser = clap::value_parser!(u64).range(1024..=64 * 1024 * 1024))]
    max_body_bytes: u64,

    /// Largest page of a SCIM list; larger 'count' values are clamped to it
    #[arg(long, env = "ROSTER_MAX_PAGE_SIZE", default_value_t = ServeConfig::DEFAULT_MAX_PAGE_SIZE as u64,
          value_parser = clap::value_parser!(u64).range(1..=10_000))]
    max_page_size: u64,

    /// Most operations in one SCIM PATCH request; more get 413
    #[arg(long, env = "ROSTER_MAX_PATCH_OPERATIONS", default_value_t = ServeConfig::DEFAULT_MAX_PATCH_OPERATIONS as u64,
          value_parser = clap::value_parser!(u64).range(1..=100_000))]
    max_patch_operations: u64,

    /// Database connections in the pool (SQLite uses at most 8)
    #[arg(long, env = "ROSTER_POOL_SIZE", default_value_t = ServeConfig::DEFAULT_POOL_SIZE,
          value_parser = clap::value_parser!(u32).range(1..=1000))]
    pool_size: u32,

    /// HTTP worker threads (default: one per CPU core)
    #[arg(long, env = "ROSTER_WORKERS", value_parser = clap::value_parser!(u64).range(1..=256))]
    workers: Option<u64>,
}

pub fn run(args: ServeArgs, database_url: DatabaseUrl) -> anyhow::Result<()> {
    let config = ServeConfig {
        listen: args.listen,
        max_body_bytes: usize::try_from(args.max_body_bytes)?,
        max_page_size: usize::try_from(args.max_page_size)?,
        max_patch_operations: usize::try_from(args.max_patch_operations)?,
        pool_size: args.pool_size,
        workers: args.workers.map(usize::try_from).transpose()?,
        ..ServeConfig::new(database_url)
    };
    let backend = Backend::open(&config.database_url, config.pool_size)?;
    let first = {
        let mut conn = backend.pool.get().context("no database connection")?;
        first_start(&mut conn, &backend.authenticator)?
    };
    actix_web::rt::System::new().block_on(async {
        let app = Application::build(&config, &backend)?;
        let host = config.listen.rsplit_once(':').map_or("127.0.0.1", |(host, _)| host);
        let base = format!("http://{}:{}", display_host(host), app.port());
        if let Some(first) = &first {
            print_first_start(first, &base);
        }
        tracing::info!(database = %config.database_url.redacted(), "listening on {base}, SCIM base URL {base}/scim/v2");
        app.run_until_stopped().await.context("the server stopped with an error")
    })?;
    tracing::info!("stopped");
    Ok(())
}

fn display_host(host: &str) -> &str {
    match host {
        "0.0.0.0" | "[::]" | "" => "127.0.0.1",
        other => other,
    }
}

/// The one time the first tokens are shown: on stdout, not in the logs.
fn print_first_start(first: &FirstStart, base: &str) {
    let scim = first.scim_token.token.expose();
    let admin = first.admin_token.token.expose();
    println!(
        "\nRoster set up a new database: account '{slug}' with two tokens.\n\
         They are shown this once only (Roster keeps just their hashes): copy them now.\n\n\
         SCIM token, for your identity provider (Okta: HTTP Header / Bearer; Entra ID: Secret Token):\n{scim}\n\n\
         Admin token, for the configuration API:\n{admin}\n\n\
         SCIM base URL: {base}/scim/v2\n\
         Try it:\n  curl -H \"Authorization: Bearer {scim}\" {base}/scim/v2/ServiceProviderConfig\n",
        slug = first.account.slug,
    );
}
