//! The pipeline every ARM request goes through, in this fixed order:
//!
//! 1. **host check**: the URL must be on the configured ARM host (or a host allowed with
//!    [`PipelineBuilder::allow_host`]) and https, except to loopback. A `nextLink`, `Location` or
//!    `Azure-AsyncOperation` pointing elsewhere is refused ([`Error::Refused`]), so the bearer
//!    token never leaves for a host the user did not name.
//! 2. **request id**: `x-ms-client-request-id` (a fresh UUID unless the caller set one).
//! 3. **user agent**: `azs-site-recovery/<version>` plus the caller's suffix.
//! 4. per attempt: **auth** (`Authorization: Bearer`, asked of the credential each attempt so a
//!    token that expires during back-off is refreshed), **transport**, **logging** with `tracing`
//!    (method, path without query, status, `x-ms-request-id`, `x-ms-correlation-request-id`,
//!    attempt; never a header value that carries a credential).
//! 5. **retry**: the [`retry::RetryPolicy`] decides ([`retry::ExponentialRetry`] by
//!    default: idempotent requests on 408/429/5xx and transport failures, POST/PATCH only when
//!    never sent or throttled with 429), waiting on the injected [`clock::Sleep`].
//!
//! ```
//! # futures_util::FutureExt::now_or_never(async {
//! use azs_site_recovery::http::{Method, Request, Response};
//! use azs_site_recovery::pipeline::{auth::StaticTokenCredential, clock::ManualClock, Pipeline};
//! use azs_site_recovery::transport::Transport;
//! use std::sync::{Arc, atomic::{AtomicU32, Ordering}};
//!
//! #[derive(Debug, Default)]
//! struct Flaky(AtomicU32);
//! #[async_trait::async_trait]
//! impl Transport for Flaky {
//!     async fn send(&self, req: &Request) -> Result<Response, azs_site_recovery::transport::TransportError> {
//!         assert!(req.headers.get("authorization").unwrap().starts_with("Bearer "));
//!         let n = self.0.fetch_add(1, Ordering::SeqCst);
//!         Ok(Response::new(if n < 2 { 503 } else { 200 }))
//!     }
//! }
//!
//! let clock = ManualClock::default();
//! let pipeline = Pipeline::builder("https://management.local.azurestack.external".parse().unwrap(), Arc::new(Flaky::default()))
//!     .credential(Arc::new(StaticTokenCredential::new("token")))
//!     .clock(Arc::new(clock.clone()))
//!     .sleep(Arc::new(clock.clone()))
//!     .build()
//!     .unwrap();
//! let url = pipeline.url("/subscriptions/s1/resourceGroups", &Default::default()).unwrap();
//! let response = pipeline.send(Request::new(Method::Get, url)).await.unwrap();
//! assert_eq!(response.status, 200);
//! assert_eq!(clock.sleeps().len(), 2); // two back-offs, no real time spent
//! # }).unwrap();
//! ```

pub mod auth;
pub mod clock;
mod in_process;
pub mod retry;

pub use in_process::InProcessService;

use crate::api_version::ApiVersion;
use crate::error::{Error, Refusal, RefusalKind};
use crate::http::{
    arm_url, is_loopback, path_for_log, retry_after, same_origin, Request, Response,
};
use crate::transport::Transport;
use auth::TokenCredential;
use clock::{Clock, Sleep, SystemClock};
use retry::{AttemptOutcome, ExponentialRetry, RetryContext, RetryDecision, RetryPolicy};
use std::fmt;
use std::sync::Arc;
use url::Url;

/// The `User-Agent` prefix.
pub const USER_AGENT: &str = concat!("azs-site-recovery/", env!("CARGO_PKG_VERSION"));

/// Sends requests through the fixed policy order of the [module documentation](self). Cheap to
/// clone (shared inside).
#[derive(Clone)]
pub struct Pipeline {
    inner: Arc<Inner>,
}

