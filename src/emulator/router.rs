//! Turns a request into a handler call: identity endpoints, api-version checks, authentication,
//! then Microsoft.DataReplication or the stamps' ARM reads.

use super::arm::{self, ArmError};
use super::store::State;
use super::{data_replication, identity, stamps};
use crate::api_version::ApiVersion;
use crate::http::{Request, Response};

/// What every handler needs to know about the request.
#[derive(Debug)]
pub(crate) struct Ctx<'a> {
    pub(crate) req: &'a Request,
    pub(crate) api: ApiVersion,
    pub(crate) origin: String,
}

impl Ctx<'_> {
    pub(crate) fn preview(&self) -> bool {
        self.api.is_preview_shape()
    }
}

/// An ARM path split at its last `/providers/{namespace}`.
#[derive(Debug, Clone)]
pub(crate) struct ArmPath {
    pub(crate) sub: Option<String>,
    pub(crate) rg: Option<String>,
    pub(crate) namespace: Option<String>,
    /// The path before `/providers/{namespace}` (the scope), e.g. `/subscriptions/s/resourceGroups/rg`.
    pub(crate) scope: String,
    pub(crate) scope_segs: Vec<String>,
    /// Segments after the namespace.
    pub(crate) segs: Vec<String>,
}

impl ArmPath {
    pub(crate) fn parse(path: &str) -> ArmPath {
        let all: Vec<String> = path
            .split('/')
            .filter(|s| !s.is_empty())
            .map(pct_decode)
            .collect();
        // The DataReplication "odd" status path carries a second `subscriptions/...` after the
        // namespace; the first `providers` is the one that counts there, the last elsewhere
        // (role assignments on a resource scope).
        let providers_at: Vec<usize> = all
            .iter()
            .enumerate()
            .filter(|(i, s)| s.eq_ignore_ascii_case("providers") && i + 1 < all.len())
            .map(|(i, _)| i)
            .collect();
        let split = providers_at
            .iter()
            .copied()
            .find(|&i| all[i + 1].eq_ignore_ascii_case("Microsoft.DataReplication"))
            .or_else(|| providers_at.last().copied());
        let (scope_segs, namespace, segs) = match split {
            Some(i) => (
                all[..i].to_vec(),
                Some(all[i + 1].clone()),
                all[i + 2..].to_vec(),
            ),
            None => (all.clone(), None, Vec::new()),
        };
        let sub = (scope_segs
            .first()
            .is_some_and(|s| s.eq_ignore_ascii_case("subscriptions")))
        .then(|| scope_segs.get(1).cloned())
        .flatten();
        let rg = (scope_segs
            .get(2)
            .is_some_and(|s| s.eq_ignore_ascii_case("resourceGroups")))
        .then(|| scope_segs.get(3).cloned())
        .flatten();
        let scope = format!("/{}", scope_segs.join("/"));
        ArmPath {
            sub,
            rg,
            namespace,
            scope,
            scope_segs,
            segs,
        }
    }
}

/// The first segment of `path` that, decoded, is a dot segment or holds a separator (`/`, `\\`):
/// such a path must be refused, never resolved, or `.../protectedItems/%2e%2e` would act on the
/// vault.
pub(crate) fn unsafe_segment(path: &str) -> Option<String> {
    path.split('/').find_map(|raw| {
        let seg = pct_decode(raw);
        (seg == "." || seg == ".." || seg.contains(['/', '\\'])).then(|| raw.to_owned())
    })
}

/// Percent-decodes a path segment (invalid escapes are kept as they are).
fn pct_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            let hex = std::str::from_utf8(&b[i + 1..i + 3]).ok();
            if let Some(v) = hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn is_date_version(v: &str) -> bool {
    let b = v.as_bytes();
    b.len() >= 10
        && b[..4].iter().all(u8::is_ascii_digit)
        && b[4] == b'-'
        && b[5..7].iter().all(u8::is_ascii_digit)
        && b[7] == b'-'
        && b[8..10].iter().all(u8::is_ascii_digit)
        && (b.len() == 10 || v[10..].starts_with('-'))
}

fn supported_versions(state: &State) -> String {
    state
        .settings
        .api_versions
        .iter()
        .map(ApiVersion::as_str)
        .collect::<Vec<_>>()
        .join(", ")
}

