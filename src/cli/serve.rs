//! `roster serve`.

use anyhow::Context;
use clap::Args;

use super::flags::ServeFlags;
use crate::config::ServeConfig;
use crate::service::accounts::{FirstStart, first_start};
use crate::startup::{Application, Backend};

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// The settings of 'roster serve' (config::settings)
    #[command(flatten)]
    pub flags: ServeFlags,
}

pub fn run(config: ServeConfig) -> anyhow::Result<()> {
    let backend = Backend::open(&config.database_url, config.pool_size)?;
    let first = {
        let mut conn = backend.pool.get().context("no database connection")?;
        first_start(&mut conn)?
    };
    crate::http::block_on(async {
        let app = Application::build(&config, &backend)?;
        let host = config
            .listen
            .rsplit_once(':')
            .map_or("127.0.0.1", |(host, _)| host);
        let base = format!("http://{}:{}", display_host(host), app.port());
        if let Some(first) = &first {
            print_first_start(first, &base);
        }
        tracing::info!(database = %config.database_url.redacted(), "listening on {base}, SCIM base URL {base}/scim/v2");
        app.run_until_stopped()
            .await
            .context("the server stopped with an error")
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

/// The one time the first tokens are shown: on stdout, not in the logs, as
/// `export` lines a shell takes as they are (a token is base64url and dots,
/// nothing a shell would expand), named as every guide names them.
fn print_first_start(first: &FirstStart, base: &str) {
    let scim = first.scim_token.token.expose();
    let admin = first.admin_token.token.expose();
    let slug = &first.account.slug;
    println!(
        "\nRoster set up a new database: account '{slug}' with two tokens.\n\
         They are shown this once only (Roster keeps just their hashes): paste these two lines into\n\
         the shell you will run the docs' examples in, and keep the tokens somewhere safe.\n\n\
         # SCIM token, for your identity provider (Okta: HTTP Header / Bearer; Entra ID: Secret Token):\n\
         export SCIM_TOKEN={scim}\n\
         # Admin token, for the configuration API (/api/v1):\n\
         export ADMIN_TOKEN={admin}\n\n\
         Lost one? Issue another, with this server's database settings, e.g.:\n  \
         export SCIM_TOKEN=$(roster tokens issue --account {slug} --scope scim --label \"Okta production\")\n\
         The docs' access API examples use $ACCESS_TOKEN:\n  \
         export ACCESS_TOKEN=$(roster tokens issue --account {slug} --scope access --label \"my product\")\n\n\
         SCIM base URL: {base}/scim/v2\n\
         Try it:\n  curl -H \"Authorization: Bearer $SCIM_TOKEN\" {base}/scim/v2/ServiceProviderConfig\n",
    );
}
