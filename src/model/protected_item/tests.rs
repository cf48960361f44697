//! Tests of protected items: lossless round trips of realistic payloads and Microsoft's
//! examples, typed access, and request bodies from writable fields only.

use super::*;
use crate::model::{ProtectionState, TestFailoverState, VmNicSelection};
use crate::ApiVersion;
use serde_json::{json, Value};

const VM: &str = "/subscriptions/8f1a2b3c-0000-4000-8000-000000000001/resourceGroups/app-prod/providers/Microsoft.Compute/virtualMachines/web01";

/// An AzStackToAzStack item as a 2023 Azure Stack Hub stamp might send it: preview `draId`,
/// offset-less and 7-digit timestamps, a state this crate does not know, fields it does not know.
fn azstack_item() -> Value {
    let mut custom = json!({
        "instanceType": "AzStackToAzStack",
        "sourceAzStackVirtualMachineId": VM,
        "applianceId": "/subscriptions/s/resourceGroups/dr/providers/Microsoft.DataReplication/replicationVaults/vault1/fabricAgents/appliance1",
        "targetResourceGroupId": "/subscriptions/t/resourceGroups/app-dr",
        "targetNetworkId": "/subscriptions/t/resourceGroups/net/providers/Microsoft.Network/virtualNetworks/dr-vnet",
        "targetSubnetName": "default",
        "testNetworkId": "/subscriptions/t/resourceGroups/net/providers/Microsoft.Network/virtualNetworks/test-vnet",
        "testSubnetName": "test",
        "logStorageAccountId": "/subscriptions/s/resourceGroups/dr/providers/Microsoft.Storage/storageAccounts/cache1",
        "targetVmName": "web01-dr",
        "targetVmSize": "Standard_DS2_v2",
        "activeLocation": "Primary",
        "sourceVmName": "web01",
        "osType": "Windows",
        "initialReplicationProgressPercentage": 100,
        "resyncProgressPercentage": 0,
        "lastRecoveryPointReceived": "2024-03-02T10:05:00",
        "lastRecoveryPointId": "rp-42",
        "failoverRecoveryPointId": null,
        "replicationAgentVersion": "9.56.6879.1"
    });
    let disks_nics = json!({
        "protectedDisks": [
            {"sourceDiskId": "/subscriptions/s/resourceGroups/app-prod/providers/Microsoft.Compute/disks/web01-os",
             "sourceDiskName": "web01-os", "diskSizeGB": 127, "isOsDisk": true,
             "storageAccountId": "/subscriptions/s/resourceGroups/dr/providers/Microsoft.Storage/storageAccounts/cache1",
             "replicaDiskId": "/subscriptions/t/resourceGroups/app-dr/providers/Microsoft.Compute/disks/web01-os-replica",
             "diskEncryption": "None"},
            {"sourceDiskId": "/subscriptions/s/resourceGroups/app-prod/providers/Microsoft.Compute/disks/web01-data0",
             "sourceDiskName": "web01-data0", "diskSizeGB": 1023, "isOsDisk": false}
        ],
        "protectedNics": [
            {"nicId": "/subscriptions/s/resourceGroups/app-prod/providers/Microsoft.Network/networkInterfaces/web01-nic0",
             "isPrimaryNic": true, "sourceNetworkId": "/subscriptions/s/resourceGroups/net/providers/Microsoft.Network/virtualNetworks/prod",
             "sourceSubnetName": "web", "sourceIpAddress": "10.0.1.4",
             "targetNetworkId": "/subscriptions/t/resourceGroups/net/providers/Microsoft.Network/virtualNetworks/dr-vnet",
             "targetSubnetName": "default", "acceleratedNetworking": false}
        ]
    });
    for (k, v) in disks_nics.as_object().unwrap() {
        custom[k] = v.clone();
    }
    let mut item = json!({
        "id": "/subscriptions/8f1a2b3c-0000-4000-8000-000000000002/resourceGroups/dr/providers/Microsoft.DataReplication/replicationVaults/vault1/protectedItems/web01",
        "name": "web01",
        "type": "Microsoft.DataReplication/replicationVaults/protectedItems",
        "systemData": {"createdBy": "ops@contoso.com", "createdByType": "User", "createdAt": "2024-03-01T08:00:00.1234567"},
        "stampFlavor": {"build": "1.2301.2216.2287"},
        "properties": {
            "policyName": "policy1",
            "replicationExtensionName": "extension1",
            "correlationId": "c0ffee",
            "provisioningState": "Succeeded",
            "protectionState": "Protected",
            "protectionStateDescription": "Protected",
            "testFailoverState": "TestFailoverDrillScheduled",
            "resynchronizationState": "None",
            "fabricObjectId": VM,
            "fabricObjectName": "web01",
            "draId": "dra-1",
            "targetDraId": "dra-2",
            "resyncRequired": false,
            "lastSuccessfulTestFailoverTime": "2024-03-02T10:00:00",
            "currentJob": null,
            "allowedJobs": ["TestFailover", "PlannedFailover", "UnplannedFailover", "DisableProtection"],
            "replicationHealth": "Warning",
            "healthErrors": [{
                "code": "MobilityAgentWarning",
                "severity": "Warning",
                "creationTime": "2024-03-02T09:59:59.9999999",
                "isCustomerResolvable": true,
                "message": "Protected item health changed to Warning",
                "childErrors": [{"code": "Inner", "creationTime": "2024-03-02 09:59:00"}],
                "stampCorrelation": 42
            }],
            "customProperties": null
        }
    });
    item["properties"]["customProperties"] = custom;
    item
}

