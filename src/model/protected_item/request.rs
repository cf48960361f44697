//! Request bodies of a protected item built from writable fields only, and a builder for a new
//! Azure Stack Hub protected item.

use super::azstack::{AzStackToAzStackProtectedItemCustomProperties, AZSTACK_READ_ONLY};
use super::custom::ProtectedItemCustomProperties;
use super::hci::{HCI_NIC_INPUT_READ_ONLY, HCI_READ_ONLY};
use super::{ProtectedItem, ProtectedItemProperties};
use crate::ApiVersion;
use serde_json::{Map, Value};
use std::fmt;

impl ProtectedItem {
    /// The create (PUT) body for this item: `{"properties": {policyName,
    /// replicationExtensionName, customProperties}}` from writable fields only.
    ///
    /// Dropped: `id`, `name`, `type`, `systemData`, every read-only property (states, jobs,
    /// health, ...), any field of `properties` the crate does not know (unlike
    /// [`RequestBody`](crate::model::RequestBody) types, which keep them: the spec's only writable
    /// properties here are the three above) and the read-only fields inside `customProperties`
    /// (progress, recovery points, `protectedDisks`/`protectedNics`, ...). Kept: fields inside
    /// `customProperties` the crate does not know (a stamp-specific escape hatch), and the whole
    /// object for an unknown `instanceType`. Names that changed between versions are written as
    /// `api_version` expects (HCI `sourceDraName`/`targetDraName` on the preview,
    /// `sourceFabricAgentName`/`targetFabricAgentName` later), whichever of the two the item
    /// holds.
    ///
    /// ```
    /// use azs_site_recovery::{model::ProtectedItem, ApiVersion};
    /// let item: ProtectedItem = serde_json::from_value(serde_json::json!({
    ///     "id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.DataReplication/replicationVaults/v/protectedItems/web01",
    ///     "properties": {
    ///         "policyName": "policy", "replicationExtensionName": "ext",
    ///         "protectionState": "Protected",
    ///         "customProperties": {"instanceType": "AzStackToAzStack",
    ///             "sourceAzStackVirtualMachineId": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/web01",
    ///             "initialReplicationProgressPercentage": 100}
    ///     }
    /// })).unwrap();
    /// let body = item.to_request_body(&ApiVersion::default());
    /// assert_eq!(body, serde_json::json!({"properties": {
    ///     "policyName": "policy", "replicationExtensionName": "ext",
    ///     "customProperties": {"instanceType": "AzStackToAzStack",
    ///         "sourceAzStackVirtualMachineId": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/web01"}
    /// }}));
    /// ```
    pub fn to_request_body(&self, api_version: &ApiVersion) -> Value {
        let mut props = Map::new();
        if let Some(p) = &self.properties {
            if let Some(n) = &p.policy_name {
                props.insert("policyName".to_owned(), Value::String(n.clone()));
            }
            if let Some(n) = &p.replication_extension_name {
                props.insert(
                    "replicationExtensionName".to_owned(),
                    Value::String(n.clone()),
                );
            }
            if let Some(cp) = &p.custom_properties {
                props.insert(
                    "customProperties".to_owned(),
                    writable_custom_properties(cp, api_version),
                );
            }
        }
        let mut body = Map::new();
        body.insert("properties".to_owned(), Value::Object(props));
        Value::Object(body)
    }

    /// Starts a new Azure Stack Hub (`AzStackToAzStack`) protected item for the VM
    /// `source_vm_id` (its ARM id on the source stamp); see [`NewAzStackProtectedItem`].
    pub fn azstack(
        policy_name: impl Into<String>,
        replication_extension_name: impl Into<String>,
        source_vm_id: impl Into<String>,
    ) -> NewAzStackProtectedItem {
        NewAzStackProtectedItem::new(policy_name, replication_extension_name, source_vm_id)
    }
}

/// The writable part of custom properties, with version-correct names.
fn writable_custom_properties(cp: &ProtectedItemCustomProperties, v: &ApiVersion) -> Value {
    // Serializing these types cannot fail (string keys only); an empty object is the safe
    // fallback should that ever change.
    let mut m = match serde_json::to_value(cp) {
        Ok(Value::Object(m)) => m,
        _ => Map::new(),
    };
    match cp {
        ProtectedItemCustomProperties::HyperVToAzStackHCI(_)
        | ProtectedItemCustomProperties::VMwareToAzStackHCI(_) => {
            for k in HCI_READ_ONLY {
                m.remove(*k);
            }
            if let Some(Value::Array(nics)) = m.get_mut("nicsToInclude") {
                for nic in nics.iter_mut().filter_map(Value::as_object_mut) {
                    for k in HCI_NIC_INPUT_READ_ONLY {
                        nic.remove(*k);
                    }
                }
            }
            let preview = v.is_preview_shape();
            for (ga, old) in [
                ("sourceFabricAgentName", "sourceDraName"),
                ("targetFabricAgentName", "targetDraName"),
            ] {
                let (want, other) = if preview { (old, ga) } else { (ga, old) };
                if let Some(value) = m.remove(other) {
                    m.entry(want.to_owned()).or_insert(value);
                }
            }
        }
        ProtectedItemCustomProperties::AzStackToAzStack(_)
        | ProtectedItemCustomProperties::AzStackToAzStackFailback(_) => {
            for k in AZSTACK_READ_ONLY {
                m.remove(*k);
            }
        }
        ProtectedItemCustomProperties::Unknown(_) => {}
    }
    Value::Object(m)
}

