//! Recovery points (`.../protectedItems/{item}/recoveryPoints`, read-only): the points in time a
//! protected item can be failed over to.

use crate::model::common::SystemData;
use crate::model::enums::{ProvisioningState, RecoveryPointType};
use crate::model::request_body::{writable_polymorphic, writable_struct};
use crate::model::timestamp::Timestamp;

writable_struct! {
    /// A recovery point (`RecoveryPointModel`).
    pub struct RecoveryPoint [drop] {
        /// The ARM id (read-only).
        ro id: String => "id",
        /// The name (read-only).
        ro name: String => "name",
        /// The ARM resource type (read-only).
        ro resource_type: String => "type",
        /// ARM's `systemData` (read-only).
        ro system_data: SystemData => "systemData",
        /// The properties.
        rw properties: RecoveryPointProperties => "properties",
    }
}

writable_struct! {
    /// The properties of a recovery point (`RecoveryPointModelProperties`).
    pub struct RecoveryPointProperties [keep] {
        /// When the point was taken.
        rw recovery_point_time: Timestamp => "recoveryPointTime",
        /// Crash- or application-consistent.
        rw recovery_point_type: RecoveryPointType => "recoveryPointType",
        /// The scenario-specific properties, by `instanceType`.
        rw custom_properties: RecoveryPointCustomProperties => "customProperties",
        /// The provisioning state (read-only, 2024-09-01 and later).
        ro provisioning_state: ProvisioningState => "provisioningState",
    }
}

writable_polymorphic! {
    /// The scenario-specific properties of a recovery point, by `instanceType`.
    ///
    /// Note the spec's quirk: the VMware type's discriminator is the whole type name
    /// `VMwareToAzStackHCIRecoveryPointModelCustomProperties`, not `VMwareToAzStackHCI`.
    pub enum RecoveryPointCustomProperties {
        /// `HyperVToAzStackHCI`.
        HyperVToAzStackHCI(HyperVToAzStackHCIRecoveryPointCustomProperties) = "HyperVToAzStackHCI",
        /// `VMwareToAzStackHCIRecoveryPointModelCustomProperties` (2024-09-01 and later).
        VMwareToAzStackHCI(VMwareToAzStackHCIRecoveryPointCustomProperties) = "VMwareToAzStackHCIRecoveryPointModelCustomProperties",
    }
}

writable_struct! {
    /// `HyperVToAzStackHCI` recovery point properties.
    pub struct HyperVToAzStackHCIRecoveryPointCustomProperties [keep] {
        /// The ids of the disks in the point (read-only).
        ro disk_ids: Vec<String> => "diskIds",
    }
}

writable_struct! {
    /// VMware to Azure Stack HCI recovery point properties.
    pub struct VMwareToAzStackHCIRecoveryPointCustomProperties [keep] {
        /// The ids of the disks in the point (read-only).
        ro disk_ids: Vec<String> => "diskIds",
    }
}
