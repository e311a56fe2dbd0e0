//! An account's network allow-list: the CIDR blocks (IPv4 and IPv6) its
//! requests may come from; an empty list allows any address. Pure.

use std::net::IpAddr;

use ipnet::IpNet;

/// The most blocks one account may list.
pub const MAX_NETWORKS: usize = 100;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AllowList {
    networks: Vec<IpNet>,
}

impl AllowList {
    /// Parses CIDR blocks (`10.0.0.0/8`, `2001:db8::/32`; a bare address is
    /// a block of one), normalized to their network address, sorted, without
    /// repeats. The error names the first bad entry.
    pub fn parse<S: AsRef<str>>(cidrs: &[S]) -> Result<Self, String> {
        if cidrs.len() > MAX_NETWORKS {
            return Err(format!("at most {MAX_NETWORKS} networks"));
        }
        let mut networks = cidrs
            .iter()
            .map(|cidr| {
                let text = cidr.as_ref().trim();
                text.parse::<IpNet>()
                    .or_else(|_| text.parse::<IpAddr>().map(IpNet::from))
                    .map(|net| net.trunc())
                    .map_err(|_| {
                        format!("'{text}' is not a CIDR block such as 10.0.0.0/8 or 2001:db8::/32")
                    })
            })
            .collect::<Result<Vec<_>, _>>()?;
        networks.sort();
        networks.dedup();
        Ok(Self { networks })
    }

    /// Whether a request from `address` may pass. An IPv4 address seen as
    /// IPv6 (`::ffff:10.0.0.1`, from a dual-stack socket) counts as IPv4.
    pub fn allows(&self, address: IpAddr) -> bool {
        if self.networks.is_empty() {
            return true;
        }
        let address = match address {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(address, IpAddr::V4),
            v4 => v4,
        };
        self.networks.iter().any(|net| net.contains(&address))
    }

    /// The blocks, as stored and shown.
    pub fn to_strings(&self) -> Vec<String> {
        self.networks.iter().map(ToString::to_string).collect()
    }

    pub fn is_empty(&self) -> bool {
        self.networks.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn blocks_of_both_families_allow_their_addresses_only() {
        let list = AllowList::parse(&["10.1.2.3/8", "2001:db8::1/32", "192.0.2.7"]).unwrap();
        assert_eq!(
            list.to_strings(),
            ["10.0.0.0/8", "192.0.2.7/32", "2001:db8::/32"]
        );
        assert!(list.allows(ip("10.200.0.1")));
        assert!(
            list.allows(ip("::ffff:10.9.9.9")),
            "IPv4 on a dual-stack socket"
        );
        assert!(list.allows(ip("2001:db8:ffff::2")));
        assert!(list.allows(ip("192.0.2.7")));
        assert!(!list.allows(ip("192.0.2.8")));
        assert!(!list.allows(ip("11.0.0.1")));
        assert!(!list.allows(ip("2001:db9::1")));
        assert!(!list.allows(ip("127.0.0.1")));
    }

    #[test]
    fn empty_allows_any_and_bad_entries_are_named() {
        assert!(
            AllowList::parse::<&str>(&[])
                .unwrap()
                .allows(ip("203.0.113.9"))
        );
        let error = AllowList::parse(&["10.0.0.0/8", "10.0.0.0/33"]).unwrap_err();
        assert!(error.contains("'10.0.0.0/33'"), "{error}");
        assert!(AllowList::parse(&["example.com"]).is_err());
        assert!(AllowList::parse(&vec!["10.0.0.0/8"; MAX_NETWORKS + 1]).is_err());
        let list = AllowList::parse(&["10.0.0.0/8", "10.0.0.0/8"]).unwrap();
        assert_eq!(list.to_strings(), ["10.0.0.0/8"]);
    }
}