/// A new Azure Stack Hub protected item (`instanceType` `AzStackToAzStack`), built in a few
/// lines and checked before anything is sent.
///
/// The field names are inferred, not documented by Microsoft (except
/// `sourceAzStackVirtualMachineId`); [`NewAzStackProtectedItem::custom_field`] adds or overrides
/// any field for a stamp that differs.
///
/// ```
/// use azs_site_recovery::{model::ProtectedItem, ApiVersion};
/// let item = ProtectedItem::azstack(
///     "policy1",
///     "extension1",
///     "/subscriptions/s/resourceGroups/app/providers/Microsoft.Compute/virtualMachines/web01",
/// )
/// .appliance_id("/subscriptions/t/resourceGroups/dr/providers/Microsoft.DataReplication/replicationFabrics/src/fabricAgents/appliance1")
/// .target_resource_group_id("/subscriptions/t/resourceGroups/app-dr")
/// .target_network("/subscriptions/t/resourceGroups/net/providers/Microsoft.Network/virtualNetworks/dr-vnet", "default")
/// .log_storage_account_id("/subscriptions/t/resourceGroups/dr/providers/Microsoft.Storage/storageAccounts/cache1")
/// .build()?;
/// let body = item.to_request_body(&ApiVersion::default());
/// assert_eq!(body["properties"]["customProperties"]["instanceType"], "AzStackToAzStack");
/// assert_eq!(body["properties"]["customProperties"]["targetSubnetName"], "default");
/// # Ok::<(), azs_site_recovery::model::NewProtectedItemError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct NewAzStackProtectedItem {
    policy_name: String,
    replication_extension_name: String,
    custom: AzStackToAzStackProtectedItemCustomProperties,
}

impl NewAzStackProtectedItem {
    /// Starts an item for the VM `source_vm_id` (its ARM id on the source stamp), replicated
    /// under the given policy and replication extension.
    pub fn new(
        policy_name: impl Into<String>,
        replication_extension_name: impl Into<String>,
        source_vm_id: impl Into<String>,
    ) -> Self {
        NewAzStackProtectedItem {
            policy_name: policy_name.into(),
            replication_extension_name: replication_extension_name.into(),
            custom: AzStackToAzStackProtectedItemCustomProperties {
                source_az_stack_virtual_machine_id: Some(source_vm_id.into()),
                ..Default::default()
            },
        }
    }

    /// The replication appliance (fabric agent) ARM id. Required.
    pub fn appliance_id(mut self, id: impl Into<String>) -> Self {
        self.custom.appliance_id = Some(id.into());
        self
    }

    /// The target resource group's ARM id on the target stamp. Required.
    pub fn target_resource_group_id(mut self, id: impl Into<String>) -> Self {
        self.custom.target_resource_group_id = Some(id.into());
        self
    }

    /// The virtual network (ARM id) and subnet the VM lands in on failover. Required.
    pub fn target_network(
        mut self,
        network_id: impl Into<String>,
        subnet: impl Into<String>,
    ) -> Self {
        self.custom.target_network_id = Some(network_id.into());
        self.custom.target_subnet_name = Some(subnet.into());
        self
    }

    /// The virtual network (ARM id) and subnet of test failovers (a per-item setting).
    pub fn test_network(
        mut self,
        network_id: impl Into<String>,
        subnet: impl Into<String>,
    ) -> Self {
        self.custom.test_network_id = Some(network_id.into());
        self.custom.test_subnet_name = Some(subnet.into());
        self
    }

    /// The cache (log) storage account's ARM id. Required.
    pub fn log_storage_account_id(mut self, id: impl Into<String>) -> Self {
        self.custom.log_storage_account_id = Some(id.into());
        self
    }

    /// The name of the VM created on failover.
    pub fn target_vm_name(mut self, name: impl Into<String>) -> Self {
        self.custom.target_vm_name = Some(name.into());
        self
    }

    /// The size of the VM created on failover, e.g. `Standard_DS2_v2`.
    pub fn target_vm_size(mut self, size: impl Into<String>) -> Self {
        self.custom.target_vm_size = Some(size.into());
        self
    }

    /// Sets any field of `customProperties` by its wire name, for a stamp whose contract differs
    /// from the inferred one. A known name sets that field (the value must have its type); an
    /// unknown name is sent as given.
    pub fn custom_field(mut self, wire_name: impl Into<String>, value: impl Into<Value>) -> Self {
        self.custom
            .additional_properties
            .insert(wire_name.into(), value.into());
        self
    }