#[test]
fn azstack_item_round_trips_and_reads_typed() {
    let wire = azstack_item();
    let item: ProtectedItem = serde_json::from_str(&wire.to_string()).unwrap();
    assert_eq!(serde_json::to_value(&item).unwrap(), wire);

    assert_eq!(item.protection_state(), Some(&ProtectionState::Protected));
    assert_eq!(
        item.test_failover_state(),
        Some(&TestFailoverState::Unknown(
            "TestFailoverDrillScheduled".into()
        ))
    );
    assert_eq!(item.instance_type(), Some("AzStackToAzStack"));
    assert_eq!(item.source_vm_id(), Some(VM));
    assert_eq!(
        item.active_location(),
        Some(&crate::model::ProtectedItemActiveLocation::Primary)
    );
    assert_eq!(item.allowed_jobs().len(), 4);
    assert_eq!(item.health_errors().len(), 1);
    assert_eq!(item.policy_name(), Some("policy1"));
    let props = item.properties.as_ref().unwrap();
    assert_eq!(props.fabric_agent_id(), Some("dra-1"));
    assert_eq!(props.target_fabric_agent_id(), Some("dra-2"));
    assert!(props
        .last_successful_test_failover_time
        .as_ref()
        .and_then(|t| t.to_utc())
        .is_some());

    let cp = item.custom_properties().unwrap();
    assert_eq!(cp.initial_replication_progress_percentage(), Some(100));
    assert_eq!(cp.last_recovery_point_id(), Some("rp-42"));
    assert_eq!(cp.protected_disk_count(), Some(2));
    assert!(cp.appliance_id().unwrap().ends_with("/appliance1"));
    let az = cp.as_azstack().unwrap();
    // Known fields are typed, not left in the unknown map (the field names are right).
    let unknown: Vec<&str> = az
        .additional_properties
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        unknown,
        ["failoverRecoveryPointId", "replicationAgentVersion"]
    );
    assert_eq!(az.target_vm_size.as_deref(), Some("Standard_DS2_v2"));
    let disks = az.protected_disks.as_ref().unwrap();
    assert_eq!(disks[1].disk_size_gb, Some(1023));
    assert_eq!(disks[0].is_os_disk, Some(true));
    assert!(disks[0]
        .additional_properties
        .contains_key("diskEncryption"));
    let nic = &az.protected_nics.as_ref().unwrap()[0];
    assert_eq!(nic.source_ip_address.as_deref(), Some("10.0.1.4"));
    assert_eq!(nic.is_primary_nic, Some(true));
    assert_eq!(
        cp.last_recovery_point_received()
            .and_then(|t| t.to_utc())
            .map(|t| t.to_rfc3339()),
        Some("2024-03-02T10:05:00+00:00".to_owned())
    );
}

