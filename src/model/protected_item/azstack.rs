//! The Azure Stack Hub `customProperties` of a protected item: `AzStackToAzStack` (forward
//! protection, source stamp → target stamp) and `AzStackToAzStackFailback` (the failback
//! direction, after re-protect).
//!
//! **Mostly inferred, not documented by Microsoft.** The public specs define no Azure Stack Hub
//! instance type. Documented by Microsoft are only `sourceAzStackVirtualMachineId` (the VM on the
//! source stamp) and, on `AzStackToAzStackFailback`, `applianceId`, `logStorageAccountId`,
//! `policyName` and `replicationExtensionName` (the `reprotect` body). Every other field name here
//! is this crate's inference in the style of the public HCI types (see the README's table of
//! what is documented by Microsoft and what is inferred). A stamp that names a field differently still round-trips: the
//! field lands in `additional_properties` and is written back, and a request body keeps it.

use crate::model::enums::ProtectedItemActiveLocation;
use crate::model::timestamp::Timestamp;
use crate::model_struct;

model_struct! {
    /// A replicated disk of an Azure Stack Hub VM, as the service reports it (read-only).
    ///
    /// Inferred, not documented by Microsoft: every field name.
    pub struct AzStackProtectedDisk {
        /// The ARM id of the source managed disk on the source stamp.
        source_disk_id: String => "sourceDiskId",
        /// The source disk's name.
        source_disk_name: String => "sourceDiskName",
        /// The disk size in GB.
        disk_size_gb: i64 => "diskSizeGB",
        /// Whether this is the OS disk.
        is_os_disk: bool => "isOsDisk",
        /// The ARM id of the cache (log) storage account the disk replicates through.
        storage_account_id: String => "storageAccountId",
        /// The ARM id of the replica disk (on the target stamp; on the appliance after re-protect).
        replica_disk_id: String => "replicaDiskId",
        /// The ARM id of the disk created by the last test failover, if any.
        test_failover_disk_id: String => "testFailoverDiskId",
    }
}

model_struct! {
    /// A replicated NIC of an Azure Stack Hub VM, as the service reports it (read-only).
    ///
    /// Inferred, not documented by Microsoft: every field name.
    pub struct AzStackProtectedNic {
        /// The ARM id of the source NIC.
        nic_id: String => "nicId",
        /// Whether this is the VM's primary NIC.
        is_primary_nic: bool => "isPrimaryNic",
        /// The ARM id of the source virtual network.
        source_network_id: String => "sourceNetworkId",
        /// The source subnet's name.
        source_subnet_name: String => "sourceSubnetName",
        /// The source private IP address.
        source_ip_address: String => "sourceIpAddress",
        /// The ARM id of the virtual network on the target stamp.
        target_network_id: String => "targetNetworkId",
        /// The target subnet's name.
        target_subnet_name: String => "targetSubnetName",
        /// The private IP address on the target stamp (static), if set.
        target_ip_address: String => "targetIpAddress",
        /// The ARM id of the test failover virtual network.
        test_network_id: String => "testNetworkId",
        /// The test failover subnet's name.
        test_subnet_name: String => "testSubnetName",
    }
}

