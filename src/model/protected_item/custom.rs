//! The polymorphic `customProperties` of a protected item and accessors across its types.

use super::azstack::{
    AzStackToAzStackFailbackProtectedItemCustomProperties,
    AzStackToAzStackProtectedItemCustomProperties,
};
use super::hci::{
    HyperVToAzStackHciProtectedItemCustomProperties,
    VMwareToAzStackHciProtectedItemCustomProperties,
};
use crate::model::enums::ProtectedItemActiveLocation;
use crate::model::timestamp::Timestamp;
use crate::polymorphic;

polymorphic! {
    /// The scenario-specific properties of a protected item, by `instanceType`.
    ///
    /// The HCI types are the public spec's; the two Azure Stack Hub types are documented only in
    /// part (see [`AzStackToAzStackProtectedItemCustomProperties`]). Any other `instanceType`
    /// (including the spec examples' placeholder `ProtectedItemModelCustomProperties`) is kept
    /// verbatim in `Unknown`.
    ///
    /// ```
    /// use azs_site_recovery::model::ProtectedItemCustomProperties;
    /// let cp: ProtectedItemCustomProperties = serde_json::from_str(
    ///     r#"{"instanceType":"AzStackToAzStack","sourceAzStackVirtualMachineId":"/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/web01","activeLocation":"Primary"}"#,
    /// ).unwrap();
    /// assert_eq!(cp.instance_type(), Some("AzStackToAzStack"));
    /// assert!(cp.source_vm_id().unwrap().ends_with("/web01"));
    /// ```
    pub enum ProtectedItemCustomProperties {
        /// `HyperVToAzStackHCI` (public spec).
        HyperVToAzStackHCI(HyperVToAzStackHciProtectedItemCustomProperties) = "HyperVToAzStackHCI",
        /// `VMwareToAzStackHCI` (public spec).
        VMwareToAzStackHCI(VMwareToAzStackHciProtectedItemCustomProperties) = "VMwareToAzStackHCI",
        /// `AzStackToAzStack`: Azure Stack Hub forward protection (inferred, not documented by
        /// Microsoft).
        AzStackToAzStack(AzStackToAzStackProtectedItemCustomProperties) = "AzStackToAzStack",
        /// `AzStackToAzStackFailback`: Azure Stack Hub failback direction (documented by
        /// Microsoft as the `reprotect` body's type).
        AzStackToAzStackFailback(AzStackToAzStackFailbackProtectedItemCustomProperties) = "AzStackToAzStackFailback",
    }
}

/// Reads a field every known variant has under the same name.
macro_rules! each_known {
    ($self:ident, $v:ident => $e:expr) => {
        match $self {
            ProtectedItemCustomProperties::HyperVToAzStackHCI($v) => $e,
            ProtectedItemCustomProperties::VMwareToAzStackHCI($v) => $e,
            ProtectedItemCustomProperties::AzStackToAzStack($v) => $e,
            ProtectedItemCustomProperties::AzStackToAzStackFailback($v) => $e,
            ProtectedItemCustomProperties::Unknown(_) => None,
        }
    };
}

impl ProtectedItemCustomProperties {
    /// Where the workload runs now (`activeLocation`): `Primary` before failover, `Recovery`
    /// after it. `None` for an unknown type or when the service did not say.
    pub fn active_location(&self) -> Option<&ProtectedItemActiveLocation> {
        each_known!(self, c => c.active_location.as_ref())
    }

    /// The ARM id of the protected VM on its source: `sourceAzStackVirtualMachineId` for the
    /// Azure Stack Hub types, `fabricDiscoveryMachineId` for the HCI types. For an unknown type,
    /// `sourceAzStackVirtualMachineId` if the object has one.
    pub fn source_vm_id(&self) -> Option<&str> {
        match self {
            Self::HyperVToAzStackHCI(c) => c.fabric_discovery_machine_id.as_deref(),
            Self::VMwareToAzStackHCI(c) => c.fabric_discovery_machine_id.as_deref(),
            Self::AzStackToAzStack(c) => c.source_az_stack_virtual_machine_id.as_deref(),
            Self::AzStackToAzStackFailback(c) => c.source_az_stack_virtual_machine_id.as_deref(),
            Self::Unknown(m) => m
                .get("sourceAzStackVirtualMachineId")
                .and_then(|v| v.as_str()),
        }
    }

