//! Endpoint names in any case: `/scim/v2/users` is `/scim/v2/Users`. RFC 7644
//! §3.2 spells the endpoints with capitals, but clients (and hand-written
//! IdP configurations) differ, and a 404 for `users` helps nobody. Only the
//! SCIM prefix and the endpoint names are rewritten; ids and the query stay.

use std::str::FromStr;

use actix_web::dev::ServiceRequest;
use actix_web::http::Uri;
use actix_web::http::uri::PathAndQuery;

const PREFIX: &str = "/scim/v2";

const ENDPOINTS: [&str; 7] = [
    "Users",
    "Groups",
    "ServiceProviderConfig",
    "ResourceTypes",
    "Schemas",
    "Bulk",
    "Me",
];

/// The path with the SCIM prefix and endpoint names in their canonical
/// case, when that differs from `path`.
fn canonical(path: &str) -> Option<String> {
    let rest = path
        .get(..PREFIX.len())
        .filter(|prefix| prefix.eq_ignore_ascii_case(PREFIX))
        .map(|_| &path[PREFIX.len()..])
        .filter(|rest| rest.is_empty() || rest.starts_with('/'))?;
    let mut canonical = String::from(PREFIX);
    let mut segments = rest.split('/');
    // `rest` starts with "/" (or is empty): the first piece is "".
    if let Some(first) = segments.next() {
        canonical.push_str(first);
    }
    if let Some(endpoint) = segments.next() {
        canonical.push('/');
        canonical.push_str(
            ENDPOINTS
                .iter()
                .find(|name| name.eq_ignore_ascii_case(endpoint))
                .copied()
                .unwrap_or(endpoint),
        );
    }
    for segment in segments {
        canonical.push('/');
        canonical.push_str(segment);
    }
    (canonical != path).then_some(canonical)
}

/// Rewrites the request's path to its canonical case before routing.
pub fn canonicalize(req: &mut ServiceRequest) {
    let Some(path) = canonical(req.path()) else {
        return;
    };
    let head = req.head_mut();
    let path_and_query = match head.uri.query() {
        Some(query) => format!("{path}?{query}"),
        None => path,
    };
    let mut parts = head.uri.clone().into_parts();
    let Ok(path_and_query) = PathAndQuery::from_str(&path_and_query) else {
        return;
    };
    parts.path_and_query = Some(path_and_query);
    let Ok(uri) = Uri::from_parts(parts) else {
        return;
    };
    req.match_info_mut().get_mut().update(&uri);
    req.head_mut().uri = uri;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoint_names_take_their_canonical_case() {
        for (path, expected) in [
            ("/scim/v2/users", Some("/scim/v2/Users")),
            ("/SCIM/V2/USERS/AbC", Some("/scim/v2/Users/AbC")),
            ("/scim/v2/groups/.search", Some("/scim/v2/Groups/.search")),
            (
                "/scim/v2/serviceproviderconfig",
                Some("/scim/v2/ServiceProviderConfig"),
            ),
            ("/scim/v2/Users", None),
            ("/scim/v2", None),
            ("/scim/v2/", None),
            ("/scim/v2/unknown", None),
            ("/healthz", None),
            ("/scim/v2x/users", None),
        ] {
            assert_eq!(canonical(path).as_deref(), expected, "{path}");
        }
    }
}
