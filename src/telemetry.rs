//! Logging: structured `tracing` events on stderr, human-readable by default
//! or one JSON object per line. The filter comes from the `log` setting
//! (`--log` / `ROSTER_LOG`: an `EnvFilter` directive such as `info` or
//! `roster=debug`), checked by `config`.
//! Nothing logs tokens, passwords, signing keys or request bodies.

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Human,
    Json,
}

/// Installs the global subscriber with the filter `directive`; a second call
/// (as in tests) is a no-op.
pub fn init(format: LogFormat, directive: &str) {
    let filter = EnvFilter::try_new(directive).unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = match format {
        LogFormat::Human => builder
            .with_target(false)
            .with_ansi(std::io::stderr().is_terminal())
            .try_init(),
        LogFormat::Json => builder
            .json()
            .with_current_span(true)
            .with_span_list(false)
            .try_init(),
    };
}