model_struct! {
    /// `customProperties` of an Azure Stack Hub VM protected from one stamp to another
    /// (`instanceType` `AzStackToAzStack`).
    ///
    /// Inferred, not documented by Microsoft: the `instanceType` and every field except
    /// `sourceAzStackVirtualMachineId`. Writable fields are sent on create; read-only ones are
    /// reported by the service and never sent back.
    pub struct AzStackToAzStackProtectedItemCustomProperties {
        /// The ARM id of the VM on the source stamp (writable; documented by Microsoft).
        source_az_stack_virtual_machine_id: String => "sourceAzStackVirtualMachineId",
        /// The ARM id of the replication appliance (fabric agent) (writable).
        appliance_id: String => "applianceId",
        /// The ARM id of the target resource group on the target stamp (writable).
        target_resource_group_id: String => "targetResourceGroupId",
        /// The ARM id of the target virtual network (writable).
        target_network_id: String => "targetNetworkId",
        /// The target subnet's name (writable).
        target_subnet_name: String => "targetSubnetName",
        /// The ARM id of the test failover virtual network (writable).
        test_network_id: String => "testNetworkId",
        /// The test failover subnet's name (writable).
        test_subnet_name: String => "testSubnetName",
        /// The ARM id of the cache (log) storage account (writable).
        log_storage_account_id: String => "logStorageAccountId",
        /// The name of the VM created on failover (writable).
        target_vm_name: String => "targetVmName",
        /// The size of the VM created on failover, e.g. `Standard_DS2_v2` (writable).
        target_vm_size: String => "targetVmSize",
        /// Where the workload runs now (read-only).
        active_location: ProtectedItemActiveLocation => "activeLocation",
        /// The source VM's name (read-only).
        source_vm_name: String => "sourceVmName",
        /// The OS type, e.g. `Windows` (read-only).
        os_type: String => "osType",
        /// Initial replication progress, 0-100 (read-only).
        initial_replication_progress_percentage: i32 => "initialReplicationProgressPercentage",
        /// Resync progress, 0-100 (read-only).
        resync_progress_percentage: i32 => "resyncProgressPercentage",
        /// When the last recovery point arrived (read-only).
        last_recovery_point_received: Timestamp => "lastRecoveryPointReceived",
        /// The last recovery point's id (read-only).
        last_recovery_point_id: String => "lastRecoveryPointId",
        /// The recovery point the VM failed over to (read-only).
        failover_recovery_point_id: String => "failoverRecoveryPointId",
        /// The replicated disks (read-only).
        protected_disks: Vec<AzStackProtectedDisk> => "protectedDisks",
        /// The replicated NICs (read-only).
        protected_nics: Vec<AzStackProtectedNic> => "protectedNics",
    }
}

model_struct! {
    /// `customProperties` of an Azure Stack Hub VM in the failback direction, after re-protect
    /// (`instanceType` `AzStackToAzStackFailback`).
    ///
    /// Documented by Microsoft: the `instanceType` and `applianceId`, `logStorageAccountId`,
    /// `policyName`, `replicationExtensionName` (the `reprotect` body), and
    /// `sourceAzStackVirtualMachineId`. Inferred, not documented by Microsoft: that the item
    /// reports the forward type's read-only fields under this type.
    pub struct AzStackToAzStackFailbackProtectedItemCustomProperties {
        /// The ARM id of the VM on the original source stamp (documented by Microsoft).
        source_az_stack_virtual_machine_id: String => "sourceAzStackVirtualMachineId",
        /// The ARM id of the appliance that replicates back (documented; writable).
        appliance_id: String => "applianceId",
        /// The ARM id of the cache (log) storage account for failback (documented; writable).
        log_storage_account_id: String => "logStorageAccountId",
        /// The failback replication policy's name, e.g. `failback-default-replication-policy`
        /// (documented; writable).
        policy_name: String => "policyName",
        /// The failback replication extension's name, e.g. `default-failback-extension`
        /// (documented; writable).
        replication_extension_name: String => "replicationExtensionName",
        /// Where the workload runs now (read-only).
        active_location: ProtectedItemActiveLocation => "activeLocation",
        /// The source VM's name (read-only).
        source_vm_name: String => "sourceVmName",
        /// The OS type (read-only).
        os_type: String => "osType",
        /// Initial replication progress, 0-100 (read-only).
        initial_replication_progress_percentage: i32 => "initialReplicationProgressPercentage",
        /// Resync progress, 0-100 (read-only).
        resync_progress_percentage: i32 => "resyncProgressPercentage",
        /// When the last recovery point arrived (read-only).
        last_recovery_point_received: Timestamp => "lastRecoveryPointReceived",
        /// The last recovery point's id (read-only).
        last_recovery_point_id: String => "lastRecoveryPointId",
        /// The recovery point the VM failed over to (read-only).
        failover_recovery_point_id: String => "failoverRecoveryPointId",
        /// The replicated disks (read-only).
        protected_disks: Vec<AzStackProtectedDisk> => "protectedDisks",
        /// The replicated NICs (read-only).
        protected_nics: Vec<AzStackProtectedNic> => "protectedNics",
    }
}

/// Read-only fields of both Azure Stack Hub protected-item types (never sent in a request body).
pub(crate) const AZSTACK_READ_ONLY: &[&str] = &[
    "activeLocation",
    "sourceVmName",
    "osType",
    "initialReplicationProgressPercentage",
    "resyncProgressPercentage",
    "lastRecoveryPointReceived",
    "lastRecoveryPointId",
    "failoverRecoveryPointId",
    "protectedDisks",
    "protectedNics",
];