#[test]
fn instance_type_not_first_still_dispatches() {
    let mut wire = azstack_item();
    let cp = wire["properties"]["customProperties"]
        .as_object_mut()
        .unwrap();
    let tag = cp.remove("instanceType").unwrap();
    cp.insert("instanceType".into(), tag);
    let item: ProtectedItem = serde_json::from_value(wire.clone()).unwrap();
    assert!(item.custom_properties().unwrap().as_azstack().is_some());
    let back = serde_json::to_value(&item).unwrap();
    assert_eq!(back, wire, "same object (key order aside)");
}

#[test]
fn unknown_instance_type_is_kept_verbatim() {
    let mut wire = azstack_item();
    wire["properties"]["customProperties"] = json!({
        "instanceType": "VMwareToAvs", "vmwareVmId": "vm-17", "nested": {"a": [1, null]}
    });
    let item: ProtectedItem = serde_json::from_str(&wire.to_string()).unwrap();
    let cp = item.custom_properties().unwrap();
    assert_eq!(cp.instance_type(), Some("VMwareToAvs"));
    assert!(matches!(cp, ProtectedItemCustomProperties::Unknown(_)));
    assert_eq!(cp.active_location(), None);
    assert_eq!(serde_json::to_value(&item).unwrap(), wire);
    // And the request body keeps an unknown type whole (the escape hatch).
    let body = item.to_request_body(&ApiVersion::default());
    assert_eq!(
        body["properties"]["customProperties"],
        wire["properties"]["customProperties"]
    );
}

#[test]
fn failback_item_reads_documented_fields() {
    let wire = json!({"properties": {"customProperties": {
        "instanceType": "AzStackToAzStackFailback",
        "sourceAzStackVirtualMachineId": VM,
        "applianceId": "appliance-2",
        "logStorageAccountId": "cache-2",
        "policyName": "failback-default-replication-policy",
        "replicationExtensionName": "default-failback-extension",
        "activeLocation": "Recovery",
        "initialReplicationProgressPercentage": 37,
        "protectedDisks": [{"sourceDiskId": "d0", "diskSizeGB": 1}]
    }}});
    let item: ProtectedItem = serde_json::from_value(wire.clone()).unwrap();
    let fb = item
        .custom_properties()
        .unwrap()
        .as_azstack_failback()
        .unwrap();
    assert_eq!(
        fb.policy_name.as_deref(),
        Some("failback-default-replication-policy")
    );
    assert!(fb.additional_properties.is_empty());
    assert_eq!(
        item.active_location(),
        Some(&crate::model::ProtectedItemActiveLocation::Recovery)
    );
    assert_eq!(item.source_vm_id(), Some(VM));
    assert_eq!(serde_json::to_value(&item).unwrap(), wire);
    let body = item.to_request_body(&ApiVersion::V2024_09_01);
    assert_keys(
        &body["properties"]["customProperties"],
        &[
            "instanceType",
            "sourceAzStackVirtualMachineId",
            "applianceId",
            "logStorageAccountId",
            "policyName",
            "replicationExtensionName",
        ],
    );
}

