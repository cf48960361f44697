//! Long-running operations: a [`Poller`] that can be awaited, read as a stream of status
//! updates, and saved and resumed.

mod state;

use state::final_state_via;
pub use state::{PollKind, PollUpdate, PollerContinuation, WaitTimedOut};

use super::SiteRecoveryClient;
use crate::error::{Error, OperationFailure, OperationOutcome};
use crate::http::lro::{self, LroStatus, PollTarget};
use crate::http::{Method, Request, Response};
use crate::model::{ErrorDetail, ProtectedItem};
use chrono::{DateTime, Utc};
use futures_core::Stream;
use serde::de::DeserializeOwned;
use std::fmt;
use std::future::{Future, IntoFuture};
use std::marker::PhantomData;
use std::pin::Pin;
use std::time::Duration;
use url::Url;

/// A long-running operation.
///
/// * Await it (it is [`IntoFuture`]) or call [`Poller::wait`] for the final result.
/// * [`Poller::into_stream`] yields every status update, then the result.
/// * [`Poller::continuation`] is a serializable value to resume from after a restart.
///
/// Progress is read from `Azure-AsyncOperation`, else `Location`, else the resource's own
/// `provisioningState`; waits honour `Retry-After` within the client's
/// [`PollingOptions`](super::PollingOptions), on the pipeline's [`Sleep`](crate::pipeline::clock::Sleep). A terminal `Failed` or `Canceled` becomes
/// [`Error::OperationFailed`] with the operation's error and, for a protected item, the errors
/// of its job and its health errors.
///
/// ```no_run
/// # async fn run(client: azs_site_recovery::SiteRecoveryClient) -> Result<(), azs_site_recovery::Error> {
/// use futures_util::StreamExt;
/// use azs_site_recovery::client::PollUpdate;
/// let vault = azs_site_recovery::id::VaultId::new("s", "rg", "vault1");
/// let poller = client.protected_items(&vault).disable("web01", false).await?;
/// std::fs::write("op.json", serde_json::to_vec(&poller.continuation()).unwrap()).unwrap();
/// let mut updates = poller.into_stream();
/// while let Some(update) = updates.next().await {
///     match update? {
///         PollUpdate::InProgress { status, .. } => println!("still {status}"),
///         PollUpdate::Succeeded(()) => println!("deleted"),
///         _ => {}
///     }
/// }
/// # Ok(()) }
/// ```
pub struct Poller<T> {
    client: SiteRecoveryClient,
    state: PollerContinuation,
    started: DateTime<Utc>,
    advice: Vec<String>,
    _result: PhantomData<fn() -> T>,
}

impl<T> fmt::Debug for Poller<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Poller")
            .field("state", &self.state)
            .finish()
    }
}

/// The stream [`Poller::into_stream`] returns.
pub type PollStream<T> = Pin<Box<dyn Stream<Item = Result<PollUpdate<T>, Error>> + Send>>;