    /// The source VM's display name (`sourceVmName`).
    pub fn source_vm_name(&self) -> Option<&str> {
        each_known!(self, c => c.source_vm_name.as_deref())
    }

    /// The target VM's name (`targetVmName`), where the type has one.
    pub fn target_vm_name(&self) -> Option<&str> {
        match self {
            Self::HyperVToAzStackHCI(c) => c.target_vm_name.as_deref(),
            Self::VMwareToAzStackHCI(c) => c.target_vm_name.as_deref(),
            Self::AzStackToAzStack(c) => c.target_vm_name.as_deref(),
            _ => None,
        }
    }

    /// Initial replication progress, 0-100 (`initialReplicationProgressPercentage`).
    pub fn initial_replication_progress_percentage(&self) -> Option<i32> {
        each_known!(self, c => c.initial_replication_progress_percentage)
    }

    /// Resync progress, 0-100 (`resyncProgressPercentage`).
    pub fn resync_progress_percentage(&self) -> Option<i32> {
        each_known!(self, c => c.resync_progress_percentage)
    }

    /// The last recovery point's id (`lastRecoveryPointId`).
    pub fn last_recovery_point_id(&self) -> Option<&str> {
        each_known!(self, c => c.last_recovery_point_id.as_deref())
    }

    /// When the last recovery point arrived (`lastRecoveryPointReceived`).
    pub fn last_recovery_point_received(&self) -> Option<&Timestamp> {
        each_known!(self, c => c.last_recovery_point_received.as_ref())
    }

    /// The recovery point the VM failed over to (`failoverRecoveryPointId`).
    pub fn failover_recovery_point_id(&self) -> Option<&str> {
        each_known!(self, c => c.failover_recovery_point_id.as_deref())
    }

    /// The OS type (`osType`).
    pub fn os_type(&self) -> Option<&str> {
        each_known!(self, c => c.os_type.as_deref())
    }

    /// The number of replicated disks the service reports (`protectedDisks`), if it reports them.
    pub fn protected_disk_count(&self) -> Option<usize> {
        each_known!(self, c => c.protected_disks.as_ref().map(Vec::len))
    }

    /// The appliance (fabric agent) ARM id (`applianceId`) of the Azure Stack Hub types.
    pub fn appliance_id(&self) -> Option<&str> {
        match self {
            Self::AzStackToAzStack(c) => c.appliance_id.as_deref(),
            Self::AzStackToAzStackFailback(c) => c.appliance_id.as_deref(),
            _ => None,
        }
    }

    /// The forward Azure Stack Hub properties, if this is `AzStackToAzStack`.
    pub fn as_azstack(&self) -> Option<&AzStackToAzStackProtectedItemCustomProperties> {
        match self {
            Self::AzStackToAzStack(c) => Some(c),
            _ => None,
        }
    }

    /// The failback Azure Stack Hub properties, if this is `AzStackToAzStackFailback`.
    pub fn as_azstack_failback(
        &self,
    ) -> Option<&AzStackToAzStackFailbackProtectedItemCustomProperties> {
        match self {
            Self::AzStackToAzStackFailback(c) => Some(c),
            _ => None,
        }
    }
}

impl From<AzStackToAzStackProtectedItemCustomProperties> for ProtectedItemCustomProperties {
    fn from(c: AzStackToAzStackProtectedItemCustomProperties) -> Self {
        Self::AzStackToAzStack(c)
    }
}

impl From<AzStackToAzStackFailbackProtectedItemCustomProperties> for ProtectedItemCustomProperties {
    fn from(c: AzStackToAzStackFailbackProtectedItemCustomProperties) -> Self {
        Self::AzStackToAzStackFailback(c)
    }
}

impl From<HyperVToAzStackHciProtectedItemCustomProperties> for ProtectedItemCustomProperties {
    fn from(c: HyperVToAzStackHciProtectedItemCustomProperties) -> Self {
        Self::HyperVToAzStackHCI(c)
    }
}

impl From<VMwareToAzStackHciProtectedItemCustomProperties> for ProtectedItemCustomProperties {
    fn from(c: VMwareToAzStackHciProtectedItemCustomProperties) -> Self {
        Self::VMwareToAzStackHCI(c)
    }
}