fn hci_custom(preview: bool) -> Value {
    let mut cp = json!({
        "instanceType": "HyperVToAzStackHCI",
        "activeLocation": "Primary",
        "targetHciClusterId": "/subscriptions/s/resourceGroups/hci/providers/Microsoft.AzureStackHCI/clusters/c1",
        "targetArcClusterCustomLocationId": "/subscriptions/s/resourceGroups/hci/providers/Microsoft.ExtendedLocation/customLocations/cl1",
        "targetAzStackHciClusterName": "c1",
        "fabricDiscoveryMachineId": "/subscriptions/s/resourceGroups/m/providers/Microsoft.OffAzure/HyperVSites/site/machines/vm1",
        "disksToInclude": [{"diskId": "disk0", "diskSizeGB": 60, "diskFileFormat": "VHDX", "isOsDisk": true,
                            "diskBlockSize": 512, "diskController": {"controllerName": "SCSI", "controllerId": 0, "controllerLocation": 1}}],
        "nicsToInclude": [{"nicId": "nic0", "networkName": "prod", "targetNetworkId": "lnet1",
                           "selectionTypeForFailover": "SelectedByUser", "isMacMigrationEnabled": true}],
        "sourceVmName": "vm1",
        "sourceCpuCores": 4,
        "sourceMemoryInMegaBytes": 8192.5,
        "targetVmName": "vm1-hci",
        "targetResourceGroupId": "/subscriptions/s/resourceGroups/target",
        "storageContainerId": "/subscriptions/s/resourceGroups/hci/providers/Microsoft.AzureStackHCI/storageContainers/sc1",
        "hyperVGeneration": "2",
        "targetCpuCores": 4,
        "isDynamicRam": true,
        "dynamicMemoryConfig": {"maximumMemoryInMegaBytes": 16384, "minimumMemoryInMegaBytes": 1024, "targetMemoryBufferPercentage": 20},
        "targetMemoryInMegaBytes": 8192,
        "runAsAccountId": "runas1",
        "sourceApplianceName": "app-src",
        "osType": "Windows",
        "customLocationRegion": "eastus",
        "lastRecoveryPointReceived": "2025-01-01T00:00:00Z",
        "initialReplicationProgressPercentage": 55,
        "protectedDisks": [{"sourceDiskId": "disk0", "capacityInBytes": 64424509440_i64, "isOsDisk": true, "diskType": "Fixed"}],
        "protectedNics": [{"nicId": "nic0", "macAddress": "00:15:5D:00:00:01", "selectionTypeForFailover": "SelectedByUser"}],
        "lastReplicationUpdateTime": "2025-01-01T00:00:00Z",
        "securityOption": "TrustedLaunch",
        "convertToGen2": false,
        "migrateAsArcVM": true
    });
    let m = cp.as_object_mut().unwrap();
    if preview {
        m.insert("sourceDraName".into(), json!("dra-src"));
        m.insert("targetDraName".into(), json!("dra-tgt"));
    } else {
        m.insert("sourceFabricAgentName".into(), json!("dra-src"));
        m.insert("targetFabricAgentName".into(), json!("dra-tgt"));
    }
    cp
}

#[test]
fn hci_types_are_fully_typed_in_every_version() {
    for preview in [true, false] {
        let wire = json!({"properties": {"policyName": "p", "replicationExtensionName": "e",
            "customProperties": hci_custom(preview)}});
        let item: ProtectedItem = serde_json::from_str(&wire.to_string()).unwrap();
        assert_eq!(serde_json::to_value(&item).unwrap(), wire);
        let ProtectedItemCustomProperties::HyperVToAzStackHCI(cp) =
            item.custom_properties().unwrap()
        else {
            panic!("not HyperVToAzStackHCI");
        };
        assert!(
            cp.additional_properties.is_empty(),
            "{:?}",
            cp.additional_properties
        );
        assert_eq!(cp.source_fabric_agent_name(), Some("dra-src"));
        assert_eq!(cp.target_fabric_agent_name(), Some("dra-tgt"));
        assert_eq!(cp.source_memory_in_mega_bytes, Some(8192.5));
        let disk = &cp.disks_to_include.as_ref().unwrap()[0];
        assert!(disk.additional_properties.is_empty());
        assert_eq!(
            disk.disk_controller.as_ref().unwrap().controller_location,
            Some(1)
        );
        let nic = &cp.nics_to_include.as_ref().unwrap()[0];
        assert_eq!(
            nic.selection_type_for_failover,
            Some(VmNicSelection::SelectedByUser)
        );
        assert_eq!(
            item.source_vm_id(),
            cp.fabric_discovery_machine_id.as_deref()
        );
    }
}

#[test]
fn vmware_type_is_fully_typed() {
    let wire = json!({
        "instanceType": "VMwareToAzStackHCI",
        "fabricDiscoveryMachineId": "m1",
        "nicsToInclude": [{"nicId": "n0", "label": "Network adapter 1", "selectionTypeForFailover": "SelectedByDefault"}],
        "protectedNics": [{"nicId": "n0", "label": "Network adapter 1", "isPrimaryNic": true}],
        "resyncState": "PreparedForResynchronization",
        "resyncRetryCount": 3,
        "performAutoResync": true,
        "migrationProgressPercentage": 10,
        "sourceDraName": "dra1"
    });
    let cp: ProtectedItemCustomProperties = serde_json::from_value(wire.clone()).unwrap();
    let ProtectedItemCustomProperties::VMwareToAzStackHCI(v) = &cp else {
        panic!("not VMwareToAzStackHCI");
    };
    assert!(v.additional_properties.is_empty());
    assert_eq!(v.source_fabric_agent_name(), Some("dra1"));
    assert_eq!(v.resync_retry_count, Some(3));
    assert_eq!(serde_json::to_value(&cp).unwrap(), wire);
}