impl<T: DeserializeOwned + Send + 'static> Poller<T> {
    /// Starts following an operation from its first (successful) response.
    ///
    /// `final_override` replaces where the result is read (the protected item after an
    /// action); `protected_item` names the item whose job and health errors explain a failure.
    pub(crate) fn start(
        client: SiteRecoveryClient,
        operation: String,
        method: Method,
        request_url: &Url,
        first: &Response,
        final_override: Option<Url>,
        protected_item: Option<Url>,
    ) -> Result<Self, Error> {
        let via = final_state_via(client.api_version(), method);
        let plan = lro::plan(method, request_url, first, Some(via))?;
        let writes_resource = matches!(method, Method::Put | Method::Patch);
        let final_url = match final_override {
            Some(u) => Some(u),
            None if writes_resource => plan.final_url.or_else(|| Some(request_url.clone())),
            None => plan.final_url,
        };
        let (poll, poll_url) = match plan.poll {
            PollTarget::AzureAsyncOperation(u) => (PollKind::AzureAsyncOperation, Some(u)),
            PollTarget::Location(u) => (PollKind::Location, Some(u)),
            PollTarget::ProvisioningState(u) => (PollKind::ProvisioningState, Some(u)),
            // The spec always sends `Location` with a DELETE's 202; a stamp that does not is
            // followed on the resource until it is gone.
            _ if method == Method::Delete && first.status == 202 => {
                (PollKind::ResourceGone, Some(request_url.clone()))
            }
            _ => (PollKind::Done, None),
        };
        let mut last_status = plan.initial_status.as_ref().map(status_word);
        // A write that finished at once answered with the resource itself.
        let result = if poll == PollKind::Done
            && !first.body.is_empty()
            && (writes_resource || final_url.is_none())
            && !matches!(
                plan.initial_status,
                Some(LroStatus::Failed | LroStatus::Canceled)
            ) {
            serde_json::from_slice::<serde_json::Value>(&first.body).ok()
        } else {
            None
        };
        if poll == PollKind::Done && last_status.is_none() {
            last_status = Some("Succeeded".to_owned());
        }
        let started = client.pipeline().clock().now();
        Ok(Poller {
            state: PollerContinuation {
                operation,
                method: method.as_str().to_owned(),
                resource_url: request_url.to_string(),
                poll,
                poll_url: poll_url.map(|u| u.to_string()),
                final_url: final_url.map(|u| u.to_string()),
                protected_item_url: protected_item.map(|u| u.to_string()),
                last_status,
                retry_after_ms: retry_after_ms(first, started),
                result,
            },
            client,
            started,
            advice: Vec::new(),
            _result: PhantomData,
        })
    }

    /// Resumes from a continuation ([`SiteRecoveryClient::resume_poller`]).
    pub(crate) fn resume(client: SiteRecoveryClient, state: PollerContinuation) -> Self {
        let started = client.pipeline().clock().now();
        Poller {
            client,
            state,
            started,
            advice: Vec::new(),
            _result: PhantomData,
        }
    }

    /// Carries the lifecycle's advice on the operation it follows.
    pub(crate) fn with_advice(mut self, advice: Vec<String>) -> Self {
        self.advice = advice;
        self
    }

    /// What the lifecycle advised when the client checked this action before sending it, in
    /// words: the 180-day test failover recommendation before a failover, an outstanding test
    /// failover, a failover that re-protect commits first, `allowedJobs` that overrode the
    /// local rules, and the like. Readable before awaiting the operation; each is also logged
    /// through `tracing` at `warn` when the action is sent. Empty when the action was sent
    /// unchecked, or for operations that are not protected-item actions.
    pub fn advice(&self) -> &[String] {
        &self.advice
    }

    /// A serializable value to resume this operation from ([`SiteRecoveryClient::resume_poller`]).
    pub fn continuation(&self) -> PollerContinuation {
        self.state.clone()
    }

    /// The last status the service reported (`Succeeded` when it finished at once).
    pub fn status(&self) -> Option<&str> {
        self.state.last_status.as_deref()
    }

    /// `true` when nothing is left to poll.
    pub fn is_done(&self) -> bool {
        self.state.poll == PollKind::Done
    }

    /// Waits for the operation to finish and returns its result.
    pub async fn wait(mut self) -> Result<T, Error> {
        loop {
            if let PollUpdate::Succeeded(t) = self.step().await? {
                return Ok(t);
            }
        }
    }

    /// The operation as a stream of status updates ending with the result (or an error).
    pub fn into_stream(self) -> PollStream<T> {
        Box::pin(futures_util::stream::unfold(Some(self), |p| async move {
            let mut p = p?;
            match p.step().await {
                Ok(PollUpdate::Succeeded(t)) => Some((Ok(PollUpdate::Succeeded(t)), None)),
                Ok(update) => Some((Ok(update), Some(p))),
                Err(e) => Some((Err(e), None)),
            }
        }))
    }

    /// One poll (after the wait the service asked for), or the result.
    async fn step(&mut self) -> Result<PollUpdate<T>, Error> {
        if self.state.poll == PollKind::Done {
            if let Some(s) = self.state.last_status.as_deref() {
                match LroStatus::parse(s) {
                    LroStatus::Failed => {
                        return Err(self.fail(OperationOutcome::Failed, None).await)
                    }
                    LroStatus::Canceled => {
                        return Err(self.fail(OperationOutcome::Canceled, None).await)
                    }
                    _ => {}
                }
            }
            return self.finish(None).await.map(PollUpdate::Succeeded);
        }
        let poll_url = self.poll_url()?;
        self.wait_interval().await?;

        let response = match self
            .client
            .send(Request::new(Method::Get, poll_url.clone()))
            .await
        {
            Ok(r) => r,
            // A status URL that answers with a client error reports the operation's failure.
            Err(e) if self.state.poll == PollKind::ResourceGone && e.is_not_found() => {
                self.state.poll = PollKind::Done;
                self.state.poll_url = None;
                self.state.last_status = Some("Succeeded".to_owned());
                return self.finish(None).await.map(PollUpdate::Succeeded);
            }
            Err(Error::Service(e))
                if self.state.poll == PollKind::Location
                    && (400..500).contains(&e.status)
                    && !matches!(e.status, 404 | 408 | 429) =>
            {
                let error = e.error.clone();
                return Err(self.fail(OperationOutcome::Failed, error).await);
            }
            Err(e) => return Err(e),
        };
        let now = self.client.pipeline().clock().now();
        self.state.retry_after_ms = retry_after_ms(&response, now);

        let (status, error) = match self.state.poll {
            PollKind::AzureAsyncOperation => {
                let s = lro::parse_operation_status(&response.body)?;
                (s.status, s.error)
            }
            PollKind::Location => {
                let s = lro::location_status(&response);
                // Some services answer a finished Location poll with a status body.
                match (&s, lro::parse_operation_status(&response.body)) {
                    (LroStatus::Succeeded, Ok(body)) if body.status.is_terminal() => {
                        (body.status, body.error)
                    }
                    _ => (s, None),
                }
            }
            PollKind::ProvisioningState => (
                lro::provisioning_state(&response.body).unwrap_or(LroStatus::Succeeded),
                None,
            ),
            PollKind::ResourceGone => match lro::provisioning_state(&response.body) {
                Some(s @ (LroStatus::Failed | LroStatus::Canceled)) => (s, None),
                Some(LroStatus::InProgress(w)) => (LroStatus::InProgress(w), None),
                _ => (LroStatus::InProgress("Deleting".to_owned()), None),
            },
            PollKind::Done => (LroStatus::Succeeded, None),
        };
        self.state.last_status = Some(status_word(&status));
        match status {
            LroStatus::InProgress(s) => Ok(PollUpdate::InProgress {
                status: s,
                percent: progress_percent(&response.body),
            }),
            LroStatus::Succeeded => {
                self.state.poll = PollKind::Done;
                let last = Some((poll_url, response));
                let result = self.finish(last).await?;
                self.state.poll_url = None;
                Ok(PollUpdate::Succeeded(result))
            }
            LroStatus::Failed => Err(self.fail(OperationOutcome::Failed, error).await),
            LroStatus::Canceled => Err(self.fail(OperationOutcome::Canceled, error).await),
        }
    }

    fn poll_url(&self) -> Result<Url, Error> {
        let raw = self.state.poll_url.as_deref().unwrap_or_default();
        Url::parse(raw).map_err(|e| {
            Error::invalid_input(
                "poller continuation",
                format!("pollUrl `{raw}` is not a URL ({e}); the continuation is damaged"),
            )
        })
    }

    /// Sleeps for the interval the service asked for, unless that goes past `max_wait`.
    async fn wait_interval(&mut self) -> Result<(), Error> {
        let opts = self.client.polling();
        let interval = opts.interval(self.state.retry_after_ms.map(Duration::from_millis));
        if let Some(max) = opts.max_wait {
            let now = self.client.pipeline().clock().now();
            let waited = (now - self.started).to_std().unwrap_or_default();
            if waited.saturating_add(interval) > max {
                return Err(Error::WaitTimedOut(Box::new(WaitTimedOut {
                    operation: self.state.operation.clone(),
                    waited,
                    max_wait: max,
                    continuation: Some(self.state.clone()),
                })));
            }
        }
        self.client.pipeline().sleeper().sleep(interval).await;
        Ok(())
    }

    /// The result: already known, the body of the last poll when it came from the final URL, or
    /// a GET of the final URL.
    async fn finish(&mut self, last: Option<(Url, Response)>) -> Result<T, Error> {
        if let Some(v) = &self.state.result {
            return decode_value(v, &self.state.operation);
        }
        let Some(final_raw) = self.state.final_url.clone() else {
            return decode_value(&serde_json::Value::Null, &self.state.operation);
        };
        let final_url = Url::parse(&final_raw).map_err(|e| {
            Error::invalid_input(
                "poller continuation",
                format!("finalUrl `{final_raw}` is not a URL ({e})"),
            )
        })?;
        let response = match last {
            Some((u, r)) if u == final_url => r,
            _ => {
                self.client
                    .send(Request::new(Method::Get, final_url.clone()))
                    .await?
            }
        };
        let writes_resource = matches!(self.state.method.as_str(), "PUT" | "PATCH");
        let body = if (response.body.is_empty() || response.status == 204)
            && writes_resource
            && final_raw != self.state.resource_url
        {
            // The Location answered "done" without the resource: read the resource itself.
            let url = Url::parse(&self.state.resource_url).map_err(|e| {
                Error::invalid_input("poller continuation", format!("resourceUrl: {e}"))
            })?;
            self.client.send(Request::new(Method::Get, url)).await?.body
        } else {
            response.body
        };
        // Decoded once, straight from the received bytes into `T`: the poller is done after
        // this, so the result need not be kept as JSON for a continuation.
        if body.is_empty() {
            decode_value(&serde_json::Value::Null, &self.state.operation)
        } else {
            super::decode::<T>(&body, || format!("result of {}", self.state.operation))
        }
    }

    /// The error of a failed operation, with the protected item's job and health errors.
    async fn fail(&self, outcome: OperationOutcome, error: Option<ErrorDetail>) -> Error {
        let mut failure =
            OperationFailure::new(outcome, self.state.operation.clone()).with_error(error);
        if let Some(item_url) = self
            .state
            .protected_item_url
            .as_deref()
            .and_then(|u| Url::parse(u).ok())
        {
            // Best effort: the failure is reported even when the details cannot be read.
            if let Ok(item) = self.client.get_json::<ProtectedItem>(item_url).await {
                if let Some(props) = item.properties {
                    failure.health_errors = props.health_errors.clone().unwrap_or_default();
                    let job = props
                        .current_job
                        .as_ref()
                        .or(props.last_failed_planned_failover_job.as_ref())
                        .or(props.last_test_failover_job.as_ref())
                        .or(props.last_failed_enable_protection_job.as_ref())
                        .and_then(|j| j.id.clone());
                    if let Some(job_id) = job {
                        if let Ok(url) = self.client.url(&job_id) {
                            if let Ok(job) = self.client.get_json::<serde_json::Value>(url).await {
                                failure.job_errors = job
                                    .pointer("/properties/errors")
                                    .and_then(|e| e.as_array())
                                    .cloned()
                                    .unwrap_or_default();
                            }
                        }
                    }
                }
            }
        }
        failure.into()
    }
}

