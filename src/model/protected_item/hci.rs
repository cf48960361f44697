//! The public spec's Azure Stack HCI `customProperties` of a protected item: Hyper-V and VMware
//! sources replicating to Azure Stack HCI (all fields of `2021-02-16-preview`, `2024-09-01` and
//! `2026-05-01`).
//!
//! Preview names the appliances `sourceDraName`/`targetDraName`; later versions
//! `sourceFabricAgentName`/`targetFabricAgentName`. Both are separate fields (a round trip writes
//! back exactly what came); the accessors read whichever is there.

use crate::model::enums::{
    ProtectedItemActiveLocation, SecurityOption, VMwareToAzureMigrateResyncState, VmNicSelection,
};
use crate::model::timestamp::Timestamp;
use crate::model_struct;

model_struct! {
    /// The disk controller a disk is attached to (`DiskControllerInputs`, 2024-09-01 and later).
    pub struct DiskControllerInputs {
        /// The controller name, e.g. `SCSI`.
        controller_name: String => "controllerName",
        /// The controller id.
        controller_id: i32 => "controllerId",
        /// The location on the controller.
        controller_location: i32 => "controllerLocation",
    }
}

model_struct! {
    /// A disk to replicate (`HyperVToAzStackHCIDiskInput` / `VMwareToAzStackHCIDiskInput`, which
    /// are identical). All writable.
    pub struct AzStackHciDiskInput {
        /// The source disk id (required).
        disk_id: String => "diskId",
        /// The target storage container ARM id.
        storage_container_id: String => "storageContainerId",
        /// Whether the disk is dynamically expanding.
        is_dynamic: bool => "isDynamic",
        /// The disk size in GB (required).
        disk_size_gb: i64 => "diskSizeGB",
        /// The disk file format, e.g. `VHDX` (required).
        disk_file_format: String => "diskFileFormat",
        /// Whether this is the OS disk (required).
        is_os_disk: bool => "isOsDisk",
        /// The block size (2024-09-01 and later).
        disk_block_size: i64 => "diskBlockSize",
        /// The logical sector size (2024-09-01 and later).
        disk_logical_sector_size: i64 => "diskLogicalSectorSize",
        /// The physical sector size (2024-09-01 and later).
        disk_physical_sector_size: i64 => "diskPhysicalSectorSize",
        /// The disk identifier (2024-09-01 and later).
        disk_identifier: String => "diskIdentifier",
        /// The disk controller (2024-09-01 and later).
        disk_controller: DiskControllerInputs => "diskController",
    }
}

model_struct! {
    /// A NIC to replicate from Hyper-V (`HyperVToAzStackHCINicInput`).
    pub struct HyperVToAzStackHciNicInput {
        /// The NIC id (required).
        nic_id: String => "nicId",
        /// The network name (read-only).
        network_name: String => "networkName",
        /// The target network id.
        target_network_id: String => "targetNetworkId",
        /// The test network id.
        test_network_id: String => "testNetworkId",
        /// How the NIC was selected for failover (required).
        selection_type_for_failover: VmNicSelection => "selectionTypeForFailover",
        /// Whether the static IP is migrated (2024-09-01 and later).
        is_static_ip_migration_enabled: bool => "isStaticIpMigrationEnabled",
        /// Whether the MAC address is migrated (2024-09-01 and later).
        is_mac_migration_enabled: bool => "isMacMigrationEnabled",
    }
}

model_struct! {
    /// A NIC to replicate from VMware (`VMwareToAzStackHCINicInput`).
    pub struct VMwareToAzStackHciNicInput {
        /// The NIC id (required).
        nic_id: String => "nicId",
        /// The NIC label (required).
        label: String => "label",
        /// The network name (read-only).
        network_name: String => "networkName",
        /// The target network id.
        target_network_id: String => "targetNetworkId",
        /// The test network id.
        test_network_id: String => "testNetworkId",
        /// How the NIC was selected for failover (required).
        selection_type_for_failover: VmNicSelection => "selectionTypeForFailover",
        /// Whether the static IP is migrated (2024-09-01 and later).
        is_static_ip_migration_enabled: bool => "isStaticIpMigrationEnabled",
        /// Whether the MAC address is migrated (2024-09-01 and later).
        is_mac_migration_enabled: bool => "isMacMigrationEnabled",
    }
}

