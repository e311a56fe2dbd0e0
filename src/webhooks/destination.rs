//! Where a webhook may be sent (issue 15 (9), server-side request forgery),
//! pure: no IO, no DNS.
//!
//! A webhook URL is chosen by an account's admin, and Roster sends to it from
//! inside the operator's network. Unless the operator allows it
//! (`webhook_allow_private_destinations`), Roster sends only to public
//! addresses: [`classify`] names every address that is not one —
//!
//! - IPv4: "this network" `0.0.0.0/8` (with the unspecified `0.0.0.0`),
//!   loopback `127.0.0.0/8`, private `10.0.0.0/8`, `172.16.0.0/12`,
//!   `192.168.0.0/16` (RFC 1918), shared (carrier-grade NAT) `100.64.0.0/10`,
//!   link-local `169.254.0.0/16` (cloud metadata services live there),
//!   IETF protocol assignments `192.0.0.0/24`, benchmarking `198.18.0.0/15`,
//!   multicast `224.0.0.0/4`, reserved `240.0.0.0/4` and the broadcast
//!   address `255.255.255.255`;
//! - IPv6: unspecified `::`, loopback `::1`, the rest of `::/96` (deprecated
//!   IPv4-compatible), discard-only `100::/64`, unique local `fc00::/7`,
//!   link-local `fe80::/10`, the deprecated site-local `fec0::/10`,
//!   multicast `ff00::/8`, local-use NAT64 `64:ff9b:1::/48`; and the IPv4
//!   address inside an IPv4-mapped (`::ffff:a.b.c.d`), NAT64
//!   (`64:ff9b::/96`) or 6to4 (`2002::/16`) address is classified as IPv4.
//!
//! [`parse`] checks a URL's text — no control characters (a raw CR LF was
//! stored as sent before; a URL parser silently drops tabs and line breaks,
//! so what was checked would not be what was stored), `http` or `https`, a
//! host, no credentials — and says whether its host is an IP address (checked
//! here, whatever spelling the URL used: `http://2130706433/` is
//! `127.0.0.1`) or a name, which [`local_name`] checks before the caller
//! resolves it (`super::resolver`) and checks every address it gets.
//! Percent-encoded control characters (`%0D%0A`) in the path or query are
//! left alone: they are sent encoded, never as raw bytes, and the URL parser
//! refuses them in the host.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// The setting that allows internal destinations, as error messages name it.
pub const SETTING: &str = "webhook_allow_private_destinations";

/// The longest accepted URL.
pub const MAX_URL_BYTES: usize = 2048;

/// What kind of internal address an address is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Internal {
    Unspecified,
    Loopback,
    Private,
    SharedAddressSpace,
    LinkLocal,
    Multicast,
    Broadcast,
    Reserved,
}

impl fmt::Display for Internal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Unspecified => "an unspecified (\"this network\") address",
            Self::Loopback => "a loopback address",
            Self::Private => "a private address",
            Self::SharedAddressSpace => "a shared (carrier-grade NAT) address",
            Self::LinkLocal => "a link-local address",
            Self::Multicast => "a multicast address",
            Self::Broadcast => "the broadcast address",
            Self::Reserved => "a reserved address",
        })
    }
}

/// What kind of internal address `ip` is; `None` for a public one.
pub fn classify(ip: IpAddr) -> Option<Internal> {
    match ip {
        IpAddr::V4(ip) => classify_v4(ip),
        IpAddr::V6(ip) => classify_v6(ip),
    }
}

fn classify_v4(ip: Ipv4Addr) -> Option<Internal> {
    let [a, b, c, _] = ip.octets();
    Some(match (a, b, c) {
        (0, ..) => Internal::Unspecified,
        (127, ..) => Internal::Loopback,
        (10, ..) | (172, 16..=31, _) | (192, 168, _) => Internal::Private,
        (100, 64..=127, _) => Internal::SharedAddressSpace,
        (169, 254, _) => Internal::LinkLocal,
        (192, 0, 0) | (198, 18..=19, _) => Internal::Reserved,
        (224..=239, ..) => Internal::Multicast,
        _ if ip == Ipv4Addr::BROADCAST => Internal::Broadcast,
        (240..=255, ..) => Internal::Reserved,
        _ => return None,
    })
}

fn classify_v6(ip: Ipv6Addr) -> Option<Internal> {
    if let Some(v4) = ip.to_ipv4_mapped() {
        return classify_v4(v4);
    }
    let segments = ip.segments();
    let embedded_tail = || Ipv4Addr::from((u32::from(segments[6]) << 16) | u32::from(segments[7]));
    Some(match segments {
        [0, 0, 0, 0, 0, 0, 0, 0] => Internal::Unspecified,
        [0, 0, 0, 0, 0, 0, 0, 1] => Internal::Loopback,
        [0, 0, 0, 0, 0, 0, _, _] => Internal::Reserved,
        [0x64, 0xff9b, 0, 0, 0, 0, _, _] => return classify_v4(embedded_tail()),
        [0x64, 0xff9b, 1, ..] => Internal::Private,
        [0x100, 0, 0, 0, ..] => Internal::Reserved,
        [0x2002, high, low, ..] => {
            return classify_v4(Ipv4Addr::from((u32::from(high) << 16) | u32::from(low)));
        }
        [first, ..] if first & 0xfe00 == 0xfc00 => Internal::Private,
        [first, ..] if first & 0xffc0 == 0xfe80 => Internal::LinkLocal,
        [first, ..] if first & 0xffc0 == 0xfec0 => Internal::Private,
        [first, ..] if first & 0xff00 == 0xff00 => Internal::Multicast,
        _ => return None,
    })
}

