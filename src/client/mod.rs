//! The async client of `Microsoft.DataReplication` (layer 3): [`SiteRecoveryClient`], resource
//! handles in the style of kube's `Api<K>`, long-running operations as a [`Poller`], lists as a
//! lazy [`Pager`], and protected-item actions checked against the protection lifecycle before
//! they are sent.
//!
//! ```no_run
//! # async fn run() -> Result<(), azs_site_recovery::Error> {
//! use azs_site_recovery::id::VaultId;
//! use azs_site_recovery::lifecycle::RecoveryPointChoice;
//! use azs_site_recovery::model::ProtectedItem;
//! use azs_site_recovery::pipeline::auth::StaticTokenCredential;
//! use azs_site_recovery::SiteRecoveryClient;
//! use futures_util::TryStreamExt;
//! use std::sync::Arc;
//!
//! let client = SiteRecoveryClient::builder()
//!     .endpoint("https://management.local.azurestack.external")?
//!     .credential(Arc::new(StaticTokenCredential::new("<token>")))
//!     .build()?;
//! let vault = VaultId::new("00000000-0000-0000-0000-000000000000", "dr-rg", "vault1");
//! let items = client.protected_items(&vault);
//!
//! // A lazy stream of every protected item: one page in memory at a time.
//! let all: Vec<ProtectedItem> = items.list().try_collect().await?;
//!
//! // `get_opt` turns a 404 into `None`.
//! if let Some(web01) = items.get_opt("web01").await? {
//!     println!("{:?}", web01.properties.and_then(|p| p.protection_state));
//! }
//!
//! // An action is checked against the lifecycle first (a refusal sends nothing), then sent,
//! // then awaited: the poller resolves to the item as it is afterwards.
//! let item = items.test_failover("web01", RecoveryPointChoice::Latest).await?.await?;
//! let item = items.cleanup_test_failover("web01").await?.await?;
//! # let _ = (all, item); Ok(()) }
//! ```
//!
//! Everything the client sends goes through the [`Pipeline`] (auth, retry, host pinning,
//! logging): a `nextLink`, `Location` or `Azure-AsyncOperation` URL on another host is refused,
//! never followed, and a POST that may have reached the service is never sent twice.
//!
//! What Microsoft documents and what is inferred: only `plannedFailover` is a public action and
//! `reprotect` is documented for Azure Stack Hub; the other action names and the
//! `AzStackToAzStack` bodies are inferred (see [`ActionSegments`] to override them, and
//! [`Handle::action`] to send any body to any segment).

mod actions;
mod builder;
pub(crate) mod discovery;
mod handles;
mod pager;
mod poller;
mod preflight_gather;

#[cfg(test)]
mod tests;

pub use actions::{ActionOptions, ActionSegments};
pub use builder::{ClientBuilder, PollingOptions, DEFAULT_MAX_WAIT};
pub use discovery::{not_yet_protected, DiscoveryOptions, DiskInfo, Protectability, SourceVm};
pub use handles::{Handle, Resource, ResourceHandle};
pub use pager::{PageLimitReached, Pager, Pages, DEFAULT_MAX_PAGES};
pub use poller::{PollKind, PollStream, PollUpdate, Poller, PollerContinuation, WaitTimedOut};
pub use preflight_gather::{ArmApiVersions, GatherProblem, GatheredSnapshot, PreflightScope};

use crate::api_version::ApiVersion;
use crate::error::Error;
use crate::http::{Method, Request, Response};
use crate::id::NameRules;
use crate::lifecycle::Lifecycle;
use crate::pipeline::Pipeline;
use serde::de::DeserializeOwned;
use std::fmt;
use std::sync::Arc;
use url::Url;

/// The client of `Microsoft.DataReplication` on one Azure Stack Hub stamp (or Azure).
///
/// Cheap to clone (an `Arc` inside); every handle holds a clone. Build one with
/// [`SiteRecoveryClient::builder`].
#[derive(Clone)]
pub struct SiteRecoveryClient {
    inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pipeline: Pipeline,
    api_version: ApiVersion,
    polling: PollingOptions,
    actions: ActionSegments,
    check_lifecycle: bool,
    name_rules: NameRules,
    lifecycle: Lifecycle,
    arm_api_versions: ArmApiVersions,
}

impl fmt::Debug for SiteRecoveryClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SiteRecoveryClient")
            .field("pipeline", &self.inner.pipeline)
            .field("api_version", &self.inner.api_version)
            .field("polling", &self.inner.polling)
            .finish_non_exhaustive()
    }
}