struct Inner {
    arm_endpoint: Url,
    transport: Arc<dyn Transport>,
    credential: Option<Arc<dyn TokenCredential>>,
    scopes: Vec<String>,
    retry: Arc<dyn RetryPolicy>,
    clock: Arc<dyn Clock>,
    sleep: Arc<dyn Sleep>,
    user_agent: String,
    allowed_hosts: Vec<String>,
}

impl fmt::Debug for Pipeline {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let i = &self.inner;
        f.debug_struct("Pipeline")
            .field("arm_endpoint", &i.arm_endpoint.as_str())
            .field("transport", &i.transport)
            .field("credential", &i.credential)
            .field("scopes", &i.scopes)
            .field("retry", &i.retry)
            .field("user_agent", &i.user_agent)
            .field("allowed_hosts", &i.allowed_hosts)
            .finish_non_exhaustive()
    }
}

/// Builds a [`Pipeline`].
pub struct PipelineBuilder {
    arm_endpoint: Url,
    transport: Arc<dyn Transport>,
    credential: Option<Arc<dyn TokenCredential>>,
    scopes: Option<Vec<String>>,
    retry: Arc<dyn RetryPolicy>,
    clock: Arc<dyn Clock>,
    sleep: Arc<dyn Sleep>,
    user_agent_suffix: Option<String>,
    allowed_hosts: Vec<String>,
}

impl fmt::Debug for PipelineBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PipelineBuilder")
            .field("arm_endpoint", &self.arm_endpoint.as_str())
            .field("credential", &self.credential)
            .finish_non_exhaustive()
    }
}

impl Pipeline {
    /// A builder for the ARM endpoint `arm_endpoint` (e.g.
    /// `https://management.local.azurestack.external/`) over `transport`.
    pub fn builder(arm_endpoint: Url, transport: Arc<dyn Transport>) -> PipelineBuilder {
        PipelineBuilder {
            arm_endpoint,
            transport,
            credential: None,
            scopes: None,
            retry: Arc::new(ExponentialRetry::default()),
            clock: Arc::new(SystemClock),
            sleep: clock::default_sleep(),
            user_agent_suffix: None,
            allowed_hosts: Vec::new(),
        }
    }

    /// The ARM endpoint.
    pub fn arm_endpoint(&self) -> &Url {
        &self.inner.arm_endpoint
    }

    /// The scopes tokens are asked for (on Azure Stack Hub: the stamp's audience followed by
    /// `/.default`).
    pub fn scopes(&self) -> &[String] {
        &self.inner.scopes
    }