/// Routes one request (faults and the clock are handled by the caller).
pub(crate) fn dispatch(state: &mut State, req: &Request) -> Response {
    match route(state, req) {
        Ok(r) => r,
        Err(e) => e.into_response(),
    }
}

fn route(state: &mut State, req: &Request) -> Result<Response, ArmError> {
    let path = req.url.path().to_ascii_lowercase();
    if path.trim_end_matches('/') == "/metadata/endpoints" {
        return identity::metadata(state, req);
    }
    if path.ends_with("/oauth2/token") || path.ends_with("/oauth2/v2.0/token") {
        return identity::token(state, req);
    }
    if state.settings.require_auth {
        identity::authenticate(state, req)?;
    }
    let api_raw = arm::query(req, "api-version").ok_or_else(|| {
        ArmError::new(
            400,
            "MissingApiVersionParameter",
            "The api-version query parameter (?api-version=) is required for all requests.",
        )
    })?;
    if let Some(bad) = unsafe_segment(req.url.path()) {
        return Err(ArmError::new(
            400,
            "InvalidResourceId",
            format!(
                "The path segment {bad:?} is not allowed: dot segments and encoded separators \
                 would address another resource."
            ),
        ));
    }
    let p = ArmPath::parse(req.url.path());
    let ctx = Ctx {
        req,
        api: api_raw.parse().unwrap_or_default(),
        origin: arm::origin(req),
    };
    if p.namespace
        .as_deref()
        .is_some_and(|n| n.eq_ignore_ascii_case("Microsoft.DataReplication"))
    {
        if !state.settings.api_versions.contains(&ctx.api) {
            let kind = p.segs.first().cloned().unwrap_or_default();
            return Err(if is_date_version(&api_raw) {
                ArmError::new(
                    400,
                    "NoRegisteredProviderFound",
                    format!(
                        "No registered resource provider found for location '{}' and API version '{api_raw}' for type '{kind}'. The supported api-versions are '{}'. The supported locations are '{}'.",
                        state.world.target_location,
                        supported_versions(state),
                        state.world.target_location
                    ),
                )
            } else {
                ArmError::new(
                    400,
                    "InvalidApiVersionParameter",
                    format!(
                        "The api-version '{api_raw}' is invalid. The supported versions are '{}'.",
                        supported_versions(state)
                    ),
                )
            });
        }
        return data_replication::handle(state, &ctx, &p);
    }
    if api_raw.trim().is_empty() {
        return Err(ArmError::new(
            400,
            "InvalidApiVersionParameter",
            "The api-version '' is invalid.",
        ));
    }
    if let Some(r) = stamps::handle(state, &ctx, &p) {
        return r;
    }
    Err(ArmError::new(
        404,
        "InvalidResourceType",
        format!(
            "The resource type of '{}' could not be found in the namespace '{}' for api version '{api_raw}'.",
            req.url.path(),
            p.namespace.unwrap_or_default()
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_arm_paths() {
        let p = ArmPath::parse("/subscriptions/s1/resourceGroups/rg1/providers/Microsoft.DataReplication/replicationVaults/v1/protectedItems/pi");
        assert_eq!(p.sub.as_deref(), Some("s1"));
        assert_eq!(p.rg.as_deref(), Some("rg1"));
        assert_eq!(p.namespace.as_deref(), Some("Microsoft.DataReplication"));
        assert_eq!(p.segs, ["replicationVaults", "v1", "protectedItems", "pi"]);
        let p = ArmPath::parse("/subscriptions/s1/resourceGroups/rg1/providers/Microsoft.Compute/virtualMachines/vm/providers/Microsoft.Authorization/roleAssignments");
        assert_eq!(p.namespace.as_deref(), Some("Microsoft.Authorization"));
        assert!(p.scope.ends_with("/virtualMachines/vm"));
        let p = ArmPath::parse("/subscriptions/s/resourceGroups/r/providers/Microsoft.DataReplication/operationResults/op/subscriptions/s/resourceGroups/r/op");
        assert_eq!(p.segs[0], "operationResults");
    }

    #[test]
    fn date_versions() {
        assert!(is_date_version("2023-01-01"));
        assert!(is_date_version("2023-01-01-preview"));
        assert!(!is_date_version("latest"));
    }
}
