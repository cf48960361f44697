//! Building a [`SiteRecoveryClient`].

use super::actions::ActionSegments;
use super::preflight_gather::ArmApiVersions;
use super::{Inner, SiteRecoveryClient};
use crate::api_version::ApiVersion;
use crate::error::Error;
use crate::id::NameRules;
use crate::lifecycle::Lifecycle;
use crate::pipeline::auth::{ClientSecretCredential, Secret, StampEndpoints, TokenCredential};
use crate::pipeline::clock::{Clock, Sleep};
use crate::pipeline::retry::RetryPolicy;
use crate::pipeline::InProcessService;
use crate::pipeline::Pipeline;
use crate::transport::Transport;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;
use url::Url;

/// How long-running operations are polled. The waits themselves use the pipeline's
/// [`Sleep`] and [`Clock`] (set them on the builder; a
/// [`ManualClock`](crate::pipeline::clock::ManualClock) makes tests take no time).
///
/// ```
/// use azs_site_recovery::client::PollingOptions;
/// use std::time::Duration;
/// let opts = PollingOptions::default()
///     .with_min_interval(Duration::from_secs(5))
///     .with_max_wait(Some(Duration::from_secs(3600)));
/// assert_eq!(opts.default_interval, Duration::from_secs(10));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PollingOptions {
    /// The wait between polls when the service sends no `Retry-After` (default 10 s).
    pub default_interval: Duration,
    /// The shortest wait between polls, whatever `Retry-After` says (default 1 s): a service
    /// answering `Retry-After: 0` is not hammered.
    pub min_interval: Duration,
    /// The longest wait between polls, whatever `Retry-After` says (default 5 min).
    pub max_interval: Duration,
    /// How long a [`Poller`](super::Poller) (and a protected item's `wait_until`) waits in all
    /// before it gives up with [`Error::WaitTimedOut`] (default [`DEFAULT_MAX_WAIT`], 24 hours,
    /// so an operation the service never finishes cannot poll forever; `None` for no limit).
    /// The operation itself goes on; the error carries a continuation to resume from.
    pub max_wait: Option<Duration>,
}

/// The default [`PollingOptions::max_wait`]: 24 hours, beyond the longest operation of the
/// service (an initial replication of a large VM takes hours, not days).
pub const DEFAULT_MAX_WAIT: Duration = Duration::from_secs(24 * 3600);

impl Default for PollingOptions {
    fn default() -> Self {
        PollingOptions {
            default_interval: Duration::from_secs(10),
            min_interval: Duration::from_secs(1),
            max_interval: Duration::from_secs(300),
            max_wait: Some(DEFAULT_MAX_WAIT),
        }
    }
}

impl PollingOptions {
    /// Sets [`PollingOptions::default_interval`].
    pub fn with_default_interval(mut self, d: Duration) -> Self {
        self.default_interval = d;
        self
    }

    /// Sets [`PollingOptions::min_interval`].
    pub fn with_min_interval(mut self, d: Duration) -> Self {
        self.min_interval = d;
        self
    }

    /// Sets [`PollingOptions::max_interval`].
    pub fn with_max_interval(mut self, d: Duration) -> Self {
        self.max_interval = d;
        self
    }

    /// Sets [`PollingOptions::max_wait`] (`None`: wait as long as the operation takes).
    pub fn with_max_wait(mut self, d: Option<Duration>) -> Self {
        self.max_wait = d;
        self
    }

    /// The wait before the next poll: `Retry-After` if the service sent one, else the default,
    /// kept within `[min_interval, max_interval]`.
    pub(crate) fn interval(&self, retry_after: Option<Duration>) -> Duration {
        let d = retry_after.unwrap_or(self.default_interval);
        d.min(self.max_interval).max(self.min_interval)
    }
}

