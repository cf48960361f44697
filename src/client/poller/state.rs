//! The state of a long-running operation as values: what is polled, the serializable
//! continuation, the updates a stream yields, and the error of a wait that ran out of time.

use crate::api_version::ApiVersion;
use crate::http::lro::FinalStateVia;
use crate::http::Method;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::time::Duration;

/// What is polled to learn the progress of an operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub enum PollKind {
    /// The `Azure-AsyncOperation` URL (a `{status, error}` body).
    AzureAsyncOperation,
    /// The `Location` URL (`202` while running).
    Location,
    /// The resource's own `provisioningState`.
    ProvisioningState,
    /// The resource itself, until it answers 404 (a DELETE answered `202` without a header).
    ResourceGone,
    /// Nothing left to poll: the operation has finished.
    Done,
}

/// Everything needed to resume polling an operation: save it (it is `Serialize`), and give it
/// to [`SiteRecoveryClient::resume_poller`](crate::SiteRecoveryClient::resume_poller) later, in this process or another.
///
/// ```
/// use azs_site_recovery::client::PollerContinuation;
/// let saved = r#"{"operation":"PUT protected item web01","method":"PUT",
///   "resourceUrl":"https://arm.example/subscriptions/s/resourceGroups/rg/providers/Microsoft.DataReplication/replicationVaults/v/protectedItems/web01?api-version=2024-09-01",
///   "poll":"azureAsyncOperation","pollUrl":"https://arm.example/operations/1?api-version=2024-09-01"}"#;
/// let cont: PollerContinuation = serde_json::from_str(saved).unwrap();
/// assert_eq!(cont.method, "PUT");
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct PollerContinuation {
    /// What the operation is, in words (for messages).
    pub operation: String,
    /// The method of the request that started it (`PUT`, `PATCH`, `DELETE`, `POST`).
    pub method: String,
    /// The URL of the request that started it.
    pub resource_url: String,
    /// What is polled.
    pub poll: PollKind,
    /// The URL polled (absent for [`PollKind::Done`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub poll_url: Option<String>,
    /// Where the result is read once the operation has succeeded (absent: no result).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub final_url: Option<String>,
    /// The protected item the operation is about, whose job and health errors explain a
    /// failure.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protected_item_url: Option<String>,
    /// The last status the service reported.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_status: Option<String>,
    /// How long the service last asked to wait, in milliseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after_ms: Option<u64>,
    /// The result, when it is already known (a write that finished at once).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result: Option<serde_json::Value>,
}

/// One step of a long-running operation, as [`Poller::into_stream`](super::Poller::into_stream) yields it.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum PollUpdate<T> {
    /// Still running; the status word the service used (`InProgress`, `Accepted`, `Creating`).
    InProgress {
        /// The status word.
        status: String,
        /// How far the operation is (0-100), when the answer says: an operation status's
        /// `percentComplete` (ARM's asynchronous-operation contract), or a protected item's
        /// `initialReplicationProgressPercentage` / `resyncProgressPercentage` when the poll
        /// reads the item itself. `None` when the answer carries no figure (the public
        /// `Microsoft.DataReplication` operation-status schema has none).
        percent: Option<u8>,
    },
    /// Finished; the result (the last item of the stream).
    Succeeded(T),
}

/// A wait for an operation went past [`PollingOptions::max_wait`](crate::client::PollingOptions). The
/// operation itself goes on: resume with [`WaitTimedOut::continuation`].
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct WaitTimedOut {
    /// What the operation is.
    pub operation: String,
    /// How long it was waited for.
    pub waited: Duration,
    /// The limit.
    pub max_wait: Duration,
    /// Where to resume from (`None` for a wait on a condition, which has nothing to resume:
    /// wait again).
    pub continuation: Option<PollerContinuation>,
}

impl fmt::Display for WaitTimedOut {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "gave up waiting for {} after {} (max_wait {})",
            self.operation,
            crate::human::HumanDuration(self.waited),
            crate::human::HumanDuration(self.max_wait)
        )?;
        match &self.continuation {
            Some(c) => {
                if let Some(s) = &c.last_status {
                    write!(f, "; last status {s}")?;
                }
                f.write_str("; the operation goes on: resume with SiteRecoveryClient::resume_poller(continuation) or raise max_wait")
            }
            None => f.write_str("; wait again or raise max_wait"),
        }
    }
}

impl std::error::Error for WaitTimedOut {}

/// The `final-state-via` of an operation: preview says `location` for everything; 2024-09-01
/// and later say `azure-async-operation` for PUT and `location` for PATCH, DELETE and POST.
pub(crate) fn final_state_via(api: &ApiVersion, method: Method) -> FinalStateVia {
    if api.is_preview_shape() {
        FinalStateVia::Location
    } else if method == Method::Put {
        FinalStateVia::AzureAsyncOperation
    } else {
        FinalStateVia::Location
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_timed_out_wait_says_its_durations_as_people_read_them() {
        let e = WaitTimedOut {
            operation: "planned failover of protected item web01".to_owned(),
            waited: Duration::from_secs(5525),
            max_wait: Duration::from_secs(3600),
            continuation: None,
        };
        let shown = e.to_string();
        assert!(
            shown.contains("after 1h 32m 05s (max_wait 1h 00m)")
                || shown.contains("after 1h 32m 05s (max_wait 1h)"),
            "{shown}"
        );
    }
}
