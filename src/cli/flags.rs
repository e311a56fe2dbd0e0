//! The settings as command-line flags, built from `config::settings` so that
//! flags, variables and file keys cannot drift apart. Each flag also reads its
//! `ROSTER_…` variable (clap's `env`); the values are kept as text with where
//! they came from, and checked by `config`, which knows the file and defaults.

use clap::parser::ValueSource;
use clap::{Arg, ArgMatches, Args, Command, FromArgMatches};

use crate::config::{Given, Reach, Setting, settings};

/// The flags every command has: `--config`, the database and logging.
#[derive(Debug, Clone, Default)]
pub struct GlobalFlags(pub Vec<Given>);

/// The flags of `roster serve` (also on `config check` and `doctor`).
#[derive(Debug, Clone, Default)]
pub struct ServeFlags(pub Vec<Given>);

fn global_settings() -> impl Iterator<Item = &'static Setting> {
    std::iter::once(&settings::CONFIG).chain(settings::with_reach(Reach::Global))
}

fn arg(setting: &'static Setting) -> Arg {
    let help = match (setting.default, setting.key) {
        (_, "config") => setting.help.to_owned(),
        (Some(default), _) => format!("{} [default: {default}]", setting.help),
        (None, _) => setting.help.to_owned(),
    };
    Arg::new(setting.key)
        .long(setting.flag)
        .env(setting.env)
        .hide_env_values(setting.secret)
        .value_name(setting.value_name)
        .help(help)
}

fn given(matches: &ArgMatches, settings: impl Iterator<Item = &'static Setting>) -> Vec<Given> {
    settings
        .filter_map(|setting| {
            let value = matches.try_get_one::<String>(setting.key).ok().flatten()?;
            Some(Given {
                setting,
                value: value.clone(),
                from_env: matches.value_source(setting.key) == Some(ValueSource::EnvVariable),
            })
        })
        .collect()
}

impl FromArgMatches for GlobalFlags {
    fn from_arg_matches(matches: &ArgMatches) -> Result<Self, clap::Error> {
        Ok(Self(given(matches, global_settings())))
    }

    fn update_from_arg_matches(&mut self, matches: &ArgMatches) -> Result<(), clap::Error> {
        *self = Self::from_arg_matches(matches)?;
        Ok(())
    }
}

impl Args for GlobalFlags {
    fn augment_args(cmd: Command) -> Command {
        cmd.args(
            global_settings()
                .map(|setting| arg(setting).global(true).help_heading("Global options")),
        )
    }

    fn augment_args_for_update(cmd: Command) -> Command {
        Self::augment_args(cmd)
    }
}

impl FromArgMatches for ServeFlags {
    fn from_arg_matches(matches: &ArgMatches) -> Result<Self, clap::Error> {
        Ok(Self(given(matches, settings::with_reach(Reach::Serve))))
    }

    fn update_from_arg_matches(&mut self, matches: &ArgMatches) -> Result<(), clap::Error> {
        *self = Self::from_arg_matches(matches)?;
        Ok(())
    }
}

impl Args for ServeFlags {
    fn augment_args(cmd: Command) -> Command {
        cmd.args(settings::with_reach(Reach::Serve).map(arg))
    }

    fn augment_args_for_update(cmd: Command) -> Command {
        Self::augment_args(cmd)
    }
}
