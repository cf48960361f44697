//! Bearer tokens: the [`TokenCredential`] trait, a static token, and a client secret against
//! Microsoft Entra ID or an Azure Stack Hub stamp's AD FS, with the stamp's endpoints discovered
//! from its ARM endpoint ([`StampEndpoints`]).

use crate::error::Error;
use chrono::{DateTime, Utc};
use std::fmt;

mod client_secret;
mod discovery;

pub use client_secret::{Authority, ClientSecretCredential};
pub use discovery::StampEndpoints;

/// A secret string (a token, a client secret). `Debug` prints `Secret(<redacted>)`, there is no
/// `Display`, and the value is read only through [`Secret::expose`].
///
/// ```
/// use azs_site_recovery::pipeline::auth::Secret;
/// let s = Secret::new("p@ss");
/// assert_eq!(format!("{s:?}"), "Secret(<redacted>)");
/// assert_eq!(s.expose(), "p@ss");
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps `value`.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The value. Do not log it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

impl From<String> for Secret {
    fn from(s: String) -> Self {
        Secret(s)
    }
}

impl From<&str> for Secret {
    fn from(s: &str) -> Self {
        Secret(s.to_owned())
    }
}

/// An access token and when it expires.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccessToken {
    /// The bearer token.
    pub secret: Secret,
    /// When it stops being accepted.
    pub expires_on: DateTime<Utc>,
}

impl AccessToken {
    /// A token valid until `expires_on`.
    pub fn new(secret: impl Into<Secret>, expires_on: DateTime<Utc>) -> Self {
        AccessToken {
            secret: secret.into(),
            expires_on,
        }
    }
}

/// Something that hands out bearer tokens for a set of scopes (for ARM on a stamp: the stamp's
/// audience followed by `/.default`; see [`StampEndpoints::arm_scope`]).
///
/// Implementations cache and refresh: the pipeline asks before every attempt.
#[async_trait::async_trait]
pub trait TokenCredential: Send + Sync + fmt::Debug {
    /// A token for `scopes`, valid for a while yet.
    async fn get_token(&self, scopes: &[&str]) -> Result<AccessToken, Error>;
}

#[async_trait::async_trait]
impl<T: TokenCredential + ?Sized> TokenCredential for std::sync::Arc<T> {
    async fn get_token(&self, scopes: &[&str]) -> Result<AccessToken, Error> {
        (**self).get_token(scopes).await
    }
}

/// A token obtained elsewhere (e.g. `az account get-access-token`), used as is for every scope.
///
/// ```
/// use azs_site_recovery::pipeline::auth::StaticTokenCredential;
/// let cred = StaticTokenCredential::new("eyJ0eXAi...");
/// assert!(!format!("{cred:?}").contains("eyJ0eXAi"));
/// ```
#[derive(Debug, Clone)]
pub struct StaticTokenCredential {
    token: AccessToken,
}

impl StaticTokenCredential {
    /// A token that the crate treats as never expiring (the service will say when it does).
    pub fn new(token: impl Into<Secret>) -> Self {
        StaticTokenCredential {
            token: AccessToken::new(token, DateTime::<Utc>::MAX_UTC),
        }
    }

    /// A token with a known expiry: asked for after it, the credential fails with an
    /// [`Error::Authentication`] that says to get a new token.
    pub fn with_expiry(token: impl Into<Secret>, expires_on: DateTime<Utc>) -> Self {
        StaticTokenCredential {
            token: AccessToken::new(token, expires_on),
        }
    }
}

#[async_trait::async_trait]
impl TokenCredential for StaticTokenCredential {
    async fn get_token(&self, _scopes: &[&str]) -> Result<AccessToken, Error> {
        if self.token.expires_on <= Utc::now() {
            return Err(Error::Authentication {
                message: format!(
                    "the static token expired at {}; obtain a new one (or use ClientSecretCredential, which refreshes)",
                    self.token.expires_on.to_rfc3339()
                ),
                status: None,
            });
        }
        Ok(self.token.clone())
    }
}
