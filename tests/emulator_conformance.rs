//! What the emulator serves parses with the crate's model, for every api-version, losslessly:
//! the emulator and the client agree on the wire.

#![cfg(feature = "emulator")]

mod emulator_support;

use azs_site_recovery::emulator::{ClockMode, Emulator, Scenario};
use azs_site_recovery::model::{
    Event, Fabric, FabricAgent, Job, OperationStatus, Page, ProtectedItem,
    ProtectedItemCustomProperties, ProtectionState, RecoveryPoint, ReplicationExtension,
    ReplicationPolicy, Vault,
};
use emulator_support::*;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{json, Value};
use std::time::Duration;

/// Parses `v` as `T` and checks that writing it back gives the same JSON.
fn lossless<T: DeserializeOwned + Serialize>(v: &Value) -> T {
    let t: T = serde_json::from_value(v.clone()).unwrap_or_else(|e| panic!("{e}: {v}"));
    assert_eq!(&serde_json::to_value(&t).unwrap(), v, "round trip");
    t
}

#[test]
fn every_resource_parses_with_the_model_on_every_api_version() {
    for api in [PREVIEW, GA, NEWEST] {
        let raw = Raw::new(
            Emulator::new(
                Scenario::builder()
                    .seed_vault(true)
                    .clock_mode(ClockMode::Auto)
                    .build(),
            ),
            api,
        );
        let t = raw.emu.topology().clone();
        let item: ProtectedItem = lossless(&raw.protect("sql-01", "sql01"));
        let p = item.properties.as_ref().unwrap();
        assert_eq!(p.protection_state, Some(ProtectionState::Protected));
        let Some(ProtectedItemCustomProperties::AzStackToAzStack(c)) = &p.custom_properties else {
            panic!(
                "AzStackToAzStack expected on {api}: {:?}",
                p.custom_properties
            );
        };
        assert_eq!(
            c.source_az_stack_virtual_machine_id.as_deref(),
            t.source_vm_id("sql-01")
        );
        let disks = c.protected_disks.as_ref().unwrap();
        assert_eq!(disks.len(), 3);
        assert_eq!(disks[2].disk_size_gb, Some(1024));
        assert_eq!(
            c.protected_nics.as_ref().unwrap()[0].is_primary_nic,
            Some(true)
        );
        assert_eq!(c.initial_replication_progress_percentage, Some(100));

        lossless::<Vault>(&raw.get(&raw.vault()).body);
        lossless::<Fabric>(&raw.get(&t.source_fabric_id).body);
        lossless::<FabricAgent>(&raw.get(&t.appliance_id).body);
        lossless::<ReplicationPolicy>(
            &raw.get(&format!(
                "{}/replicationPolicies/default-replication-policy",
                raw.vault()
            ))
            .body,
        );
        lossless::<ReplicationExtension>(
            &raw.get(&format!(
                "{}/replicationExtensions/default-replication-extension",
                raw.vault()
            ))
            .body,
        );
        raw.emu.advance(Duration::from_secs(1800));
        let rps: Page<RecoveryPoint> = lossless(
            &raw.get(&format!("{}/recoveryPoints", raw.item_path("sql01")))
                .body,
        );
        assert!(rps.value.unwrap().len() >= 6);
        let jobs: Page<Job> = lossless(&raw.get(&format!("{}/jobs", raw.vault())).body);
        assert!(!jobs.value.unwrap().is_empty());
        let events: Page<Event> = lossless(&raw.get(&format!("{}/events", raw.vault())).body);
        assert!(!events.value.unwrap().is_empty());

        // An operation status monitor.
        let a = raw.put(
            &t.vault_id("another"),
            json!({ "location": t.target_location }),
        );
        let status: OperationStatus =
            lossless(&raw.get(a.header("Azure-AsyncOperation").unwrap()).body);
        assert!(status.status.is_some());

        // After a failover and re-protect the item is AzStackToAzStackFailback.
        // Preview answers carry Azure-AsyncOperation too (followed first), GA only Location.
        let done = |s: String| assert!(s == "200" || s == "Succeeded", "{s}");
        done(raw.action(
            "sql01",
            "unplannedFailover",
            json!({ "instanceType": "AzStackToAzStack" }),
        ));
        let reprotect = json!({
            "instanceType": "AzStackToAzStackFailback", "applianceId": t.appliance_id,
            "logStorageAccountId": t.target_storage_account_ids[0],
            "policyName": "failback-default-replication-policy", "replicationExtensionName": "default-failback-extension",
        });
        done(raw.action("sql01", "reprotect", reprotect));
        let item: ProtectedItem = lossless(&raw.get(&raw.item_path("sql01")).body);
        let p = item.properties.unwrap();
        let Some(ProtectedItemCustomProperties::AzStackToAzStackFailback(c)) = &p.custom_properties
        else {
            panic!(
                "AzStackToAzStackFailback expected: {:?}",
                p.custom_properties
            );
        };
        assert_eq!(
            c.policy_name.as_deref(),
            Some("failback-default-replication-policy")
        );
        assert_eq!(p.protection_state, Some(ProtectionState::Protected));
    }
}
