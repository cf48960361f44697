//! What a bulk run reports: per-VM events as they happen, and per-VM results at the end (a fold
//! over the events). Plain data (`Clone`, serde, `camelCase`) for logs, checkpoints and reports.

use super::types::BulkOperation;
use crate::error::{Error, RefusalKind};
use crate::lifecycle::{self, ItemState};
use crate::model::{HealthError, ProtectedItem};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::time::Duration;

/// The state of an item as a bulk run reports it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ItemSnapshot {
    /// Whether the protected item exists.
    pub exists: bool,
    /// `protectionState`, as the service spells it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protection_state: Option<String>,
    /// `testFailoverState`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub test_failover_state: Option<String>,
    /// `activeLocation` (`Primary` / `Recovery`), if reported.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active_location: Option<String>,
    /// `forward` or `failback`.
    pub direction: String,
    /// The current job's scenario and state, if one runs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub current_job: Option<String>,
}

impl ItemSnapshot {
    /// The snapshot of `item` (`None`: it does not exist).
    pub fn of(item: Option<&ProtectedItem>) -> Self {
        match item {
            Some(i) => Self::from_state(&ItemState::from_item(i)),
            None => Self::from_state(&ItemState::absent()),
        }
    }

    /// The snapshot of a lifecycle state.
    pub fn from_state(state: &ItemState) -> Self {
        let word = |s: &str| (!s.is_empty()).then(|| s.to_owned());
        ItemSnapshot {
            exists: state.exists,
            protection_state: if state.exists {
                word(state.protection_state.as_str())
            } else {
                None
            },
            test_failover_state: if state.exists {
                word(state.test_failover_state.as_str())
            } else {
                None
            },
            active_location: state
                .active_location
                .as_ref()
                .map(|l| l.as_str().to_owned()),
            direction: state.direction.as_str().to_owned(),
            current_job: state.current_job.as_ref().and_then(|j| {
                let name = j.scenario_name.as_deref().or(j.display_name.as_deref())?;
                Some(match j.state.as_deref() {
                    Some(s) => format!("{name} ({s})"),
                    None => name.to_owned(),
                })
            }),
        }
    }
}

impl fmt::Display for ItemSnapshot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.exists {
            return f.write_str("no protected item");
        }
        write!(
            f,
            "{}",
            self.protection_state.as_deref().unwrap_or("(not reported)")
        )?;
        if let Some(t) = self.test_failover_state.as_deref().filter(|t| *t != "None") {
            write!(f, ", test failover {t}")?;
        }
        if self.direction != "forward" {
            write!(f, ", {}", self.direction)?;
        }
        Ok(())
    }
}

/// A lifecycle refusal as a bulk run reports it: the operation, why, what to do, the state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct RefusalReport {
    /// The operation refused, in words.
    pub operation: String,
    /// Why.
    pub reason: String,
    /// What to do instead.
    pub remedy: String,
    /// The item's state when it was refused, in words.
    pub current_state: String,
    /// Where the rule comes from.
    pub rule: String,
    /// `true` when the service's `allowedJobs` refused it rather than the local rules.
    pub by_service: bool,
}

impl From<&lifecycle::Refusal> for RefusalReport {
    fn from(r: &lifecycle::Refusal) -> Self {
        RefusalReport {
            operation: r.operation.as_str().to_owned(),
            reason: r.reason.clone(),
            remedy: r.remedy.clone(),
            current_state: r.current.to_string(),
            rule: r.rule.to_owned(),
            by_service: r.by_service,
        }
    }
}

impl fmt::Display for RefusalReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} refused: {} (current state: {}). What to do: {}",
            self.operation, self.reason, self.current_state, self.remedy
        )
    }
}

/// How far a failed VM's request got, from the crate's [`Error`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub enum FailureKind {
    /// The request never left the client.
    NotSent,
    /// The request may have reached the service; it was not sent again.
    MaybeSent,
    /// The answer could not be read whole.
    ResponseUnreadable,
    /// The service answered with an error status.
    Service,
    /// The operation (its job) ended `Failed` or `Canceled`.
    OperationFailed,
    /// The crate refused to send (lifecycle, preflight, security).
    Refused,
    /// An input was invalid; nothing was sent.
    InvalidInput,
    /// A body did not parse.
    Decode,
    /// A wait went past its limit; the operation goes on.
    WaitTimedOut,
    /// No token could be obtained.
    Authentication,
    /// A caller-supplied step (agent removal) failed.
    Step,
    /// The service kept answering 429 beyond [`BulkOptions::max_throttled_attempts`](super::BulkOptions::max_throttled_attempts).
    Throttled,
}