impl SiteRecoveryClient {
    /// A builder: the endpoint is required, everything else has a default.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::new()
    }

    /// The ARM endpoint requests go to.
    pub fn endpoint(&self) -> &Url {
        self.inner.pipeline.arm_endpoint()
    }

    /// The api-version of `Microsoft.DataReplication` this client speaks.
    pub fn api_version(&self) -> &ApiVersion {
        &self.inner.api_version
    }

    /// The pipeline every request goes through (auth, retry, host checks, logging).
    pub fn pipeline(&self) -> &Pipeline {
        &self.inner.pipeline
    }

    /// The polling options of long-running operations.
    pub fn polling(&self) -> &PollingOptions {
        &self.inner.polling
    }

    /// The path segment each protected-item action is sent to.
    pub fn action_segments(&self) -> &ActionSegments {
        &self.inner.actions
    }

    /// The lifecycle actions are checked against.
    pub fn lifecycle(&self) -> &Lifecycle {
        &self.inner.lifecycle
    }

    /// The api-versions the other resource providers are read with (preflight gathering).
    pub fn arm_api_versions(&self) -> &ArmApiVersions {
        &self.inner.arm_api_versions
    }

    /// The naming rules resource names are checked against before any request.
    pub fn name_rules(&self) -> NameRules {
        self.inner.name_rules
    }

    /// The URL of an ARM `path` (starting with `/`) on this client's endpoint, with this
    /// client's api-version.
    pub fn url(&self, path: &str) -> Result<Url, Error> {
        self.inner.pipeline.url(path, &self.inner.api_version)
    }

    /// Sends one request through the pipeline and returns the successful response; a
    /// non-success status becomes [`Error::Service`]. A request to any host but the configured
    /// endpoint is refused ([`Error::Refused`]) and never sent.
    pub async fn send(&self, request: Request) -> Result<Response, Error> {
        self.inner.pipeline.send(request).await
    }

    /// GETs `url` and decodes the body as `T`.
    pub(crate) async fn get_json<T: DeserializeOwned>(&self, url: Url) -> Result<T, Error> {
        let response = self.send(Request::new(Method::Get, url.clone())).await?;
        decode(&response.body, || format!("GET {} response", url.path()))
    }

    /// Resumes a long-running operation from a [`PollerContinuation`] saved earlier (by this
    /// process or another one).
    pub fn resume_poller<T: DeserializeOwned + Send + 'static>(
        &self,
        continuation: PollerContinuation,
    ) -> Poller<T> {
        Poller::resume(self.clone(), continuation)
    }

    /// Resumes a list from the continuation ([`Pager::continuation`], the next link) of an
    /// earlier one. The link must be on this client's endpoint.
    pub fn resume_pager<T: DeserializeOwned + Send + 'static>(
        &self,
        continuation: &str,
    ) -> Result<Pager<T>, Error> {
        let url = Url::parse(continuation).map_err(|e| {
            Error::invalid_input(
                "pager continuation",
                format!("`{continuation}` is not an absolute URL ({e}); pass what Pager::continuation returned"),
            )
        })?;
        Ok(Pager::new(self.clone(), url))
    }
}

/// Decodes a JSON body, naming the type and the place when it fails.
pub(crate) fn decode<T: DeserializeOwned>(
    body: &[u8],
    context: impl FnOnce() -> String,
) -> Result<T, Error> {
    decode_seed(body, std::marker::PhantomData::<T>, context)
}

/// [`decode`] through a seed (which may carry a buffer to decode into).
pub(crate) fn decode_seed<V, S>(
    body: &[u8],
    seed: S,
    context: impl FnOnce() -> String,
) -> Result<V, Error>
where
    S: for<'de> serde::de::DeserializeSeed<'de, Value = V>,
{
    fn read<'de, R: serde_json::de::Read<'de>, V, S: serde::de::DeserializeSeed<'de, Value = V>>(
        mut de: serde_json::Deserializer<R>,
        seed: S,
    ) -> serde_json::Result<V> {
        let value = seed.deserialize(&mut de)?;
        de.end()?;
        Ok(value)
    }
    // Valid UTF-8 (almost every body) is checked once, so the parser does not check each
    // string again; anything else goes through the byte parser, which names the bad byte.
    let parsed = match std::str::from_utf8(body) {
        Ok(text) => read(serde_json::Deserializer::from_str(text), seed),
        Err(_) => read(serde_json::Deserializer::from_slice(body), seed),
    };
    parsed.map_err(|e| Error::decode::<V>(context(), body, e))
}
