//! The service's enums, all open: a value added by the service later parses as `Unknown` and
//! is written back unchanged.

use crate::open_enum;

open_enum! {
    /// The health of a fabric or a protected item's replication.
    pub enum HealthStatus {
        /// `Normal`.
        Normal = "Normal",
        /// `Warning`.
        Warning = "Warning",
        /// `Critical`.
        Critical = "Critical",
    }
}

open_enum! {
    /// The kind of object a job acts on (preview: `Dra` instead of `FabricAgent`).
    pub enum JobObjectType {
        /// `AvsDiskPool`.
        AvsDiskPool = "AvsDiskPool",
        /// `FabricAgent`.
        FabricAgent = "FabricAgent",
        /// `Fabric`.
        Fabric = "Fabric",
        /// `Policy`.
        Policy = "Policy",
        /// `ProtectedItem`.
        ProtectedItem = "ProtectedItem",
        /// `RecoveryPlan`.
        RecoveryPlan = "RecoveryPlan",
        /// `ReplicationExtension`.
        ReplicationExtension = "ReplicationExtension",
        /// `Vault`.
        Vault = "Vault",
        /// `Dra`.
        Dra = "Dra",
    }
}

open_enum! {
    /// The state of a job (preview name: `WorkflowState`).
    pub enum JobState {
        /// `Pending`.
        Pending = "Pending",
        /// `Started`.
        Started = "Started",
        /// `Cancelling`.
        Cancelling = "Cancelling",
        /// `Succeeded`.
        Succeeded = "Succeeded",
        /// `Failed`.
        Failed = "Failed",
        /// `Cancelled`.
        Cancelled = "Cancelled",
        /// `CompletedWithInformation`.
        CompletedWithInformation = "CompletedWithInformation",
        /// `CompletedWithWarnings`.
        CompletedWithWarnings = "CompletedWithWarnings",
        /// `CompletedWithErrors`.
        CompletedWithErrors = "CompletedWithErrors",
    }
}

open_enum! {
    /// The status of a private endpoint connection.
    pub enum PrivateEndpointConnectionStatus {
        /// `Approved`.
        Approved = "Approved",
        /// `Disconnected`.
        Disconnected = "Disconnected",
        /// `Pending`.
        Pending = "Pending",
        /// `Rejected`.
        Rejected = "Rejected",
    }
}

open_enum! {
    /// Where a protected item's workload currently runs.
    pub enum ProtectedItemActiveLocation {
        /// `Primary`.
        Primary = "Primary",
        /// `Recovery`.
        Recovery = "Recovery",
    }
}