#[test]
fn request_body_has_no_read_only_fields() {
    let item: ProtectedItem = serde_json::from_value(azstack_item()).unwrap();
    let body = item.to_request_body(&ApiVersion::V2021_02_16_Preview);
    assert_keys(&body, &["properties"]);
    assert_keys(
        &body["properties"],
        &["policyName", "replicationExtensionName", "customProperties"],
    );
    assert_keys(
        &body["properties"]["customProperties"],
        &[
            "instanceType",
            "sourceAzStackVirtualMachineId",
            "applianceId",
            "targetResourceGroupId",
            "targetNetworkId",
            "targetSubnetName",
            "testNetworkId",
            "testSubnetName",
            "logStorageAccountId",
            "targetVmName",
            "targetVmSize",
            // unknown to the crate: kept (stamp-specific escape hatch)
            "replicationAgentVersion",
        ],
    );
}

#[test]
fn hci_request_body_uses_the_versions_names() {
    for (version, preview_input, want, not) in [
        (
            ApiVersion::V2021_02_16_Preview,
            false,
            "sourceDraName",
            "sourceFabricAgentName",
        ),
        (
            ApiVersion::V2021_02_16_Preview,
            true,
            "sourceDraName",
            "sourceFabricAgentName",
        ),
        (
            ApiVersion::V2024_09_01,
            true,
            "sourceFabricAgentName",
            "sourceDraName",
        ),
        (
            ApiVersion::V2026_05_01,
            false,
            "sourceFabricAgentName",
            "sourceDraName",
        ),
    ] {
        let wire = json!({"properties": {"policyName": "p", "replicationExtensionName": "e",
            "protectionState": "Protected", "customProperties": hci_custom(preview_input)}});
        let item: ProtectedItem = serde_json::from_value(wire).unwrap();
        let body = item.to_request_body(&version);
        let cp = body["properties"]["customProperties"].as_object().unwrap();
        assert_eq!(cp[want], "dra-src", "{version}");
        assert!(!cp.contains_key(not), "{version}");
        for ro in [
            "activeLocation",
            "sourceVmName",
            "protectedDisks",
            "protectedNics",
            "initialReplicationProgressPercentage",
            "lastReplicationUpdateTime",
            "osType",
        ] {
            assert!(!cp.contains_key(ro), "{ro} sent to {version}");
        }
        assert_eq!(cp["targetCpuCores"], 4);
        assert!(cp["nicsToInclude"][0].get("networkName").is_none());
        assert_eq!(cp["nicsToInclude"][0]["nicId"], "nic0");
        assert_eq!(
            cp["disksToInclude"][0]["diskController"]["controllerName"],
            "SCSI"
        );
    }
}

const APPLIANCE: &str = "/subscriptions/t/resourceGroups/dr/providers/Microsoft.DataReplication/replicationFabrics/src/fabricAgents/a";
const RG: &str = "/subscriptions/t/resourceGroups/rg";
const VNET: &str =
    "/subscriptions/t/resourceGroups/net/providers/Microsoft.Network/virtualNetworks/vnet";
const CACHE: &str =
    "/subscriptions/t/resourceGroups/dr/providers/Microsoft.Storage/storageAccounts/c";

