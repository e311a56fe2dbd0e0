//! Validated configuration. Every setting is a flag, a `ROSTER_…`
//! environment variable, and a key of the optional TOML file named by
//! `--config`; the flag wins over the variable, which wins over the file,
//! which wins over the default ([`sources`]). [`settings`] lists them all.
//!
//! Values are checked once, at start, and an invalid one is an error that
//! names the setting and where its value came from, e.g.
//! `invalid max_page_size '0' (from ROSTER_MAX_PAGE_SIZE): must be a whole number from 1 to 10000`.
//! Secret values (the database password, the metrics token) are never shown.

pub mod settings;
pub mod sources;

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

pub use settings::{Reach, Setting};
pub use sources::{Given, Origin, Sources};

use crate::scim::filter::FilterLimits;
use crate::scim::limits::RequestLimits;
use crate::service::console::SessionPolicy;
use crate::store::{DatabaseUrl, StoreError};
use crate::telemetry::LogFormat;

/// Everything `roster serve` needs, validated.
#[derive(Debug, Clone)]
pub struct ServeConfig {
    pub database_url: DatabaseUrl,
    /// `HOST:PORT`; port 0 picks a free port.
    pub listen: String,
    pub max_body_bytes: usize,
    /// The most operations of one SCIM Bulk request (`maxOperations`).
    pub bulk_max_operations: usize,
    /// The largest SCIM Bulk request body (`maxPayloadSize`), apart from
    /// `max_body_bytes`.
    pub bulk_max_payload_bytes: usize,
    /// The largest page a SCIM list returns; larger `count`s are clamped.
    pub max_page_size: usize,
    /// How long a SCIM list's cursor stays valid between pages (RFC 9865
    /// `cursorTimeout`).
    pub cursor_timeout: Duration,
    /// What one SCIM request may carry: PATCH operations, members, value
    /// lengths, filter length and terms.
    pub limits: RequestLimits,
    pub pool_size: u32,
    pub workers: Option<usize>,
    pub shutdown_timeout: Duration,
    /// Requests per second per token (an account: four times as many); 0 is no limit.
    pub rate_limit: u32,
    /// How long the token endpoint's access tokens live (1 to 6 hours).
    pub oauth_token_lifetime: Duration,
    /// Tests only: fetch federated issuers' keys over http:// on loopback.
    pub oauth_allow_http_loopback_issuers: bool,
    /// How long a request body may take to arrive (then 408).
    pub body_timeout: Duration,
    /// The header a trusted reverse proxy puts the client's address in; when
    /// set, the proxy's `Forwarded` / `X-Forwarded-*` headers are trusted too.
    pub client_ip_header: Option<String>,
    /// The URL clients reach Roster at, without a trailing `/`.
    pub public_url: Option<String>,
    /// The most webhook endpoints delivered to at once.
    pub webhook_concurrency: usize,
    /// Whether webhooks may go to internal addresses (loopback, private, …).
    pub webhook_allow_private_destinations: bool,
    /// When set, `GET /metrics` needs `Authorization: Bearer <this>`.
    pub metrics_token: Option<Secret>,
    /// When admin console sessions end.
    pub console_sessions: SessionPolicy,
    /// Origins that may frame the console (CSP `frame-ancestors`); empty:
    /// none may.
    pub console_frame_ancestors: Vec<String>,
}

impl ServeConfig {
    pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";
    pub const DEFAULT_MAX_BODY_BYTES: usize = 1024 * 1024;
    pub const DEFAULT_MAX_PAGE_SIZE: usize = 1000;
    pub const DEFAULT_BULK_MAX_OPERATIONS: usize = 1000;
    pub const DEFAULT_BULK_MAX_PAYLOAD_BYTES: usize = 1024 * 1024;
    pub const DEFAULT_CURSOR_TIMEOUT: Duration = Duration::from_secs(600);
    pub const DEFAULT_POOL_SIZE: u32 = 16;
    pub const DEFAULT_RATE_LIMIT: u32 = 1000;
    pub const DEFAULT_BODY_TIMEOUT: Duration = Duration::from_secs(10);
    pub const DEFAULT_OAUTH_TOKEN_LIFETIME: Duration = Duration::from_secs(3600);
    pub const DEFAULT_WEBHOOK_CONCURRENCY: usize = 16;
    /// How long in-flight requests may take to finish after SIGTERM.
    pub const DEFAULT_SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(10);

