//! A typed change of an Azure Stack Hub protected item's settings after protection is enabled:
//! its test network, and the name and size of the VM a failover creates.

use super::{
    check_custom_properties, InvalidArmIdField, ProtectedItem, ProtectedItemCustomProperties,
};
use serde_json::{Map, Value};

/// The settings of an `AzStackToAzStack` protected item that can change after protection is
/// enabled. Only what is set is changed. Sent by
/// [`Handle::<ProtectedItem>::update_settings`](crate::client::Handle::update_settings): a PATCH
/// where the api-version has one (2024-09-01 and later), else the read-modify-PUT the preview
/// api-version needs.
///
/// Field names are inferred like the rest of the `AzStackToAzStack` contract.
///
/// ```
/// use azs_site_recovery::model::ProtectedItemSettings;
/// let change = ProtectedItemSettings::new()
///     .test_network("/subscriptions/t/resourceGroups/net/providers/Microsoft.Network/virtualNetworks/test-vnet", "default")
///     .target_vm_size("Standard_DS3_v2");
/// assert!(change.check_ids().is_ok());
/// assert_eq!(
///     change.patch_body()["properties"]["customProperties"]["targetVmSize"],
///     "Standard_DS3_v2"
/// );
/// assert!(ProtectedItemSettings::new().test_network("test-vnet", "default").check_ids().is_err());
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProtectedItemSettings {
    fields: Vec<(&'static str, String)>,
}

impl ProtectedItemSettings {
    /// No change yet.
    pub fn new() -> Self {
        Self::default()
    }

    fn set(mut self, field: &'static str, value: impl Into<String>) -> Self {
        self.fields.retain(|(f, _)| *f != field);
        self.fields.push((field, value.into()));
        self
    }

    /// The virtual network (ARM id) and subnet of test failovers.
    pub fn test_network(self, network_id: impl Into<String>, subnet: impl Into<String>) -> Self {
        self.set("testNetworkId", network_id)
            .set("testSubnetName", subnet)
    }

    /// The virtual network (ARM id) and subnet the VM lands in on failover.
    pub fn target_network(self, network_id: impl Into<String>, subnet: impl Into<String>) -> Self {
        self.set("targetNetworkId", network_id)
            .set("targetSubnetName", subnet)
    }

    /// The size of the VM a failover creates (`Standard_DS3_v2`).
    pub fn target_vm_size(self, size: impl Into<String>) -> Self {
        self.set("targetVmSize", size)
    }

    /// The name of the VM a failover creates.
    pub fn target_vm_name(self, name: impl Into<String>) -> Self {
        self.set("targetVmName", name)
    }

    /// `true` when nothing is set.
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }

    fn custom(&self) -> Map<String, Value> {
        let mut m = Map::new();
        m.insert(
            "instanceType".to_owned(),
            Value::String("AzStackToAzStack".to_owned()),
        );
        for (f, v) in &self.fields {
            m.insert((*f).to_owned(), Value::String(v.clone()));
        }
        m
    }

    /// Checks that the network ids are ARM ids of virtual networks.
    pub fn check_ids(&self) -> Result<(), InvalidArmIdField> {
        check_custom_properties(&self.patch_body())
    }

    /// The PATCH body (`ProtectedItemModelUpdate` with `AzStackToAzStack` custom properties).
    pub fn patch_body(&self) -> Value {
        serde_json::json!({ "properties": { "customProperties": self.custom() } })
    }

    /// `item` with these settings laid over its custom properties (for the read-modify-PUT).
    /// `None` when the item's custom properties are not `AzStackToAzStack`.
    pub fn apply_to(&self, item: &ProtectedItem) -> Option<ProtectedItem> {
        let mut item = item.clone();
        let props = item.properties.as_mut()?;
        let Some(ProtectedItemCustomProperties::AzStackToAzStack(c)) = &props.custom_properties
        else {
            return None;
        };
        let mut v = serde_json::to_value(c).ok()?;
        if let Value::Object(m) = &mut v {
            for (f, val) in &self.fields {
                m.insert((*f).to_owned(), Value::String(val.clone()));
            }
        }
        props.custom_properties = Some(ProtectedItemCustomProperties::AzStackToAzStack(
            serde_json::from_value(v).ok()?,
        ));
        Some(item)
    }
}
