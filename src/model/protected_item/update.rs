//! The PATCH body of a protected item (`ProtectedItemModelUpdate`, 2024-09-01 and later; the
//! preview api-version has no update operation).

use super::hci::{
    HyperVToAzStackHciNicInput, ProtectedItemDynamicMemoryConfig, VMwareToAzStackHciNicInput,
};
use crate::model::common::SystemData;
use crate::model::enums::SecurityOption;
use crate::{model_struct, polymorphic};

model_struct! {
    /// The PATCH body of a protected item (`ProtectedItemModelUpdate`).
    ///
    /// `id`, `name`, `type` and `systemData` are read-only (present so a response parses).
    ///
    /// ```
    /// use azs_site_recovery::model::{
    ///     HyperVToAzStackHciProtectedItemCustomPropertiesUpdate, ProtectedItemCustomPropertiesUpdate,
    ///     ProtectedItemModelUpdate,
    /// };
    /// let mut cp = HyperVToAzStackHciProtectedItemCustomPropertiesUpdate::default();
    /// cp.target_cpu_cores = Some(4);
    /// let body = ProtectedItemModelUpdate::new(ProtectedItemCustomPropertiesUpdate::HyperVToAzStackHCI(cp));
    /// assert_eq!(
    ///     serde_json::to_value(&body).unwrap(),
    ///     serde_json::json!({"properties": {"customProperties": {
    ///         "instanceType": "HyperVToAzStackHCI", "targetCpuCores": 4}}}),
    /// );
    /// ```
    pub struct ProtectedItemModelUpdate {
        /// The properties to change.
        properties: ProtectedItemModelPropertiesUpdate => "properties",
        /// The ARM id (read-only).
        id: String => "id",
        /// The name (read-only).
        name: String => "name",
        /// The ARM resource type (read-only).
        resource_type: String => "type",
        /// ARM's `systemData` (read-only).
        system_data: SystemData => "systemData",
    }
}

impl ProtectedItemModelUpdate {
    /// A PATCH body that changes the given custom properties.
    pub fn new(custom_properties: ProtectedItemCustomPropertiesUpdate) -> Self {
        ProtectedItemModelUpdate {
            properties: Some(ProtectedItemModelPropertiesUpdate {
                custom_properties: Some(custom_properties),
                ..Default::default()
            }),
            ..Default::default()
        }
    }
}

model_struct! {
    /// The properties of a PATCH body (`ProtectedItemModelPropertiesUpdate`).
    pub struct ProtectedItemModelPropertiesUpdate {
        /// The custom properties to change.
        custom_properties: ProtectedItemCustomPropertiesUpdate => "customProperties",
    }
}

polymorphic! {
    /// The custom properties of a PATCH body, by `instanceType`
    /// (`ProtectedItemModelCustomPropertiesUpdate`).
    pub enum ProtectedItemCustomPropertiesUpdate {
        /// `HyperVToAzStackHCI`.
        HyperVToAzStackHCI(HyperVToAzStackHciProtectedItemCustomPropertiesUpdate) = "HyperVToAzStackHCI",
        /// `VMwareToAzStackHCI`.
        VMwareToAzStackHCI(VMwareToAzStackHciProtectedItemCustomPropertiesUpdate) = "VMwareToAzStackHCI",
    }
}

model_struct! {
    /// `HyperVToAzStackHCIProtectedItemModelCustomPropertiesUpdate`: the changeable settings of a
    /// Hyper-V → HCI protected item.
    pub struct HyperVToAzStackHciProtectedItemCustomPropertiesUpdate {
        /// The NICs to replicate.
        nics_to_include: Vec<HyperVToAzStackHciNicInput> => "nicsToInclude",
        /// The target CPU cores.
        target_cpu_cores: i32 => "targetCpuCores",
        /// Whether memory is dynamic.
        is_dynamic_ram: bool => "isDynamicRam",
        /// The dynamic memory settings.
        dynamic_memory_config: ProtectedItemDynamicMemoryConfig => "dynamicMemoryConfig",
        /// The target memory in MB.
        target_memory_in_mega_bytes: i32 => "targetMemoryInMegaBytes",
        /// The OS type.
        os_type: String => "osType",
        /// The security option (2026-05-01 and later).
        security_option: SecurityOption => "securityOption",
        /// Whether to convert to generation 2 (2026-05-01 and later).
        convert_to_gen2: bool => "convertToGen2",
        /// Whether to migrate as an Arc VM (2026-05-01 and later).
        migrate_as_arc_vm: bool => "migrateAsArcVM",
    }
}

model_struct! {
    /// `VMwareToAzStackHCIProtectedItemModelCustomPropertiesUpdate`: the changeable settings of a
    /// VMware → HCI protected item.
    pub struct VMwareToAzStackHciProtectedItemCustomPropertiesUpdate {
        /// The NICs to replicate.
        nics_to_include: Vec<VMwareToAzStackHciNicInput> => "nicsToInclude",
        /// The target CPU cores.
        target_cpu_cores: i32 => "targetCpuCores",
        /// Whether memory is dynamic.
        is_dynamic_ram: bool => "isDynamicRam",
        /// The dynamic memory settings.
        dynamic_memory_config: ProtectedItemDynamicMemoryConfig => "dynamicMemoryConfig",
        /// The target memory in MB.
        target_memory_in_mega_bytes: i32 => "targetMemoryInMegaBytes",
        /// The OS type.
        os_type: String => "osType",
        /// The security option (2026-05-01 and later).
        security_option: SecurityOption => "securityOption",
        /// Whether to convert to generation 2 (2026-05-01 and later).
        convert_to_gen2: bool => "convertToGen2",
        /// Whether to migrate as an Arc VM (2026-05-01 and later).
        migrate_as_arc_vm: bool => "migrateAsArcVM",
    }
}