/// Why one VM failed: the kind, the message, and what the service said (the job's task errors
/// and the item's health errors).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct VmFailure {
    /// How far the request got.
    pub kind: FailureKind,
    /// The error in words (no token or secret: the crate's errors are redacted).
    pub message: String,
    /// The HTTP status, for a service error.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// The ARM error code, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// The errors of the job that ran the operation (its failed tasks), as sent.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub job_errors: Vec<serde_json::Value>,
    /// The item's health errors.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub health_errors: Vec<HealthError>,
    /// `true` when the request may have reached the service (it was not sent again).
    #[serde(default)]
    pub may_have_been_sent: bool,
}

impl VmFailure {
    /// The failure of `error`.
    pub fn from_error(error: &Error) -> Self {
        let kind = match error {
            Error::NotSent(_) => FailureKind::NotSent,
            Error::MaybeSent(_) => FailureKind::MaybeSent,
            Error::ResponseUnreadable(_) => FailureKind::ResponseUnreadable,
            Error::Service(_) => FailureKind::Service,
            Error::OperationFailed(_) => FailureKind::OperationFailed,
            Error::Refused(_) => FailureKind::Refused,
            Error::InvalidInput { .. } => FailureKind::InvalidInput,
            Error::Decode(_) => FailureKind::Decode,
            Error::WaitTimedOut(_) => FailureKind::WaitTimedOut,
            _ => FailureKind::Authentication,
        };
        let (job_errors, health_errors) = match error {
            Error::OperationFailed(f) => (f.job_errors.clone(), f.health_errors.clone()),
            _ => (Vec::new(), Vec::new()),
        };
        VmFailure {
            kind,
            message: error.to_string(),
            status: error.status(),
            code: error.arm_error().and_then(|e| e.code.clone()),
            job_errors,
            health_errors,
            may_have_been_sent: matches!(error, Error::MaybeSent(_) | Error::ResponseUnreadable(_)),
        }
    }

    /// A failure of a caller-supplied step or of the runner itself.
    pub fn new(kind: FailureKind, message: impl Into<String>) -> Self {
        VmFailure {
            kind,
            message: message.into(),
            status: None,
            code: None,
            job_errors: Vec::new(),
            health_errors: Vec::new(),
            may_have_been_sent: false,
        }
    }

    /// `true` when the crate's lifecycle check refused the operation.
    pub fn is_lifecycle_refusal(error: &Error) -> bool {
        matches!(error, Error::Refused(r) if r.kind == RefusalKind::Lifecycle)
    }
}

impl fmt::Display for VmFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        for e in &self.job_errors {
            let code = e.get("errorCode").or_else(|| e.get("code"));
            let msg = e.get("errorMessage").or_else(|| e.get("message"));
            match (code.and_then(|c| c.as_str()), msg.and_then(|m| m.as_str())) {
                (Some(c), Some(m)) => write!(f, "; job error {c}: {m}")?,
                (Some(c), None) => write!(f, "; job error {c}")?,
                (None, Some(m)) => write!(f, "; job error: {m}")?,
                (None, None) => {}
            }
        }
        for h in &self.health_errors {
            if let Some(m) = h.message.as_deref().or(h.summary.as_deref()) {
                write!(f, "; health error: {m}")?;
            }
        }
        Ok(())
    }
}

/// One thing that happened to one VM during a bulk run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct BulkEvent {
    /// The protected item's name.
    pub item: String,
    /// When (the client's clock: virtual time against the emulator).
    pub at: DateTime<Utc>,
    /// What happened.
    #[serde(flatten)]
    pub kind: BulkEventKind,
}

