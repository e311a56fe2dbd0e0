//! `roster config check`: the effective configuration, each value with where
//! it came from, secrets redacted.

use clap::Subcommand;
use serde_json::{Map, Value, json};

use super::flags::ServeFlags;
use super::output;
use crate::config::{self, Given, Origin, Sources};

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Check every setting as 'roster serve' would see it (same flags) and print
    /// each effective value with its source; secrets are redacted
    Check {
        #[command(flatten)]
        flags: ServeFlags,
        /// Print JSON instead of a table
        #[arg(long)]
        json: bool,
    },
}

pub fn run(command: ConfigCommand, given: Vec<Given>) -> anyhow::Result<()> {
    match command {
        ConfigCommand::Check { flags, json } => {
            let sources = Sources::load(super::with_serve_flags(given, flags))?;
            let effective = config::effective(&sources)?;
            let file = match sources.file() {
                Some((path, origin)) => (Some(path.display().to_string()), origin.clone()),
                None => (None, Origin::Default),
            };
            if json {
                let mut settings = Map::new();
                settings.insert("config".into(), entry(file.0.as_deref(), &file.1));
                for line in &effective {
                    let value = (line.origin != Origin::Default || line.setting.default.is_some())
                        .then_some(line.shown.as_str());
                    settings.insert(line.setting.key.into(), entry(value, &line.origin));
                }
                println!(
                    "{}",
                    serde_json::to_string_pretty(&Value::Object(settings))?
                );
                return Ok(());
            }
            let mut rows = vec![vec![
                "config".to_owned(),
                file.0.unwrap_or_else(|| "(no file)".into()),
                source(&file.1),
            ]];
            rows.extend(effective.iter().map(|line| {
                vec![
                    line.setting.key.to_owned(),
                    line.shown.clone(),
                    source(&line.origin),
                ]
            }));
            output::table(&["SETTING", "VALUE", "SOURCE"], &rows);
            eprintln!("The configuration is valid.");
            Ok(())
        }
    }
}

fn source(origin: &Origin) -> String {
    match origin {
        Origin::Default => "default".into(),
        other => format!("{} {other}", other.kind()),
    }
}

fn entry(value: Option<&str>, origin: &Origin) -> Value {
    let mut entry = json!({"value": value, "source": origin.kind()});
    if *origin != Origin::Default {
        entry["from"] = Value::String(origin.to_string());
    }
    entry
}