fn decode_value<T: DeserializeOwned>(v: &serde_json::Value, operation: &str) -> Result<T, Error> {
    T::deserialize(v).map_err(|e| {
        Error::decode::<T>(
            format!("result of {operation}"),
            v.to_string().as_bytes(),
            e,
        )
    })
}

/// The wait `response` asks for, in whole milliseconds (saturating), as a continuation keeps it.
fn retry_after_ms(response: &Response, now: DateTime<Utc>) -> Option<u64> {
    crate::http::retry_after(&response.headers, now)
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

fn status_word(s: &LroStatus) -> String {
    match s {
        LroStatus::InProgress(w) => w.clone(),
        LroStatus::Succeeded => "Succeeded".to_owned(),
        LroStatus::Failed => "Failed".to_owned(),
        LroStatus::Canceled => "Canceled".to_owned(),
    }
}

impl<T: DeserializeOwned + Send + 'static> IntoFuture for Poller<T> {
    type Output = Result<T, Error>;
    type IntoFuture = Pin<Box<dyn Future<Output = Result<T, Error>> + Send>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.wait())
    }
}

/// The progress figure an in-progress answer carries, if any (see [`PollUpdate::InProgress`]).
/// Only small answers are looked at: a status body or one item.
pub(crate) fn progress_percent(body: &[u8]) -> Option<u8> {
    if body.is_empty() || body.len() > 256 * 1024 {
        return None;
    }
    let value: serde_json::Value = serde_json::from_slice(body).ok()?;
    let custom = value.pointer("/properties/customProperties");
    let percent = [
        value.get("percentComplete"),
        value.pointer("/properties/percentComplete"),
        custom.and_then(|c| c.get("initialReplicationProgressPercentage")),
        custom.and_then(|c| c.get("resyncProgressPercentage")),
    ]
    .into_iter()
    .flatten()
    .find_map(|v| {
        let n = v.as_f64()?;
        (n.is_finite() && n >= 0.0).then(|| n.min(100.0).floor() as u8)
    });
    percent
}