model_struct! {
    /// A replicated disk as the service reports it (`HyperVToAzStackHCIProtectedDiskProperties` /
    /// `VMwareToAzStackHCIProtectedDiskProperties`, which are identical). All read-only.
    pub struct AzStackHciProtectedDisk {
        /// The target storage container ARM id.
        storage_container_id: String => "storageContainerId",
        /// The local path of the storage container.
        storage_container_local_path: String => "storageContainerLocalPath",
        /// The source disk id.
        source_disk_id: String => "sourceDiskId",
        /// The source disk name.
        source_disk_name: String => "sourceDiskName",
        /// The seed disk name.
        seed_disk_name: String => "seedDiskName",
        /// The test-migrate disk name.
        test_migrate_disk_name: String => "testMigrateDiskName",
        /// The migrate disk name.
        migrate_disk_name: String => "migrateDiskName",
        /// Whether this is the OS disk.
        is_os_disk: bool => "isOsDisk",
        /// The capacity in bytes.
        capacity_in_bytes: i64 => "capacityInBytes",
        /// Whether the disk is dynamically expanding.
        is_dynamic: bool => "isDynamic",
        /// The disk type.
        disk_type: String => "diskType",
        /// The block size (2024-09-01 and later).
        disk_block_size: i64 => "diskBlockSize",
        /// The logical sector size (2024-09-01 and later).
        disk_logical_sector_size: i64 => "diskLogicalSectorSize",
        /// The physical sector size (2024-09-01 and later).
        disk_physical_sector_size: i64 => "diskPhysicalSectorSize",
    }
}

model_struct! {
    /// A replicated Hyper-V NIC as the service reports it
    /// (`HyperVToAzStackHCIProtectedNicProperties`). All read-only.
    pub struct HyperVToAzStackHciProtectedNic {
        /// The NIC id.
        nic_id: String => "nicId",
        /// The MAC address.
        mac_address: String => "macAddress",
        /// The network name.
        network_name: String => "networkName",
        /// The target network id.
        target_network_id: String => "targetNetworkId",
        /// The test network id.
        test_network_id: String => "testNetworkId",
        /// How the NIC was selected for failover.
        selection_type_for_failover: VmNicSelection => "selectionTypeForFailover",
    }
}

model_struct! {
    /// A replicated VMware NIC as the service reports it
    /// (`VMwareToAzStackHCIProtectedNicProperties`).
    pub struct VMwareToAzStackHciProtectedNic {
        /// The NIC id.
        nic_id: String => "nicId",
        /// The MAC address.
        mac_address: String => "macAddress",
        /// The NIC label.
        label: String => "label",
        /// Whether this is the primary NIC (writable in the spec).
        is_primary_nic: bool => "isPrimaryNic",
        /// The network name.
        network_name: String => "networkName",
        /// The target network id.
        target_network_id: String => "targetNetworkId",
        /// The test network id.
        test_network_id: String => "testNetworkId",
        /// How the NIC was selected for failover.
        selection_type_for_failover: VmNicSelection => "selectionTypeForFailover",
    }
}

model_struct! {
    /// Dynamic memory settings of the target VM (`ProtectedItemDynamicMemoryConfig`).
    pub struct ProtectedItemDynamicMemoryConfig {
        /// The maximum memory in MB.
        maximum_memory_in_mega_bytes: i64 => "maximumMemoryInMegaBytes",
        /// The minimum memory in MB.
        minimum_memory_in_mega_bytes: i64 => "minimumMemoryInMegaBytes",
        /// The memory buffer percentage.
        target_memory_buffer_percentage: i32 => "targetMemoryBufferPercentage",
    }
}