    /// The defaults, on the given database.
    pub fn new(database_url: DatabaseUrl) -> Self {
        Self {
            database_url,
            listen: Self::DEFAULT_LISTEN.into(),
            max_body_bytes: Self::DEFAULT_MAX_BODY_BYTES,
            bulk_max_operations: Self::DEFAULT_BULK_MAX_OPERATIONS,
            bulk_max_payload_bytes: Self::DEFAULT_BULK_MAX_PAYLOAD_BYTES,
            max_page_size: Self::DEFAULT_MAX_PAGE_SIZE,
            cursor_timeout: Self::DEFAULT_CURSOR_TIMEOUT,
            limits: RequestLimits::default(),
            pool_size: Self::DEFAULT_POOL_SIZE,
            workers: None,
            shutdown_timeout: Self::DEFAULT_SHUTDOWN_TIMEOUT,
            rate_limit: Self::DEFAULT_RATE_LIMIT,
            oauth_token_lifetime: Self::DEFAULT_OAUTH_TOKEN_LIFETIME,
            oauth_allow_http_loopback_issuers: false,
            body_timeout: Self::DEFAULT_BODY_TIMEOUT,
            client_ip_header: None,
            public_url: None,
            webhook_concurrency: Self::DEFAULT_WEBHOOK_CONCURRENCY,
            webhook_allow_private_destinations: false,
            metrics_token: None,
            console_sessions: SessionPolicy::default(),
            console_frame_ancestors: Vec::new(),
        }
    }
}

/// What every command needs: the database and logging.
#[derive(Debug, Clone)]
pub struct CommonConfig {
    pub database_url: DatabaseUrl,
    pub log_format: LogFormat,
    /// The log filter, when one is set (each command has its own default).
    pub log: Option<String>,
}

impl CommonConfig {
    /// The log filter to use, `default` when none is set.
    pub fn log_filter<'a>(&'a self, default: &'a str) -> &'a str {
        self.log.as_deref().unwrap_or(default)
    }
}

/// A secret setting. `Debug` and `Display` never show it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

/// A setting that cannot be used. The message names the setting and where
/// its value came from, and never contains a secret value.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("invalid {key}{shown} (from {origin}): {reason}")]
    Invalid {
        key: &'static str,
        /// ` 'value'`, or nothing for a secret.
        shown: String,
        origin: Origin,
        reason: String,
    },
    #[error("cannot use the configuration file {}: {reason}", path.display())]
    File { path: PathBuf, reason: String },
}

/// Resolves the settings every command uses.
pub fn common(sources: &Sources) -> Result<CommonConfig, ConfigError> {
    use settings::{DATABASE_URL, LOG, LOG_FORMAT};
    let log = match sources.raw(&LOG) {
        Some(_) => Some(required(sources, &LOG, parse_log_filter)?),
        None => None,
    };
    Ok(CommonConfig {
        database_url: required(sources, &DATABASE_URL, parse_database_url)?,
        log_format: required(sources, &LOG_FORMAT, parse_log_format)?,
        log,
    })
}

