//! The values of a bulk run: the operation, the options, the VMs, the events and the results.
//! All of them are plain data (`Clone`, serde), so a caller can log them, save them in a
//! checkpoint, or render them into a report.

use crate::error::{Error, RefusalKind};
use crate::lifecycle::{self, ItemState, Operation, OperationKind, RecoveryPointChoice};
use crate::model::{HealthError, ProtectedItem, Reprotect};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::time::Duration;

/// The operation a bulk run applies to every VM.
///
/// Plain data (serde, `camelCase`, tagged by `operation`) so a checkpoint or a report can keep
/// it:
///
/// ```
/// use azs_site_recovery::lifecycle::RecoveryPointChoice;
/// use azs_site_recovery::orchestrate::BulkOperation;
/// let op = BulkOperation::TestFailover { recovery_point: RecoveryPointChoice::LatestProcessed };
/// let json = serde_json::to_string(&op).unwrap();
/// assert_eq!(json, r#"{"operation":"testFailover","recoveryPoint":"LatestProcessed"}"#);
/// assert_eq!(serde_json::from_str::<BulkOperation>(&json).unwrap(), op);
/// assert_eq!(op.to_string(), "test failover");
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "operation", rename_all = "camelCase")]
#[non_exhaustive]
pub enum BulkOperation {
    /// Enable protection (PUT of each [`BulkItem::new_item`]); ends when initial replication
    /// does.
    EnableProtection,
    /// Test failover to the chosen recovery point.
    #[serde(rename_all = "camelCase")]
    TestFailover {
        /// The recovery point (a custom one is written as its id).
        #[serde(with = "recovery_point_serde")]
        recovery_point: RecoveryPointChoice,
    },
    /// Clean up a test failover (delete the test VMs).
    CleanupTestFailover,
    /// Planned failover.
    #[serde(rename_all = "camelCase")]
    PlannedFailover {
        /// Shut the source VM down before the failover starts.
        shutdown_source: bool,
    },
    /// Unplanned failover to the chosen recovery point.
    #[serde(rename_all = "camelCase")]
    UnplannedFailover {
        /// The recovery point.
        #[serde(with = "recovery_point_serde")]
        recovery_point: RecoveryPointChoice,
        /// Try to shut the source VM down first.
        shutdown_source: bool,
    },
    /// Commit a completed failover.
    Commit,
    /// Re-protect (replicate back) with this `AzStackToAzStackFailback` body; packed into
    /// batches by the appliance's free data-disk slots.
    Reprotect {
        /// The re-protect body (appliance, log storage account, failback policy and
        /// extension).
        body: Box<Reprotect>,
    },
    /// Fail back a re-protected item (its planned failover).
    #[serde(rename_all = "camelCase")]
    Failback {
        /// Shut the VM on the recovery stamp down first.
        shutdown_source: bool,
    },
    /// Disable protection (DELETE of the item).
    DisableProtection {
        /// `forceDelete=true`.
        force: bool,
    },
    /// The documented way back to protection after a committed failback: "you must disable
    /// protection, remove the agent, and then enable protection again". Disables, runs the
    /// runner's [`AgentRemoval`] step, waits until the item is gone, enables again with the
    /// item's previous settings.
    ReenableAfterFailback,
}

impl BulkOperation {
    /// The lifecycle operation sent for each VM (for re-enable: the first one, the disable).
    pub fn lifecycle_operation(&self) -> Operation {
        match self {
            BulkOperation::EnableProtection => Operation::EnableProtection,
            BulkOperation::TestFailover { recovery_point } => Operation::TestFailover {
                recovery_point: recovery_point.clone(),
            },
            BulkOperation::CleanupTestFailover => Operation::CleanupTestFailover,
            BulkOperation::PlannedFailover { shutdown_source } => Operation::PlannedFailover {
                shutdown_source: *shutdown_source,
            },
            BulkOperation::UnplannedFailover {
                recovery_point,
                shutdown_source,
            } => Operation::UnplannedFailover {
                recovery_point: recovery_point.clone(),
                shutdown_source: *shutdown_source,
            },
            BulkOperation::Commit => Operation::Commit,
            BulkOperation::Reprotect { .. } => Operation::Reprotect,
            BulkOperation::Failback { shutdown_source } => Operation::Failback {
                shutdown_source: *shutdown_source,
            },
            BulkOperation::DisableProtection { force } => {
                Operation::DisableProtection { force: *force }
            }
            BulkOperation::ReenableAfterFailback => Operation::DisableProtection { force: false },
        }
    }

    /// The kind of lifecycle operation (for re-enable: the disable it starts with).
    pub fn kind(&self) -> OperationKind {
        self.lifecycle_operation().kind()
    }

