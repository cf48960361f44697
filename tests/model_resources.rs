//! Behaviour of the resource models a user relies on: nothing lost on a round trip, nothing
//! unknown fails a response, api-version renames readable under one name, request bodies
//! without read-only fields.

use azs_site_recovery::model::{
    Appliance, Event, EventCustomProperties, Fabric, FabricCustomProperties, Job,
    JobCustomProperties, JobObjectType, JobState, ManagedServiceIdentityType, OperationStatus,
    Page, PolicyCustomProperties, RecoveryPoint, RecoveryPointCustomProperties,
    ReplicationExtension, ReplicationExtensionCustomProperties, ReplicationPolicy, RequestBody,
    TaskState, Vault, VaultPrivateEndpointState,
};
use serde_json::{json, Value};

fn round_trip<T: serde::de::DeserializeOwned + serde::Serialize>(wire: &Value) -> T {
    let typed: T = serde_json::from_value(wire.clone()).expect("parses");
    assert_eq!(&serde_json::to_value(&typed).unwrap(), wire, "round trip");
    let from_text: T = serde_json::from_str(&wire.to_string()).expect("parses from text");
    assert_eq!(&serde_json::to_value(&from_text).unwrap(), wire);
    typed
}

const VAULT_ID: &str =
    "/subscriptions/s/resourceGroups/rg/providers/Microsoft.DataReplication/replicationVaults/v1";

fn vault_2026() -> Value {
    json!({
        "id": VAULT_ID,
        "name": "v1",
        "type": "Microsoft.DataReplication/replicationVaults",
        "location": "redmond",
        "tags": {"owner": "dr-team"},
        "etag": "W/\"abc\"",
        "identity": {
            "type": "SystemAssigned,UserAssigned",
            "principalId": "11111111-1111-1111-1111-111111111111",
            "tenantId": "22222222-2222-2222-2222-222222222222",
            "userAssignedIdentities": {"/subscriptions/s/x/id1": {"principalId": "p", "clientId": "c"}}
        },
        "systemData": {"createdBy": "me", "createdByType": "User", "createdAt": "2025-11-12T22:15:20.926Z"},
        "properties": {
            "provisioningState": "Succeeded",
            "serviceResourceId": "/subscriptions/s/x",
            "vaultType": "DisasterRecovery",
            "privateEndpointState": "Approved",
            "publicNetworkAccess": "Enabled",
            "privateEndpointConnections": [{"id": "pec1", "properties": {"provisioningState": "Succeeded"}}],
            "stampSetting": {"mode": "fast"}
        }
    })
}

#[test]
fn vault_keeps_unknown_fields_and_values_and_reads_known_ones() {
    let vault: Vault = round_trip(&vault_2026());
    assert_eq!(vault.additional_properties["etag"], json!("W/\"abc\""));
    let props = vault.properties.as_ref().unwrap();
    // "Approved" is not in the spec's enum, yet Microsoft's own example sends it.
    assert_eq!(
        props.private_endpoint_state,
        Some(VaultPrivateEndpointState::Unknown("Approved".into()))
    );
    assert_eq!(props.additional_properties["stampSetting"]["mode"], "fast");
    assert_eq!(
        vault.identity.as_ref().unwrap().identity_type,
        Some(ManagedServiceIdentityType::SystemAssignedUserAssigned)
    );
    assert_eq!(vault.tags.as_ref().unwrap()["owner"], "dr-team");
}

#[test]
fn vault_request_body_has_writable_fields_only() {
    let vault: Vault = serde_json::from_value(vault_2026()).unwrap();
    assert_eq!(
        vault.to_request_body(),
        json!({
            "location": "redmond",
            "tags": {"owner": "dr-team"},
            "identity": {
                "type": "SystemAssigned,UserAssigned",
                "userAssignedIdentities": {"/subscriptions/s/x/id1": {}}
            },
            "properties": {
                "vaultType": "DisasterRecovery",
                "publicNetworkAccess": "Enabled",
                // Unknown below the envelope: kept (it may be a stamp's writable setting).
                "stampSetting": {"mode": "fast"}
            }
        })
    );
}

