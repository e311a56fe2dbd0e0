//! The table of every setting: its TOML key, flag, environment variable,
//! default and help. The command line (`cli::flags`), the configuration file,
//! `roster config check` and the README's table all follow this list.

/// Which commands read a setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reach {
    /// Every command (the database, logging).
    Global,
    /// `roster serve` (and `config check` / `doctor`, which check it).
    Serve,
}

/// One setting.
#[derive(Debug)]
pub struct Setting {
    /// The key in the TOML file, and the command-line argument's id.
    pub key: &'static str,
    /// The flag without its dashes.
    pub flag: &'static str,
    /// The environment variable.
    pub env: &'static str,
    /// The default as text, or `None` when unset by default.
    pub default: Option<&'static str>,
    /// What an unset value means (for settings without a default).
    pub unset: &'static str,
    /// Secret values are never printed (the database URL's password, tokens).
    pub secret: bool,
    pub reach: Reach,
    pub help: &'static str,
    /// The placeholder in `--help`.
    pub value_name: &'static str,
}

macro_rules! setting {
    ($name:ident, $key:literal, $flag:literal, $env:literal, $reach:ident, $value_name:literal,
     default: $default:expr, unset: $unset:literal, secret: $secret:literal, $help:literal) => {
        pub const $name: Setting = Setting {
            key: $key,
            flag: $flag,
            env: $env,
            default: $default,
            unset: $unset,
            secret: $secret,
            reach: Reach::$reach,
            help: $help,
            value_name: $value_name,
        };
    };
}

setting!(CONFIG, "config", "config", "ROSTER_CONFIG", Global, "PATH",
    default: None, unset: "no file", secret: false,
    "TOML file of settings; flags and ROSTER_… variables override it");
setting!(DATABASE_URL, "database_url", "database-url", "ROSTER_DATABASE_URL", Global, "URL",
    default: Some("sqlite://roster.db"), unset: "", secret: true,
    "Database: sqlite://PATH (or a bare path) or postgres://USER:PASSWORD@HOST:PORT/DB");
setting!(LOG_FORMAT, "log_format", "log-format", "ROSTER_LOG_FORMAT", Global, "FORMAT",
    default: Some("human"), unset: "", secret: false,
    "Log format on stderr: human, or json (one object per line)");
setting!(LOG, "log", "log", "ROSTER_LOG", Global, "FILTER",
    default: Some("info"), unset: "", secret: false,
    "Log filter such as debug or roster=debug,actix_web=warn (other commands than serve default to warn)");
setting!(LISTEN, "listen", "listen", "ROSTER_LISTEN", Serve, "HOST:PORT",
    default: Some("127.0.0.1:8080"), unset: "", secret: false,
    "Address to listen on; 0.0.0.0:8080 in a container");
setting!(MAX_BODY_BYTES, "max_body_bytes", "max-body-bytes", "ROSTER_MAX_BODY_BYTES", Serve, "BYTES",
    default: Some("1048576"), unset: "", secret: false,
    "Largest accepted request body in bytes (1024 to 67108864); larger bodies get 413");
setting!(BULK_MAX_OPERATIONS, "bulk_max_operations", "bulk-max-operations",
    "ROSTER_BULK_MAX_OPERATIONS", Serve, "N",
    default: Some("1000"), unset: "", secret: false,
    "Most operations in one SCIM Bulk request (1 to 100000); more get 413 (RFC 7644 §3.7.3)");
setting!(BULK_MAX_PAYLOAD_BYTES, "bulk_max_payload_bytes", "bulk-max-payload-bytes",
    "ROSTER_BULK_MAX_PAYLOAD_BYTES", Serve, "BYTES",
    default: Some("1048576"), unset: "", secret: false,
    "Largest SCIM Bulk request body in bytes (1024 to 67108864), apart from max_body_bytes; larger \
     bodies get 413 (RFC 7644 §3.7.3)");
setting!(MAX_PAGE_SIZE, "max_page_size", "max-page-size", "ROSTER_MAX_PAGE_SIZE", Serve, "N",
    default: Some("1000"), unset: "", secret: false,
    "Largest page of a SCIM list (1 to 10000); larger 'count' values are clamped to it");
setting!(CURSOR_TIMEOUT, "cursor_timeout", "cursor-timeout", "ROSTER_CURSOR_TIMEOUT", Serve, "DURATION",
    default: Some("10m"), unset: "", secret: false,
    "How long a SCIM list's cursor stays valid between page requests, in whole seconds (1s to 24h); \
     an older one gets 400 expiredCursor (RFC 9865)");
