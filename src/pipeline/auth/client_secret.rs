//! A service principal's client secret against Microsoft Entra ID or AD FS.

use super::{AccessToken, Secret, StampEndpoints, TokenCredential};
use crate::error::{redact, Error};
use crate::http::{is_loopback, Method, Request};
use crate::pipeline::clock::{Clock, SystemClock};
use crate::transport::Transport;
use chrono::{DateTime, Utc};
use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use url::Url;

/// Who issues tokens. `Debug` prints the login endpoint without any `user:password@`.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Authority {
    /// Microsoft Entra ID (Azure Stack Hub connected mode): tokens from
    /// `{login_endpoint}/{tenant_id}/oauth2/v2.0/token` for `scope`.
    EntraId {
        /// e.g. `https://login.microsoftonline.com/`.
        login_endpoint: Url,
        /// The directory (tenant) id or domain.
        tenant_id: String,
    },
    /// AD FS (Azure Stack Hub disconnected mode, tenant `adfs`): tokens from
    /// `{login}/adfs/oauth2/token` for `resource` (the scope without `/.default`).
    Adfs {
        /// The stamp's login endpoint, with or without its trailing `/adfs`
        /// (e.g. `https://adfs.local.azurestack.external/adfs/`).
        login_endpoint: Url,
    },
}

impl fmt::Debug for Authority {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use super::discovery::without_userinfo;
        match self {
            Authority::EntraId {
                login_endpoint,
                tenant_id,
            } => f
                .debug_struct("EntraId")
                .field("login_endpoint", &without_userinfo(login_endpoint))
                .field("tenant_id", tenant_id)
                .finish(),
            Authority::Adfs { login_endpoint } => f
                .debug_struct("Adfs")
                .field("login_endpoint", &without_userinfo(login_endpoint))
                .finish(),
        }
    }
}

impl Authority {
    /// The token endpoint.
    ///
    /// ```
    /// use azs_site_recovery::pipeline::auth::Authority;
    /// let adfs = Authority::Adfs { login_endpoint: "https://adfs.local.azurestack.external/adfs/".parse().unwrap() };
    /// assert_eq!(adfs.token_endpoint().unwrap().as_str(), "https://adfs.local.azurestack.external/adfs/oauth2/token");
    /// let entra = Authority::EntraId { login_endpoint: "https://login.microsoftonline.com/".parse().unwrap(), tenant_id: "contoso.onmicrosoft.com".into() };
    /// assert_eq!(entra.token_endpoint().unwrap().as_str(), "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token");
    /// ```
    pub fn token_endpoint(&self) -> Result<Url, Error> {
        let (base, tail) = match self {
            Authority::EntraId {
                login_endpoint,
                tenant_id,
            } => {
                if !super::discovery::is_valid_tenant(tenant_id) {
                    return Err(Error::invalid_input(
                        "tenant id",
                        format!(
                            "`{}` is not a tenant id (a GUID) or a domain name such as \
                             contoso.onmicrosoft.com",
                            tenant_id.escape_debug()
                        ),
                    ));
                }
                (login_endpoint, format!("{tenant_id}/oauth2/v2.0/token"))
            }
            Authority::Adfs { login_endpoint } => (login_endpoint, "adfs/oauth2/token".to_owned()),
        };
        if !base.username().is_empty() || base.password().is_some() {
            return Err(crate::error::Refusal::new(
                crate::error::RefusalKind::Security,
                format!(
                    "the login endpoint {} carries a user name or password",
                    super::discovery::without_userinfo(base)
                ),
                "give the login endpoint without credentials in its URL",
            )
            .into());
        }
        let mut path = base.path().trim_end_matches('/').to_owned();
        if matches!(self, Authority::Adfs { .. }) && path.to_ascii_lowercase().ends_with("/adfs") {
            path.truncate(path.len() - "/adfs".len());
        }
        let mut url = base.clone();
        url.set_path(&format!("{path}/{tail}"));
        url.set_query(None);
        url.set_fragment(None);
        if url.scheme() != "https" && !is_loopback(&url) {
            return Err(crate::error::Refusal::new(
                crate::error::RefusalKind::Security,
                format!("the token endpoint {url} is not https"),
                "use the https login endpoint (plain http is allowed only to loopback)",
            )
            .into());
        }
        Ok(url)
    }
}