    /// The pipeline's clock (for pollers that need "now").
    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.inner.clock
    }

    /// The pipeline's sleep (for pollers that wait between polls).
    pub fn sleeper(&self) -> &Arc<dyn Sleep> {
        &self.inner.sleep
    }

    /// The URL of an ARM `path` (a resource id) on this pipeline's endpoint with `api-version`.
    pub fn url(&self, path: &str, api_version: &ApiVersion) -> Result<Url, Error> {
        arm_url(&self.inner.arm_endpoint, path, api_version)
    }

    /// Checks that `url` may receive this pipeline's requests (and token): https or loopback,
    /// and the ARM host or an allowed one.
    pub fn check_url(&self, url: &Url) -> Result<(), Error> {
        if has_userinfo(url) {
            return Err(userinfo_refusal(url));
        }
        if url.scheme() != "https" && !is_loopback(url) {
            return Err(Refusal::new(
                RefusalKind::Security,
                format!(
                    "{}://{}{} is not https",
                    url.scheme(),
                    url.host_str().unwrap_or(""),
                    url.path()
                ),
                "use https (plain http is allowed only to loopback: 127.0.0.0/8, ::1, localhost)",
            )
            .into());
        }
        if same_origin(url, &self.inner.arm_endpoint) {
            return Ok(());
        }
        let host = host_key(url);
        // `allow_host("h:443")` names the same origin as `https://h/`.
        let with_port = url
            .port_or_known_default()
            .map(|p| format!("{}:{p}", url.host_str().unwrap_or("").to_ascii_lowercase()));
        if self
            .inner
            .allowed_hosts
            .iter()
            .any(|h| *h == host || Some(h) == with_port.as_ref())
        {
            return Ok(());
        }
        Err(Refusal::new(
            RefusalKind::Security,
            format!(
                "{host} is not the configured ARM host {}; the request (and its bearer token) was not sent",
                host_key(&self.inner.arm_endpoint)
            ),
            format!("if {host} is trusted, allow it with PipelineBuilder::allow_host(\"{host}\")"),
        )
        .into())
    }

    /// Sends `request` and returns a success (2xx) response; any other status is an
    /// [`Error::Service`] with the parsed ARM error.
    pub async fn send(&self, request: Request) -> Result<Response, Error> {
        let response = self.send_raw(request).await?;
        if response.is_success() {
            Ok(response)
        } else {
            let mut e = crate::error::ServiceError::from_response(&response);
            e.retry_after = retry_after(&response.headers, self.inner.clock.now());
            Err(e.into())
        }
    }

    /// Sends `request` through every policy and returns the last response whatever its status
    /// (a poller reads 202s and 404s itself). Errors are the transport's, the credential's and
    /// the host check's.
    pub async fn send_raw(&self, mut request: Request) -> Result<Response, Error> {
        let inner = &*self.inner;
        self.check_url(&request.url)?;
        if !request.headers.contains("x-ms-client-request-id") {
            request
                .headers
                .insert("x-ms-client-request-id", retry::random_uuid());
        }
        request
            .headers
            .insert("user-agent", inner.user_agent.clone());
        if !request.headers.contains("accept") {
            request.headers.insert("accept", "application/json");
        }
        let client_request_id = request
            .headers
            .get("x-ms-client-request-id")
            .unwrap_or_default()
            .to_owned();
        let started = inner.clock.now();
        let mut attempt: u32 = 0;
        loop {
            attempt += 1;
            if let Some(cred) = &inner.credential {
                let scopes: Vec<&str> = inner.scopes.iter().map(String::as_str).collect();
                let token = cred.get_token(&scopes).await?;
                request
                    .headers
                    .insert("authorization", format!("Bearer {}", token.secret.expose()));
            }
            let outcome = inner.transport.send(&request).await;
            let path = path_for_log(&request.url);
            match &outcome {
                Ok(r) => tracing::debug!(
                    method = %request.method,
                    path,
                    status = r.status,
                    request_id = r.headers.get("x-ms-request-id").unwrap_or(""),
                    correlation_request_id = r.headers.get("x-ms-correlation-request-id").unwrap_or(""),
                    client_request_id = %client_request_id,
                    attempt,
                    "ARM response"
                ),
                Err(e) => tracing::debug!(
                    method = %request.method,
                    path,
                    error = %e,
                    client_request_id = %client_request_id,
                    attempt,
                    "ARM request failed"
                ),
            }
            if let Ok(r) = &outcome {
                if r.is_success() {
                    return outcome.map_err(Error::from);
                }
            }
            let now = inner.clock.now();
            let elapsed = (now - started).to_std().unwrap_or_default();
            let server_wait = match &outcome {
                Ok(r) => retry_after(&r.headers, now),
                Err(_) => None,
            };
            let decision = {
                let ctx = RetryContext {
                    request: &request,
                    attempt,
                    elapsed,
                    outcome: match &outcome {
                        Ok(r) => AttemptOutcome::Response(r),
                        Err(e) => AttemptOutcome::TransportError(e),
                    },
                    retry_after: server_wait,
                };
                inner.retry.decide(&ctx)
            };
            match decision {
                RetryDecision::Stop => return outcome.map_err(Error::from),
                RetryDecision::RetryAfter(wait) => {
                    tracing::info!(
                        method = %request.method,
                        path,
                        status = outcome.as_ref().map(|r| r.status).unwrap_or(0),
                        attempt,
                        wait_ms = wait.as_millis() as u64,
                        client_request_id = %client_request_id,
                        "retrying ARM request"
                    );
                    inner.sleep.sleep(wait).await;
                }
            }
        }
    }
}

/// `true` when `url` carries `user:password@`. ARM never sends one; reqwest would turn it into
/// a Basic `Authorization` header beside the bearer token, and `Debug` output would print it.
fn has_userinfo(url: &Url) -> bool {
    !url.username().is_empty() || url.password().is_some()
}