setting!(MAX_PATCH_OPERATIONS, "max_patch_operations", "max-patch-operations",
    "ROSTER_MAX_PATCH_OPERATIONS", Serve, "N",
    default: Some("1000"), unset: "", secret: false,
    "Most operations in one SCIM PATCH request (1 to 100000); more get 413");
setting!(MAX_MEMBERS_PER_REQUEST, "max_members_per_request", "max-members-per-request",
    "ROSTER_MAX_MEMBERS_PER_REQUEST", Serve, "N",
    default: Some("10000"), unset: "", secret: false,
    "Most group members one SCIM request may name (1 to 1000000); more get 413");
setting!(MAX_VALUE_BYTES, "max_value_bytes", "max-value-bytes", "ROSTER_MAX_VALUE_BYTES", Serve, "BYTES",
    default: Some("16384"), unset: "", secret: false,
    "Longest string value in a SCIM body, in bytes (256 to 67108864); longer values get 400 invalidValue");
setting!(MAX_VALUES_PER_ATTRIBUTE, "max_values_per_attribute", "max-values-per-attribute",
    "ROSTER_MAX_VALUES_PER_ATTRIBUTE", Serve, "N",
    default: Some("1000"), unset: "", secret: false,
    "Most values of one multi-valued attribute (emails, roles, …) of a member, and of such attributes in one PATCH (1 to 100000); more get 400 invalidValue");
setting!(MAX_FILTER_LENGTH, "max_filter_length", "max-filter-length", "ROSTER_MAX_FILTER_LENGTH", Serve,
    "N",
    default: Some("4096"), unset: "", secret: false,
    "Longest SCIM filter, in characters (64 to 1000000); longer filters get 400 invalidFilter");
setting!(MAX_FILTER_TERMS, "max_filter_terms", "max-filter-terms", "ROSTER_MAX_FILTER_TERMS", Serve, "N",
    default: Some("64"), unset: "", secret: false,
    "Most comparisons in one SCIM filter (1 to 1000); more get 400 invalidFilter");
setting!(POOL_SIZE, "pool_size", "pool-size", "ROSTER_POOL_SIZE", Serve, "N",
    default: Some("16"), unset: "", secret: false,
    "Database connections in the pool (1 to 1000; SQLite uses at most 8)");
setting!(WORKERS, "workers", "workers", "ROSTER_WORKERS", Serve, "N",
    default: None, unset: "one per CPU core", secret: false,
    "HTTP worker threads (1 to 256; default: one per CPU core)");
setting!(SHUTDOWN_TIMEOUT, "shutdown_timeout", "shutdown-timeout", "ROSTER_SHUTDOWN_TIMEOUT", Serve,
    "DURATION",
    default: Some("10s"), unset: "", secret: false,
    "How long in-flight requests may finish after SIGTERM, in whole seconds (0s to 1h)");
setting!(BODY_TIMEOUT, "body_timeout", "body-timeout", "ROSTER_BODY_TIMEOUT", Serve, "DURATION",
    default: Some("10s"), unset: "", secret: false,
    "How long a request body may take to arrive, in whole seconds (1s to 10m); a slower one gets 408 \
     and its connection is closed");
setting!(PUBLIC_URL, "public_url", "public-url", "ROSTER_PUBLIC_URL", Serve, "URL",
    default: None, unset: "not set: the request's Host (or, with client_ip_header, the proxy's headers)",
    secret: false,
    "The URL clients reach Roster at (http or https, e.g. https://roster.example.com); SCIM's \
     meta.location and Location are built on it");
setting!(RATE_LIMIT, "rate_limit", "rate-limit", "ROSTER_RATE_LIMIT", Serve, "N",
    default: Some("1000"), unset: "", secret: false,
    "Requests per second one token may send (0 for no limit, else 1 to 1000000); an account's tokens \
     together may send four times as many; more get 429 with Retry-After");
setting!(OAUTH_TOKEN_LIFETIME, "oauth_token_lifetime", "oauth-token-lifetime",
    "ROSTER_OAUTH_TOKEN_LIFETIME", Serve, "DURATION",
    default: Some("1h"), unset: "", secret: false,
    "How long the access tokens of POST /oauth/token live (1h to 6h; never past the secret's expiry)");
setting!(OAUTH_ALLOW_HTTP_LOOPBACK_ISSUERS, "oauth_allow_http_loopback_issuers",
    "oauth-allow-http-loopback-issuers", "ROSTER_OAUTH_ALLOW_HTTP_LOOPBACK_ISSUERS", Serve, "BOOL",
    default: Some("false"), unset: "", secret: false,
    "For tests only: fetch federated issuers' keys over plain http:// from a loopback address (true or \
     false); off, only https:// is fetched");
