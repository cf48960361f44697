//! ARM URL building and the URL rules the pipeline's security checks use.

use crate::api_version::ApiVersion;
use crate::error::Error;
use std::net::IpAddr;
use url::Url;

/// The URL of `path` (a resource id or any ARM path starting with `/`) on the ARM `endpoint`,
/// with `api-version` set.
///
/// The endpoint's own path is kept (an ARM endpoint behind a path prefix works), and `path` is
/// appended as is: resource ids are already URL-safe. A path with a dot segment (`.`, `..`), a `%`
/// (an escape such as `%2e%2e` or `%2f`), a `\\` or a control character is refused rather than
/// normalized into another resource's URL.
///
/// ```
/// use azs_site_recovery::{http::arm_url, ApiVersion};
/// let arm = url::Url::parse("https://management.local.azurestack.external/").unwrap();
/// let url = arm_url(&arm, "/subscriptions/s1/resourceGroups/rg/providers/Microsoft.DataReplication/replicationVaults/v1", &ApiVersion::V2024_09_01).unwrap();
/// assert_eq!(url.as_str(), "https://management.local.azurestack.external/subscriptions/s1/resourceGroups/rg/providers/Microsoft.DataReplication/replicationVaults/v1?api-version=2024-09-01");
/// assert!(arm_url(&arm, "/subscriptions/s1/resourceGroups/rg/../../other", &ApiVersion::V2024_09_01).is_err());
/// ```
pub fn arm_url(endpoint: &Url, path: &str, api_version: &ApiVersion) -> Result<Url, Error> {
    if !path.starts_with('/') {
        return Err(Error::invalid_input(
            "ARM path",
            format!(
                "`{path}` does not start with `/`; pass a resource id such as `/subscriptions/...`"
            ),
        ));
    }
    if path.contains(['?', '#']) {
        return Err(Error::invalid_input(
            "ARM path",
            format!("`{path}` contains `?` or `#`; pass query parameters separately"),
        ));
    }
    // A dot segment (`..`, or `%2e%2e` which URL parsers decode first) or a backslash (a
    // separator to them) would be collapsed into another resource's path by `set_path`: the
    // request, with its bearer token, would reach something the caller never named.
    for segment in path[1..].split('/') {
        let bad = if segment == "." || segment == ".." {
            Some("is a dot segment")
        } else if segment.contains(['%', '\\']) {
            Some("contains `%` or `\\`")
        } else if segment.chars().any(char::is_control) {
            Some("contains a control character")
        } else {
            None
        };
        if let Some(why) = bad {
            return Err(Error::invalid_input(
                "ARM path",
                format!(
                    "segment `{}` {why}; ARM paths are built from plain names, never normalized",
                    segment.escape_debug()
                ),
            ));
        }
    }
    let base = endpoint.path().trim_end_matches('/');
    let mut url = endpoint.clone();
    let wanted = format!("{base}{path}");
    url.set_path(&wanted);
    // Belt and braces: the URL must have exactly the segments asked for (nothing collapsed).
    if url.path().split('/').count() != wanted.split('/').count() {
        return Err(Error::invalid_input(
            "ARM path",
            format!(
                "`{}` would be normalized to another path",
                path.escape_debug()
            ),
        ));
    }
    url.set_query(None);
    url.set_fragment(None);
    Ok(with_api_version(url, api_version.as_str()))
}

/// `url` with its `api-version` query parameter set to `version` (replacing any, keeping the
/// other parameters such as a `nextLink`'s `$skiptoken`).
///
/// ```
/// use azs_site_recovery::http::with_api_version;
/// let next = url::Url::parse("https://arm.example/items?api-version=2021-02-16-preview&$skiptoken=abc").unwrap();
/// assert_eq!(with_api_version(next, "2024-09-01").query(), Some("%24skiptoken=abc&api-version=2024-09-01"));
/// ```
pub fn with_api_version(mut url: Url, version: &str) -> Url {
    let others: Vec<(String, String)> = url
        .query_pairs()
        .filter(|(k, _)| k != "api-version")
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    {
        let mut q = url.query_pairs_mut();
        q.clear();
        for (k, v) in &others {
            q.append_pair(k, v);
        }
        q.append_pair("api-version", version);
    }
    url
}