/// Builds a [`SiteRecoveryClient`].
///
/// Only the endpoint is required. The transport defaults to
/// [`ReqwestTransport`](crate::transport::ReqwestTransport) (feature `reqwest`); without that
/// feature, pass one.
///
/// ```
/// # fn main() -> Result<(), azs_site_recovery::Error> {
/// use azs_site_recovery::pipeline::auth::StaticTokenCredential;
/// use azs_site_recovery::{ApiVersion, SiteRecoveryClient};
/// use std::sync::Arc;
///
/// let client = SiteRecoveryClient::builder()
///     .endpoint("https://management.local.azurestack.external")?
///     .credential(Arc::new(StaticTokenCredential::new("a token")))
///     .api_version(ApiVersion::V2024_09_01)
///     .build()?;
/// assert_eq!(client.api_version(), &ApiVersion::V2024_09_01);
/// # Ok(()) }
/// ```
#[derive(Default)]
pub struct ClientBuilder {
    endpoint: Option<Url>,
    api_version: ApiVersion,
    transport: Option<Arc<dyn Transport>>,
    credential: Option<Arc<dyn TokenCredential>>,
    retry: Option<Arc<dyn RetryPolicy>>,
    clock: Option<Arc<dyn Clock>>,
    sleep: Option<Arc<dyn Sleep>>,
    user_agent_suffix: Option<String>,
    allowed_hosts: Vec<String>,
    pipeline: Option<Pipeline>,
    polling: PollingOptions,
    actions: ActionSegments,
    unchecked: bool,
    name_rules: NameRules,
    lifecycle: Option<Lifecycle>,
    arm_api_versions: ArmApiVersions,
    scopes: Option<Vec<String>>,
    stamp: Option<StampEndpoints>,
    client_secret: Option<PendingClientSecret>,
}

/// A client secret whose credential is made at `build()`, when the stamp's authority, the
/// transport and the clock are known.
struct PendingClientSecret {
    tenant_id: String,
    client_id: String,
    secret: Secret,
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("endpoint", &self.endpoint.as_ref().map(Url::as_str))
            .field("api_version", &self.api_version)
            .field("polling", &self.polling)
            .field("scopes", &self.scopes)
            .field("stamp", &self.stamp.as_ref().map(|s| s.arm_scope()))
            .finish_non_exhaustive()
    }
}

impl ClientBuilder {
    /// A builder with every default.
    pub fn new() -> Self {
        Self::default()
    }

    /// The stamp's ARM endpoint, e.g. `https://management.<region>.<fqdn>` (Azure:
    /// `https://management.azure.com`). Plain `http` is accepted only for loopback (the
    /// emulator, a test server).
    pub fn endpoint(mut self, endpoint: &str) -> Result<Self, Error> {
        let url = Url::parse(endpoint).map_err(|e| {
            Error::invalid_input(
                "endpoint",
                format!("`{endpoint}` is not an absolute URL ({e}); pass e.g. https://management.local.azurestack.external"),
            )
        })?;
        self.endpoint = Some(url);
        Ok(self)
    }

    /// The api-version of `Microsoft.DataReplication` (default
    /// [`ApiVersion::V2021_02_16_Preview`], what Azure Stack Hub ships).
    pub fn api_version(mut self, v: ApiVersion) -> Self {
        self.api_version = v;
        self
    }

    /// A service that runs in process on a clock of its own, such as the crate's emulator: its
    /// endpoint becomes the ARM endpoint and the service the transport, the clock and the sleep,
    /// so polls and retries take the service's (virtual) time, no wall time. Change what you need
    /// afterwards, e.g. the endpoint and transport to reach the same emulator over HTTP.
    ///
    /// ```
    /// # async fn run() -> Result<(), azs_site_recovery::Error> {
    /// use azs_site_recovery::emulator::Emulator;
    /// use azs_site_recovery::id::VaultId;
    /// use azs_site_recovery::SiteRecoveryClient;
    ///
    /// let emu = Emulator::default();
    /// let client = SiteRecoveryClient::builder().in_process(&emu)?.build()?;
    /// let t = emu.topology();
    /// let vault = VaultId::new(&t.target_subscription, "asr-rg", "asrvault");
    /// assert!(client.vault(&vault).get_opt().await?.is_none(), "the user creates the vault");
    /// # Ok(()) }
    /// # futures_util::FutureExt::now_or_never(run()).unwrap().unwrap();
    /// ```
    pub fn in_process(mut self, service: &dyn InProcessService) -> Result<Self, Error> {
        let (transport, clock, sleep) = service.split();
        self = self.endpoint(&service.arm_endpoint())?;
        self.transport = Some(transport);
        self.clock = Some(clock);
        self.sleep = Some(sleep);
        Ok(self)
    }

    /// The transport requests are sent with (the emulator, a mock, your own).
    pub fn transport(mut self, t: impl Transport + 'static) -> Self {
        self.transport = Some(Arc::new(t));
        self
    }

    /// The transport, already shared.
    pub fn shared_transport(mut self, t: Arc<dyn Transport>) -> Self {
        self.transport = Some(t);
        self
    }

    /// Where bearer tokens come from (without one, requests go unauthenticated, as to the
    /// emulator).
    pub fn credential(mut self, c: Arc<dyn TokenCredential>) -> Self {
        self.credential = Some(c);
        self
    }