open_enum! {
    /// The protection state of a protected item (52 values; `*StatesBegin`/`*StatesEnd` are range markers the spec defines, not states an item is in).
    pub enum ProtectionState {
        /// `UnprotectedStatesBegin`.
        UnprotectedStatesBegin = "UnprotectedStatesBegin",
        /// `EnablingProtection`.
        EnablingProtection = "EnablingProtection",
        /// `EnablingFailed`.
        EnablingFailed = "EnablingFailed",
        /// `DisablingProtection`.
        DisablingProtection = "DisablingProtection",
        /// `MarkedForDeletion`.
        MarkedForDeletion = "MarkedForDeletion",
        /// `DisablingFailed`.
        DisablingFailed = "DisablingFailed",
        /// `UnprotectedStatesEnd`.
        UnprotectedStatesEnd = "UnprotectedStatesEnd",
        /// `InitialReplicationStatesBegin`.
        InitialReplicationStatesBegin = "InitialReplicationStatesBegin",
        /// `InitialReplicationInProgress`.
        InitialReplicationInProgress = "InitialReplicationInProgress",
        /// `InitialReplicationCompletedOnPrimary`.
        InitialReplicationCompletedOnPrimary = "InitialReplicationCompletedOnPrimary",
        /// `InitialReplicationCompletedOnRecovery`.
        InitialReplicationCompletedOnRecovery = "InitialReplicationCompletedOnRecovery",
        /// `InitialReplicationFailed`.
        InitialReplicationFailed = "InitialReplicationFailed",
        /// `InitialReplicationStatesEnd`.
        InitialReplicationStatesEnd = "InitialReplicationStatesEnd",
        /// `ProtectedStatesBegin`.
        ProtectedStatesBegin = "ProtectedStatesBegin",
        /// `Protected`.
        Protected = "Protected",
        /// `ProtectedStatesEnd`.
        ProtectedStatesEnd = "ProtectedStatesEnd",
        /// `PlannedFailoverTransitionStatesBegin`.
        PlannedFailoverTransitionStatesBegin = "PlannedFailoverTransitionStatesBegin",
        /// `PlannedFailoverInitiated`.
        PlannedFailoverInitiated = "PlannedFailoverInitiated",
        /// `PlannedFailoverCompleting`.
        PlannedFailoverCompleting = "PlannedFailoverCompleting",
        /// `PlannedFailoverCompleted`.
        PlannedFailoverCompleted = "PlannedFailoverCompleted",
        /// `PlannedFailoverFailed`.
        PlannedFailoverFailed = "PlannedFailoverFailed",
        /// `PlannedFailoverCompletionFailed`.
        PlannedFailoverCompletionFailed = "PlannedFailoverCompletionFailed",
        /// `PlannedFailoverTransitionStatesEnd`.
        PlannedFailoverTransitionStatesEnd = "PlannedFailoverTransitionStatesEnd",
        /// `UnplannedFailoverTransitionStatesBegin`.
        UnplannedFailoverTransitionStatesBegin = "UnplannedFailoverTransitionStatesBegin",
        /// `UnplannedFailoverInitiated`.
        UnplannedFailoverInitiated = "UnplannedFailoverInitiated",
        /// `UnplannedFailoverCompleting`.
        UnplannedFailoverCompleting = "UnplannedFailoverCompleting",
        /// `UnplannedFailoverCompleted`.
        UnplannedFailoverCompleted = "UnplannedFailoverCompleted",
        /// `UnplannedFailoverFailed`.
        UnplannedFailoverFailed = "UnplannedFailoverFailed",
        /// `UnplannedFailoverCompletionFailed`.
        UnplannedFailoverCompletionFailed = "UnplannedFailoverCompletionFailed",
        /// `UnplannedFailoverTransitionStatesEnd`.
        UnplannedFailoverTransitionStatesEnd = "UnplannedFailoverTransitionStatesEnd",
        /// `CommitFailoverStatesBegin`.
        CommitFailoverStatesBegin = "CommitFailoverStatesBegin",
        /// `CommitFailoverInProgressOnPrimary`.
        CommitFailoverInProgressOnPrimary = "CommitFailoverInProgressOnPrimary",
        /// `CommitFailoverInProgressOnRecovery`.
        CommitFailoverInProgressOnRecovery = "CommitFailoverInProgressOnRecovery",
        /// `CommitFailoverCompleted`.
        CommitFailoverCompleted = "CommitFailoverCompleted",
        /// `CommitFailoverFailedOnPrimary`.
        CommitFailoverFailedOnPrimary = "CommitFailoverFailedOnPrimary",
        /// `CommitFailoverFailedOnRecovery`.
        CommitFailoverFailedOnRecovery = "CommitFailoverFailedOnRecovery",
        /// `CommitFailoverStatesEnd`.
        CommitFailoverStatesEnd = "CommitFailoverStatesEnd",
        /// `CancelFailoverStatesBegin`.
        CancelFailoverStatesBegin = "CancelFailoverStatesBegin",
        /// `CancelFailoverInProgressOnPrimary`.
        CancelFailoverInProgressOnPrimary = "CancelFailoverInProgressOnPrimary",
        /// `CancelFailoverInProgressOnRecovery`.
        CancelFailoverInProgressOnRecovery = "CancelFailoverInProgressOnRecovery",
        /// `CancelFailoverFailedOnPrimary`.
        CancelFailoverFailedOnPrimary = "CancelFailoverFailedOnPrimary",
        /// `CancelFailoverFailedOnRecovery`.
        CancelFailoverFailedOnRecovery = "CancelFailoverFailedOnRecovery",
        /// `CancelFailoverStatesEnd`.
        CancelFailoverStatesEnd = "CancelFailoverStatesEnd",
        /// `ChangeRecoveryPointStatesBegin`.
        ChangeRecoveryPointStatesBegin = "ChangeRecoveryPointStatesBegin",
        /// `ChangeRecoveryPointInitiated`.
        ChangeRecoveryPointInitiated = "ChangeRecoveryPointInitiated",
        /// `ChangeRecoveryPointCompleted`.
        ChangeRecoveryPointCompleted = "ChangeRecoveryPointCompleted",
        /// `ChangeRecoveryPointFailed`.
        ChangeRecoveryPointFailed = "ChangeRecoveryPointFailed",
        /// `ChangeRecoveryPointStatesEnd`.
        ChangeRecoveryPointStatesEnd = "ChangeRecoveryPointStatesEnd",
        /// `ReprotectStatesBegin`.
        ReprotectStatesBegin = "ReprotectStatesBegin",
        /// `ReprotectInitiated`.
        ReprotectInitiated = "ReprotectInitiated",
        /// `ReprotectFailed`.
        ReprotectFailed = "ReprotectFailed",
        /// `ReprotectStatesEnd`.
        ReprotectStatesEnd = "ReprotectStatesEnd",
    }
}

