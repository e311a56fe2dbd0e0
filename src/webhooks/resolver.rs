//! Resolving a webhook's host and keeping only the addresses Roster may
//! send to ([`super::destination`]).
//!
//! At delivery, the HTTP client resolves names through [`PublicOnly`], which
//! drops every internal address it gets and fails when none is left, so the
//! client connects only to addresses that were checked — a name that
//! resolved to a public address when the endpoint was added and to an
//! internal one now (DNS rebinding) gets nothing. An address written in the
//! URL is never resolved; the deliverer checks it before sending
//! ([`check_literal`]). When the endpoint is added, [`check_new`] does the
//! same checks and refuses a host with *any* internal address.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use super::destination::{self, Host, Target};

/// The longest a name may take to resolve when an endpoint is added.
const RESOLVE_TIMEOUT: Duration = Duration::from_secs(5);

/// A destination that may not be sent to; the message says why and what the
/// operator can do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Refused(pub String);

/// A refusal of `what`, with the advice.
fn refused(what: String) -> Refused {
    Refused(format!("{what}: {}", destination::advice()))
}

/// An address in the URL: refused when internal.
pub fn check_literal(target: &Target) -> Result<(), Refused> {
    match target.host {
        Host::Ip(ip) => match destination::refusal(ip) {
            Some(why) => Err(refused(why)),
            None => Ok(()),
        },
        Host::Name(_) => Ok(()),
    }
}

/// The addresses of `name` (port 0), as the system resolves them.
async fn lookup(name: &str) -> std::io::Result<Vec<SocketAddr>> {
    Ok(tokio::net::lookup_host((name, 0)).await?.collect())
}

/// The public addresses among `addresses`; `Err` naming the kind of the
/// first internal one when there is none. (The internal address itself is
/// not named: the message is shown to the account's admin, who should not
/// learn the operator's internal DNS from it.)
pub fn keep_public(name: &str, addresses: Vec<SocketAddr>) -> Result<Vec<SocketAddr>, Refused> {
    let first_internal = addresses
        .iter()
        .find_map(|address| destination::classify(address.ip()));
    let public: Vec<SocketAddr> = addresses
        .into_iter()
        .filter(|address| destination::classify(address.ip()).is_none())
        .collect();
    match (public.is_empty(), first_internal) {
        (false, _) => Ok(public),
        (true, Some(kind)) => Err(refused(format!(
            "{name} resolves only to internal addresses ({kind})"
        ))),
        (true, None) => Err(Refused(format!("{name} has no address"))),
    }
}

/// Checks a new endpoint's destination: an internal address, a local name,
/// or a name with any internal address is refused (naming the kind of
/// address, not the address). A name that does not
/// resolve now (or not within 5 s) is accepted: it is checked again at every
/// delivery.
pub async fn check_new(target: &Target) -> Result<(), Refused> {
    check_literal(target)?;
    let Host::Name(name) = &target.host else {
        return Ok(());
    };
    if destination::local_name(name) {
        return Err(refused(format!("{name} is a name of this machine")));
    }
    let Ok(Ok(addresses)) = tokio::time::timeout(RESOLVE_TIMEOUT, lookup(name)).await else {
        return Ok(());
    };
    if let Some(kind) = addresses
        .iter()
        .find_map(|address| destination::classify(address.ip()))
    {
        return Err(refused(format!("{name} resolves to {kind}")));
    }
    Ok(())
}

/// The delivery client's resolver: only public addresses come out of it.
#[derive(Debug, Default)]
pub struct PublicOnly;

impl PublicOnly {
    /// `name`'s public addresses, or why there are none.
    pub async fn resolve_public(name: &str) -> Result<Vec<SocketAddr>, Refused> {
        if destination::local_name(name) {
            return Err(refused(format!("{name} is a name of this machine")));
        }
        // The client connects to what it gets: an address name (which
        // `reqwest` does not send here, but a caller might) is checked too.
        if let Ok(ip) = name.parse::<IpAddr>() {
            return keep_public(name, vec![SocketAddr::new(ip, 0)]);
        }
        let addresses = lookup(name)
            .await
            .map_err(|error| Refused(format!("cannot resolve {name}: {error}")))?;
        keep_public(name, addresses)
    }
}

impl reqwest::dns::Resolve for PublicOnly {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let name = name.as_str().to_owned();
        Box::pin(async move {
            let addresses = Self::resolve_public(&name).await?;
            Ok(Box::new(addresses.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn address(text: &str) -> SocketAddr {
        SocketAddr::new(text.parse().unwrap(), 0)
    }

    #[test]
    fn only_public_addresses_are_kept() {
        let kept = keep_public(
            "mixed.example",
            vec![
                address("127.0.0.1"),
                address("93.184.216.34"),
                address("::1"),
            ],
        )
        .unwrap();
        assert_eq!(kept, [address("93.184.216.34")]);
        let error = keep_public(
            "rebound.example",
            vec![address("169.254.169.254"), address("10.0.0.1")],
        )
        .unwrap_err();
        assert!(
            error.0.starts_with(
                "rebound.example resolves only to internal addresses (a link-local address): "
            ),
            "{error}"
        );
        assert!(error.0.contains(destination::SETTING), "{error}");
        assert!(keep_public("none.example", vec![]).is_err());
    }

    /// Through the system resolver, with names that never leave this
    /// machine: addresses (resolved without DNS) and `localhost`.
    fn block_on<F: std::future::Future>(future: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(future)
    }

    #[test]
    fn the_resolver_refuses_what_is_internal() {
        block_on(the_resolver_refuses_what_is_internal_async());
    }

    async fn the_resolver_refuses_what_is_internal_async() {
        for name in ["127.0.0.1", "::1", "0.0.0.0", "localhost", "db.localhost"] {
            let error = PublicOnly::resolve_public(name).await.unwrap_err();
            assert!(error.0.contains(destination::SETTING), "{name}: {error}");
        }
        let kept = PublicOnly::resolve_public("192.0.2.1").await.unwrap();
        assert_eq!(kept, [address("192.0.2.1")]);
        // The lookup itself, on a name of addresses only.
        let looked_up = lookup("127.0.0.1").await.unwrap();
        assert!(keep_public("127.0.0.1", looked_up).is_err());
    }

    #[test]
    fn new_endpoints_are_checked() {
        block_on(new_endpoints_are_checked_async());
    }

    async fn new_endpoints_are_checked_async() {
        for url in [
            "http://127.0.0.1:9/",
            "http://[::1]:5432/",
            "http://localhost:6379/",
            "http://2130706433/",
            "http://[::ffff:127.0.0.1]/",
            "http://169.254.169.254/latest/meta-data/",
        ] {
            let target = destination::parse(url).unwrap();
            assert!(check_new(&target).await.is_err(), "{url}");
        }
        let target = destination::parse("http://192.0.2.1/").unwrap();
        assert_eq!(check_new(&target).await, Ok(()));
    }
}