/// What happened to a VM (see [`BulkEvent`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "camelCase")]
#[non_exhaustive]
pub enum BulkEventKind {
    /// Validated and waiting for a free slot (or for its re-protect batch).
    Queued {
        /// The re-protect batch it belongs to (0-based), for a re-protect.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        batch: Option<usize>,
    },
    /// The lifecycle refuses the operation for this VM's item: nothing is sent for it.
    Refused {
        /// Why, and what to do instead.
        refusal: RefusalReport,
    },
    /// Already in the target state (from an earlier run): nothing is sent for it.
    Skipped {
        /// Why it counts as done.
        reason: String,
        /// The item as read.
        state: ItemSnapshot,
    },
    /// The service answered 429 to this VM's start: it is queued again and starts slow down.
    Throttled {
        /// How long starts now pause, in milliseconds.
        retry_in_ms: u64,
    },
    /// The operation is running: accepted now, or found in progress from an earlier run
    /// (`attached`).
    #[serde(rename_all = "camelCase")]
    Started {
        /// The job's ARM id (or the operation's URL when the job is not known).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        job_id: Option<String>,
        /// `true` when the run found the operation in progress and follows it instead of
        /// starting it.
        attached: bool,
    },
    /// A status update of the running operation.
    Progress {
        /// The status word the service reported (`InProgress`, ...).
        status: String,
        /// How far it is, when the service says (initial replication, re-protect).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        percent: Option<u8>,
    },
    /// A step of a multi-step operation finished (re-enable after failback: `disabled`,
    /// `agent removed`, `item gone`).
    StepDone {
        /// The step, in words.
        step: String,
    },
    /// Done: the item as it is afterwards.
    #[serde(rename_all = "camelCase")]
    Succeeded {
        /// The item's state afterwards.
        final_state: ItemSnapshot,
    },
    /// Failed: why, with the job's task errors and the item's health errors.
    Failed {
        /// Why.
        failure: VmFailure,
    },
    /// The run stopped while this VM's operation was accepted by the service and still
    /// running: it goes on without the run (a later run attaches to it).
    #[serde(rename_all = "camelCase")]
    LeftRunning {
        /// The job's ARM id, if known.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        job_id: Option<String>,
    },
}

/// How one VM ended in a bulk run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub enum VmOutcome {
    /// The operation finished.
    Succeeded,
    /// Already in the target state: nothing sent.
    Skipped,
    /// Refused by the lifecycle: nothing sent.
    Refused,
    /// Failed (see [`VmResult::failure`]).
    Failed,
    /// Accepted by the service and still running when the run stopped.
    LeftRunning,
    /// The run stopped before this VM started: nothing sent.
    NotStarted,
}

impl VmOutcome {
    /// The outcome in words.
    pub fn as_str(&self) -> &'static str {
        match self {
            VmOutcome::Succeeded => "succeeded",
            VmOutcome::Skipped => "skipped",
            VmOutcome::Refused => "refused",
            VmOutcome::Failed => "failed",
            VmOutcome::LeftRunning => "left running",
            VmOutcome::NotStarted => "not started",
        }
    }

    /// `true` for the outcomes that leave the VM where the run wanted it (succeeded, skipped).
    pub fn is_ok(&self) -> bool {
        matches!(self, VmOutcome::Succeeded | VmOutcome::Skipped)
    }
}

impl fmt::Display for VmOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The result of one VM in a bulk run: what a drill report lists per VM.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct VmResult {
    /// The protected item's name.
    pub item: String,
    /// The source VM's ARM id, if known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_vm_id: Option<String>,
    /// The operation.
    pub operation: BulkOperation,
    /// How it ended.
    pub outcome: VmOutcome,
    /// When its operation started (accepted or attached), if it did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_at: Option<DateTime<Utc>>,
    /// When it ended (succeeded, failed, or the run stopped).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ended_at: Option<DateTime<Utc>>,
    /// `ended_at - started_at` in milliseconds (print with
    /// [`HumanDuration`](crate::human::HumanDuration)).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_ms: Option<u64>,
    /// The recovery point a failover used: its time, when the item reported it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recovery_point_time: Option<DateTime<Utc>>,
    /// RPO at failover: the age of that recovery point when the operation started, in
    /// milliseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rpo_ms: Option<u64>,
    /// The jobs that ran for it (ARM ids, or operation URLs when the job is not known).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub job_ids: Vec<String>,
    /// The item's state afterwards (as last read).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub final_state: Option<ItemSnapshot>,
    /// The error in one line (failed or refused VMs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The refusal, for a refused VM.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refusal: Option<RefusalReport>,
    /// The failure, for a failed VM.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure: Option<VmFailure>,
    /// The re-protect batch (0-based), for a re-protect.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub batch: Option<usize>,
}