    /// The retry policy (default: the pipeline's exponential retry, which never resends a
    /// POST or PATCH that may have reached the service).
    pub fn retry_policy(mut self, r: Arc<dyn RetryPolicy>) -> Self {
        self.retry = Some(r);
        self
    }

    /// The clock (retry budgets, `max_wait`).
    pub fn clock(mut self, c: Arc<dyn Clock>) -> Self {
        self.clock = Some(c);
        self
    }

    /// The sleep between retries and polls.
    pub fn sleep(mut self, s: Arc<dyn Sleep>) -> Self {
        self.sleep = Some(s);
        self
    }

    /// Appends `suffix` to the `User-Agent`.
    pub fn user_agent_suffix(mut self, suffix: impl Into<String>) -> Self {
        self.user_agent_suffix = Some(suffix.into());
        self
    }

    /// Also trusts `host` with requests and the token (see
    /// [`PipelineBuilder::allow_host`](crate::pipeline::PipelineBuilder::allow_host)).
    pub fn allow_host(mut self, host: impl Into<String>) -> Self {
        self.allowed_hosts.push(host.into());
        self
    }

    /// The token scopes (default: the stamp's, see [`ClientBuilder::stamp`]; without a stamp
    /// the ARM endpoint's origin followed by `/.default`, right for Azure but not for Azure
    /// Stack Hub, whose audience is the first of `authentication.audiences`).
    ///
    /// Set it when the credential needs a scope other than the stamp's; it wins over the
    /// stamp's whatever the order of the calls.
    ///
    /// ```
    /// # fn main() -> Result<(), azs_site_recovery::Error> {
    /// use azs_site_recovery::SiteRecoveryClient;
    /// let client = SiteRecoveryClient::builder()
    ///     .endpoint("https://management.local.azurestack.external")?
    ///     .scope("https://management.adfs.azurestack.local/4de154de-f8a8-4017-af41-df619da68155/.default")
    ///     .build()?;
    /// assert_eq!(
    ///     client.pipeline().scopes(),
    ///     ["https://management.adfs.azurestack.local/4de154de-f8a8-4017-af41-df619da68155/.default"]
    /// );
    /// # Ok(()) }
    /// ```
    pub fn scope(self, scope: impl Into<String>) -> Self {
        self.scopes([scope])
    }

    /// Several token scopes (see [`ClientBuilder::scope`]).
    pub fn scopes(mut self, scopes: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.scopes = Some(scopes.into_iter().map(Into::into).collect());
        self
    }

    /// A discovered stamp ([`StampEndpoints::discover`]): its ARM endpoint becomes the
    /// endpoint, and its audience (the first of `authentication.audiences`, followed by
    /// `/.default`) the token scope, so tokens are for what the stamp's ARM accepts. Add a
    /// credential with [`ClientBuilder::client_secret`] (its kind, AD FS or Entra ID, follows
    /// the stamp) or [`ClientBuilder::credential`]. [`ClientBuilder::discover`] does the
    /// discovery too.
    ///
    /// ```
    /// # fn main() -> Result<(), azs_site_recovery::Error> {
    /// use azs_site_recovery::pipeline::auth::StampEndpoints;
    /// use azs_site_recovery::SiteRecoveryClient;
    /// let arm = "https://management.local.azurestack.external/".parse().unwrap();
    /// let stamp = StampEndpoints::parse(&arm, br#"{"authentication":{
    ///     "loginEndpoint":"https://adfs.local.azurestack.external/adfs",
    ///     "audiences":["https://management.adfs.azurestack.local/4de154de-f8a8-4017-af41-df619da68155"]}}"#)?;
    /// let client = SiteRecoveryClient::builder()
    ///     .stamp(&stamp)?
    ///     .client_secret("ignored-on-adfs", "app-id", "secret")
    ///     .build()?;
    /// assert_eq!(
    ///     client.pipeline().scopes(),
    ///     ["https://management.adfs.azurestack.local/4de154de-f8a8-4017-af41-df619da68155/.default"]
    /// );
    /// # Ok(()) }
    /// ```
    pub fn stamp(mut self, stamp: &StampEndpoints) -> Result<Self, Error> {
        self = self.endpoint(stamp.resource_manager.as_str())?;
        self.stamp = Some(stamp.clone());
        Ok(self)
    }