/// Why `ip` may not be sent to, unless internal destinations are allowed.
pub fn refusal(ip: IpAddr) -> Option<String> {
    classify(ip).map(|kind| format!("{ip} is {kind}"))
}

/// A host name that is this machine's whatever it resolves to
/// (`localhost`, `*.localhost`, RFC 6761), so it is refused unresolved.
pub fn local_name(name: &str) -> bool {
    let name = name.strip_suffix('.').unwrap_or(name).to_ascii_lowercase();
    name == "localhost" || name.ends_with(".localhost")
}

/// The end of every refusal: what the operator can do about it.
pub fn advice() -> String {
    format!(
        "webhooks go to public addresses only, unless the operator sets {SETTING} (docs/SECURITY.md, \
         \"Webhook destinations\")"
    )
}

/// A URL that passed [`parse`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// The URL as the parser normalised it (what is stored, and sent to).
    pub url: reqwest::Url,
    pub host: Host,
}

/// The host of a [`Target`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Host {
    /// An address, however the URL spelled it.
    Ip(IpAddr),
    /// A name, to be resolved.
    Name(String),
}

/// Checks a webhook URL's text; `Err` says what is wrong with it, naming
/// `'url'` as the request body does.
pub fn parse(text: &str) -> Result<Target, String> {
    if text.len() > MAX_URL_BYTES {
        return Err(format!("'url' is at most {MAX_URL_BYTES} bytes"));
    }
    if let Some(bad) = text.chars().find(|c| c.is_control()) {
        return Err(format!(
            "'url' must not contain control characters (it contains U+{:04X}); percent-encode them",
            u32::from(bad)
        ));
    }
    if text.contains(' ') {
        return Err("'url' must not contain spaces; percent-encode them".into());
    }
    let url = reqwest::Url::parse(text).map_err(|error| format!("'url' is not a URL ({error})"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!(
            "'url' must be http or https, not '{}'",
            url.scheme()
        ));
    }
    let Some(host) = url.host_str().filter(|host| !host.is_empty()) else {
        return Err("'url' has no host".into());
    };
    if !url.username().is_empty() || url.password().is_some() {
        return Err(
            "'url' must not hold credentials: receivers check the Roster-Signature header".into(),
        );
    }
    // The parser has turned every spelling of an address (decimal, octal,
    // hex, short forms) into its canonical text; IPv6 comes in brackets.
    let unbracketed = host
        .strip_prefix('[')
        .and_then(|inner| inner.strip_suffix(']'))
        .unwrap_or(host);
    let host = match unbracketed.parse::<IpAddr>() {
        Ok(ip) => Host::Ip(ip),
        Err(_) => Host::Name(host.to_owned()),
    };
    Ok(Target { url, host })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(text: &str) -> Option<Internal> {
        classify(text.parse().unwrap())
    }

    #[test]
    fn internal_ipv4_addresses_are_named() {
        for (ip, expected) in [
            ("0.0.0.0", Internal::Unspecified),
            ("0.1.2.3", Internal::Unspecified),
            ("127.0.0.1", Internal::Loopback),
            ("127.255.255.254", Internal::Loopback),
            ("10.0.0.1", Internal::Private),
            ("172.16.0.1", Internal::Private),
            ("172.31.255.255", Internal::Private),
            ("192.168.1.1", Internal::Private),
            ("100.64.0.1", Internal::SharedAddressSpace),
            ("100.127.255.255", Internal::SharedAddressSpace),
            ("169.254.169.254", Internal::LinkLocal),
            ("192.0.0.170", Internal::Reserved),
            ("198.18.0.1", Internal::Reserved),
            ("224.0.0.1", Internal::Multicast),
            ("239.255.255.250", Internal::Multicast),
            ("240.0.0.1", Internal::Reserved),
            ("255.255.255.255", Internal::Broadcast),
        ] {
            assert_eq!(kind(ip), Some(expected), "{ip}");
        }
    }

    #[test]
    fn public_addresses_pass() {
        for ip in [
            "1.1.1.1",
            "8.8.8.8",
            "93.184.216.34",
            "172.15.255.255",
            "172.32.0.1",
            "100.63.255.255",
            "100.128.0.1",
            "169.253.0.1",
            "192.0.1.1",
            "192.169.0.1",
            "198.20.0.1",
            "223.255.255.255",
            "2606:4700:4700::1111",
            "2001:4860:4860::8888",
            "::ffff:8.8.8.8",
            "64:ff9b::808:808",
            "2002:808:808::1",
        ] {
            assert_eq!(kind(ip), None, "{ip}");
        }
    }

    #[test]
    fn internal_ipv6_addresses_are_named_and_ipv4_inside_them_too() {
        for (ip, expected) in [
            ("::", Internal::Unspecified),
            ("::1", Internal::Loopback),
            ("::7f00:1", Internal::Reserved),
            ("100::1", Internal::Reserved),
            ("fc00::1", Internal::Private),
            ("fd12:3456::1", Internal::Private),
            ("fe80::1", Internal::LinkLocal),
            ("febf::1", Internal::LinkLocal),
            ("fec0::1", Internal::Private),
            ("ff02::1", Internal::Multicast),
            ("64:ff9b:1::1", Internal::Private),
            ("::ffff:127.0.0.1", Internal::Loopback),
            ("::ffff:169.254.169.254", Internal::LinkLocal),
            ("::ffff:10.1.2.3", Internal::Private),
            ("::ffff:0.0.0.0", Internal::Unspecified),
            ("64:ff9b::7f00:1", Internal::Loopback),
            ("64:ff9b::a9fe:a9fe", Internal::LinkLocal),
            ("2002:7f00:1::", Internal::Loopback),
            ("2002:c0a8:101::1", Internal::Private),
        ] {
            assert_eq!(kind(ip), Some(expected), "{ip}");
        }
    }

    #[test]
    fn every_spelling_of_an_address_is_the_address() {
        for (text, ip) in [
            ("http://127.0.0.1:8080/hook", "127.0.0.1"),
            ("http://2130706433/", "127.0.0.1"),
            ("http://0x7f000001/", "127.0.0.1"),
            ("http://0177.0.0.1/", "127.0.0.1"),
            ("http://127.1/", "127.0.0.1"),
            ("http://0/", "0.0.0.0"),
            ("http://0.0.0.0/", "0.0.0.0"),
            ("http://[::1]:5432/", "::1"),
            ("http://[::ffff:127.0.0.1]/", "::ffff:127.0.0.1"),
            ("http://[0:0:0:0:0:ffff:7f00:1]/", "::ffff:127.0.0.1"),
            (
                "https://169.254.169.254/latest/meta-data/",
                "169.254.169.254",
            ),
        ] {
            let target = parse(text).unwrap();
            let ip: IpAddr = ip.parse().unwrap();
            assert_eq!(target.host, Host::Ip(ip), "{text}");
            assert!(classify(ip).is_some(), "{text}");
        }
        let target = parse("https://Hooks.Example.com/roster?x=1").unwrap();
        assert_eq!(target.host, Host::Name("hooks.example.com".into()));
        assert_eq!(target.url.as_str(), "https://hooks.example.com/roster?x=1");
    }

    #[test]
    fn local_names_are_local() {
        for name in [
            "localhost",
            "LOCALHOST",
            "localhost.",
            "db.localhost",
            "a.b.localhost.",
        ] {
            assert!(local_name(name), "{name}");
        }
        for name in ["localhost.example.com", "mylocalhost", "example.com"] {
            assert!(!local_name(name), "{name}");
        }
    }

    #[test]
    fn bad_urls_are_refused_with_a_reason() {
        for (text, reason) in [
            (
                "http://127.0.0.1:1/hook\r\nX-Injected: 1",
                "control characters",
            ),
            ("http://example.com/\nhook", "U+000A"),
            ("http://example.com/\thook", "U+0009"),
            ("http://exa\rmple.com/", "U+000D"),
            ("http://example.com/\u{0}", "U+0000"),
            ("http://example.com/\u{7f}", "U+007F"),
            ("http://example.com/\u{85}", "U+0085"),
            (" http://example.com/", "spaces"),
            ("http://example.com/a b", "spaces"),
            ("ftp://example.com/hook", "http or https"),
            ("file:///etc/passwd", "http or https"),
            ("gopher://127.0.0.1:6379/_INFO", "http or https"),
            ("not a url", "spaces"),
            ("nourl", "not a URL"),
            ("https://user:pass@example.com/hook", "credentials"),
            ("http://exa%0d%0ample.com/", "not a URL"),
        ] {
            let error = parse(text).unwrap_err();
            assert!(error.contains(reason), "{text:?}: {error}");
        }
        let long = format!("https://example.com/{}", "a".repeat(MAX_URL_BYTES));
        assert!(parse(&long).unwrap_err().contains("at most"));
        // Encoded control characters in the path stay encoded.
        assert!(parse("https://example.com/a%0D%0Ab").is_ok());
    }

    #[test]
    fn a_refusal_names_the_address_and_its_kind() {
        assert_eq!(
            refusal("169.254.169.254".parse().unwrap()).unwrap(),
            "169.254.169.254 is a link-local address"
        );
        assert_eq!(refusal("203.0.113.7".parse().unwrap()), None);
    }
}