/// `true` when `url`'s host is a loopback address (`127.0.0.0/8`, `::1`) or `localhost`: the
/// only hosts the pipeline talks to over plain `http`.
///
/// ```
/// use azs_site_recovery::http::is_loopback;
/// let u = |s| url::Url::parse(s).unwrap();
/// assert!(is_loopback(&u("http://127.0.0.2:8080/")));
/// assert!(is_loopback(&u("http://[::1]/")));
/// assert!(is_loopback(&u("http://localhost/")));
/// assert!(!is_loopback(&u("http://10.0.0.1/")));
/// ```
pub fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(a)) => IpAddr::V4(a).is_loopback(),
        Some(url::Host::Ipv6(a)) => IpAddr::V6(a).is_loopback(),
        // Only `localhost` itself: a name under `.localhost` is resolved by whatever DNS the
        // machine uses (glibc asks it), so plain http to it could leave the machine.
        Some(url::Host::Domain(d)) => d.trim_end_matches('.').eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

/// `true` when `a` and `b` have the same scheme, host (case-insensitively) and port.
pub fn same_origin(a: &Url, b: &Url) -> bool {
    a.scheme() == b.scheme()
        && a.port_or_known_default() == b.port_or_known_default()
        && match (a.host_str(), b.host_str()) {
            (Some(x), Some(y)) => x.eq_ignore_ascii_case(y),
            _ => false,
        }
}

/// The path of `url` without its query, for log lines (a query can carry a SAS token or a
/// continuation token that does not belong in a log).
pub fn path_for_log(url: &Url) -> &str {
    url.path()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dot_segments_and_escapes_are_refused_not_normalized() {
        let arm = Url::parse("https://arm.example/").unwrap();
        for path in [
            "/subscriptions/s/resourceGroups/rg/../../../../subscriptions/OTHER/resourceGroups/victim",
            "/subscriptions/s/resourceGroups/%2e%2e/x",
            "/subscriptions/s/resourceGroups/%2E./x",
            "/subscriptions/s/resourceGroups/./x",
            "/subscriptions/s/resourceGroups/rg%2fother/x",
            "/subscriptions/s/resourceGroups/a\\..\\..\\x",
            "/subscriptions/s/resourceGroups/a\tb",
        ] {
            let e = arm_url(&arm, path, &ApiVersion::default());
            assert!(e.is_err(), "{path} became {:?}", e.map(|u| u.to_string()));
        }
    }

    #[test]
    fn endpoint_prefix_is_kept_and_bad_paths_refused() {
        let arm = Url::parse("https://stamp.example/arm/").unwrap();
        let u = arm_url(&arm, "/subscriptions/s", &ApiVersion::V2026_05_01).unwrap();
        assert_eq!(u.path(), "/arm/subscriptions/s");
        assert_eq!(u.query(), Some("api-version=2026-05-01"));
        assert!(arm_url(&arm, "subscriptions/s", &ApiVersion::default()).is_err());
        assert!(arm_url(&arm, "/subscriptions/s?x=1", &ApiVersion::default()).is_err());
    }

    #[test]
    fn only_real_loopback_names_count_as_loopback() {
        let u = |s| Url::parse(s).unwrap();
        assert!(is_loopback(&u("http://LOCALHOST.:8080/")));
        assert!(is_loopback(&u("http://127.255.0.1/")));
        for s in [
            "http://evil.localhost/",
            "http://localhost.evil.example/",
            "http://127.0.0.1.nip.io/",
            "http://[::ffff:10.0.0.1]/",
            "http://0.0.0.0/",
        ] {
            assert!(!is_loopback(&u(s)), "{s}");
        }
    }

    #[test]
    fn origins_compare_hosts_case_insensitively_and_ports() {
        let u = |s| Url::parse(s).unwrap();
        assert!(same_origin(
            &u("https://ARM.example/a"),
            &u("https://arm.example:443/b")
        ));
        assert!(!same_origin(
            &u("https://arm.example/"),
            &u("https://arm.example:8443/")
        ));
        assert!(!same_origin(
            &u("https://arm.example/"),
            &u("http://arm.example/")
        ));
        assert!(!same_origin(
            &u("https://arm.example/"),
            &u("https://evil.example/")
        ));
    }
}