model_struct! {
    /// `HyperVToAzStackHCIProtectedItemModelCustomProperties`: a Hyper-V VM replicating to Azure
    /// Stack HCI.
    pub struct HyperVToAzStackHciProtectedItemCustomProperties {
        /// Where the workload runs now (read-only).
        active_location: ProtectedItemActiveLocation => "activeLocation",
        /// The target HCI cluster ARM id (required).
        target_hci_cluster_id: String => "targetHciClusterId",
        /// The target Arc cluster custom location ARM id (required).
        target_arc_cluster_custom_location_id: String => "targetArcClusterCustomLocationId",
        /// The target cluster name (read-only).
        target_az_stack_hci_cluster_name: String => "targetAzStackHciClusterName",
        /// The discovered machine's ARM id (required).
        fabric_discovery_machine_id: String => "fabricDiscoveryMachineId",
        /// The disks to replicate (required).
        disks_to_include: Vec<AzStackHciDiskInput> => "disksToInclude",
        /// The NICs to replicate (required).
        nics_to_include: Vec<HyperVToAzStackHciNicInput> => "nicsToInclude",
        /// The source VM name (read-only).
        source_vm_name: String => "sourceVmName",
        /// The source VM's CPU cores (read-only).
        source_cpu_cores: i32 => "sourceCpuCores",
        /// The source VM's memory in MB (read-only).
        source_memory_in_mega_bytes: f64 => "sourceMemoryInMegaBytes",
        /// The target VM name.
        target_vm_name: String => "targetVmName",
        /// The target resource group ARM id (required).
        target_resource_group_id: String => "targetResourceGroupId",
        /// The target storage container ARM id (required).
        storage_container_id: String => "storageContainerId",
        /// The hypervisor generation (required).
        hyper_v_generation: String => "hyperVGeneration",
        /// The target network id.
        target_network_id: String => "targetNetworkId",
        /// The test network id.
        test_network_id: String => "testNetworkId",
        /// The target CPU cores.
        target_cpu_cores: i32 => "targetCpuCores",
        /// Whether memory is dynamic.
        is_dynamic_ram: bool => "isDynamicRam",
        /// The dynamic memory settings.
        dynamic_memory_config: ProtectedItemDynamicMemoryConfig => "dynamicMemoryConfig",
        /// The target memory in MB.
        target_memory_in_mega_bytes: i32 => "targetMemoryInMegaBytes",
        /// The Run As account id (required).
        run_as_account_id: String => "runAsAccountId",
        /// The source appliance name (2024-09-01 and later; required).
        source_fabric_agent_name: String => "sourceFabricAgentName",
        /// The target appliance name (2024-09-01 and later; required).
        target_fabric_agent_name: String => "targetFabricAgentName",
        /// The source appliance name (preview name of `sourceFabricAgentName`).
        source_dra_name: String => "sourceDraName",
        /// The target appliance name (preview name of `targetFabricAgentName`).
        target_dra_name: String => "targetDraName",
        /// The source appliance display name (read-only).
        source_appliance_name: String => "sourceApplianceName",
        /// The target appliance display name (read-only).
        target_appliance_name: String => "targetApplianceName",
        /// The OS type (read-only).
        os_type: String => "osType",
        /// The OS name (read-only).
        os_name: String => "osName",
        /// The firmware type (read-only).
        firmware_type: String => "firmwareType",
        /// The target location (read-only).
        target_location: String => "targetLocation",
        /// The custom location's region (required).
        custom_location_region: String => "customLocationRegion",
        /// The recovery point the VM failed over to (read-only).
        failover_recovery_point_id: String => "failoverRecoveryPointId",
        /// When the last recovery point arrived (read-only).
        last_recovery_point_received: Timestamp => "lastRecoveryPointReceived",
        /// The last recovery point id (read-only).
        last_recovery_point_id: String => "lastRecoveryPointId",
        /// Initial replication progress, 0-100 (read-only).
        initial_replication_progress_percentage: i32 => "initialReplicationProgressPercentage",
        /// Resync progress, 0-100 (read-only).
        resync_progress_percentage: i32 => "resyncProgressPercentage",
        /// The replicated disks (read-only).
        protected_disks: Vec<AzStackHciProtectedDisk> => "protectedDisks",
        /// The replicated NICs (read-only).
        protected_nics: Vec<HyperVToAzStackHciProtectedNic> => "protectedNics",
        /// The target VM's BIOS id (read-only).
        target_vm_bios_id: String => "targetVmBiosId",
        /// When the replication status last changed (read-only).
        last_replication_update_time: Timestamp => "lastReplicationUpdateTime",
        /// The security option (2026-05-01 and later).
        security_option: SecurityOption => "securityOption",
        /// Whether to convert to generation 2 (2026-05-01 and later).
        convert_to_gen2: bool => "convertToGen2",
        /// Whether to migrate as an Arc VM (2026-05-01 and later).
        migrate_as_arc_vm: bool => "migrateAsArcVM",
    }
}