    /// Discovers the stamp at `arm_endpoint` (`GET {arm}/metadata/endpoints`, no token) with
    /// this builder's transport (or the default one) and applies it as
    /// [`ClientBuilder::stamp`] does: endpoint and token scope in one step.
    ///
    /// ```
    /// # async fn run() -> Result<(), azs_site_recovery::Error> {
    /// use azs_site_recovery::emulator::{defaults, Emulator, Scenario};
    /// use azs_site_recovery::SiteRecoveryClient;
    /// // The emulator checks the token's audience, as a stamp's AD FS does.
    /// let emu = Emulator::new(Scenario::builder().require_auth(true).build());
    /// let client = SiteRecoveryClient::builder()
    ///     .in_process(&emu)?
    ///     .discover(&emu.topology().arm_endpoint)
    ///     .await?
    ///     .client_secret("adfs", defaults::CLIENT_ID, defaults::CLIENT_SECRET)
    ///     .build()?;
    /// let sub = &emu.topology().target_subscription;
    /// use futures_util::TryStreamExt;
    /// let vaults: Vec<_> = client.vaults(sub, "asr-rg").list().try_collect().await?;
    /// assert!(vaults.is_empty(), "the user creates the vault");
    /// # Ok(()) }
    /// # futures_util::FutureExt::now_or_never(run()).unwrap().unwrap();
    /// ```
    pub async fn discover(mut self, arm_endpoint: &str) -> Result<Self, Error> {
        let url = Url::parse(arm_endpoint).map_err(|e| {
            Error::invalid_input(
                "endpoint",
                format!("`{arm_endpoint}` is not an absolute URL ({e}); pass e.g. https://management.local.azurestack.external"),
            )
        })?;
        let transport = match &self.transport {
            Some(t) => t.clone(),
            None => {
                let t = default_transport()?;
                self.transport = Some(t.clone());
                t
            }
        };
        let stamp = StampEndpoints::discover(transport.as_ref(), &url).await?;
        self.stamp(&stamp)
    }

    /// Authenticates with a service principal's client secret at the stamp's identity
    /// provider: AD FS when the stamp's login endpoint is AD FS (`tenant_id` is then ignored),
    /// Microsoft Entra ID for `tenant_id` otherwise. Needs [`ClientBuilder::stamp`] or
    /// [`ClientBuilder::discover`]; the credential is made at `build()` with the builder's
    /// transport and clock, and asks for the builder's scope.
    pub fn client_secret(
        mut self,
        tenant_id: impl Into<String>,
        client_id: impl Into<String>,
        client_secret: impl Into<Secret>,
    ) -> Self {
        self.client_secret = Some(PendingClientSecret {
            tenant_id: tenant_id.into(),
            client_id: client_id.into(),
            secret: client_secret.into(),
        });
        self
    }

    /// A pipeline built elsewhere. It already has its endpoint, transport, credential, scopes,
    /// retry, clock, sleep, user agent and allowed hosts, so `build()` refuses this builder's
    /// own settings of these alongside it (rather than silently dropping them): set them on
    /// the [`PipelineBuilder`](crate::pipeline::PipelineBuilder) instead.
    pub fn pipeline(mut self, p: Pipeline) -> Self {
        self.pipeline = Some(p);
        self
    }

    /// The polling options of long-running operations.
    pub fn polling(mut self, p: PollingOptions) -> Self {
        self.polling = p;
        self
    }

    /// The path segments of protected-item actions (for a stamp whose names differ from the
    /// inferred defaults).
    pub fn action_segments(mut self, a: ActionSegments) -> Self {
        self.actions = a;
        self
    }

    /// The rules names are checked against before any request (default: ARM's general rules;
    /// [`NameRules::Strict`] for the spec's `^[a-zA-Z0-9]*$`).
    pub fn name_rules(mut self, rules: NameRules) -> Self {
        self.name_rules = rules;
        self
    }

    /// The lifecycle actions are checked against (e.g. one taught a stamp's own `allowedJobs`
    /// names with [`Lifecycle::with_job_name`]).
    pub fn lifecycle(mut self, l: Lifecycle) -> Self {
        self.lifecycle = Some(l);
        self
    }

    /// The api-versions of Compute, Network, Storage, Resources and Authorization used when
    /// gathering the preflight snapshot (default: the Azure Stack Hub `2020-09-01-hybrid`
    /// profile's).
    pub fn arm_api_versions(mut self, v: ArmApiVersions) -> Self {
        self.arm_api_versions = v;
        self
    }

    /// Turns off the lifecycle check before every protected-item action, for every call of
    /// this client (for experts; one handle can opt out with
    /// [`Handle::unchecked`](super::Handle::unchecked)). The service still has the final word.
    pub fn unchecked_actions(mut self) -> Self {
        self.unchecked = true;
        self
    }