    /// The operation in words, e.g. `"planned failover"`.
    pub fn as_str(&self) -> &'static str {
        match self {
            BulkOperation::ReenableAfterFailback => "re-enable protection after failback",
            other => other.kind().as_str(),
        }
    }

    /// `true` for the operations that move a workload (planned, unplanned failover and
    /// failback): never sent twice to the same item in one run.
    pub fn is_failover(&self) -> bool {
        matches!(
            self,
            BulkOperation::PlannedFailover { .. }
                | BulkOperation::UnplannedFailover { .. }
                | BulkOperation::Failback { .. }
        )
    }

    /// The recovery point chosen, for the operations that take one.
    pub fn recovery_point(&self) -> Option<&RecoveryPointChoice> {
        match self {
            BulkOperation::TestFailover { recovery_point }
            | BulkOperation::UnplannedFailover { recovery_point, .. } => Some(recovery_point),
            _ => None,
        }
    }
}

impl fmt::Display for BulkOperation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A recovery point choice as one string: `Latest`, `LatestProcessed`,
/// `LatestApplicationConsistent`, or the id of a custom recovery point.
mod recovery_point_serde {
    use crate::lifecycle::RecoveryPointChoice;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(rp: &RecoveryPointChoice, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(rp.custom_id().unwrap_or(rp.as_str()))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<RecoveryPointChoice, D::Error> {
        let s = String::deserialize(d)?;
        Ok(match s.as_str() {
            "Latest" => RecoveryPointChoice::Latest,
            "LatestProcessed" => RecoveryPointChoice::LatestProcessed,
            "LatestApplicationConsistent" => RecoveryPointChoice::LatestApplicationConsistent,
            "" | "Custom" => {
                return Err(serde::de::Error::custom(
                    "a custom recovery point is written as its id, not `Custom` or empty",
                ))
            }
            _ => RecoveryPointChoice::Custom(s),
        })
    }
}

/// How a bulk run behaves.
///
/// ```
/// use azs_site_recovery::orchestrate::BulkOptions;
/// let options = BulkOptions::default().concurrency(25);
/// assert_eq!(options.concurrency, 25);
/// assert!(options.wait_for_completion);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
#[non_exhaustive]
pub struct BulkOptions {
    /// At most this many operations in flight at once (default 10, as the portal). `0` counts
    /// as 1.
    pub concurrency: usize,
    /// Wait for each operation to finish (default `true`). With `false` a VM succeeds as soon
    /// as the service accepted its operation, and its job goes on.
    pub wait_for_completion: bool,
    /// The first pause between two starts after the service answered 429 (default 1 s); each
    /// further 429 doubles it up to [`BulkOptions::max_start_interval`], each accepted start
    /// halves it again.
    #[serde(with = "duration_ms")]
    pub throttle_start_interval: Duration,
    /// The longest pause between two starts (default 60 s).
    #[serde(with = "duration_ms")]
    pub max_start_interval: Duration,
    /// How many 429 answers one VM's start may get before the VM fails (default 20).
    pub max_throttled_attempts: u32,
    /// Re-protect: the appliance's free data-disk slots per batch. `None` (default): the
    /// runner reads them from the appliance (31 data-disk slots minus the disks attached).
    pub reprotect_free_slots: Option<u32>,
    /// Check each VM against the lifecycle before acting (default `true`); with `false`
    /// everything not skipped is sent and the service decides.
    pub check_lifecycle: bool,
}

impl Default for BulkOptions {
    fn default() -> Self {
        BulkOptions {
            concurrency: 10,
            wait_for_completion: true,
            throttle_start_interval: Duration::from_secs(1),
            max_start_interval: Duration::from_secs(60),
            max_throttled_attempts: 20,
            reprotect_free_slots: None,
            check_lifecycle: true,
        }
    }
}

impl BulkOptions {
    /// Sets [`BulkOptions::concurrency`].
    pub fn concurrency(mut self, n: usize) -> Self {
        self.concurrency = n;
        self
    }

    /// Sets [`BulkOptions::wait_for_completion`].
    pub fn wait_for_completion(mut self, wait: bool) -> Self {
        self.wait_for_completion = wait;
        self
    }

    /// Sets [`BulkOptions::reprotect_free_slots`].
    pub fn reprotect_free_slots(mut self, slots: u32) -> Self {
        self.reprotect_free_slots = Some(slots);
        self
    }

    /// Sets [`BulkOptions::throttle_start_interval`] and
    /// [`BulkOptions::max_start_interval`].
    pub fn throttle_intervals(mut self, first: Duration, max: Duration) -> Self {
        self.throttle_start_interval = first;
        self.max_start_interval = max.max(first);
        self
    }