/// Resolves and checks everything `roster serve` uses.
pub fn serve(sources: &Sources) -> Result<ServeConfig, ConfigError> {
    use settings::*;
    let common = common(sources)?;
    let size = |n: u64| usize::try_from(n).map_err(|_| "too large for this machine".to_owned());
    let count = |n: u64| u32::try_from(n).map_err(|_| "too large".to_owned());
    Ok(ServeConfig {
        database_url: common.database_url,
        listen: required(sources, &LISTEN, parse_listen)?,
        max_body_bytes: required(sources, &MAX_BODY_BYTES, |raw| {
            size(whole_number(raw, 1024, 64 * 1024 * 1024)?)
        })?,
        bulk_max_operations: required(sources, &BULK_MAX_OPERATIONS, |raw| {
            size(whole_number(raw, 1, 100_000)?)
        })?,
        bulk_max_payload_bytes: required(sources, &BULK_MAX_PAYLOAD_BYTES, |raw| {
            size(whole_number(raw, 1024, 64 * 1024 * 1024)?)
        })?,
        max_page_size: required(sources, &MAX_PAGE_SIZE, |raw| {
            size(whole_number(raw, 1, 10_000)?)
        })?,
        cursor_timeout: required(sources, &CURSOR_TIMEOUT, |raw| {
            duration(raw, Duration::from_secs(1), Duration::from_secs(24 * 3600))
        })?,
        limits: RequestLimits {
            max_patch_operations: required(sources, &MAX_PATCH_OPERATIONS, |raw| {
                size(whole_number(raw, 1, 100_000)?)
            })?,
            max_members: required(sources, &MAX_MEMBERS_PER_REQUEST, |raw| {
                size(whole_number(raw, 1, 1_000_000)?)
            })?,
            max_value_bytes: required(sources, &MAX_VALUE_BYTES, |raw| {
                size(whole_number(raw, 256, 64 * 1024 * 1024)?)
            })?,
            max_values: required(sources, &MAX_VALUES_PER_ATTRIBUTE, |raw| {
                size(whole_number(raw, 1, 100_000)?)
            })?,
            filter: FilterLimits {
                max_len: required(sources, &MAX_FILTER_LENGTH, |raw| {
                    size(whole_number(raw, 64, 1_000_000)?)
                })?,
                max_terms: required(sources, &MAX_FILTER_TERMS, |raw| {
                    size(whole_number(raw, 1, 1000)?)
                })?,
                ..FilterLimits::default()
            },
        },
        pool_size: required(sources, &POOL_SIZE, |raw| {
            count(whole_number(raw, 1, 1000)?)
        })?,
        workers: optional(sources, &WORKERS, |raw| size(whole_number(raw, 1, 256)?))?,
        shutdown_timeout: required(sources, &SHUTDOWN_TIMEOUT, |raw| {
            duration(raw, Duration::ZERO, Duration::from_secs(3600))
        })?,
        rate_limit: required(sources, &RATE_LIMIT, |raw| {
            count(whole_number(raw, 0, 1_000_000)?)
        })?,
        oauth_token_lifetime: required(sources, &OAUTH_TOKEN_LIFETIME, |raw| {
            duration(
                raw,
                Duration::from_secs(3600),
                Duration::from_secs(6 * 3600),
            )
        })?,
        oauth_allow_http_loopback_issuers: required(
            sources,
            &OAUTH_ALLOW_HTTP_LOOPBACK_ISSUERS,
            boolean,
        )?,
        body_timeout: required(sources, &BODY_TIMEOUT, |raw| {
            duration(raw, Duration::from_secs(1), Duration::from_secs(600))
        })?,
        client_ip_header: optional(sources, &CLIENT_IP_HEADER, parse_header_name)?,
        public_url: optional(sources, &PUBLIC_URL, parse_public_url)?,
        webhook_concurrency: required(sources, &WEBHOOK_CONCURRENCY, |raw| {
            size(whole_number(raw, 1, 1000)?)
        })?,
        webhook_allow_private_destinations: required(
            sources,
            &WEBHOOK_ALLOW_PRIVATE_DESTINATIONS,
            boolean,
        )?,
        metrics_token: optional(sources, &METRICS_TOKEN, parse_token)?,
        console_sessions: SessionPolicy {
            idle: required(sources, &CONSOLE_IDLE_TIMEOUT, |raw| {
                duration(raw, Duration::from_secs(60), Duration::from_secs(24 * 3600))
            })?,
            lifetime: required(sources, &CONSOLE_SESSION_LIFETIME, |raw| {
                duration(
                    raw,
                    Duration::from_secs(300),
                    Duration::from_secs(7 * 24 * 3600),
                )
            })?,
        },
        console_frame_ancestors: optional(sources, &CONSOLE_FRAME_ANCESTORS, parse_origins)?
            .unwrap_or_default(),
    })
}

/// One line of `roster config check`: a setting's effective value, as it may
/// be shown (secrets redacted), and where it came from.
#[derive(Debug, Clone)]
pub struct Effective {
    pub setting: &'static Setting,
    pub shown: String,
    pub origin: Origin,
}

/// Checks every setting and returns each one's effective value and origin.
pub fn effective(sources: &Sources) -> Result<Vec<Effective>, ConfigError> {
    let config = serve(sources)?;
    Ok(settings::ALL
        .iter()
        .map(|&setting| {
            let (raw, origin) = match sources.raw(setting) {
                Some((raw, origin)) => (Some(raw.trim().to_owned()), origin),
                None => (setting.default.map(str::to_owned), Origin::Default),
            };
            let shown = match raw {
                None => format!("({})", setting.unset),
                Some(_) if setting.key == settings::DATABASE_URL.key => {
                    config.database_url.redacted()
                }
                Some(_) if setting.secret => "<redacted>".to_owned(),
                Some(raw) => raw,
            };
            Effective {
                setting,
                shown,
                origin,
            }
        })
        .collect())
}

