//! The ARM JSON shapes of stamp resources.

use super::{key, split_rg, DiskRec, GroupRec, NetRec, NicRec, StorageRec, VmRec, World};
use crate::emulator::scenario::{PowerState, Role, RoleAssignment};
use serde_json::{json, Value};

pub(super) fn vm_json(w: &World, vm: &VmRec) -> Value {
    let disks: Vec<&DiskRec> = vm
        .disks
        .iter()
        .filter_map(|d| w.disks.get(&key(d)))
        .collect();
    let os = disks.first().map(|d| {
        json!({
            "osType": vm.os_type.as_str(),
            "name": d.name,
            "createOption": "FromImage",
            "caching": "ReadWrite",
            "diskSizeGB": d.size_gb,
            "managedDisk": { "id": d.id, "storageAccountType": "Premium_LRS" },
        })
    });
    let data: Vec<Value> = disks
        .iter()
        .skip(1)
        .enumerate()
        .map(|(lun, d)| {
            json!({
                "lun": lun,
                "name": d.name,
                "createOption": "Attach",
                "caching": "None",
                "diskSizeGB": d.size_gb,
                "managedDisk": { "id": d.id, "storageAccountType": "Premium_LRS" },
            })
        })
        .collect();
    let nics: Vec<Value> = vm
        .nics
        .iter()
        .enumerate()
        .map(|(i, n)| json!({ "id": n, "properties": { "primary": i == 0 } }))
        .collect();
    let power = match vm.power {
        PowerState::Running => "VM running",
        PowerState::Stopped => "VM stopped",
        PowerState::Deallocated => "VM deallocated",
    };
    json!({
        "id": vm.id,
        "name": vm.name,
        "type": "Microsoft.Compute/virtualMachines",
        "location": vm.location,
        "tags": vm.tags,
        "properties": {
            "vmId": vm.vm_id,
            "hardwareProfile": { "vmSize": vm.size },
            "storageProfile": { "osDisk": os, "dataDisks": data },
            "osProfile": { "computerName": vm.name },
            "networkProfile": { "networkInterfaces": nics },
            "provisioningState": "Succeeded",
            "instanceView": {
                "statuses": [
                    { "code": "ProvisioningState/succeeded", "level": "Info", "displayStatus": "Provisioning succeeded" },
                    { "code": vm.power.code(), "level": "Info", "displayStatus": power },
                ]
            }
        }
    })
}

pub(super) fn disk_json(d: &DiskRec) -> Value {
    json!({
        "id": d.id, "name": d.name, "type": "Microsoft.Compute/disks", "location": d.location,
        "managedBy": d.managed_by,
        "sku": { "name": "Premium_LRS" },
        "properties": {
            "diskSizeGB": d.size_gb,
            "diskState": if d.managed_by.is_some() { "Attached" } else { "Unattached" },
            "provisioningState": "Succeeded",
        }
    })
}

pub(super) fn net_json(n: &NetRec) -> Value {
    let subnets: Vec<Value> = n
        .subnets
        .iter()
        .map(|(name, prefix)| {
            json!({
                "id": format!("{}/subnets/{name}", n.id),
                "name": name,
                "properties": { "addressPrefix": prefix, "provisioningState": "Succeeded" },
            })
        })
        .collect();
    json!({
        "id": n.id, "name": n.name, "type": "Microsoft.Network/virtualNetworks", "location": n.location,
        "properties": {
            "provisioningState": "Succeeded",
            "addressSpace": { "addressPrefixes": n.address_space },
            "subnets": subnets,
        }
    })
}

pub(super) fn nic_json(n: &NicRec) -> Value {
    json!({
        "id": n.id, "name": n.name, "type": "Microsoft.Network/networkInterfaces", "location": n.location,
        "properties": {
            "provisioningState": "Succeeded",
            "primary": true,
            "virtualMachine": n.vm.as_ref().map(|v| json!({ "id": v })),
            "ipConfigurations": [{
                "id": format!("{}/ipConfigurations/ipconfig1", n.id),
                "name": "ipconfig1",
                "properties": {
                    "privateIPAddress": n.ip,
                    "privateIPAllocationMethod": "Dynamic",
                    "subnet": { "id": n.subnet_id },
                    "primary": true,
                }
            }]
        }
    })
}

pub(super) fn storage_json(s: &StorageRec) -> Value {
    json!({
        "id": s.id, "name": s.name, "type": "Microsoft.Storage/storageAccounts", "location": s.location,
        "kind": "Storage",
        "sku": { "name": s.sku, "tier": "Standard" },
        "properties": {
            "provisioningState": "Succeeded",
            "statusOfPrimary": "available",
            "primaryEndpoints": { "blob": format!("https://{}.blob.{}.azurestack.external/", s.name, s.location) },
        }
    })
}

pub(super) fn group_json(g: &GroupRec) -> Value {
    json!({
        "id": g.id, "name": g.name, "type": "Microsoft.Resources/resourceGroups", "location": g.location,
        "tags": g.tags,
        "properties": { "provisioningState": "Succeeded" },
    })
}

pub(super) fn role_json(w: &World, name: &str, r: &RoleAssignment) -> Value {
    let sub = split_rg(&r.scope).0;
    let sub = if sub.is_empty() {
        w.target_sub.clone()
    } else {
        sub
    };
    json!({
        "id": format!("{}/providers/Microsoft.Authorization/roleAssignments/{name}", r.scope.trim_end_matches('/')),
        "name": name,
        "type": "Microsoft.Authorization/roleAssignments",
        "properties": {
            "roleDefinitionId": format!("/subscriptions/{sub}/providers/Microsoft.Authorization/roleDefinitions/{}", r.role.definition_guid()),
            "principalId": r.principal_id,
            "principalType": "ServicePrincipal",
            "scope": r.scope,
        }
    })
}

pub(super) fn role_definition_json(scope: &str, role: Role) -> Value {
    let (name, desc) = match role {
        Role::Owner => (
            "Owner",
            "Lets you manage everything, including access to resources.",
        ),
        Role::Contributor => (
            "Contributor",
            "Lets you manage everything except access to resources.",
        ),
        Role::Reader => (
            "Reader",
            "Lets you view everything, but not make any changes.",
        ),
    };
    json!({
        "id": format!("{}/providers/Microsoft.Authorization/roleDefinitions/{}", scope.trim_end_matches('/'), role.definition_guid()),
        "name": role.definition_guid(),
        "type": "Microsoft.Authorization/roleDefinitions",
        "properties": { "roleName": name, "description": desc, "type": "BuiltInRole" },
    })
}