    /// Checks the required fields and returns the item, ready for
    /// [`ProtectedItem::to_request_body`].
    ///
    /// # Errors
    /// [`NewProtectedItemError`] naming every required field that is missing or empty, a
    /// [`custom_field`](Self::custom_field) whose value does not fit the field it names, or an
    /// ARM-id field (`sourceAzStackVirtualMachineId`, `applianceId`, `targetResourceGroupId`,
    /// `targetNetworkId`, `testNetworkId`, `logStorageAccountId`) that is not an ARM id of its
    /// kind: the error names the field and the shape it must have.
    ///
    /// ```
    /// use azs_site_recovery::model::{NewAzStackProtectedItem, NewProtectedItemError};
    /// let err = NewAzStackProtectedItem::new("p", "e", "/subscriptions/s/resourceGroups/app/providers/Microsoft.Compute/virtualMachines/web01")
    ///     .appliance_id("appliance")
    ///     .target_resource_group_id("/subscriptions/t/resourceGroups/app-dr")
    ///     .target_network("dr-vnet", "default")
    ///     .log_storage_account_id("/subscriptions/t/resourceGroups/dr/providers/Microsoft.Storage/storageAccounts/cache1")
    ///     .build()
    ///     .unwrap_err();
    /// let NewProtectedItemError::InvalidId(bad) = &err else { panic!("{err}") };
    /// assert_eq!(bad.field, "applianceId");
    /// ```
    pub fn build(self) -> Result<ProtectedItem, NewProtectedItemError> {
        let c = &self.custom;
        let mut missing = Vec::new();
        for (name, value) in [
            ("policyName", Some(&self.policy_name)),
            (
                "replicationExtensionName",
                Some(&self.replication_extension_name),
            ),
            (
                "sourceAzStackVirtualMachineId",
                c.source_az_stack_virtual_machine_id.as_ref(),
            ),
            ("applianceId", c.appliance_id.as_ref()),
            ("targetResourceGroupId", c.target_resource_group_id.as_ref()),
            ("targetNetworkId", c.target_network_id.as_ref()),
            ("logStorageAccountId", c.log_storage_account_id.as_ref()),
        ] {
            let set_by_custom_field = c.additional_properties.contains_key(name);
            if value.is_none_or(|v| v.trim().is_empty()) && !set_by_custom_field {
                missing.push(name);
            }
        }
        if !missing.is_empty() {
            return Err(NewProtectedItemError::Missing(missing));
        }
        // Re-read through serde so that a `custom_field` naming a known field lands in it; laid
        // over the typed fields, so it wins over a builder method setting the same field.
        let mut custom = self.custom;
        let fields = std::mem::take(&mut custom.additional_properties);
        let custom = serde_json::to_value(&custom)
            .map(|mut v| {
                if let Value::Object(m) = &mut v {
                    m.extend(fields);
                }
                v
            })
            .and_then(serde_json::from_value::<AzStackToAzStackProtectedItemCustomProperties>)
            .map_err(|e| NewProtectedItemError::InvalidCustomField(e.to_string()))?;
        // A value that does not fit its field is kept aside rather than failing the read; a
        // request must not carry one.
        if let Some(name) = custom.unfit_fields().first() {
            return Err(NewProtectedItemError::InvalidCustomField(format!(
                "`{name}` does not have the field's type"
            )));
        }
        let as_body = serde_json::json!({ "properties": { "customProperties": &custom } });
        super::check_custom_properties(&as_body).map_err(NewProtectedItemError::InvalidId)?;
        Ok(ProtectedItem {
            properties: Some(ProtectedItemProperties {
                policy_name: Some(self.policy_name),
                replication_extension_name: Some(self.replication_extension_name),
                custom_properties: Some(ProtectedItemCustomProperties::AzStackToAzStack(custom)),
                ..Default::default()
            }),
            ..Default::default()
        })
    }
}

/// Why [`NewAzStackProtectedItem::build`] refused to build an item.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum NewProtectedItemError {
    /// Required fields (wire names) that are missing or empty.
    Missing(Vec<&'static str>),
    /// A `custom_field` value does not have the type of the known field it names.
    InvalidCustomField(String),
    /// A field that holds an ARM id (`applianceId`, `targetNetworkId`, ...) holds something
    /// else, or the id of another kind of resource.
    InvalidId(super::InvalidArmIdField),
}

impl fmt::Display for NewProtectedItemError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NewProtectedItemError::Missing(fields) => write!(
                f,
                "a new AzStackToAzStack protected item is missing {}: set each with the \
                 builder method of the same name (or custom_field for a stamp that names it \
                 differently)",
                fields.join(", ")
            ),
            NewProtectedItemError::InvalidId(e) => write!(f, "a new protected item: {e}"),
            NewProtectedItemError::InvalidCustomField(e) => write!(
                f,
                "a custom_field value does not fit the field it names ({e}): pass the type the \
                 field has (strings for ids and names, numbers for percentages)"
            ),
        }
    }
}

impl std::error::Error for NewProtectedItemError {}