#[test]
fn unknown_instance_types_are_kept_whole_and_sent_back_whole() {
    let wire = json!({
        "name": "p1",
        "properties": {
            "provisioningState": "Succeeded",
            "customProperties": {"instanceType": "VMwareToAvs", "rpo": 15, "nested": {"a": [1, null]}}
        }
    });
    let policy: ReplicationPolicy = round_trip(&wire);
    let custom = policy
        .properties
        .as_ref()
        .unwrap()
        .custom_properties
        .as_ref()
        .unwrap();
    assert!(matches!(custom, PolicyCustomProperties::Unknown(_)));
    assert_eq!(custom.instance_type(), Some("VMwareToAvs"));
    assert_eq!(
        policy.to_request_body(),
        json!({"properties": {"customProperties": {"instanceType": "VMwareToAvs", "rpo": 15, "nested": {"a": [1, null]}}}})
    );
}

#[test]
fn instance_type_need_not_come_first() {
    let wire = json!({
        "location": "local",
        "properties": {"customProperties": {
            "migrationSolutionId": "/m", "vmwareSiteId": "/v", "instanceType": "VMwareMigrate"
        }}
    });
    let fabric: Fabric = round_trip(&wire);
    let custom = fabric
        .properties
        .as_ref()
        .unwrap()
        .custom_properties
        .as_ref()
        .unwrap();
    let FabricCustomProperties::VMwareMigrate(v) = custom else {
        panic!("expected VMwareMigrate, got {custom:?}");
    };
    assert_eq!(v.vmware_site_id.as_deref(), Some("/v"));
}

#[test]
fn azure_stack_hub_policy_and_extension_parse_and_keep_stamp_fields() {
    let policy: ReplicationPolicy = round_trip(&json!({
        "properties": {"customProperties": {
            "instanceType": "AzStackToAzStack",
            "recoveryPointHistoryInMinutes": 4320,
            "crashConsistentFrequencyInMinutes": 5,
            "appConsistentFrequencyInMinutes": 240
        }}
    }));
    let Some(PolicyCustomProperties::AzStackToAzStack(p)) =
        &policy.properties.as_ref().unwrap().custom_properties
    else {
        panic!("AzStackToAzStack policy not recognised");
    };
    assert_eq!(p.app_consistent_frequency_in_minutes, Some(240));

    let extension: ReplicationExtension = round_trip(&json!({
        "id": "/x/replicationExtensions/default-failback-extension",
        "properties": {"provisioningState": "Creating", "customProperties": {
            "instanceType": "AzStackToAzStack",
            "sourceFabricArmId": "/src",
            "targetFabricArmId": "/tgt",
            "storageAccountId": "/sa",
            "stampOnlyField": true
        }}
    }));
    let Some(ReplicationExtensionCustomProperties::AzStackToAzStack(e)) =
        &extension.properties.as_ref().unwrap().custom_properties
    else {
        panic!("AzStackToAzStack extension not recognised");
    };
    assert_eq!(e.target_fabric_arm_id.as_deref(), Some("/tgt"));
    assert_eq!(
        extension.to_request_body(),
        json!({"properties": {"customProperties": {
            "instanceType": "AzStackToAzStack",
            "sourceFabricArmId": "/src",
            "targetFabricArmId": "/tgt",
            "storageAccountId": "/sa",
            "stampOnlyField": true
        }}})
    );
}

#[test]
fn hci_extension_request_body_drops_read_only_custom_fields_even_when_null() {
    let extension: ReplicationExtension = serde_json::from_value(json!({
        "name": "ext",
        "properties": {"customProperties": {
            "instanceType": "HyperVToAzStackHCI",
            "hyperVFabricArmId": "/hv",
            "hyperVSiteId": "/site",
            "azStackHciFabricArmId": "/hci",
            "storageAccountId": null,
            "asrServiceUri": null,
            "resourceGroup": "rg"
        }}
    }))
    .unwrap();
    assert_eq!(
        extension.to_request_body(),
        json!({"properties": {"customProperties": {
            "instanceType": "HyperVToAzStackHCI",
            "hyperVFabricArmId": "/hv",
            "azStackHciFabricArmId": "/hci",
            "storageAccountId": null
        }}})
    );
}