setting!(CLIENT_IP_HEADER, "client_ip_header", "client-ip-header", "ROSTER_CLIENT_IP_HEADER", Serve,
    "HEADER",
    default: None, unset: "not set: the socket's address", secret: false,
    "Take the client's address for network allow-lists from this header, set by your reverse proxy \
     (e.g. X-Forwarded-For; its last address), and trust its Forwarded / X-Forwarded-Host and \
     -Proto headers for URLs; only when every request comes through that proxy");
setting!(WEBHOOK_CONCURRENCY, "webhook_concurrency", "webhook-concurrency", "ROSTER_WEBHOOK_CONCURRENCY",
    Serve, "N",
    default: Some("16"), unset: "", secret: false,
    "Webhook endpoints this process delivers to at once (1 to 1000); each sends its events in order, one \
     at a time, so a slow receiver delays only its own");
setting!(WEBHOOK_ALLOW_PRIVATE_DESTINATIONS, "webhook_allow_private_destinations",
    "webhook-allow-private-destinations", "ROSTER_WEBHOOK_ALLOW_PRIVATE_DESTINATIONS", Serve, "BOOL",
    default: Some("false"), unset: "", secret: false,
    "Let webhooks go to internal addresses: loopback, private, link-local, shared (CGNAT), multicast, \
     broadcast, unspecified (true or false); off, such URLs are refused when added and not sent to");
setting!(METRICS_TOKEN, "metrics_token", "metrics-token", "ROSTER_METRICS_TOKEN", Serve, "TOKEN",
    default: None, unset: "not set: /metrics is open", secret: true,
    "Require 'Authorization: Bearer TOKEN' on GET /metrics (at least 16 visible ASCII characters)");

setting!(CONSOLE_IDLE_TIMEOUT, "console_idle_timeout", "console-idle-timeout", "ROSTER_CONSOLE_IDLE_TIMEOUT",
    Serve, "DURATION",
    default: Some("30m"), unset: "", secret: false,
    "An admin console session ends after this long without a request (1m to 24h)");
setting!(CONSOLE_SESSION_LIFETIME, "console_session_lifetime", "console-session-lifetime",
    "ROSTER_CONSOLE_SESSION_LIFETIME", Serve, "DURATION",
    default: Some("8h"), unset: "", secret: false,
    "An admin console session ends this long after its link opened it, however busy (5m to 7d)");
setting!(CONSOLE_FRAME_ANCESTORS, "console_frame_ancestors", "console-frame-ancestors",
    "ROSTER_CONSOLE_FRAME_ANCESTORS", Serve, "ORIGINS",
    default: None, unset: "not set: the console may not be framed", secret: false,
    "Origins that may show the admin console in a frame, space-separated (e.g. https://app.example.com); \
     they become its Content-Security-Policy frame-ancestors (docs/CONSOLE.md, \"Embedding\")");

/// Every setting that can appear in the configuration file, in the order
/// `roster config check` prints them.
pub const ALL: &[&Setting] = &[
    &DATABASE_URL,
    &LOG_FORMAT,
    &LOG,
    &LISTEN,
    &MAX_BODY_BYTES,
    &BULK_MAX_OPERATIONS,
    &BULK_MAX_PAYLOAD_BYTES,
    &MAX_PAGE_SIZE,
    &CURSOR_TIMEOUT,
    &MAX_PATCH_OPERATIONS,
    &MAX_MEMBERS_PER_REQUEST,
    &MAX_VALUE_BYTES,
    &MAX_VALUES_PER_ATTRIBUTE,
    &MAX_FILTER_LENGTH,
    &MAX_FILTER_TERMS,
    &POOL_SIZE,
    &WORKERS,
    &SHUTDOWN_TIMEOUT,
    &BODY_TIMEOUT,
    &RATE_LIMIT,
    &OAUTH_TOKEN_LIFETIME,
    &OAUTH_ALLOW_HTTP_LOOPBACK_ISSUERS,
    &CLIENT_IP_HEADER,
    &PUBLIC_URL,
    &WEBHOOK_CONCURRENCY,
    &WEBHOOK_ALLOW_PRIVATE_DESTINATIONS,
    &METRICS_TOKEN,
    &CONSOLE_IDLE_TIMEOUT,
    &CONSOLE_SESSION_LIFETIME,
    &CONSOLE_FRAME_ANCESTORS,
];

/// The settings with this reach.
pub fn with_reach(reach: Reach) -> impl Iterator<Item = &'static Setting> {
    ALL.iter().copied().filter(move |s| s.reach == reach)
}

/// The setting whose TOML key is `key`.
pub fn by_key(key: &str) -> Option<&'static Setting> {
    ALL.iter().copied().find(|s| s.key == key)
}
