//! Fabrics (`Microsoft.DataReplication/replicationFabrics`): a source or target site, with its
//! scenario-specific `customProperties`.

use crate::model::common::{HealthError, SystemData};
use crate::model::enums::{HealthStatus, ProvisioningState};
use crate::model::request_body::{writable_polymorphic, writable_struct};
use std::collections::BTreeMap;

writable_struct! {
    /// A fabric (`FabricModel`): a tracked resource, with `location` and `tags`.
    ///
    /// ```
    /// use azs_site_recovery::model::{Fabric, FabricCustomProperties};
    ///
    /// let fabric: Fabric = serde_json::from_str(r#"{
    ///     "location": "local",
    ///     "properties": {"customProperties": {
    ///         "instanceType": "VMwareMigrate",
    ///         "vmwareSiteId": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.OffAzure/VMwareSites/site",
    ///         "migrationSolutionId": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Migrate/MigrateProjects/p/Solutions/s"
    ///     }}
    /// }"#).unwrap();
    /// let custom = fabric.properties.as_ref().unwrap().custom_properties.as_ref().unwrap();
    /// assert!(matches!(custom, FabricCustomProperties::VMwareMigrate(_)));
    /// ```
    pub struct Fabric [drop] {
        /// The ARM id (read-only).
        ro id: String => "id",
        /// The name (read-only).
        ro name: String => "name",
        /// The ARM resource type (read-only).
        ro resource_type: String => "type",
        /// ARM's `systemData` (read-only).
        ro system_data: SystemData => "systemData",
        /// The region (required on create).
        rw location: String => "location",
        /// Resource tags.
        rw tags: BTreeMap<String, String> => "tags",
        /// The properties.
        rw properties: FabricProperties => "properties",
    }
}

writable_struct! {
    /// The properties of a fabric (`FabricModelProperties`).
    pub struct FabricProperties [keep] {
        /// The provisioning state (read-only).
        ro provisioning_state: ProvisioningState => "provisioningState",
        /// The service endpoint (read-only).
        ro service_endpoint: String => "serviceEndpoint",
        /// The service resource id (read-only).
        ro service_resource_id: String => "serviceResourceId",
        /// The fabric's health (read-only).
        ro health: HealthStatus => "health",
        /// The health errors (read-only).
        ro health_errors: Vec<HealthError> => "healthErrors",
        /// The scenario-specific properties, by `instanceType` (required).
        rw custom_properties: FabricCustomProperties => "customProperties",
    }
}

writable_polymorphic! {
    /// The scenario-specific properties of a fabric, by `instanceType`.
    ///
    /// The public specs define only the Azure Stack HCI / Azure Migrate types. A fabric of an
    /// Azure Stack Hub stamp uses a type they do not describe: it is kept, whole, in `Unknown`
    /// (and sent back whole), so build one with `FabricCustomProperties::Unknown(map)` when the
    /// stamp needs it.
    pub enum FabricCustomProperties {
        /// `AzStackHCI`: an Azure Stack HCI cluster (the target of HCI migrations).
        AzStackHCI(AzStackHCIFabricCustomProperties) = "AzStackHCI",
        /// `HyperVMigrate`: a Hyper-V site of Azure Migrate.
        HyperVMigrate(HyperVMigrateFabricCustomProperties) = "HyperVMigrate",
        /// `VMwareMigrate`: a VMware site of Azure Migrate.
        VMwareMigrate(VMwareMigrateFabricCustomProperties) = "VMwareMigrate",
    }
}

writable_struct! {
    /// `AzStackHCI` fabric properties (`AzStackHCIFabricModelCustomProperties`).
    pub struct AzStackHCIFabricCustomProperties [keep] {
        /// The ARM id of the Azure Stack HCI site (required).
        rw az_stack_hci_site_id: String => "azStackHciSiteId",
        /// The appliance names (read-only).
        ro appliance_name: Vec<String> => "applianceName",
        /// The cluster (required).
        rw cluster: AzStackHCIClusterProperties => "cluster",
        /// The fabric resource id (read-only).
        ro fabric_resource_id: String => "fabricResourceId",
        /// The fabric container id (read-only).
        ro fabric_container_id: String => "fabricContainerId",
        /// The ARM id of the migration solution (required).
        rw migration_solution_id: String => "migrationSolutionId",
        /// The migration hub URI (read-only).
        ro migration_hub_uri: String => "migrationHubUri",
    }
}

writable_struct! {
    /// An Azure Stack HCI cluster (`AzStackHCIClusterProperties`).
    pub struct AzStackHCIClusterProperties [keep] {
        /// The cluster name.
        rw cluster_name: String => "clusterName",
        /// The cluster's resource name.
        rw resource_name: String => "resourceName",
        /// The storage account name.
        rw storage_account_name: String => "storageAccountName",
        /// The storage containers.
        rw storage_containers: Vec<StorageContainerProperties> => "storageContainers",
    }
}

writable_struct! {
    /// A storage container of an Azure Stack HCI cluster (`StorageContainerProperties`).
    pub struct StorageContainerProperties [keep] {
        /// The container name.
        rw name: String => "name",
        /// The cluster shared volume path.
        rw cluster_shared_volume_path: String => "clusterSharedVolumePath",
    }
}

writable_struct! {
    /// `HyperVMigrate` fabric properties (`HyperVMigrateFabricModelCustomProperties`).
    pub struct HyperVMigrateFabricCustomProperties [keep] {
        /// The ARM id of the Hyper-V site (required).
        rw hyper_v_site_id: String => "hyperVSiteId",
        /// The fabric resource id (read-only).
        ro fabric_resource_id: String => "fabricResourceId",
        /// The fabric container id (read-only).
        ro fabric_container_id: String => "fabricContainerId",
        /// The ARM id of the migration solution (required).
        rw migration_solution_id: String => "migrationSolutionId",
        /// The migration hub URI (read-only).
        ro migration_hub_uri: String => "migrationHubUri",
    }
}

writable_struct! {
    /// `VMwareMigrate` fabric properties (`VMwareMigrateFabricModelCustomProperties`).
    pub struct VMwareMigrateFabricCustomProperties [keep] {
        /// The ARM id of the VMware site (required).
        rw vmware_site_id: String => "vmwareSiteId",
        /// The ARM id of the migration solution (required).
        rw migration_solution_id: String => "migrationSolutionId",
    }
}

writable_struct! {
    /// The body of a fabric update (`PATCH`, `FabricModelUpdate`).
    pub struct FabricUpdate [drop] {
        /// The ARM id (read-only).
        ro id: String => "id",
        /// The name (read-only).
        ro name: String => "name",
        /// The ARM resource type (read-only).
        ro resource_type: String => "type",
        /// ARM's `systemData` (read-only).
        ro system_data: SystemData => "systemData",
        /// Resource tags.
        rw tags: BTreeMap<String, String> => "tags",
        /// The properties.
        rw properties: FabricProperties => "properties",
    }
}

/// The spec's name for [`FabricUpdate`].
pub type FabricModelUpdate = FabricUpdate;