#[test]
fn fabric_agent_request_body_drops_health_and_heartbeat() {
    let agent: Appliance = serde_json::from_value(json!({
        "id": "/x/fabricAgents/a1",
        "properties": {
            "correlationId": "c",
            "machineId": "m", "machineName": "appl01",
            "authenticationIdentity": {"tenantId": "t", "applicationId": "a", "objectId": "o",
                                       "audience": "aud", "aadAuthority": "https://adfs.local/adfs"},
            "isResponsive": false,
            "lastHeartbeat": "2025-01-01T00:00:00Z",
            "versionNumber": "1.0",
            "provisioningState": "Succeeded",
            "healthErrors": [{"code": "HeartbeatMissing"}],
            "customProperties": {"instanceType": "VMware", "biosId": "b"}
        }
    }))
    .unwrap();
    assert_eq!(
        agent.to_request_body(),
        json!({"properties": {
            "machineId": "m", "machineName": "appl01",
            "authenticationIdentity": {"tenantId": "t", "applicationId": "a", "objectId": "o",
                                       "audience": "aud", "aadAuthority": "https://adfs.local/adfs"},
            "customProperties": {"instanceType": "VMware", "biosId": "b"}
        }})
    );
}

#[test]
fn odd_timestamps_parse_and_are_written_back_as_they_came() {
    let wire = json!({
        "properties": {
            "state": "Succeeded",
            "startTime": "2024-03-01T10:00:00.1234567",
            "endTime": "2024-03-01T10:05:00+01:00",
            "tasks": [{"taskName": "t", "state": "Skipped", "startTime": "not a date"}],
            "errors": [{"code": "E", "creationTime": "2024-03-01T10:00:00Z"}]
        }
    });
    let job: Job = round_trip(&wire);
    let props = job.properties.as_ref().unwrap();
    let start = props.start_time.as_ref().unwrap();
    assert_eq!(start.as_str(), "2024-03-01T10:00:00.1234567");
    assert_eq!(
        start.to_utc().unwrap().to_rfc3339(),
        "2024-03-01T10:00:00.123456700+00:00"
    );
    assert_eq!(
        props
            .end_time
            .as_ref()
            .unwrap()
            .to_utc()
            .unwrap()
            .to_rfc3339(),
        "2024-03-01T09:05:00+00:00"
    );
    let task = &props.tasks.as_ref().unwrap()[0];
    assert_eq!(task.state, Some(TaskState::Skipped));
    assert!(task.start_time.as_ref().unwrap().to_utc().is_none());

    let point: RecoveryPoint = round_trip(&json!({
        "properties": {"recoveryPointTime": "2024-03-01T10:00:00", "recoveryPointType": "CrashConsistent",
                       "customProperties": {"instanceType": "VMwareToAzStackHCIRecoveryPointModelCustomProperties",
                                            "diskIds": ["d1"]}}
    }));
    let props = point.properties.as_ref().unwrap();
    assert!(props
        .recovery_point_time
        .as_ref()
        .unwrap()
        .to_utc()
        .is_some());
    assert!(matches!(
        props.custom_properties,
        Some(RecoveryPointCustomProperties::VMwareToAzStackHCI(_))
    ));
}

/// The same failover job as the 2021 preview and 2026-05-01 write it.
#[test]
fn preview_and_stable_jobs_read_the_same_through_accessors() {
    let preview = json!({
        "name": "job1",
        "type": "Microsoft.DataReplication/replicationVaults/jobs",
        "properties": {
            "state": "CompletedWithWarnings",
            "objectType": "Dra",
            "tasks": [{"taskName": "Prepare", "state": "Succeeded",
                       "customProperties": {"instanceType": "TaskDetails"},
                       "childrenWorkflows": [{"name": "child", "properties": {"state": "Succeeded"}}]}],
            "customProperties": {
                "instanceType": "FailoverWorkflowDetails",
                "affectedObjectDetails": {"key1": "value1"},
                "protectedItemDetails": [{"protectedItemName": "web01", "vmName": "web-01",
                                          "recoveryPointTime": "2021-06-01T00:00:00Z"}]
            }
        }
    });
    let stable = json!({
        "name": "job1",
        "type": "Microsoft.DataReplication/replicationVaults/jobs",
        "properties": {
            "state": "CompletedWithWarnings",
            "objectType": "FabricAgent",
            "provisioningState": "Succeeded",
            "tasks": [{"taskName": "Prepare", "state": "Succeeded",
                       "customProperties": {"instanceType": "TaskDetails"},
                       "childrenJobs": [{"name": "child", "properties": {"state": "Succeeded"}}]}],
            "customProperties": {
                "instanceType": "FailoverJobDetails",
                "affectedObjectDetails": {"description": "web01", "type": "object"},
                "protectedItemDetails": [{"protectedItemName": "web01", "vmName": "web-01",
                                          "recoveryPointTime": "2021-06-01T00:00:00Z"}]
            }
        }
    });
    let old: Job = round_trip(&preview);
    let new: Job = round_trip(&stable);
    for (job, object_type) in [
        (&old, JobObjectType::Dra),
        (&new, JobObjectType::FabricAgent),
    ] {
        let props = job.properties.as_ref().unwrap();
        assert_eq!(props.state, Some(JobState::CompletedWithWarnings));
        assert_eq!(props.object_type, Some(object_type));
        let task = &props.tasks.as_ref().unwrap()[0];
        assert_eq!(task.children().len(), 1);
        assert_eq!(task.children()[0].name.as_deref(), Some("child"));
        let custom = props.custom_properties.as_ref().unwrap();
        assert_eq!(
            custom.protected_item_details()[0].vm_name.as_deref(),
            Some("web-01")
        );
    }
    // Each is written back under its own api-version's names.
    let old_custom = old
        .properties
        .as_ref()
        .unwrap()
        .custom_properties
        .as_ref()
        .unwrap();
    assert!(matches!(
        old_custom,
        JobCustomProperties::FailoverWorkflow(_)
    ));
    assert_eq!(old_custom.instance_type(), Some("FailoverWorkflowDetails"));
    let JobCustomProperties::FailoverWorkflow(details) = old_custom else {
        unreachable!()
    };
    // The preview's string map survives in the 2024+ struct's unknown fields.
    assert_eq!(
        details
            .affected_object_details
            .as_ref()
            .unwrap()
            .additional_properties["key1"],
        "value1"
    );
}

