//! The absolute URL clients reach this server at, for SCIM's `meta.location`
//! and `Location` header (RFC 7643 §3.1, RFC 7644 §3.3).
//!
//! In order: the configured `public_url`; else, only when the operator has
//! declared a reverse proxy (`client_ip_header`), what that proxy says in
//! `Forwarded` (RFC 7239) or `X-Forwarded-Host`/`-Proto`; else the request's
//! own `Host`. Whatever the source, the scheme is `http` or `https` and the
//! host is a host name or address with an optional port: anything else falls
//! back to `http` and the address the server listens on, so a client can
//! never make a `Location` of another scheme (`javascript:`) or shape.

use actix_web::http::header::HOST;
use actix_web::{HttpRequest, web};

use super::state::AppState;

/// `https://roster.example.com` (no trailing `/`).
pub fn server_url(req: &HttpRequest) -> String {
    let state = req.app_data::<web::Data<AppState>>();
    if let Some(url) = state.and_then(|state| state.public_url.clone()) {
        return url;
    }
    let behind_proxy = state.is_some_and(|state| state.client_ip_header.is_some());
    let (scheme, host) = if behind_proxy {
        let info = req.connection_info();
        (info.scheme().to_owned(), info.host().to_owned())
    } else {
        let scheme = if req.app_config().secure() {
            "https"
        } else {
            "http"
        };
        let host = req
            .uri()
            .authority()
            .map(|authority| authority.as_str().to_owned())
            .or_else(|| {
                let host = req.headers().get(HOST)?.to_str().ok()?;
                Some(host.to_owned())
            })
            .unwrap_or_default();
        (scheme.to_owned(), host)
    };
    let scheme = if scheme.eq_ignore_ascii_case("https") {
        "https"
    } else {
        "http"
    };
    let host = if is_host(&host) {
        host
    } else {
        req.app_config().local_addr().to_string()
    };
    format!("{scheme}://{host}")
}

/// `…/scim/v2`.
pub fn scim_base_url(req: &HttpRequest) -> String {
    format!("{}/scim/v2", server_url(req))
}

/// A URL's host part: a name of letters, digits, `-` and `.`, or an IPv4
/// address, or an IPv6 address in brackets; then an optional `:port`.
fn is_host(text: &str) -> bool {
    let (host, port) = match text.rsplit_once(':') {
        Some((host, port))
            if !host.ends_with(':') && (!host.starts_with('[') || host.ends_with(']')) =>
        {
            (host, Some(port))
        }
        _ => (text, None),
    };
    let port_ok = port.is_none_or(|port| {
        !port.is_empty() && port.len() <= 5 && port.bytes().all(|b| b.is_ascii_digit())
    });
    let host_ok = match host
        .strip_prefix('[')
        .and_then(|rest| rest.strip_suffix(']'))
    {
        Some(v6) => v6.parse::<std::net::Ipv6Addr>().is_ok(),
        None => {
            !host.is_empty()
                && host.len() <= 253
                && host
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
        }
    };
    port_ok && host_ok
}

#[cfg(test)]
mod tests {
    use super::is_host;

    #[test]
    fn hosts() {
        for host in [
            "roster.example.com",
            "roster.example.com:8443",
            "127.0.0.1:8080",
            "[::1]:8080",
            "[2001:db8::1]",
            "localhost",
        ] {
            assert!(is_host(host), "{host}");
        }
        for not_host in [
            "",
            "evil.example/path",
            "evil.example;proto=javascript",
            "a b",
            "evil\"<script>",
            "host:port",
            "host:123456",
            "[::1",
            "::1",
            "user@host",
        ] {
            assert!(!is_host(not_host), "{not_host}");
        }
    }
}
