//! The ARM-id fields of protected-item request bodies, checked before anything is sent: a
//! name where an id belongs (`appliance_id("appliance")`) is otherwise only a service 400.

use crate::id::ResourceId;
use serde_json::Value;
use std::fmt;

/// What an ARM-id field must name: a resource type, or a resource group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expected {
    /// A resource of this type (`Microsoft.Compute/virtualMachines`).
    Resource(&'static str, &'static str),
    /// A resource group.
    ResourceGroup,
}

impl Expected {
    fn shape(self) -> &'static str {
        match self {
            Expected::Resource(_, shape) => shape,
            Expected::ResourceGroup => {
                "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroup}"
            }
        }
    }
}

/// The ARM-id fields of `customProperties` (wire names) of protected items and their actions.
const FIELDS: &[(&str, Expected)] = &[
    (
        "sourceAzStackVirtualMachineId",
        Expected::Resource(
            "Microsoft.Compute/virtualMachines",
            "/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Compute/virtualMachines/{vm}",
        ),
    ),
    (
        "applianceId",
        Expected::Resource(
            "Microsoft.DataReplication/replicationFabrics/fabricAgents",
            "/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.DataReplication/replicationFabrics/{fabric}/fabricAgents/{appliance}",
        ),
    ),
    ("targetResourceGroupId", Expected::ResourceGroup),
    (
        "targetNetworkId",
        Expected::Resource(
            "Microsoft.Network/virtualNetworks",
            "/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Network/virtualNetworks/{vnet}",
        ),
    ),
    (
        "testNetworkId",
        Expected::Resource(
            "Microsoft.Network/virtualNetworks",
            "/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Network/virtualNetworks/{vnet}",
        ),
    ),
    (
        "logStorageAccountId",
        Expected::Resource(
            "Microsoft.Storage/storageAccounts",
            "/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Storage/storageAccounts/{account}",
        ),
    ),
    (
        "recoveryPointId",
        Expected::Resource(
            "Microsoft.DataReplication/replicationVaults/protectedItems/recoveryPoints",
            "/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.DataReplication/replicationVaults/{vault}/protectedItems/{item}/recoveryPoints/{point}",
        ),
    ),
];

/// A field of a request body that should hold an ARM id and does not hold one of the right
/// shape.
///
/// ```
/// use azs_site_recovery::model::Reprotect;
/// let body = Reprotect::azstack_failback_defaults("appliance", "/subscriptions/t/resourceGroups/dr/providers/Microsoft.Storage/storageAccounts/cache1");
/// let err = body.check_ids().unwrap_err();
/// assert_eq!(err.field, "applianceId");
/// assert!(err.to_string().contains("/fabricAgents/{appliance}"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct InvalidArmIdField {
    /// The field's wire name (`applianceId`).
    pub field: &'static str,
    /// The value it holds.
    pub value: String,
    /// The shape it must have.
    pub expected: &'static str,
    /// What is wrong with it.
    pub reason: String,
}

impl fmt::Display for InvalidArmIdField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "`{}` is `{}`, which {}; it must be an ARM id of the shape {}",
            self.field, self.value, self.reason, self.expected
        )
    }
}

impl std::error::Error for InvalidArmIdField {}

/// Checks one field's value.
fn check(field: &'static str, value: &str, expected: Expected) -> Result<(), InvalidArmIdField> {
    let fail = |reason: String| InvalidArmIdField {
        field,
        value: value.to_owned(),
        expected: expected.shape(),
        reason,
    };
    let id = ResourceId::parse(value).map_err(|e| fail(format!("is not an ARM id ({e})")))?;
    let ok = match expected {
        Expected::Resource(t, _) => id.is_resource_type(t),
        Expected::ResourceGroup => {
            id.resource_group().is_some() && !id.is_resource() && id.segments().len() == 4
        }
    };
    if ok {
        Ok(())
    } else {
        let actual = id
            .resource_type()
            .unwrap_or_else(|| "not a resource of a provider".to_owned());
        Err(fail(match expected {
            Expected::Resource(t, _) => format!("names a {actual}, not a {t}"),
            Expected::ResourceGroup => format!("names a {actual}, not a resource group"),
        }))
    }
}

/// Checks every known ARM-id field of a body's `properties.customProperties` (fields that are
/// absent or `null` are not checked here; required ones are the builders' concern).
pub(crate) fn check_custom_properties(body: &Value) -> Result<(), InvalidArmIdField> {
    let Some(custom) = body
        .pointer("/properties/customProperties")
        .and_then(Value::as_object)
    else {
        return Ok(());
    };
    for (field, expected) in FIELDS {
        if let Some(v) = custom.get(*field) {
            match v {
                Value::Null => {}
                Value::String(s) => check(field, s, *expected)?,
                other => {
                    return Err(InvalidArmIdField {
                        field,
                        value: other.to_string(),
                        expected: expected.shape(),
                        reason: "is not a string".to_owned(),
                    })
                }
            }
        }
    }
    Ok(())
}

macro_rules! check_ids {
    ($($t:ty),*) => {$(
        impl $t {
            /// Checks that every ARM-id field of the body (`applianceId`, `logStorageAccountId`,
            /// `recoveryPointId`, ...) holds an ARM id of the right shape. The client checks it
            /// before sending the action.
            pub fn check_ids(&self) -> Result<(), InvalidArmIdField> {
                match serde_json::to_value(self) {
                    Ok(v) => check_custom_properties(&v),
                    Err(_) => Ok(()), // a body that does not serialize fails when it is sent
                }
            }
        }
    )*};
}

check_ids!(
    crate::model::Reprotect,
    crate::model::TestFailover,
    crate::model::PlannedFailover,
    crate::model::UnplannedFailover
);

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn each_field_names_its_shape() {
        let rg = "/subscriptions/s/resourceGroups/rg";
        assert!(check("targetResourceGroupId", rg, Expected::ResourceGroup).is_ok());
        let e = check("targetResourceGroupId", "dr-rg", Expected::ResourceGroup).unwrap_err();
        assert!(e.to_string().contains("{resourceGroup}"), "{e}");
        let vnet = format!("{rg}/providers/Microsoft.Network/virtualNetworks/dr-vnet");
        let e = check("targetResourceGroupId", &vnet, Expected::ResourceGroup).unwrap_err();
        assert!(
            e.reason.contains("Microsoft.Network/virtualNetworks"),
            "{e}"
        );
        let body = json!({"properties": {"customProperties": {
            "targetNetworkId": format!("{rg}/providers/Microsoft.Storage/storageAccounts/x"),
        }}});
        let e = check_custom_properties(&body).unwrap_err();
        assert_eq!(e.field, "targetNetworkId");
        assert!(
            e.to_string()
                .contains("not a Microsoft.Network/virtualNetworks"),
            "{e}"
        );
        let body = json!({"properties": {"customProperties": {"applianceId": 5}}});
        assert_eq!(
            check_custom_properties(&body).unwrap_err().field,
            "applianceId"
        );
    }
}