#[test]
fn builder_makes_a_sendable_item_and_names_missing_fields() {
    let item = ProtectedItem::azstack("policy1", "extension1", VM)
        .appliance_id("/subscriptions/t/resourceGroups/dr/providers/Microsoft.DataReplication/replicationFabrics/src/fabricAgents/appliance1")
        .target_resource_group_id("/subscriptions/t/resourceGroups/rg")
        .target_network("/subscriptions/t/resourceGroups/net/providers/Microsoft.Network/virtualNetworks/vnet", "default")
        .test_network("/subscriptions/t/resourceGroups/net/providers/Microsoft.Network/virtualNetworks/test-vnet", "test")
        .log_storage_account_id("/subscriptions/t/resourceGroups/dr/providers/Microsoft.Storage/storageAccounts/cache1")
        .target_vm_name("web01-dr")
        .target_vm_size("Standard_DS2_v2")
        .custom_field("stampSpecific", json!({"x": 1}))
        .build()
        .unwrap();
    let body = item.to_request_body(&ApiVersion::default());
    let cp = &body["properties"]["customProperties"];
    assert_eq!(cp["instanceType"], "AzStackToAzStack");
    assert_eq!(cp["sourceAzStackVirtualMachineId"], VM);
    assert_eq!(cp["testSubnetName"], "test");
    assert_eq!(cp["stampSpecific"]["x"], 1);
    assert_eq!(body["properties"]["policyName"], "policy1");

    // A custom_field naming a known field lands in it.
    let item = ProtectedItem::azstack("p", "e", VM)
        .appliance_id(APPLIANCE)
        .target_resource_group_id(RG)
        .target_network(VNET, "default")
        .log_storage_account_id(CACHE)
        .custom_field("targetVmSize", "Standard_F4s")
        .build()
        .unwrap();
    let az = item.custom_properties().unwrap().as_azstack().unwrap();
    assert_eq!(az.target_vm_size.as_deref(), Some("Standard_F4s"));
    assert!(az.additional_properties.is_empty());

    // ... and wins over the builder method for the same field, as it did when the serializer
    // wrote both keys (the later one counting).
    let item = ProtectedItem::azstack("p", "e", VM)
        .appliance_id(APPLIANCE)
        .target_resource_group_id(RG)
        .target_network(VNET, "default")
        .log_storage_account_id(CACHE)
        .target_vm_size("Standard_DS2_v2")
        .custom_field("targetVmSize", "Standard_F4s")
        .build()
        .unwrap();
    let az = item.custom_properties().unwrap().as_azstack().unwrap();
    assert_eq!(az.target_vm_size.as_deref(), Some("Standard_F4s"));
    assert!(az.additional_properties.is_empty());

    let err = ProtectedItem::azstack("", "e", VM)
        .appliance_id(APPLIANCE)
        .build()
        .unwrap_err();
    assert_eq!(
        err,
        NewProtectedItemError::Missing(vec![
            "policyName",
            "targetResourceGroupId",
            "targetNetworkId",
            "logStorageAccountId"
        ])
    );
    assert!(err.to_string().contains("targetNetworkId"));

    let err = ProtectedItem::azstack("p", "e", VM)
        .appliance_id(APPLIANCE)
        .target_resource_group_id(RG)
        .target_network(VNET, "default")
        .log_storage_account_id(CACHE)
        .custom_field("initialReplicationProgressPercentage", "lots")
        .build()
        .unwrap_err();
    assert!(matches!(err, NewProtectedItemError::InvalidCustomField(_)));
}

#[test]
fn update_body_round_trips() {
    let wire = json!({"properties": {"customProperties": {"instanceType": "VMwareToAzStackHCI",
        "targetCpuCores": 8, "nicsToInclude": [{"nicId": "n0", "label": "l", "selectionTypeForFailover": "NotSelected"}],
        "securityOption": "EnablevTPM"}}});
    let u: ProtectedItemModelUpdate = serde_json::from_value(wire.clone()).unwrap();
    let Some(ProtectedItemCustomPropertiesUpdate::VMwareToAzStackHCI(cp)) = u
        .properties
        .as_ref()
        .and_then(|p| p.custom_properties.as_ref())
    else {
        panic!("not VMwareToAzStackHCI");
    };
    assert!(cp.additional_properties.is_empty());
    assert_eq!(cp.target_cpu_cores, Some(8));
    assert_eq!(serde_json::to_value(&u).unwrap(), wire);
}

/// Asserts the set of keys of a JSON object (serde_json's map may sort them).
fn assert_keys(v: &Value, want: &[&str]) {
    let mut got: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    let mut want = want.to_vec();
    got.sort_unstable();
    want.sort_unstable();
    assert_eq!(got, want);
}

#[test]
fn custom_properties_read_late_name_one_position_the_one_in_the_text_sent() {
    // `instanceType` after another key: the object is read first, then decoded as its kind.
    let text = r#"{"activeLocation": 5, "instanceType": "AzStackToAzStack"}"#;
    let err = serde_json::from_str::<ProtectedItemCustomProperties>(text).unwrap_err();
    let message = err.to_string();
    assert_eq!(message.matches(" at line ").count(), 1, "{message}");
    assert_eq!(err.line(), 1, "{message}");
}
