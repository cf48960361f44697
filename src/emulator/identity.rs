//! The stamp's identity endpoints: ARM metadata discovery and a token endpoint.
//!
//! * `GET /metadata/endpoints?api-version=2015-01-01` answers like Azure Stack Hub:
//!   `galleryEndpoint`, `graphEndpoint`, `portalEndpoint` and `authentication {loginEndpoint,
//!   audiences}`. The login endpoint is on the same scheme and host as the request, under
//!   `/adfs/` (an AD FS stamp), so a client that discovers endpoints keeps talking to the
//!   emulator.
//! * `POST .../oauth2/token` (AD FS and Entra ID v1 form) and `.../oauth2/v2.0/token` accept the
//!   client-credentials grant (`grant_type=client_credentials`, `client_id`, `client_secret`,
//!   `resource` or `scope`) of a scenario identity and return `{access_token, expires_in,
//!   token_type}`. As a real identity provider does, they check that the `resource` (or the
//!   `scope` without `/.default`) is the audience advertised in `authentication.audiences`:
//!   another is refused (`invalid_resource` / `invalid_scope`, status 400). Tokens are opaque;
//!   with `require_auth` the emulator checks them on ARM calls.

use super::arm::{self, ArmError};
use super::store::State;
use crate::http::{Method, Request, Response};
use serde_json::json;

pub(crate) const AUDIENCE: &str = "https://management.adfs.azurestack.local/emulator";

pub(crate) fn metadata(state: &State, req: &Request) -> Result<Response, ArmError> {
    if req.method != Method::Get {
        return Err(ArmError::new(
            405,
            "MethodNotAllowed",
            "Use GET for /metadata/endpoints.",
        ));
    }
    if arm::query(req, "api-version").is_none() {
        return Err(ArmError::new(
            400,
            "MissingApiVersionParameter",
            "The api-version query parameter (?api-version=) is required for all requests.",
        ));
    }
    let origin = arm::origin(req);
    let loc = &state.world.target_location;
    Ok(arm::json_response(
        200,
        &json!({
            "galleryEndpoint": format!("https://adminportal.{loc}.azurestack.external:30015/"),
            "graphEndpoint": "https://graph.local.azurestack.external/",
            "portalEndpoint": format!("https://portal.{loc}.azurestack.external/"),
            "authentication": {
                "loginEndpoint": format!("{origin}/adfs/"),
                "audiences": [AUDIENCE],
            }
        }),
    ))
}

fn form(body: &[u8]) -> Vec<(String, String)> {
    url::form_urlencoded::parse(body)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

fn oauth_error(status: u16, error: &str, description: &str) -> Response {
    arm::json_response(
        status,
        &json!({ "error": error, "error_description": description }),
    )
}

pub(crate) fn token(state: &mut State, req: &Request) -> Result<Response, ArmError> {
    if req.method != Method::Post {
        return Ok(oauth_error(
            405,
            "invalid_request",
            "The token endpoint accepts POST only.",
        ));
    }
    let fields = form(&req.body);
    let get = |k: &str| fields.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    match get("grant_type") {
        Some("client_credentials") => {}
        Some(other) => {
            return Ok(oauth_error(
                400,
                "unsupported_grant_type",
                &format!("The grant type '{other}' is not supported by the emulator; use client_credentials."),
            ))
        }
        None => return Ok(oauth_error(400, "invalid_request", "The request body must contain 'grant_type'.")),
    }
    let (Some(id), Some(secret)) = (get("client_id"), get("client_secret")) else {
        return Ok(oauth_error(
            400,
            "invalid_request",
            "The request body must contain 'client_id' and 'client_secret'.",
        ));
    };
    let ok = state
        .world
        .identities
        .iter()
        .any(|i| i.client_id.eq_ignore_ascii_case(id) && i.client_secret == secret);
    if !ok {
        return Ok(oauth_error(
            401,
            "invalid_client",
            "The client id or secret is not valid for this stamp.",
        ));
    }
    // As AD FS and Entra ID do: a token is issued only for the stamp's ARM audience, so a
    // client asking for another (e.g. the ARM endpoint's host) fails here, not with a 401 later.
    if let Some(refused) = audience_refusal(get("resource"), get("scope")) {
        return Ok(refused);
    }
    let token = format!("emu.{}.{}", id, state.rng.hex_name());
    state.world.tokens.insert(token.clone(), id.to_owned());
    Ok(arm::json_response(
        200,
        &json!({
            "access_token": token,
            "expires_in": 3600,
            "ext_expires_in": 3600,
            "token_type": "Bearer",
            "resource": AUDIENCE,
        }),
    ))
}

/// `true` when `requested` names the audience: `{audience}`, with or without a trailing `/`
/// and, for a v2 scope, `/.default` (case-insensitive, as the identity providers compare).
fn is_audience(requested: &str) -> bool {
    let r = requested.trim();
    let r = r.strip_suffix("/.default").unwrap_or(r);
    r.trim_end_matches('/').eq_ignore_ascii_case(AUDIENCE)
}

/// The OAuth error for a request whose `resource` (AD FS, Entra ID v1) or `scope` (v2) is not
/// the stamp's audience, or that names neither.
fn audience_refusal(resource: Option<&str>, scope: Option<&str>) -> Option<Response> {
    match (resource, scope) {
        (Some(r), _) if is_audience(r) => None,
        (None, Some(s)) if s.split(' ').any(is_audience) => None,
        (Some(r), _) => Some(oauth_error(
            400,
            "invalid_resource",
            &format!(
                "MSIS9602: The received 'resource' parameter '{r}' is not the audience of this \
                 stamp's Azure Resource Manager. Ask for '{AUDIENCE}' (the first of \
                 authentication.audiences in /metadata/endpoints)."
            ),
        )),
        (None, Some(s)) => Some(oauth_error(
            400,
            "invalid_scope",
            &format!(
                "AADSTS500011: The resource principal named in scope '{s}' was not found in the \
                 tenant. Ask for '{AUDIENCE}/.default' (the first of authentication.audiences in \
                 /metadata/endpoints)."
            ),
        )),
        (None, None) => Some(oauth_error(
            400,
            "invalid_request",
            "The request body must contain 'resource' (AD FS) or 'scope' (v2.0).",
        )),
    }
}

pub(crate) fn authenticate(state: &State, req: &Request) -> Result<(), ArmError> {
    let header = req.headers.get("authorization").ok_or_else(|| {
        ArmError::new(
            401,
            "AuthenticationFailed",
            "Authentication failed. The 'Authorization' header is missing.",
        )
    })?;
    let token = header
        .strip_prefix("Bearer ")
        .or_else(|| header.strip_prefix("bearer "))
        .unwrap_or_default();
    if state.world.tokens.contains_key(token)
        || state.settings.static_token.as_deref() == Some(token)
    {
        Ok(())
    } else {
        Err(ArmError::new(
            401,
            "InvalidAuthenticationToken",
            "The access token is invalid: it was not issued by this stamp's token endpoint.",
        ))
    }
}
