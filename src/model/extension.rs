//! Replication extensions (`.../replicationVaults/{vault}/replicationExtensions`): the pairing
//! of a source and a target fabric, with the storage account that caches replicated data.

use crate::model::common::SystemData;
use crate::model::enums::ProvisioningState;
use crate::model::request_body::{writable_polymorphic, writable_struct};

writable_struct! {
    /// A replication extension (`ReplicationExtensionModel`).
    pub struct ReplicationExtension [drop] {
        /// The ARM id (read-only).
        ro id: String => "id",
        /// The name (read-only).
        ro name: String => "name",
        /// The ARM resource type (read-only).
        ro resource_type: String => "type",
        /// ARM's `systemData` (read-only).
        ro system_data: SystemData => "systemData",
        /// The properties.
        rw properties: ReplicationExtensionProperties => "properties",
    }
}

writable_struct! {
    /// The properties of a replication extension (`ReplicationExtensionModelProperties`).
    pub struct ReplicationExtensionProperties [keep] {
        /// The provisioning state (read-only).
        ro provisioning_state: ProvisioningState => "provisioningState",
        /// The scenario-specific properties, by `instanceType` (required).
        rw custom_properties: ReplicationExtensionCustomProperties => "customProperties",
    }
}

writable_polymorphic! {
    /// The scenario-specific properties of a replication extension, by `instanceType`.
    ///
    /// `AzStackToAzStack` is **inferred, not documented by Microsoft**; a stamp that differs can
    /// still be driven through `additional_properties` or `Unknown`.
    pub enum ReplicationExtensionCustomProperties {
        /// `HyperVToAzStackHCI`.
        HyperVToAzStackHCI(HyperVToAzStackHCIReplicationExtensionCustomProperties) = "HyperVToAzStackHCI",
        /// `VMwareToAzStackHCI`.
        VMwareToAzStackHCI(VMwareToAzStackHCIReplicationExtensionCustomProperties) = "VMwareToAzStackHCI",
        /// `AzStackToAzStack` (inferred, not documented by Microsoft).
        AzStackToAzStack(AzStackToAzStackReplicationExtensionCustomProperties) = "AzStackToAzStack",
    }
}

writable_struct! {
    /// `HyperVToAzStackHCI` extension properties
    /// (`HyperVToAzStackHCIReplicationExtensionModelCustomProperties`).
    pub struct HyperVToAzStackHCIReplicationExtensionCustomProperties [keep] {
        /// The ARM id of the Hyper-V fabric (required).
        rw hyper_v_fabric_arm_id: String => "hyperVFabricArmId",
        /// The ARM id of the Hyper-V site (read-only).
        ro hyper_v_site_id: String => "hyperVSiteId",
        /// The ARM id of the Azure Stack HCI fabric (required).
        rw az_stack_hci_fabric_arm_id: String => "azStackHciFabricArmId",
        /// The ARM id of the Azure Stack HCI site (read-only).
        ro az_stack_hci_site_id: String => "azStackHciSiteId",
        /// The ARM id of the cache storage account.
        rw storage_account_id: String => "storageAccountId",
        /// The name of the secret holding the storage account SAS.
        rw storage_account_sas_secret_name: String => "storageAccountSasSecretName",
        /// The ASR service URI (read-only).
        ro asr_service_uri: String => "asrServiceUri",
        /// The RCM service URI (read-only).
        ro rcm_service_uri: String => "rcmServiceUri",
        /// The gateway service URI (read-only).
        ro gateway_service_uri: String => "gatewayServiceUri",
        /// The source gateway service id (read-only).
        ro source_gateway_service_id: String => "sourceGatewayServiceId",
        /// The target gateway service id (read-only).
        ro target_gateway_service_id: String => "targetGatewayServiceId",
        /// The source storage container name (read-only).
        ro source_storage_container_name: String => "sourceStorageContainerName",
        /// The target storage container name (read-only).
        ro target_storage_container_name: String => "targetStorageContainerName",
        /// The resource location (read-only).
        ro resource_location: String => "resourceLocation",
        /// The subscription id (read-only).
        ro subscription_id: String => "subscriptionId",
        /// The resource group (read-only).
        ro resource_group: String => "resourceGroup",
    }
}

writable_struct! {
    /// `VMwareToAzStackHCI` extension properties
    /// (`VMwareToAzStackHCIReplicationExtensionModelCustomProperties`).
    pub struct VMwareToAzStackHCIReplicationExtensionCustomProperties [keep] {
        /// The ARM id of the VMware fabric (required).
        rw vmware_fabric_arm_id: String => "vmwareFabricArmId",
        /// The ARM id of the VMware site (read-only).
        ro vmware_site_id: String => "vmwareSiteId",
        /// The ARM id of the Azure Stack HCI fabric (required).
        rw az_stack_hci_fabric_arm_id: String => "azStackHciFabricArmId",
        /// The ARM id of the Azure Stack HCI site (read-only).
        ro az_stack_hci_site_id: String => "azStackHciSiteId",
        /// The ARM id of the cache storage account.
        rw storage_account_id: String => "storageAccountId",
        /// The name of the secret holding the storage account SAS.
        rw storage_account_sas_secret_name: String => "storageAccountSasSecretName",
        /// The ASR service URI (read-only).
        ro asr_service_uri: String => "asrServiceUri",
        /// The RCM service URI (read-only).
        ro rcm_service_uri: String => "rcmServiceUri",
        /// The gateway service URI (read-only).
        ro gateway_service_uri: String => "gatewayServiceUri",
        /// The source gateway service id (read-only).
        ro source_gateway_service_id: String => "sourceGatewayServiceId",
        /// The target gateway service id (read-only).
        ro target_gateway_service_id: String => "targetGatewayServiceId",
        /// The source storage container name (read-only).
        ro source_storage_container_name: String => "sourceStorageContainerName",
        /// The target storage container name (read-only).
        ro target_storage_container_name: String => "targetStorageContainerName",
        /// The resource location (read-only).
        ro resource_location: String => "resourceLocation",
        /// The subscription id (read-only).
        ro subscription_id: String => "subscriptionId",
        /// The resource group (read-only).
        ro resource_group: String => "resourceGroup",
    }
}

writable_struct! {
    /// `AzStackToAzStack` extension properties: Azure Stack Hub to Azure Stack Hub.
    ///
    /// **Inferred, not documented by Microsoft** (see the crate's design notes). Fields a stamp
    /// adds are kept in `additional_properties` and sent back.
    pub struct AzStackToAzStackReplicationExtensionCustomProperties [keep] {
        /// The ARM id of the source fabric.
        rw source_fabric_arm_id: String => "sourceFabricArmId",
        /// The ARM id of the target fabric.
        rw target_fabric_arm_id: String => "targetFabricArmId",
        /// The ARM id of the cache storage account.
        rw storage_account_id: String => "storageAccountId",
    }
}
