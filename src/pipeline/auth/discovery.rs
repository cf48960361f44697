//! An Azure Stack Hub stamp's endpoints, from `{arm}/metadata/endpoints?api-version=2015-01-01`.

use super::Authority;
use crate::error::{Error, Refusal, RefusalKind};
use crate::http::{is_loopback, Method, Request};
use crate::transport::Transport;
use url::Url;

/// What a stamp's ARM endpoint says about itself: where to log in, which audience its tokens
/// need, and its other endpoints.
///
/// ```
/// use azs_site_recovery::pipeline::auth::StampEndpoints;
/// let arm = "https://management.local.azurestack.external/".parse().unwrap();
/// let body = br#"{"galleryEndpoint":"https://adminportal.local.azurestack.external:30015/",
///   "graphEndpoint":"https://graph.local.azurestack.external/",
///   "portalEndpoint":"https://portal.local.azurestack.external/",
///   "authentication":{"loginEndpoint":"https://adfs.local.azurestack.external/adfs",
///     "audiences":["https://management.adfs.azurestack.local/4de154de-f8a8-4017-af41-df619da68155"]}}"#;
/// let stamp = StampEndpoints::parse(&arm, body).unwrap();
/// assert!(stamp.is_adfs());
/// assert_eq!(stamp.arm_scope(), "https://management.adfs.azurestack.local/4de154de-f8a8-4017-af41-df619da68155/.default");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct StampEndpoints {
    /// The ARM endpoint the metadata came from.
    pub resource_manager: Url,
    /// `authentication.loginEndpoint`.
    pub login_endpoint: Url,
    /// `authentication.audiences`: the first is the audience of ARM tokens.
    pub audiences: Vec<String>,
    /// `galleryEndpoint`.
    pub gallery_endpoint: Option<String>,
    /// `graphEndpoint`.
    pub graph_endpoint: Option<String>,
    /// `portalEndpoint`.
    pub portal_endpoint: Option<String>,
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct Metadata {
    gallery_endpoint: Option<String>,
    graph_endpoint: Option<String>,
    portal_endpoint: Option<String>,
    authentication: Option<Authentication>,
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct Authentication {
    login_endpoint: Option<String>,
    #[serde(default)]
    audiences: Vec<String>,
}

impl StampEndpoints {
    /// The metadata URL of an ARM endpoint.
    pub fn metadata_url(arm_endpoint: &Url) -> Url {
        let mut url = arm_endpoint.clone();
        let base = url.path().trim_end_matches('/').to_owned();
        url.set_path(&format!("{base}/metadata/endpoints"));
        url.set_query(Some("api-version=2015-01-01"));
        url.set_fragment(None);
        url
    }

    /// Fetches and parses the stamp's metadata (no token needed).
    pub async fn discover(
        transport: &dyn Transport,
        arm_endpoint: &Url,
    ) -> Result<StampEndpoints, Error> {
        let url = Self::metadata_url(arm_endpoint);
        if url.scheme() != "https" && !is_loopback(&url) {
            return Err(Refusal::new(
                RefusalKind::Security,
                format!(
                    "the ARM endpoint {} is not https",
                    without_userinfo(arm_endpoint)
                ),
                "use the stamp's https endpoint (plain http is allowed only to loopback)",
            )
            .into());
        }
        let mut request = Request::new(Method::Get, url.clone());
        request.headers.insert("accept", "application/json");
        let response = transport.send(&request).await?;
        if !response.is_success() {
            return Err(Error::from_response(&response));
        }
        Self::parse(arm_endpoint, &response.body)
    }

    /// Parses a metadata body (pure).
    pub fn parse(arm_endpoint: &Url, body: &[u8]) -> Result<StampEndpoints, Error> {
        let m: Metadata = serde_json::from_slice(body).map_err(|e| {
            Error::decode::<StampEndpoints>("the stamp's metadata/endpoints body", body, e)
        })?;
        let auth = m.authentication.ok_or_else(|| {
            Error::invalid_input(
                "stamp metadata",
                "it has no `authentication` section; is this an Azure Stack Hub ARM endpoint?",
            )
        })?;
        let login = auth.login_endpoint.ok_or_else(|| {
            Error::invalid_input(
                "stamp metadata",
                "`authentication.loginEndpoint` is missing",
            )
        })?;
        let login_endpoint = check_login_endpoint(&login)?;
        if auth.audiences.is_empty() {
            return Err(Error::invalid_input(
                "stamp metadata",
                "`authentication.audiences` is empty; the stamp must name the audience of its \
                 ARM tokens",
            ));
        }
        for audience in &auth.audiences {
            check_audience(audience)?;
        }
        Ok(StampEndpoints {
            resource_manager: arm_endpoint.clone(),
            login_endpoint,
            audiences: auth.audiences,
            gallery_endpoint: m.gallery_endpoint,
            graph_endpoint: m.graph_endpoint,
            portal_endpoint: m.portal_endpoint,
        })
    }

    /// `true` when the stamp logs in with AD FS (disconnected mode): its login endpoint's path
    /// ends in `/adfs`.
    pub fn is_adfs(&self) -> bool {
        self.login_endpoint
            .path()
            .trim_end_matches('/')
            .to_ascii_lowercase()
            .ends_with("/adfs")
    }

    /// The scope of ARM tokens: the first audience followed by `/.default` (or the ARM
    /// endpoint's origin when the stamp lists no audience).
    pub fn arm_scope(&self) -> String {
        let audience = self
            .audiences
            .first()
            .cloned()
            .unwrap_or_else(|| self.resource_manager.origin().ascii_serialization());
        format!("{}/.default", audience.trim_end_matches('/'))
    }

    /// Requires the login endpoint to be on `expected`'s origin (scheme, host and port): a
    /// caller that knows where its stamp logs in pins it, so a tampered metadata answer cannot
    /// send the client secret elsewhere.
    ///
    /// ```
    /// use azs_site_recovery::pipeline::auth::StampEndpoints;
    /// let arm = "https://management.local.azurestack.external/".parse().unwrap();
    /// let body = br#"{"authentication":{"loginEndpoint":"https://adfs.local.azurestack.external/adfs",
    ///   "audiences":["https://management.adfs.azurestack.local/4de154de"]}}"#;
    /// let stamp = StampEndpoints::parse(&arm, body).unwrap();
    /// assert!(stamp.clone().pin_login_endpoint(&"https://adfs.local.azurestack.external/".parse().unwrap()).is_ok());
    /// assert!(stamp.pin_login_endpoint(&"https://login.example/".parse().unwrap()).is_err());
    /// ```
    pub fn pin_login_endpoint(self, expected: &Url) -> Result<Self, Error> {
        if crate::http::same_origin(&self.login_endpoint, expected) {
            Ok(self)
        } else {
            Err(Refusal::new(
                RefusalKind::Security,
                format!(
                    "the stamp's metadata names the login endpoint {}, not the pinned {}",
                    without_userinfo(&self.login_endpoint),
                    without_userinfo(expected)
                ),
                "check the ARM endpoint: the client secret is sent only to the pinned login endpoint",
            )
            .into())
        }
    }

    /// The token issuer: AD FS, or Microsoft Entra ID for `tenant_id`.
    pub fn authority(&self, tenant_id: impl Into<String>) -> Authority {
        if self.is_adfs() {
            Authority::Adfs {
                login_endpoint: self.login_endpoint.clone(),
            }
        } else {
            Authority::EntraId {
                login_endpoint: self.login_endpoint.clone(),
                tenant_id: tenant_id.into(),
            }
        }
    }
}

/// `url` as text without its `user:password@`, for messages.
pub(crate) fn without_userinfo(url: &Url) -> String {
    let mut u = url.clone();
    let _ = u.set_username("");
    let _ = u.set_password(None);
    u.to_string()
}

/// A login endpoint the client secret may be sent to: an https URL (http only to loopback) with
/// no `user:password@`, query or fragment.
fn check_login_endpoint(login: &str) -> Result<Url, Error> {
    let url = Url::parse(login).map_err(|_| {
        Error::invalid_input(
            "stamp metadata",
            format!(
                "`authentication.loginEndpoint` ({} characters) is not a URL",
                login.chars().count()
            ),
        )
    })?;
    let refuse = |why: &str| -> Error {
        Refusal::new(
            RefusalKind::Security,
            format!(
                "the stamp's metadata names the login endpoint {}, which {why}",
                without_userinfo(&url)
            ),
            "the client secret is sent only to an https login endpoint without credentials in \
             its URL; check the ARM endpoint",
        )
        .into()
    };
    if !url.username().is_empty() || url.password().is_some() {
        return Err(refuse("carries a user name or password"));
    }
    if url.scheme() != "https" && !is_loopback(&url) {
        return Err(refuse("is not https"));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(refuse("has no host"));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(refuse("has a query or fragment"));
    }
    Ok(url)
}

/// An ARM token audience: `https://management.{domain}/{id}` (Azure Stack Hub's shape, AD FS
/// and Entra ID alike), so a tampered metadata answer cannot have the client ask for a token of
/// another service and hand it to the ARM host.
fn check_audience(audience: &str) -> Result<(), Error> {
    let bad = || {
        Error::from(Refusal::new(
            RefusalKind::Security,
            format!(
                "the stamp's metadata names the token audience {:?}, which is not an https \
                 `management.` URL",
                crate::redact::redact(audience)
            ),
            "check the ARM endpoint; to use another audience, set the client's scope yourself",
        ))
    };
    let url = Url::parse(audience).map_err(|_| bad())?;
    let host = url.host_str().unwrap_or_default().to_ascii_lowercase();
    let loopback_http = url.scheme() == "http" && is_loopback(&url);
    if (url.scheme() != "https" && !loopback_http)
        || !url.username().is_empty()
        || url.password().is_some()
        || url.query().is_some()
        || url.fragment().is_some()
        || !host.starts_with("management.")
    {
        return Err(bad());
    }
    Ok(())
}

/// Whether `tenant` is a tenant id that is safe in a path: a GUID, `adfs`, or a domain name
/// (letters, digits and `-` in dot-separated labels; a single label such as `common` too).
pub(crate) fn is_valid_tenant(tenant: &str) -> bool {
    let guid = tenant.len() == 36
        && tenant.char_indices().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => c == '-',
            _ => c.is_ascii_hexdigit(),
        });
    if guid {
        return true;
    }
    let labels: Vec<&str> = tenant.split('.').collect();
    let label_ok = |l: &&str| {
        !l.is_empty()
            && l.len() <= 63
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    };
    tenant.len() <= 253 && labels.iter().all(label_ok)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta(login: &str, audience: &str) -> Vec<u8> {
        serde_json::json!({"authentication": {"loginEndpoint": login, "audiences": [audience]}})
            .to_string()
            .into_bytes()
    }

    #[test]
    fn hostile_metadata_is_refused() {
        let arm = Url::parse("https://management.region.example/").unwrap();
        let ok_aud = "https://management.adfs.azurestack.local/guid";
        for login in [
            "https://user:pw123@adfs.example/adfs",
            "http://adfs.example/adfs",
            "https://adfs.example/adfs?x=1",
            "ftp://adfs.example/",
            "not a url",
        ] {
            let e = StampEndpoints::parse(&arm, &meta(login, ok_aud)).unwrap_err();
            let shown = format!("{e} {e:?}");
            assert!(!shown.contains("pw123"), "{shown}");
        }
        for audience in [
            "https://vault.azure.net",
            "https://graph.example/",
            "http://management.example/x",
            "https://u:pw123@management.example/x",
            "management.example",
        ] {
            let e = StampEndpoints::parse(&arm, &meta("https://adfs.example/adfs", audience))
                .unwrap_err();
            assert!(!format!("{e} {e:?}").contains("pw123"), "{e}");
        }
        assert!(StampEndpoints::parse(&arm, &meta("https://adfs.example/adfs", ok_aud)).is_ok());
        // Loopback http (the emulator) is fine.
        assert!(StampEndpoints::parse(&arm, &meta("http://127.0.0.1:8080/adfs", ok_aud)).is_ok());
    }

    #[test]
    fn authorities_never_show_userinfo_nor_take_a_path_for_a_tenant() {
        let login: Url = "https://u:pw123@adfs.example/adfs".parse().unwrap();
        let adfs = Authority::Adfs {
            login_endpoint: login.clone(),
        };
        assert!(!format!("{adfs:?}").contains("pw123"));
        let e = adfs.token_endpoint().unwrap_err();
        assert!(!format!("{e} {e:?}").contains("pw123"), "{e}");
        let entra = Authority::EntraId {
            login_endpoint: "https://login.example/".parse().unwrap(),
            tenant_id: "a\\..\\..\\evil".into(),
        };
        assert!(entra.token_endpoint().is_err());
    }

    #[test]
    fn tenants_are_guids_or_domains() {
        for t in [
            "4de154de-f8a8-4017-af41-df619da68155",
            "contoso.onmicrosoft.com",
            "adfs",
            "xn--bcher-kva.example",
        ] {
            assert!(is_valid_tenant(t), "{t}");
        }
        for t in [
            "a\\..\\..\\evil",
            "..",
            "a/b",
            "",
            "con toso.com",
            "-a.com",
            "a%2f.com",
            "contoso.com?x",
        ] {
            assert!(!is_valid_tenant(t), "{t}");
        }
    }

    #[test]
    fn entra_stamp_and_bad_metadata() {
        let arm = Url::parse("https://management.region.example/").unwrap();
        let body = br#"{"authentication":{"loginEndpoint":"https://login.microsoftonline.com/","audiences":["https://management.contoso.onmicrosoft.com/guid/"]}}"#;
        let s = StampEndpoints::parse(&arm, body).unwrap();
        assert!(!s.is_adfs());
        assert_eq!(
            s.arm_scope(),
            "https://management.contoso.onmicrosoft.com/guid/.default"
        );
        assert!(matches!(s.authority("t"), Authority::EntraId { .. }));
        assert!(StampEndpoints::parse(&arm, b"{}").is_err());
        assert!(StampEndpoints::parse(&arm, b"<html>").is_err());
        assert_eq!(
            StampEndpoints::metadata_url(&arm).as_str(),
            "https://management.region.example/metadata/endpoints?api-version=2015-01-01"
        );
    }
}