fn userinfo_refusal(url: &Url) -> Error {
    Refusal::new(
        RefusalKind::Security,
        format!(
            "{}://<userinfo>@{}{} carries a user name or password",
            url.scheme(),
            url.host_str().unwrap_or(""),
            url.path()
        ),
        "remove `user:password@` from the URL; ARM is authenticated with the credential",
    )
    .into()
}

/// `host` or `host:port` (port only when not the scheme's default), lower-cased.
fn host_key(url: &Url) -> String {
    let host = url.host_str().unwrap_or("").to_ascii_lowercase();
    match url.port() {
        Some(p) => format!("{host}:{p}"),
        None => host,
    }
}

impl PipelineBuilder {
    /// Authenticates every request with tokens from `credential` (without one, requests go
    /// unauthenticated, as to the emulator).
    pub fn credential(mut self, credential: Arc<dyn TokenCredential>) -> Self {
        self.credential = Some(credential);
        self
    }

    /// The token scopes (default: the ARM endpoint's origin followed by `/.default`; on a stamp
    /// use [`auth::StampEndpoints::arm_scope`]).
    pub fn scopes(mut self, scopes: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.scopes = Some(scopes.into_iter().map(Into::into).collect());
        self
    }

    /// Replaces the retry policy ([`retry::NoRetry`] turns retries off).
    pub fn retry_policy(mut self, policy: Arc<dyn RetryPolicy>) -> Self {
        self.retry = policy;
        self
    }

