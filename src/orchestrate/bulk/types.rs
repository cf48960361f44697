//! The values of a bulk run: the operation, the options, the VMs, the events and the results.
//! All of them are plain data (`Clone`, serde), so a caller can log them, save them in a
//! checkpoint, or render them into a report.

use crate::error::Error;
use crate::lifecycle::{Operation, OperationKind, RecoveryPointChoice};
use crate::model::{ProtectedItem, Reprotect};
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
