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
                format!("the ARM endpoint {arm_endpoint} is not https"),
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
        let login_endpoint = Url::parse(&login).map_err(|e| {
            Error::invalid_input(
                "stamp metadata",
                format!("`authentication.loginEndpoint` `{login}` is not a URL ({e})"),
            )
        })?;
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

#[cfg(test)]
mod tests {
    use super::*;

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