impl VmResult {
    /// A result with only the item, the operation and the outcome.
    pub fn new(item: impl Into<String>, operation: BulkOperation, outcome: VmOutcome) -> Self {
        VmResult {
            item: item.into(),
            source_vm_id: None,
            operation,
            outcome,
            started_at: None,
            ended_at: None,
            duration_ms: None,
            recovery_point_time: None,
            rpo_ms: None,
            job_ids: Vec::new(),
            final_state: None,
            error: None,
            refusal: None,
            failure: None,
            batch: None,
        }
    }

    /// How long the operation took.
    pub fn duration(&self) -> Option<Duration> {
        self.duration_ms.map(Duration::from_millis)
    }

    /// The RPO at failover (age of the recovery point used).
    pub fn rpo(&self) -> Option<Duration> {
        self.rpo_ms.map(Duration::from_millis)
    }
}

/// The outcome of a bulk run: one [`VmResult`] per VM, in the order given.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct BulkRunResult {
    /// The operation.
    pub operation: BulkOperation,
    /// The vault's ARM id.
    pub vault: String,
    /// When the run started.
    pub started_at: DateTime<Utc>,
    /// When it ended.
    pub ended_at: DateTime<Utc>,
    /// One result per VM, in the order the VMs were given.
    pub results: Vec<VmResult>,
    /// `true` when the run was stopped before every VM was done.
    #[serde(default)]
    pub stopped: bool,
}

impl BulkRunResult {
    /// How many VMs ended with `outcome`.
    pub fn count(&self, outcome: VmOutcome) -> usize {
        self.results.iter().filter(|r| r.outcome == outcome).count()
    }

    /// `true` when every VM succeeded or was skipped.
    pub fn is_success(&self) -> bool {
        self.results.iter().all(|r| r.outcome.is_ok())
    }

    /// The VMs that did not end where the run wanted them (failed, refused, left running, not
    /// started).
    pub fn problems(&self) -> impl Iterator<Item = &VmResult> {
        self.results.iter().filter(|r| !r.outcome.is_ok())
    }

    /// The result of item `name` (case-insensitive, as ARM names are).
    pub fn get(&self, name: &str) -> Option<&VmResult> {
        self.results
            .iter()
            .find(|r| r.item.eq_ignore_ascii_case(name))
    }

    /// How long the run took.
    pub fn duration(&self) -> Duration {
        (self.ended_at - self.started_at)
            .to_std()
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lifecycle::RecoveryPointChoice;

    /// Events and results are what checkpoints and reports keep: their JSON reads back as the
    /// same value, in camelCase with the event's kind as a tag.
    #[test]
    fn events_and_results_round_trip_through_json() {
        let at = DateTime::parse_from_rfc3339("2026-01-01T00:00:00Z")
            .map(|t| t.with_timezone(&Utc))
            .unwrap();
        let events = [
            BulkEventKind::Queued { batch: Some(1) },
            BulkEventKind::Started {
                job_id: Some("/jobs/1".into()),
                attached: true,
            },
            BulkEventKind::Failed {
                failure: VmFailure::new(FailureKind::MaybeSent, "reset"),
            },
            BulkEventKind::LeftRunning { job_id: None },
        ];
        for kind in events {
            let e = BulkEvent {
                item: "web-01".into(),
                at,
                kind,
            };
            let json = serde_json::to_value(&e).unwrap();
            assert_eq!(json["item"], "web-01");
            assert!(json["event"].is_string(), "{json}");
            let back: BulkEvent = serde_json::from_value(json).unwrap();
            assert_eq!(back, e);
        }
        let json = serde_json::to_value(BulkEventKind::Started {
            job_id: None,
            attached: false,
        })
        .unwrap();
        assert_eq!(
            json,
            serde_json::json!({"event": "started", "attached": false})
        );

        let mut r = VmResult::new(
            "db-01",
            BulkOperation::UnplannedFailover {
                recovery_point: RecoveryPointChoice::Custom("/rp/1".into()),
                shutdown_source: false,
            },
            VmOutcome::Succeeded,
        );
        r.rpo_ms = Some(90_000);
        let text = serde_json::to_string(&r).unwrap();
        assert!(text.contains(r#""recoveryPoint":"/rp/1""#), "{text}");
        let back: VmResult = serde_json::from_str(&text).unwrap();
        assert_eq!(back, r);
        assert_eq!(back.rpo(), Some(Duration::from_secs(90)));
        assert!(serde_json::from_str::<BulkOperation>(
            r#"{"operation":"testFailover","recoveryPoint":"Custom"}"#
        )
        .is_err());
    }
}