    /// Replaces the clock (retry budgets, `Retry-After` dates).
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Replaces the sleep used between retries and polls ([`clock::default_sleep`] by default:
    /// tokio's timer with the `reqwest` feature, one shared timer thread without it).
    pub fn sleep(mut self, sleep: Arc<dyn Sleep>) -> Self {
        self.sleep = sleep;
        self
    }

    /// Appends `suffix` to the `User-Agent` (e.g. your tool's name and version).
    pub fn user_agent_suffix(mut self, suffix: impl Into<String>) -> Self {
        self.user_agent_suffix = Some(suffix.into());
        self
    }

    /// Also sends requests, with the bearer token, to `host` (`name` or `name:port`), e.g. a
    /// stamp whose `Azure-AsyncOperation` URLs name a different ARM host. Only hosts named here
    /// and the ARM endpoint's host receive the token.
    pub fn allow_host(mut self, host: impl Into<String>) -> Self {
        self.allowed_hosts.push(host.into().to_ascii_lowercase());
        self
    }

    /// The pipeline. Refuses an ARM endpoint that is neither https nor loopback.
    pub fn build(self) -> Result<Pipeline, Error> {
        let e = &self.arm_endpoint;
        if e.host_str().is_none() || !matches!(e.scheme(), "https" | "http") {
            return Err(Error::invalid_input(
                "ARM endpoint",
                format!("`{e}` is not an http(s) URL with a host"),
            ));
        }
        if has_userinfo(e) {
            return Err(userinfo_refusal(e));
        }
        if e.scheme() != "https" && !is_loopback(e) {
            return Err(Refusal::new(
                RefusalKind::Security,
                format!("the ARM endpoint {e} is not https"),
                "use the stamp's https endpoint (plain http is allowed only to loopback)",
            )
            .into());
        }
        let scopes = self
            .scopes
            .unwrap_or_else(|| vec![format!("{}/.default", e.origin().ascii_serialization())]);
        let user_agent = match self.user_agent_suffix {
            Some(s) if !s.is_empty() => format!("{USER_AGENT} {s}"),
            _ => USER_AGENT.to_owned(),
        };
        Ok(Pipeline {
            inner: Arc::new(Inner {
                arm_endpoint: self.arm_endpoint,
                transport: self.transport,
                credential: self.credential,
                scopes,
                retry: self.retry,
                clock: self.clock,
                sleep: self.sleep,
                user_agent,
                allowed_hosts: self.allowed_hosts,
            }),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::Method;
    use crate::transport::TransportError;
    use std::sync::Mutex;

    #[derive(Debug, Default)]
    struct Counting(Mutex<u32>);

    #[async_trait::async_trait]
    impl Transport for Counting {
        async fn send(&self, _: &Request) -> Result<Response, TransportError> {
            *self.0.lock().unwrap() += 1;
            Ok(Response::new(200))
        }
    }

    #[derive(Debug, Default)]
    struct Redirecting(Mutex<Vec<String>>);

    #[async_trait::async_trait]
    impl Transport for Redirecting {
        async fn send(&self, r: &Request) -> Result<Response, TransportError> {
            self.0.lock().unwrap().push(r.url.to_string());
            let mut resp = Response::new(307);
            resp.headers.insert("location", "https://evil.test/steal");
            Ok(resp)
        }
    }

    #[test]
    fn a_redirect_is_a_service_answer_never_followed_nor_resent() {
        let t = Arc::new(Redirecting::default());
        let p = Pipeline::builder("https://arm.test".parse().unwrap(), t.clone())
            .credential(Arc::new(auth::StaticTokenCredential::new("tok")))
            .build()
            .unwrap();
        let url = p
            .url("/subscriptions/s/x/plannedFailover", &ApiVersion::default())
            .unwrap();
        let e = futures_util::FutureExt::now_or_never(p.send(Request::new(Method::Post, url)))
            .unwrap()
            .unwrap_err();
        assert_eq!(e.status(), Some(307), "{e:?}");
        assert!(!e.is_not_sent());
        let sent = t.0.lock().unwrap().clone();
        assert_eq!(sent.len(), 1, "{sent:?}");
        assert!(sent[0].starts_with("https://arm.test/"));
    }

    #[test]
    fn an_allowed_host_may_name_the_default_port() {
        let t = Arc::new(Counting::default());
        let p = Pipeline::builder("https://arm.test".parse().unwrap(), t.clone())
            .allow_host("Other.test:443")
            .build()
            .unwrap();
        assert!(p
            .check_url(&"https://other.test/op".parse().unwrap())
            .is_ok());
        assert!(p
            .check_url(&"https://other.test:443/op".parse().unwrap())
            .is_ok());
        assert!(p
            .check_url(&"https://other.test:8443/op".parse().unwrap())
            .is_err());
        assert!(p
            .check_url(&"http://other.test/op".parse().unwrap())
            .is_err());
        assert!(p
            .check_url(&"https://third.test/op".parse().unwrap())
            .is_err());
    }

    fn security_refusal(e: Error) -> String {
        match e {
            Error::Refused(r) if r.kind == RefusalKind::Security => r.to_string(),
            other => panic!("expected a security refusal, got {other:?}"),
        }
    }

    #[test]
    fn urls_with_userinfo_are_refused_and_never_printed() {
        let t = Arc::new(Counting::default());
        let p = Pipeline::builder("https://arm.test".parse().unwrap(), t.clone())
            .credential(Arc::new(auth::StaticTokenCredential::new("tok")))
            .build()
            .unwrap();
        for link in [
            "https://mallory:pw123@arm.test/subscriptions?api-version=1",
            "https://arm.test:pw123@arm.test/subscriptions",
        ] {
            let req = Request::new(Method::Get, link.parse().unwrap());
            let e = futures_util::FutureExt::now_or_never(p.send(req))
                .unwrap()
                .unwrap_err();
            let msg = security_refusal(e);
            assert!(!msg.contains("pw123"), "{msg}");
        }
        // A host hidden behind userinfo is the other host, refused as before.
        let req = Request::new(Method::Get, "https://arm.test@evil.test/x".parse().unwrap());
        let e = futures_util::FutureExt::now_or_never(p.send(req))
            .unwrap()
            .unwrap_err();
        security_refusal(e);
        assert_eq!(*t.0.lock().unwrap(), 0, "nothing was sent");

        let e = Pipeline::builder("https://u:pw123@arm.test".parse().unwrap(), t)
            .build()
            .unwrap_err();
        assert!(!security_refusal(e).contains("pw123"));
    }
}