model_struct! {
    /// `VMwareToAzStackHCIProtectedItemModelCustomProperties`: a VMware VM replicating to Azure
    /// Stack HCI.
    pub struct VMwareToAzStackHciProtectedItemCustomProperties {
        /// Where the workload runs now (read-only).
        active_location: ProtectedItemActiveLocation => "activeLocation",
        /// The target HCI cluster ARM id (required).
        target_hci_cluster_id: String => "targetHciClusterId",
        /// The target Arc cluster custom location ARM id (required).
        target_arc_cluster_custom_location_id: String => "targetArcClusterCustomLocationId",
        /// The target cluster name (read-only).
        target_az_stack_hci_cluster_name: String => "targetAzStackHciClusterName",
        /// The target storage container ARM id (required).
        storage_container_id: String => "storageContainerId",
        /// The target resource group ARM id (required).
        target_resource_group_id: String => "targetResourceGroupId",
        /// The target location (read-only).
        target_location: String => "targetLocation",
        /// The custom location's region (required).
        custom_location_region: String => "customLocationRegion",
        /// The disks to replicate (required).
        disks_to_include: Vec<AzStackHciDiskInput> => "disksToInclude",
        /// The NICs to replicate (required).
        nics_to_include: Vec<VMwareToAzStackHciNicInput> => "nicsToInclude",
        /// The replicated disks (read-only).
        protected_disks: Vec<AzStackHciProtectedDisk> => "protectedDisks",
        /// The replicated NICs (read-only).
        protected_nics: Vec<VMwareToAzStackHciProtectedNic> => "protectedNics",
        /// The target VM's BIOS id (read-only).
        target_vm_bios_id: String => "targetVmBiosId",
        /// The target VM name.
        target_vm_name: String => "targetVmName",
        /// The hypervisor generation (required).
        hyper_v_generation: String => "hyperVGeneration",
        /// The target network id.
        target_network_id: String => "targetNetworkId",
        /// The test network id.
        test_network_id: String => "testNetworkId",
        /// The target CPU cores.
        target_cpu_cores: i32 => "targetCpuCores",
        /// Whether memory is dynamic.
        is_dynamic_ram: bool => "isDynamicRam",
        /// The dynamic memory settings.
        dynamic_memory_config: ProtectedItemDynamicMemoryConfig => "dynamicMemoryConfig",
        /// The target memory in MB.
        target_memory_in_mega_bytes: i32 => "targetMemoryInMegaBytes",
        /// The OS type (read-only).
        os_type: String => "osType",
        /// The OS name (read-only).
        os_name: String => "osName",
        /// The firmware type (read-only).
        firmware_type: String => "firmwareType",
        /// The discovered machine's ARM id (required).
        fabric_discovery_machine_id: String => "fabricDiscoveryMachineId",
        /// The source VM name (read-only).
        source_vm_name: String => "sourceVmName",
        /// The source VM's CPU cores (read-only).
        source_cpu_cores: i32 => "sourceCpuCores",
        /// The source VM's memory in MB (read-only).
        source_memory_in_mega_bytes: f64 => "sourceMemoryInMegaBytes",
        /// The Run As account id (required).
        run_as_account_id: String => "runAsAccountId",
        /// The source appliance name (2024-09-01 and later; required).
        source_fabric_agent_name: String => "sourceFabricAgentName",
        /// The target appliance name (2024-09-01 and later; required).
        target_fabric_agent_name: String => "targetFabricAgentName",
        /// The source appliance name (preview name of `sourceFabricAgentName`).
        source_dra_name: String => "sourceDraName",
        /// The target appliance name (preview name of `targetFabricAgentName`).
        target_dra_name: String => "targetDraName",
        /// The source appliance display name (read-only).
        source_appliance_name: String => "sourceApplianceName",
        /// The target appliance display name (read-only).
        target_appliance_name: String => "targetApplianceName",
        /// The recovery point the VM failed over to (read-only).
        failover_recovery_point_id: String => "failoverRecoveryPointId",
        /// When the last recovery point arrived (read-only).
        last_recovery_point_received: Timestamp => "lastRecoveryPointReceived",
        /// The last recovery point id (read-only).
        last_recovery_point_id: String => "lastRecoveryPointId",
        /// Initial replication progress, 0-100 (read-only).
        initial_replication_progress_percentage: i32 => "initialReplicationProgressPercentage",
        /// Migration progress, 0-100 (read-only).
        migration_progress_percentage: i32 => "migrationProgressPercentage",
        /// Resume progress, 0-100 (read-only).
        resume_progress_percentage: i32 => "resumeProgressPercentage",
        /// Resync progress, 0-100 (read-only).
        resync_progress_percentage: i32 => "resyncProgressPercentage",
        /// The resync retry count (read-only).
        resync_retry_count: i64 => "resyncRetryCount",
        /// Whether a resync is required (read-only).
        resync_required: bool => "resyncRequired",
        /// The resync state (read-only).
        resync_state: VMwareToAzureMigrateResyncState => "resyncState",
        /// Whether to resync automatically.
        perform_auto_resync: bool => "performAutoResync",
        /// The resume retry count (read-only).
        resume_retry_count: i64 => "resumeRetryCount",
        /// When the replication status last changed (read-only).
        last_replication_update_time: Timestamp => "lastReplicationUpdateTime",
        /// The security option (2026-05-01 and later).
        security_option: SecurityOption => "securityOption",
        /// Whether to convert to generation 2 (2026-05-01 and later).
        convert_to_gen2: bool => "convertToGen2",
        /// Whether to migrate as an Arc VM (2026-05-01 and later).
        migrate_as_arc_vm: bool => "migrateAsArcVM",
    }
}