fn optional<T>(
    sources: &Sources,
    setting: &'static Setting,
    parse: impl Fn(&str) -> Result<T, String>,
) -> Result<Option<T>, ConfigError> {
    let (raw, origin) = match sources.raw(setting) {
        Some(found) => found,
        None => match setting.default {
            Some(default) => (default, Origin::Default),
            None => return Ok(None),
        },
    };
    parse(raw.trim())
        .map(Some)
        .map_err(|reason| ConfigError::Invalid {
            key: setting.key,
            shown: if setting.secret {
                String::new()
            } else {
                format!(" '{raw}'")
            },
            origin,
            reason,
        })
}

fn required<T>(
    sources: &Sources,
    setting: &'static Setting,
    parse: impl Fn(&str) -> Result<T, String>,
) -> Result<T, ConfigError> {
    optional(sources, setting, parse)?.ok_or_else(|| ConfigError::Invalid {
        key: setting.key,
        shown: String::new(),
        origin: Origin::Default,
        reason: "has no value".into(),
    })
}

fn parse_database_url(raw: &str) -> Result<DatabaseUrl, String> {
    DatabaseUrl::parse(raw).map_err(|error| match error {
        StoreError::InvalidUrl(reason) => reason,
        other => other.to_string(),
    })
}

fn parse_log_format(raw: &str) -> Result<LogFormat, String> {
    match raw {
        "human" => Ok(LogFormat::Human),
        "json" => Ok(LogFormat::Json),
        _ => Err("must be human or json".into()),
    }
}

fn parse_log_filter(raw: &str) -> Result<String, String> {
    tracing_subscriber::EnvFilter::try_new(raw)
        .map(|_| raw.to_owned())
        .map_err(|error| format!("not a log filter such as info or roster=debug: {error}"))
}

fn parse_listen(raw: &str) -> Result<String, String> {
    let valid = raw
        .rsplit_once(':')
        .is_some_and(|(host, port)| !host.is_empty() && port.parse::<u16>().is_ok());
    if valid {
        Ok(raw.to_owned())
    } else {
        Err("must be HOST:PORT, such as 127.0.0.1:8080 or [::]:8080".into())
    }
}

/// An absolute `http` or `https` URL with a host and nothing after its
/// path, returned without a trailing `/`.
fn parse_public_url(raw: &str) -> Result<String, String> {
    let wrong = || "must be an http or https URL such as https://roster.example.com".to_owned();
    let url = url::Url::parse(raw).map_err(|_| wrong())?;
    let valid = matches!(url.scheme(), "http" | "https")
        && url.host().is_some()
        && url.username().is_empty()
        && url.password().is_none()
        && url.query().is_none()
        && url.fragment().is_none();
    if !valid {
        return Err(wrong());
    }
    Ok(url.as_str().trim_end_matches('/').to_owned())
}

/// An HTTP header name (RFC 9110 token characters), lower-cased.
/// Space- (or comma-) separated origins: `https://host[:port]` each, or
/// `'self'` — what may follow `frame-ancestors` in a Content-Security-Policy
/// (CSP Level 3 §6.4.2), and nothing else (no `*`, no path, no `;`).
fn parse_origins(raw: &str) -> Result<Vec<String>, String> {
    let origins: Vec<String> = raw
        .split(|c: char| c == ',' || c.is_ascii_whitespace())
        .filter(|origin| !origin.is_empty())
        .map(|origin| {
            if origin == "'self'" {
                return Ok(origin.to_owned());
            }
            let url = url::Url::parse(origin)
                .map_err(|_| format!("'{origin}' is not an origin such as https://app.example.com"))?;
            let bare = matches!(url.scheme(), "http" | "https")
                && url.host_str().is_some_and(|host| !host.contains('*'))
                && url.username().is_empty()
                && url.password().is_none()
                && url.path() == "/"
                && url.query().is_none()
                && url.fragment().is_none()
                && !origin.ends_with('/');
            if bare {
                Ok(url.origin().ascii_serialization())
            } else {
                Err(format!(
                    "'{origin}' is not an origin such as https://app.example.com (a scheme and a host, no path)"
                ))
            }
        })
        .collect::<Result<_, _>>()?;
    if origins.is_empty() {
        return Err("name at least one origin, or leave it unset".into());
    }
    Ok(origins)
}

fn parse_header_name(raw: &str) -> Result<String, String> {
    let valid = !raw.is_empty()
        && raw.len() <= 64
        && raw
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b));
    if valid {
        Ok(raw.to_ascii_lowercase())
    } else {
        Err("must be an HTTP header name such as X-Forwarded-For".into())
    }
}

fn boolean(raw: &str) -> Result<bool, String> {
    match raw {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err("must be true or false".into()),
    }
}

