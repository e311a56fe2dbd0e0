//! Where a setting's value comes from, in order of precedence: a flag, a
//! `ROSTER_…` environment variable (both read by the command line), the TOML
//! file named by `--config` / `ROSTER_CONFIG`, the default.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use super::ConfigError;
use super::settings::{self, Setting};

/// Where an effective value came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    Flag(&'static str),
    Env(&'static str),
    File(PathBuf),
    Default,
}

impl Origin {
    /// `flag`, `env`, `file` or `default`.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Flag(_) => "flag",
            Self::Env(_) => "env",
            Self::File(_) => "file",
            Self::Default => "default",
        }
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Flag(flag) => write!(f, "--{flag}"),
            Self::Env(var) => f.write_str(var),
            Self::File(path) => write!(f, "{}", path.display()),
            Self::Default => f.write_str("default"),
        }
    }
}

/// A value the command line received, as a flag or from its environment variable.
#[derive(Debug, Clone)]
pub struct Given {
    pub setting: &'static Setting,
    pub value: String,
    pub from_env: bool,
}

impl Given {
    fn origin(&self) -> Origin {
        if self.from_env {
            Origin::Env(self.setting.env)
        } else {
            Origin::Flag(self.setting.flag)
        }
    }
}

/// Everything the settings are resolved from.
#[derive(Debug, Default)]
pub struct Sources {
    given: Vec<Given>,
    file: Option<ConfigFile>,
    /// Where the file's path came from (`--config` or `ROSTER_CONFIG`).
    file_origin: Option<Origin>,
}

#[derive(Debug)]
struct ConfigFile {
    path: PathBuf,
    values: BTreeMap<String, String>,
}

impl Sources {
    /// The command line's values, and the configuration file if one is named
    /// (by `--config` or `ROSTER_CONFIG`), read and checked for unknown keys.
    pub fn load(given: Vec<Given>) -> Result<Self, ConfigError> {
        let named = given
            .iter()
            .find(|g| g.setting.key == settings::CONFIG.key)
            .map(|g| (PathBuf::from(&g.value), g.origin()));
        let (file, file_origin) = match named {
            Some((path, origin)) => (Some(ConfigFile::read(&path)?), Some(origin)),
            None => (None, None),
        };
        Ok(Self {
            given,
            file,
            file_origin,
        })
    }

    /// The configuration file's path and where it was named, if any.
    pub fn file(&self) -> Option<(&Path, &Origin)> {
        Some((
            self.file.as_ref()?.path.as_path(),
            self.file_origin.as_ref()?,
        ))
    }

    /// The value that wins for `setting`, or `None` for its default.
    pub fn raw(&self, setting: &Setting) -> Option<(&str, Origin)> {
        if let Some(given) = self
            .given
            .iter()
            .rev()
            .find(|g| g.setting.key == setting.key)
        {
            return Some((given.value.as_str(), given.origin()));
        }
        let file = self.file.as_ref()?;
        let value = file.values.get(setting.key)?;
        Some((value.as_str(), Origin::File(file.path.clone())))
    }
}

impl ConfigFile {
    fn read(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|error| ConfigError::File {
            path: path.to_owned(),
            reason: error.to_string(),
        })?;
        let table: toml::Table = text.parse().map_err(|error: toml::de::Error| {
            let line = error.span().map(|span| {
                let before = &text.as_bytes()[..span.start.min(text.len())];
                before.iter().filter(|byte| **byte == b'\n').count() + 1
            });
            ConfigError::File {
                path: path.to_owned(),
                reason: match line {
                    Some(line) => format!("line {line}: {}", one_line(error.message())),
                    None => one_line(error.message()),
                },
            }
        })?;
        let mut values = BTreeMap::new();
        for (key, value) in table {
            if settings::by_key(&key).is_none() {
                return Err(ConfigError::File {
                    path: path.to_owned(),
                    reason: format!(
                        "unknown setting '{key}' (the settings are listed by 'roster serve --help', \
                         with '-' written '_')"
                    ),
                });
            }
            let text = match value {
                toml::Value::String(text) => text,
                toml::Value::Integer(number) => number.to_string(),
                toml::Value::Boolean(flag) => flag.to_string(),
                other => {
                    return Err(ConfigError::File {
                        path: path.to_owned(),
                        reason: format!(
                            "'{key}' must be a string or an integer (or a boolean), not a TOML {}",
                            other.type_str()
                        ),
                    });
                }
            };
            values.insert(key, text);
        }
        Ok(Self {
            path: path.to_owned(),
            values,
        })
    }
}

fn one_line(message: &str) -> String {
    message.split_whitespace().collect::<Vec<_>>().join(" ")
}