    /// Sets [`BulkOptions::check_lifecycle`].
    pub fn check_lifecycle(mut self, check: bool) -> Self {
        self.check_lifecycle = check;
        self
    }
}

mod duration_ms {
    use serde::{Deserialize, Deserializer, Serializer};
    use std::time::Duration;

    pub fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        Ok(Duration::from_millis(u64::deserialize(d)?))
    }
}

/// One VM of a bulk run: the protected item's name, and for enabling protection the item to
/// create.
///
/// ```
/// use azs_site_recovery::orchestrate::BulkItem;
/// let item = BulkItem::named("web01");
/// assert_eq!(item.name, "web01");
/// assert!(item.new_item.is_none());
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct BulkItem {
    /// The protected item's name in the vault.
    pub name: String,
    /// The source VM's ARM id, when known (filled from the item when the run reads it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_vm_id: Option<String>,
    /// The item to create, for [`BulkOperation::EnableProtection`] (e.g. from
    /// `NewAzStackProtectedItem::build`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new_item: Option<Box<ProtectedItem>>,
}

impl BulkItem {
    /// An existing protected item, by name.
    pub fn named(name: impl Into<String>) -> Self {
        BulkItem {
            name: name.into(),
            source_vm_id: None,
            new_item: None,
        }
    }

    /// A discovered VM to protect, as its [`SourceVm::item_name`], with `template`'s settings
    /// (policy, extension, appliance, target resource group and networks, log storage
    /// account) and the VM's own id.
    ///
    /// ```
    /// use azs_site_recovery::model::NewAzStackProtectedItem;
    /// use azs_site_recovery::orchestrate::{BulkItem, SourceVm};
    /// let vm: SourceVm = serde_json::from_value(serde_json::json!({
    ///     "id": "/subscriptions/s/resourceGroups/app/providers/Microsoft.Compute/virtualMachines/web-01",
    ///     "name": "web-01", "resourceGroup": "app", "subscriptionId": "s", "disks": [],
    ///     "itemName": "web-01", "protectability": {"canProtect": true}
    /// })).unwrap();
    /// let template = NewAzStackProtectedItem::new("policy", "extension", "")
    ///     .appliance_id("/subscriptions/t/resourceGroups/asr/providers/Microsoft.DataReplication/replicationFabrics/f/fabricAgents/a")
    ///     .target_resource_group_id("/subscriptions/t/resourceGroups/dr")
    ///     .target_network("/subscriptions/t/resourceGroups/net/providers/Microsoft.Network/virtualNetworks/dr", "default")
    ///     .log_storage_account_id("/subscriptions/t/resourceGroups/dr/providers/Microsoft.Storage/storageAccounts/cache");
    /// let item = BulkItem::protect(&vm, &template).unwrap();
    /// assert_eq!(item.name, "web-01");
    /// assert_eq!(item.source_vm_id.as_deref(), Some(vm.id.as_str()));
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidInput`] when the template misses a required setting.
    ///
    /// [`SourceVm::item_name`]: crate::orchestrate::SourceVm::item_name
    pub fn protect(
        vm: &crate::orchestrate::SourceVm,
        template: &crate::model::NewAzStackProtectedItem,
    ) -> Result<Self, Error> {
        let item = template
            .clone()
            .custom_field("sourceAzStackVirtualMachineId", vm.id.clone())
            .build()
            .map_err(|e| Error::invalid_input("protected item template", e.to_string()))?;
        let mut out = BulkItem::enable(&vm.item_name, item);
        out.source_vm_id = Some(vm.id.clone());
        Ok(out)
    }

    /// A VM to protect as item `name` with the body `item` (for
    /// [`BulkOperation::EnableProtection`]).
    pub fn enable(name: impl Into<String>, item: ProtectedItem) -> Self {
        BulkItem {
            name: name.into(),
            source_vm_id: item.source_vm_id().map(str::to_owned),
            new_item: Some(Box::new(item)),
        }
    }
}

/// What the caller's agent-removal step of [`BulkOperation::ReenableAfterFailback`] is told:
/// the item disabled and the VM whose agent to remove.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct AgentRemovalRequest {
    /// The protected item's name.
    pub item: String,
    /// The source VM's ARM id, if the item reported it.
    pub source_vm_id: Option<String>,
}

/// The caller-supplied step that removes the replication agent from a VM (how depends on the
/// VM: a run command, a script over SSH, a configuration tool). `Err` carries what went wrong;
/// the VM then fails with it and is not enabled again.
pub type AgentRemoval = std::sync::Arc<
    dyn Fn(
            AgentRemovalRequest,
        )
            -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<(), String>> + Send>>
        + Send
        + Sync,
>;

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
    /// The service kept answering 429 beyond [`BulkOptions::max_throttled_attempts`].
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
