//! Replication policies (`.../replicationVaults/{vault}/replicationPolicies`): how often
//! recovery points are taken and how long they are kept.

use crate::model::common::SystemData;
use crate::model::enums::ProvisioningState;
use crate::model::request_body::{writable_polymorphic, writable_struct};

writable_struct! {
    /// A replication policy (`PolicyModel`).
    ///
    /// ```
    /// use azs_site_recovery::model::{PolicyCustomProperties, ReplicationPolicy, RequestBody};
    ///
    /// let policy: ReplicationPolicy = serde_json::from_str(r#"{
    ///     "name": "failback-default-replication-policy",
    ///     "properties": {"provisioningState": "Succeeded", "customProperties": {
    ///         "instanceType": "AzStackToAzStack",
    ///         "recoveryPointHistoryInMinutes": 1440,
    ///         "crashConsistentFrequencyInMinutes": 5,
    ///         "appConsistentFrequencyInMinutes": 60
    ///     }}
    /// }"#).unwrap();
    /// let custom = policy.properties.as_ref().unwrap().custom_properties.as_ref().unwrap();
    /// let PolicyCustomProperties::AzStackToAzStack(p) = custom else { panic!() };
    /// assert_eq!(p.recovery_point_history_in_minutes, Some(1440));
    /// // The request body drops `name` and `provisioningState`.
    /// assert!(policy.to_request_body()["properties"].get("provisioningState").is_none());
    /// ```
    pub struct ReplicationPolicy [drop] {
        /// The ARM id (read-only).
        ro id: String => "id",
        /// The name (read-only).
        ro name: String => "name",
        /// The ARM resource type (read-only).
        ro resource_type: String => "type",
        /// ARM's `systemData` (read-only).
        ro system_data: SystemData => "systemData",
        /// The properties.
        rw properties: ReplicationPolicyProperties => "properties",
    }
}

writable_struct! {
    /// The properties of a replication policy (`PolicyModelProperties`).
    pub struct ReplicationPolicyProperties [keep] {
        /// The provisioning state (read-only).
        ro provisioning_state: ProvisioningState => "provisioningState",
        /// The scenario-specific properties, by `instanceType` (required).
        rw custom_properties: PolicyCustomProperties => "customProperties",
    }
}

writable_polymorphic! {
    /// The scenario-specific properties of a replication policy, by `instanceType`.
    ///
    /// `AzStackToAzStack` (Azure Stack Hub to Azure Stack Hub) is **inferred, not documented by
    /// Microsoft**: its fields are assumed to be those of the HCI policies. A stamp that differs
    /// can still be driven: extra fields go in `additional_properties`, and a different
    /// `instanceType` in `PolicyCustomProperties::Unknown`.
    pub enum PolicyCustomProperties {
        /// `HyperVToAzStackHCI`.
        HyperVToAzStackHCI(HyperVToAzStackHCIPolicyCustomProperties) = "HyperVToAzStackHCI",
        /// `VMwareToAzStackHCI`.
        VMwareToAzStackHCI(VMwareToAzStackHCIPolicyCustomProperties) = "VMwareToAzStackHCI",
        /// `AzStackToAzStack` (inferred, not documented by Microsoft).
        AzStackToAzStack(AzStackToAzStackPolicyCustomProperties) = "AzStackToAzStack",
    }
}

writable_struct! {
    /// `HyperVToAzStackHCI` policy properties (`HyperVToAzStackHCIPolicyModelCustomProperties`).
    pub struct HyperVToAzStackHCIPolicyCustomProperties [keep] {
        /// How long recovery points are kept, in minutes (required).
        rw recovery_point_history_in_minutes: i64 => "recoveryPointHistoryInMinutes",
        /// How often a crash-consistent snapshot is taken, in minutes (required).
        rw crash_consistent_frequency_in_minutes: i64 => "crashConsistentFrequencyInMinutes",
        /// How often an app-consistent snapshot is taken, in minutes (required).
        rw app_consistent_frequency_in_minutes: i64 => "appConsistentFrequencyInMinutes",
    }
}

writable_struct! {
    /// `VMwareToAzStackHCI` policy properties (`VMwareToAzStackHCIPolicyModelCustomProperties`).
    pub struct VMwareToAzStackHCIPolicyCustomProperties [keep] {
        /// How long recovery points are kept, in minutes (required).
        rw recovery_point_history_in_minutes: i64 => "recoveryPointHistoryInMinutes",
        /// How often a crash-consistent snapshot is taken, in minutes (required).
        rw crash_consistent_frequency_in_minutes: i64 => "crashConsistentFrequencyInMinutes",
        /// How often an app-consistent snapshot is taken, in minutes (required).
        rw app_consistent_frequency_in_minutes: i64 => "appConsistentFrequencyInMinutes",
    }
}

writable_struct! {
    /// `AzStackToAzStack` policy properties: Azure Stack Hub to Azure Stack Hub.
    ///
    /// **Inferred, not documented by Microsoft** (see the crate's design notes): named like the
    /// HCI policies. Fields a stamp adds are kept in `additional_properties` and sent back.
    pub struct AzStackToAzStackPolicyCustomProperties [keep] {
        /// How long recovery points are kept, in minutes.
        rw recovery_point_history_in_minutes: i64 => "recoveryPointHistoryInMinutes",
        /// How often a crash-consistent snapshot is taken, in minutes.
        rw crash_consistent_frequency_in_minutes: i64 => "crashConsistentFrequencyInMinutes",
        /// How often an app-consistent snapshot is taken, in minutes.
        rw app_consistent_frequency_in_minutes: i64 => "appConsistentFrequencyInMinutes",
    }
}