open_enum! {
    /// Whether a vault is reachable from public networks (2026-05-01).
    pub enum PublicNetworkAccess {
        /// `Enabled`.
        Enabled = "Enabled",
        /// `Disabled`.
        Disabled = "Disabled",
    }
}

open_enum! {
    /// The consistency of a recovery point.
    pub enum RecoveryPointType {
        /// `ApplicationConsistent`.
        ApplicationConsistent = "ApplicationConsistent",
        /// `CrashConsistent`.
        CrashConsistent = "CrashConsistent",
    }
}

open_enum! {
    /// The kind of vault.
    pub enum ReplicationVaultType {
        /// `DisasterRecovery`.
        DisasterRecovery = "DisasterRecovery",
        /// `Migrate`.
        Migrate = "Migrate",
    }
}

open_enum! {
    /// The resynchronization state of a protected item.
    pub enum ResynchronizationState {
        /// `None`.
        None = "None",
        /// `ResynchronizationInitiated`.
        ResynchronizationInitiated = "ResynchronizationInitiated",
        /// `ResynchronizationCompleted`.
        ResynchronizationCompleted = "ResynchronizationCompleted",
        /// `ResynchronizationFailed`.
        ResynchronizationFailed = "ResynchronizationFailed",
    }
}

open_enum! {
    /// The security type of an Azure Stack HCI target VM (2026-05-01).
    pub enum SecurityOption {
        /// `None`.
        None = "None",
        /// `SecureBootEnabled`.
        SecureBootEnabled = "SecureBootEnabled",
        /// `EnablevTPM`.
        EnablevTPM = "EnablevTPM",
        /// `TrustedLaunch`.
        TrustedLaunch = "TrustedLaunch",
    }
}

open_enum! {
    /// The state of one task of a job.
    pub enum TaskState {
        /// `Pending`.
        Pending = "Pending",
        /// `Started`.
        Started = "Started",
        /// `Succeeded`.
        Succeeded = "Succeeded",
        /// `Failed`.
        Failed = "Failed",
        /// `Cancelled`.
        Cancelled = "Cancelled",
        /// `Skipped`.
        Skipped = "Skipped",
    }
}

open_enum! {
    /// The test failover state of a protected item.
    pub enum TestFailoverState {
        /// `None`.
        None = "None",
        /// `TestFailoverInitiated`.
        TestFailoverInitiated = "TestFailoverInitiated",
        /// `TestFailoverCompleting`.
        TestFailoverCompleting = "TestFailoverCompleting",
        /// `TestFailoverCompleted`.
        TestFailoverCompleted = "TestFailoverCompleted",
        /// `TestFailoverFailed`.
        TestFailoverFailed = "TestFailoverFailed",
        /// `TestFailoverCompletionFailed`.
        TestFailoverCompletionFailed = "TestFailoverCompletionFailed",
        /// `TestFailoverCleanupInitiated`.
        TestFailoverCleanupInitiated = "TestFailoverCleanupInitiated",
        /// `TestFailoverCleanupCompleting`.
        TestFailoverCleanupCompleting = "TestFailoverCleanupCompleting",
        /// `MarkedForDeletion`.
        MarkedForDeletion = "MarkedForDeletion",
    }
}