fn whole_number(raw: &str, min: u64, max: u64) -> Result<u64, String> {
    match raw.parse::<u64>() {
        Ok(n) if (min..=max).contains(&n) => Ok(n),
        _ => Err(format!("must be a whole number from {min} to {max}")),
    }
}

fn duration(raw: &str, min: Duration, max: Duration) -> Result<Duration, String> {
    let range = || {
        format!(
            "must be a duration such as 10s or 1m, from {} to {}",
            humantime::format_duration(min),
            humantime::format_duration(max)
        )
    };
    let value = humantime::parse_duration(raw).map_err(|_| range())?;
    if value < min || value > max {
        return Err(range());
    }
    Ok(value)
}

fn parse_token(raw: &str) -> Result<Secret, String> {
    if raw.len() < 16 || !raw.bytes().all(|b| b.is_ascii_graphic()) {
        return Err("must be at least 16 visible ASCII characters, without spaces".into());
    }
    Ok(Secret::new(raw))
}

#[cfg(test)]
mod tests {
    #[test]
    fn public_urls() {
        for (raw, expected) in [
            ("https://roster.example.com", "https://roster.example.com"),
            ("https://roster.example.com/", "https://roster.example.com"),
            (
                "http://10.0.0.5:8080/roster/",
                "http://10.0.0.5:8080/roster",
            ),
        ] {
            assert_eq!(super::parse_public_url(raw).unwrap(), expected);
        }
        for refused in [
            "roster.example.com",
            "javascript://evil.example",
            "ftp://roster.example.com",
            "https://user:pw@roster.example.com",
            "https://roster.example.com/?a=1",
            "https://roster.example.com/#x",
        ] {
            assert!(super::parse_public_url(refused).is_err(), "{refused}");
        }
    }

    use super::*;

    #[test]
    fn the_table_defaults_are_the_library_defaults() {
        let config = serve(&Sources::default()).unwrap();
        let defaults = ServeConfig::new(DatabaseUrl::parse("sqlite://roster.db").unwrap());
        assert_eq!(config.database_url, defaults.database_url);
        assert_eq!(config.listen, defaults.listen);
        assert_eq!(config.max_body_bytes, defaults.max_body_bytes);
        assert_eq!(config.max_page_size, defaults.max_page_size);
        assert_eq!(config.cursor_timeout, defaults.cursor_timeout);
        assert_eq!(config.limits, defaults.limits);
        assert_eq!(config.pool_size, defaults.pool_size);
        assert_eq!(config.workers, defaults.workers);
        assert_eq!(config.shutdown_timeout, defaults.shutdown_timeout);
        assert_eq!(config.rate_limit, defaults.rate_limit);
        assert_eq!(config.client_ip_header, defaults.client_ip_header);
        assert_eq!(config.body_timeout, defaults.body_timeout);
        assert_eq!(config.public_url, defaults.public_url);
        assert_eq!(config.webhook_concurrency, defaults.webhook_concurrency);
        assert_eq!(
            config.webhook_allow_private_destinations,
            defaults.webhook_allow_private_destinations
        );
        assert_eq!(config.metrics_token, defaults.metrics_token);
    }

    #[test]
    fn values_are_checked() {
        assert!(parse_listen("0.0.0.0:8080").is_ok());
        assert!(parse_listen("[::]:0").is_ok());
        for bad in ["8080", ":8080", "host:", "host:99999", "host:http"] {
            assert!(parse_listen(bad).is_err(), "{bad}");
        }
        assert_eq!(whole_number("10", 1, 10), Ok(10));
        assert!(whole_number("0", 1, 10).is_err());
        assert!(whole_number("-1", 1, 10).is_err());
        assert!(whole_number("1e3", 1, 10_000).is_err());
        assert_eq!(
            duration("90s", Duration::ZERO, Duration::from_secs(3600)),
            Ok(Duration::from_secs(90))
        );
        assert!(duration("2h", Duration::ZERO, Duration::from_secs(3600)).is_err());
        assert!(parse_token("short").is_err());
        assert!(parse_token("sixteen chars ok").is_err(), "no spaces");
        assert!(parse_token("0123456789abcdef").is_ok());
        assert_eq!(boolean("true"), Ok(true));
        assert_eq!(boolean("false"), Ok(false));
        assert!(boolean("yes").is_err());
        assert!(parse_log_format("JSON").is_err());
        assert!(parse_log_filter("roster=loud").is_err());
    }

    #[test]
    fn secrets_do_not_print() {
        let secret = Secret::new("0123456789abcdef");
        assert!(!format!("{secret:?}").contains("0123"));
    }
}