#[test]
fn event_custom_properties_by_instance_type() {
    let event: Event = round_trip(&json!({
        "properties": {"severity": "Critical", "timeOfOccurrence": "2025-01-01T00:00:00.5Z",
                       "healthErrors": [{"code": "ReplicationStalled", "childErrors": [{"code": "Disk"}]}],
                       "customProperties": {"instanceType": "VMwareToAzStackHCI", "serverType": "VM"}}
    }));
    let props = event.properties.as_ref().unwrap();
    assert!(matches!(
        props.custom_properties,
        Some(EventCustomProperties::VMwareToAzStackHCI(_))
    ));
    assert_eq!(
        props.health_errors.as_ref().unwrap()[0].code.as_deref(),
        Some("ReplicationStalled")
    );
}

#[test]
fn a_page_keeps_nulls_and_unknown_fields_and_survives_unknown_items() {
    let wire = json!({
        "value": [
            {"name": "p1", "properties": {"customProperties": {"instanceType": "HyperVToAzStackHCI",
                "recoveryPointHistoryInMinutes": 60, "crashConsistentFrequencyInMinutes": 5,
                "appConsistentFrequencyInMinutes": 30}}},
            {"name": "p2", "properties": {"provisioningState": "Exploding",
                "customProperties": {"instanceType": "Tomorrow", "x": 1}}}
        ],
        "nextLink": null,
        "count": 2
    });
    let page: Page<ReplicationPolicy> = round_trip(&wire);
    assert_eq!(page.items().len(), 2);
    assert_eq!(page.next_link(), None);
    assert_eq!(page.additional_properties["nextLink"], Value::Null);
    assert_eq!(page.additional_properties["count"], 2);

    let last: Page<ReplicationPolicy> =
        serde_json::from_value(json!({"value": [], "nextLink": ""})).unwrap();
    assert_eq!(last.next_link(), None, "an empty nextLink ends the list");
    let more: Page<Vault> =
        serde_json::from_value(json!({"nextLink": "https://arm/next?token=1"})).unwrap();
    assert!(more.items().is_empty());
    assert_eq!(more.next_link(), Some("https://arm/next?token=1"));
    assert_eq!(
        serde_json::to_value(&more).unwrap(),
        json!({"nextLink": "https://arm/next?token=1"})
    );
}

#[test]
fn a_page_with_a_malformed_item_fails_saying_what_was_expected() {
    let err = serde_json::from_value::<Page<Vault>>(json!({"value": [{"name": 5}]})).unwrap_err();
    assert!(err.to_string().contains("string"), "{err}");
}

#[test]
fn operation_status_knows_when_it_is_done() {
    let running: OperationStatus = round_trip(&json!({"id": "op", "status": "InProgress"}));
    assert!(!running.is_terminal());
    for status in ["Succeeded", "failed", "Canceled", "Cancelled"] {
        let done: OperationStatus =
            serde_json::from_value(json!({"status": status, "error": {"code": "X"}})).unwrap();
        assert!(done.is_terminal(), "{status}");
        assert_eq!(done.additional_properties["error"]["code"], "X");
    }
}