open_enum! {
    /// How a NIC was selected for replication.
    pub enum VmNicSelection {
        /// `NotSelected`.
        NotSelected = "NotSelected",
        /// `SelectedByUser`.
        SelectedByUser = "SelectedByUser",
        /// `SelectedByDefault`.
        SelectedByDefault = "SelectedByDefault",
        /// `SelectedByUserOverride`.
        SelectedByUserOverride = "SelectedByUserOverride",
    }
}

open_enum! {
    /// The resync state of a VMware migration.
    pub enum VMwareToAzureMigrateResyncState {
        /// `None`.
        None = "None",
        /// `PreparedForResynchronization`.
        PreparedForResynchronization = "PreparedForResynchronization",
        /// `StartedResynchronization`.
        StartedResynchronization = "StartedResynchronization",
    }
}

open_enum! {
    /// The managed identity type of a vault.
    pub enum VaultIdentityType {
        /// `None`.
        None = "None",
        /// `SystemAssigned`.
        SystemAssigned = "SystemAssigned",
        /// `UserAssigned`.
        UserAssigned = "UserAssigned",
    }
}

open_enum! {
    /// The private endpoint state of a vault (2026-05-01).
    pub enum VaultPrivateEndpointState {
        /// `None`.
        None = "None",
        /// `InProgress`.
        InProgress = "InProgress",
        /// `Succeeded`.
        Succeeded = "Succeeded",
        /// `Deleting`.
        Deleting = "Deleting",
        /// `Failed`.
        Failed = "Failed",
        /// `Pending`.
        Pending = "Pending",
    }
}

open_enum! {
    /// The kind of identity that created or modified a resource (`systemData`).
    pub enum CreatedByType {
        /// `User`.
        User = "User",
        /// `Application`.
        Application = "Application",
        /// `ManagedIdentity`.
        ManagedIdentity = "ManagedIdentity",
        /// `Key`.
        Key = "Key",
    }
}
open_enum! {
    /// The provisioning state of a resource. The service spells the cancelled state both
    /// `Canceled` (the spec) and `Cancelled` (jobs and tasks); both are kept as sent.
    pub enum ProvisioningState {
        /// `Canceled` (the spec's spelling).
        Canceled = "Canceled",
        /// `Cancelled` (the spelling of jobs and tasks, also seen here).
        Cancelled = "Cancelled",
        /// `Creating`.
        Creating = "Creating",
        /// `Deleting`.
        Deleting = "Deleting",
        /// `Deleted`.
        Deleted = "Deleted",
        /// `Failed`.
        Failed = "Failed",
        /// `Succeeded`.
        Succeeded = "Succeeded",
        /// `Updating`.
        Updating = "Updating",
    }
}

impl ProvisioningState {
    /// `true` once nothing more will happen: succeeded, failed, cancelled (either spelling) or
    /// deleted.
    pub fn is_terminal(&self) -> bool {
        matches!(
            self,
            Self::Succeeded | Self::Failed | Self::Canceled | Self::Cancelled | Self::Deleted
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_values_round_trip() {
        let s: TestFailoverState = serde_json::from_str("\"SomethingNew\"").unwrap();
        assert_eq!(s, TestFailoverState::Unknown("SomethingNew".into()));
        assert_eq!(serde_json::to_string(&s).unwrap(), "\"SomethingNew\"");
    }

    #[test]
    fn status_values_parse_case_insensitively() {
        assert_eq!(
            ProvisioningState::parse("succeeded"),
            ProvisioningState::Succeeded
        );
        assert_eq!(
            ProvisioningState::parse("CANCELLED"),
            ProvisioningState::Cancelled
        );
        assert_eq!(
            ProvisioningState::parse("Canceled"),
            ProvisioningState::Canceled
        );
        assert_eq!(
            JobState::parse("completedwithwarnings"),
            JobState::CompletedWithWarnings
        );
    }

    #[test]
    fn protection_state_has_all_52_values() {
        assert_eq!(ProtectionState::KNOWN.len(), 52);
        assert_eq!(TestFailoverState::KNOWN.len(), 9);
    }
}