/// A service principal's client secret, exchanged for tokens that are cached per scope set and
/// refreshed `refresh_margin` (default 5 minutes) before they expire.
///
/// ```no_run
/// # async fn run() -> Result<(), azs_site_recovery::Error> {
/// use azs_site_recovery::pipeline::auth::{ClientSecretCredential, StampEndpoints, TokenCredential};
/// use azs_site_recovery::transport::ReqwestTransport;
/// use std::sync::Arc;
///
/// let transport = Arc::new(ReqwestTransport::new()?);
/// let arm = "https://management.local.azurestack.external/".parse().unwrap();
/// let stamp = StampEndpoints::discover(transport.as_ref(), &arm).await?;
/// // AD FS stamps ignore the tenant; Entra ID stamps need it.
/// let cred = ClientSecretCredential::for_stamp(&stamp, "contoso.onmicrosoft.com", "app-id", "secret", transport);
/// let token = cred.get_token(&[&stamp.arm_scope()]).await?;
/// # Ok(()) }
/// ```
pub struct ClientSecretCredential {
    authority: Authority,
    client_id: String,
    client_secret: Secret,
    transport: Arc<dyn Transport>,
    clock: Arc<dyn Clock>,
    refresh_margin: Duration,
    cache: Mutex<HashMap<String, AccessToken>>,
    /// Held while fetching, so that many requests finding the token stale at once cause one
    /// token request, not one each.
    fetching: futures_util::lock::Mutex<()>,
}

impl fmt::Debug for ClientSecretCredential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientSecretCredential")
            .field("authority", &self.authority)
            .field("client_id", &self.client_id)
            .field("client_secret", &self.client_secret)
            .field("refresh_margin", &self.refresh_margin)
            .finish_non_exhaustive()
    }
}

impl ClientSecretCredential {
    /// A credential for `client_id` with `client_secret` at `authority`, reaching the token
    /// endpoint through `transport`.
    pub fn new(
        authority: Authority,
        client_id: impl Into<String>,
        client_secret: impl Into<Secret>,
        transport: Arc<dyn Transport>,
    ) -> Self {
        ClientSecretCredential {
            authority,
            client_id: client_id.into(),
            client_secret: client_secret.into(),
            transport,
            clock: Arc::new(SystemClock),
            refresh_margin: Duration::from_secs(300),
            cache: Mutex::new(HashMap::new()),
            fetching: futures_util::lock::Mutex::new(()),
        }
    }

    /// A credential for a discovered stamp: AD FS when the stamp's login endpoint is AD FS
    /// (`tenant_id` is then ignored: AD FS's tenant is `adfs`), Microsoft Entra ID otherwise.
    pub fn for_stamp(
        stamp: &StampEndpoints,
        tenant_id: impl Into<String>,
        client_id: impl Into<String>,
        client_secret: impl Into<Secret>,
        transport: Arc<dyn Transport>,
    ) -> Self {
        Self::new(
            stamp.authority(tenant_id),
            client_id,
            client_secret,
            transport,
        )
    }

    /// Uses `clock` to decide when a cached token needs refreshing.
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Refreshes a token this long before it expires.
    pub fn with_refresh_margin(mut self, margin: Duration) -> Self {
        self.refresh_margin = margin;
        self
    }

    /// The authority.
    pub fn authority(&self) -> &Authority {
        &self.authority
    }

    fn form(&self, scopes: &[&str]) -> String {
        let mut form = url::form_urlencoded::Serializer::new(String::new());
        form.append_pair("grant_type", "client_credentials");
        form.append_pair("client_id", &self.client_id);
        form.append_pair("client_secret", self.client_secret.expose());
        match self.authority {
            Authority::EntraId { .. } => {
                form.append_pair("scope", &scopes.join(" "));
            }
            Authority::Adfs { .. } => {
                let resource = scopes
                    .first()
                    .map(|s| s.strip_suffix("/.default").unwrap_or(s))
                    .unwrap_or_default();
                form.append_pair("resource", resource);
            }
        }
        form.finish()
    }

    async fn fetch(&self, scopes: &[&str]) -> Result<AccessToken, Error> {
        let endpoint = self.authority.token_endpoint()?;
        let mut request = Request::new(Method::Post, endpoint.clone());
        request
            .headers
            .insert("content-type", "application/x-www-form-urlencoded");
        request.headers.insert("accept", "application/json");
        request.body = self.form(scopes).into_bytes();
        let asked_at = self.clock.now();
        let response = self
            .transport
            .send(&request)
            .await
            .map_err(|e| Error::Authentication {
                message: format!("could not reach the token endpoint {endpoint}: {e}"),
                status: None,
            })?;
        if !response.is_success() {
            #[derive(serde::Deserialize)]
            struct OAuthError {
                error: Option<String>,
                error_description: Option<String>,
            }
            let why = match serde_json::from_slice::<OAuthError>(&response.body) {
                Ok(OAuthError {
                    error: Some(e),
                    error_description,
                }) => {
                    let d = error_description.unwrap_or_default();
                    let first = d.lines().next().unwrap_or_default();
                    redact(&format!("{e}: {first}"))
                }
                _ => crate::error::excerpt(&response.body),
            };
            return Err(Error::Authentication {
                message: format!(
                    "the token endpoint {endpoint} answered {} for client {}: {why}; check the client id, secret and tenant",
                    response.status, self.client_id
                ),
                status: Some(response.status),
            });
        }
        parse_token_response(&response.body, asked_at)
    }
}