/// Accessors shared by both HCI types for the names that changed between versions.
macro_rules! fabric_agent_name_accessors {
    ($ty:ident) => {
        impl $ty {
            /// The source appliance name under either name (`sourceFabricAgentName`, or preview
            /// `sourceDraName`).
            pub fn source_fabric_agent_name(&self) -> Option<&str> {
                self.source_fabric_agent_name
                    .as_deref()
                    .or(self.source_dra_name.as_deref())
            }

            /// The target appliance name under either name (`targetFabricAgentName`, or preview
            /// `targetDraName`).
            pub fn target_fabric_agent_name(&self) -> Option<&str> {
                self.target_fabric_agent_name
                    .as_deref()
                    .or(self.target_dra_name.as_deref())
            }
        }
    };
}

fabric_agent_name_accessors!(HyperVToAzStackHciProtectedItemCustomProperties);
fabric_agent_name_accessors!(VMwareToAzStackHciProtectedItemCustomProperties);

/// Read-only fields of the HCI protected-item types (never sent in a request body).
pub(crate) const HCI_READ_ONLY: &[&str] = &[
    "activeLocation",
    "targetAzStackHciClusterName",
    "sourceVmName",
    "sourceCpuCores",
    "sourceMemoryInMegaBytes",
    "sourceApplianceName",
    "targetApplianceName",
    "osType",
    "osName",
    "firmwareType",
    "targetLocation",
    "failoverRecoveryPointId",
    "lastRecoveryPointReceived",
    "lastRecoveryPointId",
    "initialReplicationProgressPercentage",
    "migrationProgressPercentage",
    "resumeProgressPercentage",
    "resyncProgressPercentage",
    "resyncRetryCount",
    "resyncRequired",
    "resyncState",
    "resumeRetryCount",
    "protectedDisks",
    "protectedNics",
    "targetVmBiosId",
    "lastReplicationUpdateTime",
];

/// Read-only fields of the HCI NIC inputs (`nicsToInclude[]`).
pub(crate) const HCI_NIC_INPUT_READ_ONLY: &[&str] = &["networkName"];
