//! ARM JSON to the snapshot's plain types.

use crate::id::ResourceId;
use crate::model::ProtectedItem;
use crate::preflight::{
    same_id, OriginalSource, PowerState, ResourceGroup, Subnet, VirtualNetwork, VmDisk, VmToProtect,
};
use serde_json::Value;

/// Fills what the VM's protected item tells (name, state, target settings), matched by
/// `sourceAzStackVirtualMachineId`.
pub(super) fn apply_protected_item(vm: &mut VmToProtect, items: &[ProtectedItem]) {
    for item in items {
        let Some(props) = &item.properties else {
            continue;
        };
        let custom = props
            .custom_properties
            .as_ref()
            .and_then(|c| serde_json::to_value(c).ok())
            .unwrap_or(Value::Null);
        let source = str_at(&custom, "/sourceAzStackVirtualMachineId").unwrap_or("");
        // An item without a source VM id matches no VM.
        if source.is_empty() || !same_id(source, &vm.id) {
            continue;
        }
        vm.protected_item_name = item.name.clone();
        vm.protection_state = props.protection_state.clone();
        vm.last_successful_test_failover = props
            .last_successful_test_failover_time
            .as_ref()
            .and_then(|t| t.to_utc());
        let t = &mut vm.target;
        let field = |k: &str| str_at(&custom, k).map(str::to_owned);
        t.resource_group_id = t
            .resource_group_id
            .take()
            .or(field("/targetResourceGroupId"));
        t.network_id = t.network_id.take().or(field("/targetNetworkId"));
        t.subnet_name = t.subnet_name.take().or(field("/targetSubnetName"));
        t.test_network_id = t.test_network_id.take().or(field("/testNetworkId"));
        t.test_subnet_name = t.test_subnet_name.take().or(field("/testSubnetName"));
        t.cache_storage_account_id = t
            .cache_storage_account_id
            .take()
            .or(field("/logStorageAccountId"));
        if let Some(size) = field("/targetVmSize") {
            vm.size = size;
        }
        if vm.original_source.is_none() {
            vm.original_source = original_source(source, &custom, vm);
        }
        return;
    }
}

/// Where the VM came from, as its protected item records it: the subscription and resource
/// group of `sourceAzStackVirtualMachineId`, the network and subnet of the primary entry of
/// `protectedNics` (else the VM's primary NIC as read from the source stamp). `None` when the
/// id is not an ARM id of a resource group's resource.
pub(super) fn original_source(
    source_vm_id: &str,
    custom: &Value,
    vm: &VmToProtect,
) -> Option<OriginalSource> {
    let id = ResourceId::parse(source_vm_id).ok()?;
    let sub = id.subscription_id()?.to_owned();
    let rg = id.resource_group()?;
    let nics = custom
        .pointer("/protectedNics")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    let primary = nics
        .iter()
        .find(|n| n.pointer("/isPrimaryNic").and_then(Value::as_bool) == Some(true))
        .or_else(|| nics.first());
    let from_item = primary.and_then(|n| {
        Some((
            str_at(n, "/sourceNetworkId")?.to_owned(),
            str_at(n, "/sourceSubnetName")?.to_owned(),
        ))
    });
    let from_vm = || {
        vm.nics
            .iter()
            .find(|n| n.primary)
            .or_else(|| vm.nics.first())
            .map(|n| (n.virtual_network_id.clone(), n.subnet_name.clone()))
    };
    let (virtual_network_id, subnet_name) = from_item.or_else(from_vm).unwrap_or_default();
    Some(OriginalSource {
        resource_group_id: format!("/subscriptions/{sub}/resourceGroups/{rg}"),
        subscription_id: sub,
        virtual_network_id,
        subnet_name,
    })
}

pub(super) fn resource_group(g: &Value) -> ResourceGroup {
    ResourceGroup {
        id: string_at(g, "/id"),
        location: string_at(g, "/location"),
        tags: g
            .pointer("/tags")
            .and_then(Value::as_object)
            .map(|t| {
                t.iter()
                    .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned()))
                    .collect()
            })
            .unwrap_or_default(),
    }
}

pub(super) fn virtual_network(n: &Value) -> VirtualNetwork {
    VirtualNetwork {
        id: string_at(n, "/id"),
        location: string_at(n, "/location"),
        address_prefixes: n
            .pointer("/properties/addressSpace/addressPrefixes")
            .and_then(Value::as_array)
            .map(|p| {
                p.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default(),
        subnets: n
            .pointer("/properties/subnets")
            .and_then(Value::as_array)
            .map(|s| {
                s.iter()
                    .map(|s| Subnet {
                        name: string_at(s, "/name"),
                        address_prefix: str_at(s, "/properties/addressPrefix").map(str::to_owned),
                    })
                    .collect()
            })
            .unwrap_or_default(),
    }
}

pub(super) fn disk(d: &Value, is_os_disk: bool) -> VmDisk {
    VmDisk {
        name: string_at(d, "/name"),
        size_gib: d
            .pointer("/diskSizeGB")
            .and_then(Value::as_u64)
            .unwrap_or(0),
        is_os_disk,
    }
}

pub(super) fn power_state(view: &Value) -> PowerState {
    let codes = view
        .pointer("/statuses")
        .and_then(Value::as_array)
        .map(|s| {
            s.iter()
                .filter_map(|s| str_at(s, "/code"))
                .collect::<Vec<_>>()
        })
        .unwrap_or_default();
    for code in codes {
        let code = code.to_ascii_lowercase();
        match code.as_str() {
            "powerstate/running" => return PowerState::Running,
            "powerstate/stopped" => return PowerState::Stopped,
            "powerstate/deallocated" => return PowerState::Deallocated,
            _ => {}
        }
    }
    PowerState::Unknown
}

pub(super) fn str_at<'a>(v: &'a Value, pointer: &str) -> Option<&'a str> {
    v.pointer(pointer).and_then(Value::as_str)
}

pub(super) fn string_at(v: &Value, pointer: &str) -> String {
    str_at(v, pointer).unwrap_or_default().to_owned()
}

pub(super) use crate::preflight::leaf as last_segment;

pub(super) fn parse_time(s: &str) -> Option<chrono::DateTime<chrono::Utc>> {
    crate::model::Timestamp::parse(s).to_utc()
}