/// Reads `access_token` and its lifetime (`expires_in` seconds, or `expires_on` Unix time; both
/// come as numbers or strings, depending on the issuer).
fn parse_token_response(body: &[u8], asked_at: DateTime<Utc>) -> Result<AccessToken, Error> {
    #[derive(serde::Deserialize)]
    struct TokenBody {
        access_token: Option<String>,
        expires_in: Option<serde_json::Value>,
        expires_on: Option<serde_json::Value>,
    }
    fn as_i64(v: &serde_json::Value) -> Option<i64> {
        match v {
            serde_json::Value::Number(n) => n.as_i64(),
            serde_json::Value::String(s) => s.trim().parse().ok(),
            _ => None,
        }
    }
    let bad = |what: &str| Error::Authentication {
        message: format!("the token endpoint's answer {what}"),
        status: None,
    };
    let t: TokenBody =
        serde_json::from_slice(body).map_err(|_| bad("is not the JSON of a token response"))?;
    let secret = t.access_token.ok_or_else(|| bad("has no access_token"))?;
    let expires_on = if let Some(secs) = t.expires_in.as_ref().and_then(as_i64) {
        // Checked: an `expires_in` of `9223372036854775807` is bad input, not a panic.
        chrono::Duration::try_seconds(secs)
            .and_then(|d| asked_at.checked_add_signed(d))
            .ok_or_else(|| bad("has an impossible expires_in"))?
    } else if let Some(at) = t.expires_on.as_ref().and_then(as_i64) {
        DateTime::<Utc>::from_timestamp(at, 0).ok_or_else(|| bad("has an impossible expires_on"))?
    } else {
        return Err(bad("says neither expires_in nor expires_on"));
    };
    Ok(AccessToken::new(secret, expires_on))
}

#[async_trait::async_trait]
impl TokenCredential for ClientSecretCredential {
    async fn get_token(&self, scopes: &[&str]) -> Result<AccessToken, Error> {
        let key = scopes.join(" ");
        let margin = chrono::Duration::from_std(self.refresh_margin).unwrap_or_default();
        let cached = || {
            let now = self.clock.now();
            let fresh_until = now
                .checked_add_signed(margin)
                .unwrap_or(DateTime::<Utc>::MAX_UTC);
            self.cache
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .get(&key)
                .filter(|t| t.expires_on > fresh_until)
                .cloned()
        };
        if let Some(t) = cached() {
            return Ok(t);
        }
        let _fetching = self.fetching.lock().await;
        // Another caller may have refreshed while this one waited.
        if let Some(t) = cached() {
            return Ok(t);
        }
        let token = self.fetch(scopes).await?;
        self.cache
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(key, token.clone());
        Ok(token)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_lifetimes_in_every_form() {
        let at = DateTime::<Utc>::from_timestamp(1_000, 0).unwrap();
        let t = parse_token_response(br#"{"access_token":"a","expires_in":3600}"#, at).unwrap();
        assert_eq!(t.expires_on.timestamp(), 4_600);
        let t = parse_token_response(br#"{"access_token":"a","expires_in":"60"}"#, at).unwrap();
        assert_eq!(t.expires_on.timestamp(), 1_060);
        let t = parse_token_response(br#"{"access_token":"a","expires_on":"2000"}"#, at).unwrap();
        assert_eq!(t.expires_on.timestamp(), 2_000);
        assert!(parse_token_response(br#"{"access_token":"a"}"#, at).is_err());
        assert!(parse_token_response(br#"{"expires_in":1}"#, at).is_err());
    }

    #[test]
    fn an_overflowing_lifetime_is_an_error_not_a_panic() {
        let at = DateTime::<Utc>::from_timestamp(1_000, 0).unwrap();
        for body in [
            br#"{"access_token":"a","expires_in":9223372036854775807}"#.as_slice(),
            br#"{"access_token":"a","expires_in":"-9223372036854775808"}"#.as_slice(),
            br#"{"access_token":"a","expires_in":9000000000000000}"#.as_slice(),
        ] {
            let e = parse_token_response(body, at).unwrap_err();
            assert!(e.to_string().contains("expires_in"), "{e}");
        }
    }

    #[test]
    fn plain_http_token_endpoint_is_refused_except_on_loopback() {
        let a = Authority::Adfs {
            login_endpoint: "http://adfs.example/adfs".parse().unwrap(),
        };
        assert!(a.token_endpoint().is_err());
        let a = Authority::Adfs {
            login_endpoint: "http://127.0.0.1:9/adfs".parse().unwrap(),
        };
        assert_eq!(a.token_endpoint().unwrap().path(), "/adfs/oauth2/token");
    }
}