    /// Builds the client.
    pub fn build(self) -> Result<SiteRecoveryClient, Error> {
        let pipeline = match self.pipeline {
            Some(p) => {
                let set: Vec<&str> = [
                    ("endpoint (or stamp)", self.endpoint.is_some()),
                    ("transport", self.transport.is_some()),
                    ("credential", self.credential.is_some()),
                    ("client_secret", self.client_secret.is_some()),
                    ("scope", self.scopes.is_some()),
                    ("retry_policy", self.retry.is_some()),
                    ("clock", self.clock.is_some()),
                    ("sleep", self.sleep.is_some()),
                    ("user_agent_suffix", self.user_agent_suffix.is_some()),
                    ("allow_host", !self.allowed_hosts.is_empty()),
                ]
                .into_iter()
                .filter_map(|(name, is_set)| is_set.then_some(name))
                .collect();
                if !set.is_empty() {
                    return Err(Error::invalid_input(
                        "client builder",
                        format!(
                            "a custom pipeline comes with its own endpoint, transport, \
                             credential, scopes, retry, clock, sleep, user agent and allowed \
                             hosts, so this builder's {} would be ignored; set them on the \
                             PipelineBuilder instead, or drop .pipeline(..)",
                            set.join(", ")
                        ),
                    ));
                }
                p
            }
            None => {
                let endpoint = self.endpoint.ok_or_else(|| {
                    Error::invalid_input(
                        "client builder",
                        "no endpoint; call .endpoint(\"https://management.<region>.<fqdn>\") or \
                         .discover(..)",
                    )
                })?;
                let transport = match self.transport {
                    Some(t) => t,
                    None => default_transport()?,
                };
                let credential = match (self.credential, self.client_secret) {
                    (Some(_), Some(_)) => {
                        return Err(Error::invalid_input(
                            "client builder",
                            "both .credential(..) and .client_secret(..) are set; keep one",
                        ))
                    }
                    (Some(c), None) => Some(c),
                    (None, Some(cs)) => {
                        let stamp = self.stamp.as_ref().ok_or_else(|| {
                            Error::invalid_input(
                                "client builder",
                                ".client_secret(..) needs the stamp's identity provider: call \
                                 .discover(arm_endpoint).await or .stamp(&endpoints) first",
                            )
                        })?;
                        let mut cred = ClientSecretCredential::for_stamp(
                            stamp,
                            cs.tenant_id,
                            cs.client_id,
                            cs.secret,
                            transport.clone(),
                        );
                        if let Some(c) = &self.clock {
                            cred = cred.with_clock(c.clone());
                        }
                        Some(Arc::new(cred) as Arc<dyn TokenCredential>)
                    }
                    (None, None) => None,
                };
                let mut b = Pipeline::builder(endpoint, transport);
                if let Some(c) = credential {
                    b = b.credential(c);
                }
                // The explicit scope wins; else the stamp's audience.
                match (self.scopes, &self.stamp) {
                    (Some(s), _) => b = b.scopes(s),
                    (None, Some(stamp)) => b = b.scopes([stamp.arm_scope()]),
                    (None, None) => {}
                }
                if let Some(r) = self.retry {
                    b = b.retry_policy(r);
                }
                if let Some(c) = self.clock {
                    b = b.clock(c);
                }
                if let Some(s) = self.sleep {
                    b = b.sleep(s);
                }
                if let Some(s) = self.user_agent_suffix {
                    b = b.user_agent_suffix(s);
                }
                for h in self.allowed_hosts {
                    b = b.allow_host(h);
                }
                b.build()?
            }
        };
        Ok(SiteRecoveryClient {
            inner: Arc::new(Inner {
                pipeline,
                api_version: self.api_version,
                polling: self.polling,
                actions: self.actions,
                check_lifecycle: !self.unchecked,
                name_rules: self.name_rules,
                lifecycle: self.lifecycle.unwrap_or_default(),
                arm_api_versions: self.arm_api_versions,
            }),
        })
    }
}

#[cfg(feature = "reqwest")]
fn default_transport() -> Result<Arc<dyn Transport>, Error> {
    Ok(Arc::new(crate::transport::ReqwestTransport::new()?))
}

#[cfg(not(feature = "reqwest"))]
fn default_transport() -> Result<Arc<dyn Transport>, Error> {
    Err(Error::invalid_input(
        "client builder",
        "no transport, and the `reqwest` feature (the default transport) is off; call \
         .transport(...) with the emulator, a mock or your own",
    ))
}
