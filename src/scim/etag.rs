//! Entity tags of resource versions (RFC 7644 §3.14): whether a list of
//! tags sent in `If-Match` or `If-None-Match` (RFC 7232 §3.1–3.2) names a
//! version. The tags themselves are [`super::resource::ResourceMeta::etag`].

/// True when a comma-separated list of entity tags holds `etag` or `*`.
pub fn lists(list: &str, etag: &str) -> bool {
    list.split(',')
        .map(str::trim)
        .any(|tag| tag == "*" || tag == etag)
}

#[cfg(test)]
mod tests {
    use super::lists;

    #[test]
    fn a_list_names_a_tag_or_any() {
        assert!(lists("W/\"1\", W/\"2\"", "W/\"2\""));
        assert!(lists("*", "W/\"7\""));
        assert!(!lists("W/\"1\"", "W/\"2\""));
    }
}
