//! Failover, commit, cancel, change recovery point, re-protect (appliance slots) and failback
//! in the emulator, driven with raw requests; the client's view of the item (the crate's model
//! and lifecycle) checked against the emulator's at each step.

#![cfg(feature = "emulator")]

mod emulator_support;

use azs_site_recovery::emulator::{Appliance, ClockMode, Emulator, PowerState, Scenario};
use emulator_support::*;
use serde_json::{json, Value};
use std::time::Duration;

fn seeded(mode: ClockMode) -> Emulator {
    Emulator::new(
        Scenario::builder()
            .seed_vault(true)
            .clock_mode(mode)
            .build(),
    )
}

/// The client's view of the item (parsed with the crate's model, its direction derived by the
/// lifecycle from `activeLocation`) must allow exactly what the emulator's `allowedJobs` says:
/// one state machine for both.
fn assert_consistent(raw: &Raw, name: &str) {
    use azs_site_recovery::lifecycle::{self, ItemState, OperationKind};
    let body = raw.get(&raw.item_path(name)).body;
    let item: azs_site_recovery::model::ProtectedItem =
        serde_json::from_value(body.clone()).unwrap();
    let mut state = ItemState::from_item(&item);
    state.allowed_jobs = None;
    let mut local: Vec<String> = lifecycle::allowed_operations(&state)
        .into_iter()
        .map(|k| match k {
            OperationKind::CleanupTestFailover => "TestFailoverCleanup".to_owned(),
            OperationKind::Commit => "CommitFailover".to_owned(),
            OperationKind::Failback => "PlannedFailover".to_owned(),
            other => format!("{other:?}"),
        })
        .collect();
    local.dedup();
    let served: Vec<String> =
        serde_json::from_value(body["properties"]["allowedJobs"].clone()).unwrap();
    assert_eq!(local, served, "{name}: {}", body["properties"]);
}

fn tfo(raw: &Raw, name: &str) -> String {
    raw.action(
        name,
        "testFailover",
        json!({ "instanceType": "AzStackToAzStack", "recoveryPoint": "LatestProcessed" }),
    )
}

#[test]
fn a_whole_dr_drill_with_failback() {
    let raw = Raw::new(seeded(ClockMode::Auto), NEWEST);
    let t = raw.emu.topology().clone();
    raw.protect("app-01", "app01");
    raw.emu.advance(Duration::from_secs(600));
    assert_consistent(&raw, "app01");
    let src = t.source_vm_id("app-01").unwrap().to_owned();

    // Test failover: a test VM in the test network; cleanup deletes it.
    assert_eq!(tfo(&raw, "app01"), "200");
    let item = raw.get(&raw.item_path("app01")).body;
    assert_eq!(
        item["properties"]["testFailoverState"],
        "TestFailoverCompleted"
    );
    assert!(item["properties"]["lastSuccessfulTestFailoverTime"].is_string());
    let test_vm = raw
        .emu
        .vm_ids()
        .into_iter()
        .find(|v| v.ends_with("/app-01-test"))
        .expect("test VM");
    let vm = raw.get(&test_vm).body;
    let nic = raw.get(
        vm["properties"]["networkProfile"]["networkInterfaces"][0]["id"]
            .as_str()
            .unwrap(),
    );
    assert!(
        nic.body["properties"]["ipConfigurations"][0]["properties"]["subnet"]["id"]
            .as_str()
            .unwrap()
            .contains("/test-vnet/")
    );
    assert_eq!(
        raw.emu.vm_power_state(&src),
        Some(PowerState::Running),
        "the source keeps running"
    );
    assert_eq!(
        raw.action(
            "app01",
            "testFailoverCleanup",
            json!({ "instanceType": "AzStackToAzStack" })
        ),
        "200"
    );
    assert!(raw
        .emu
        .vm_ids()
        .iter()
        .all(|v| !v.ends_with("/app-01-test")));
    assert_eq!(
        raw.get(&raw.item_path("app01")).body["properties"]["testFailoverState"],
        "None"
    );

    // Planned failover shuts the source down and creates the target VM.
    assert_eq!(
        raw.action(
            "app01",
            "plannedFailover",
            json!({ "instanceType": "AzStackToAzStack", "shutdownSourceVM": true })
        ),
        "200"
    );
    assert_eq!(raw.emu.vm_power_state(&src), Some(PowerState::Deallocated));
    let target_vm = format!(
        "/subscriptions/{}/resourceGroups/dr-rg/providers/Microsoft.Compute/virtualMachines/app-01",
        t.target_subscription
    );
    assert_eq!(
        raw.emu.vm_power_state(&target_vm),
        Some(PowerState::Running)
    );
    let item = raw.get(&raw.item_path("app01")).body;
    assert_eq!(
        item["properties"]["protectionState"],
        "PlannedFailoverCompleted"
    );
    assert_eq!(
        item["properties"]["customProperties"]["activeLocation"],
        "Recovery"
    );
    assert!(item["properties"]["customProperties"]["failoverRecoveryPointId"].is_string());
    let allowed: Vec<String> =
        serde_json::from_value(item["properties"]["allowedJobs"].clone()).unwrap();
    assert!(
        allowed.contains(&"CommitFailover".to_owned()) && allowed.contains(&"Reprotect".to_owned()),
        "{allowed:?}"
    );
    assert!(!allowed.contains(&"TestFailover".to_owned()));
    assert_consistent(&raw, "app01");

    // Commit, then re-protect: the replica disks take appliance slots.
    assert_eq!(
        raw.action(
            "app01",
            "commit",
            json!({ "instanceType": "AzStackToAzStack" })
        ),
        "200"
    );
    let free = raw.emu.appliance_free_slots();
    assert_eq!(free, 31);
    let reprotect = json!({
        "instanceType": "AzStackToAzStackFailback",
        "applianceId": t.appliance_id,
        "logStorageAccountId": t.target_storage_account_ids[0],
        "policyName": "failback-default-replication-policy",
        "replicationExtensionName": "default-failback-extension",
    });
    assert_eq!(raw.action("app01", "reprotect", reprotect), "200");
    assert_eq!(
        raw.emu.appliance_free_slots(),
        29,
        "two replica disks attached"
    );
    let appliance_disks = |raw: &Raw| {
        raw.get(&raw.emu.topology().appliance_vm_id).body["properties"]["storageProfile"]
            ["dataDisks"]
            .as_array()
            .unwrap()
            .len()
    };
    assert_eq!(
        appliance_disks(&raw),
        3,
        "its own data disk and the two replicas"
    );
    let source_vm = raw.get(&src).body;
    assert_eq!(
        source_vm["properties"]["storageProfile"]["osDisk"]["diskSizeGB"], 1,
        "temporary OS disk"
    );
    let item = raw.poll_item("app01", |p| p["protectionState"] == "Protected");
    assert_eq!(
        item["properties"]["customProperties"]["instanceType"],
        "AzStackToAzStackFailback"
    );
    assert_eq!(
        item["properties"]["policyName"],
        "failback-default-replication-policy"
    );

    // Failback: the source VM is reused with new disks; slots are freed.
    assert_eq!(
        raw.action(
            "app01",
            "plannedFailover",
            json!({ "instanceType": "AzStackToAzStackFailback" })
        ),
        "200"
    );
    assert_eq!(raw.emu.vm_power_state(&src), Some(PowerState::Running));
    assert_eq!(raw.emu.appliance_free_slots(), 31);
    assert_eq!(appliance_disks(&raw), 1);
    let vm = raw.get(&src).body;
    assert!(vm["properties"]["storageProfile"]["osDisk"]["name"]
        .as_str()
        .unwrap()
        .contains("failback"));
    assert_eq!(
        raw.get(&raw.item_path("app01")).body["properties"]["customProperties"]["activeLocation"],
        "Primary"
    );
    // Committing the failback deletes the failed-over VM on the target stamp.
    assert_consistent(&raw, "app01");
    assert_eq!(raw.action("app01", "commit", json!({})), "200");
    assert_eq!(raw.emu.vm_power_state(&target_vm), None);
    assert_consistent(&raw, "app01");
    // Re-protecting again is not supported after failback.
    let a = raw.post(&format!("{}/reprotect", raw.item_path("app01")), json!({}));
    assert_eq!(a.status, 409);
    assert!(a.body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("disable protection"));

    // Disable: 202 + Location, then the item is gone. Events tell the story.
    let d = raw.delete(&raw.item_path("app01"));
    assert_eq!(d.status, 202);
    assert_eq!(raw.wait(&d), "204");
    assert_eq!(raw.get(&raw.item_path("app01")).status, 404);
    let events = raw
        .get(&format!("{}/events?pageSize=500", raw.vault()))
        .body;
    let kinds: Vec<&str> = events["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["properties"]["eventType"].as_str().unwrap())
        .collect();
    for k in [
        "InitialReplicationCompleted",
        "TestFailoverCompleted",
        "PlannedFailoverCompleted",
        "ReprotectCompleted",
        "DisableProtectionCompleted",
    ] {
        assert!(kinds.contains(&k), "{k} in {kinds:?}");
    }
    let jobs = raw.get(&format!("{}/jobs?pageSize=500", raw.vault())).body;
    let jobs = jobs["value"].as_array().unwrap();
    assert!(jobs.len() >= 9);
    assert!(jobs.iter().all(|j| j["properties"]["state"] == "Succeeded"));
    assert!(jobs[0]["properties"]["tasks"][0]["childrenJobs"].is_array());
}

#[test]
fn reprotect_beyond_free_appliance_slots_fails_like_the_real_one() {
    // 4 slots, 1 used: web-01 (1 disk) fits, sql-01 (3 disks) then does not.
    let emu = Emulator::new(
        Scenario::builder()
            .seed_vault(true)
            .clock_mode(ClockMode::Auto)
            .appliance(Appliance::default().data_disk_slots(4))
            .build(),
    );
    let raw = Raw::new(emu, GA);
    let t = raw.emu.topology().clone();
    let reprotect = json!({
        "instanceType": "AzStackToAzStackFailback", "applianceId": t.appliance_id,
        "logStorageAccountId": t.target_storage_account_ids[0],
        "policyName": "failback-default-replication-policy", "replicationExtensionName": "default-failback-extension",
    });
    for (vm, name) in [("web-01", "web01"), ("sql-01", "sql01")] {
        raw.protect(vm, name);
        raw.emu.advance(Duration::from_secs(600));
        assert_eq!(raw.action(name, "unplannedFailover", json!({ "instanceType": "AzStackToAzStack", "shutdownSourceVM": false, "recoveryPoint": "Latest" })), "200");
    }
    assert_eq!(raw.action("web01", "reprotect", reprotect.clone()), "200");
    assert_eq!(raw.emu.appliance_free_slots(), 2);
    // Uncommitted: re-protect commits first, then fails at the disk attach.
    let a = raw.post(
        &format!("{}/reprotect", raw.item_path("sql01")),
        json!({ "properties": { "customProperties": reprotect } }),
    );
    assert_eq!(a.status, 202);
    assert_eq!(raw.wait(&a), "400");
    let end = raw.get(a.header("Location").unwrap());
    assert_eq!(end.status, 400);
    assert_eq!(end.code(), "InternalError");
    assert_eq!(end.body["error"]["message"], "An internal error occurred.");
    let item = raw.get(&raw.item_path("sql01")).body;
    assert_eq!(item["properties"]["protectionState"], "ReprotectFailed");
    // currentJob keeps the failed job, so a client can read its errors.
    assert_eq!(item["properties"]["currentJob"]["state"], "Failed");
    assert_eq!(
        item["properties"]["currentJob"]["scenarioName"],
        "Reprotect"
    );
    let job = raw
        .get(item["properties"]["currentJob"]["id"].as_str().unwrap())
        .body;
    assert_eq!(
        job["properties"]["errors"][0]["message"],
        "An internal error occurred."
    );
    assert_eq!(item["properties"]["replicationHealth"], "Critical");
    let jobs = raw.get(&format!("{}/jobs?pageSize=100", raw.vault())).body;
    let failed: Vec<&Value> = jobs["value"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|j| j["properties"]["state"] == "Failed")
        .collect();
    assert_eq!(failed.len(), 1);
    let tasks = failed[0]["properties"]["tasks"].as_array().unwrap();
    assert_eq!(
        tasks[0]["taskName"],
        "Committing the failover on the primary side"
    );
    assert!(tasks
        .iter()
        .any(|t| t["state"] == "Failed"
            && t["taskName"] == "Attaching replica disks to the appliance"));
    assert_eq!(
        failed[0]["properties"]["errors"][0]["message"],
        "An internal error occurred."
    );
    let events = raw
        .get(&format!("{}/events?pageSize=500", raw.vault()))
        .body;
    assert!(events["value"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["properties"]["description"]
            .as_str()
            .unwrap()
            .contains("free data-disk slot")));
}

#[test]
fn cancel_failover_restores_the_source() {
    let raw = Raw::new(seeded(ClockMode::Auto), GA);
    let t = raw.emu.topology().clone();
    raw.protect("dc-01", "dc01");
    raw.emu.advance(Duration::from_secs(600));
    assert_eq!(
        raw.action(
            "dc01",
            "unplannedFailover",
            json!({ "instanceType": "AzStackToAzStack", "shutdownSourceVM": true })
        ),
        "200"
    );
    let src = t.source_vm_id("dc-01").unwrap();
    assert_eq!(raw.emu.vm_power_state(src), Some(PowerState::Deallocated));
    assert_eq!(raw.action("dc01", "cancelFailover", json!({})), "200");
    assert_eq!(raw.emu.vm_power_state(src), Some(PowerState::Running));
    let item = raw.get(&raw.item_path("dc01")).body;
    assert_eq!(item["properties"]["protectionState"], "Protected");
    assert!(item["properties"]["lastSuccessfulUnplannedFailoverTime"].is_string());
}

#[test]
fn failback_recreates_a_source_vm_lost_in_the_disaster() {
    let raw = Raw::new(seeded(ClockMode::Auto), GA);
    let t = raw.emu.topology().clone();
    raw.protect("mon-01", "mon01");
    raw.emu.advance(Duration::from_secs(600));
    let src = t.source_vm_id("mon-01").unwrap().to_owned();
    let done = |s: String| assert_eq!(s, "200");
    done(raw.action(
        "mon01",
        "unplannedFailover",
        json!({ "instanceType": "AzStackToAzStack" }),
    ));
    done(raw.action("mon01", "commit", json!({})));
    done(raw.action("mon01", "reprotect", json!({
        "instanceType": "AzStackToAzStackFailback", "applianceId": t.appliance_id,
        "logStorageAccountId": t.target_storage_account_ids[0],
        "policyName": "failback-default-replication-policy", "replicationExtensionName": "default-failback-extension",
    })));
    raw.poll_item("mon01", |p| p["protectionState"] == "Protected");
    // The source VM is lost (its disks are replicas on the appliance and survive).
    assert!(raw.emu.remove_vm(&src));
    done(raw.action(
        "mon01",
        "plannedFailover",
        json!({ "instanceType": "AzStackToAzStackFailback" }),
    ));
    let vm = raw.get(&src);
    assert_eq!(vm.status, 200, "recreated under its old id");
    let p = &vm.body["properties"];
    assert_eq!(
        p["storageProfile"]["dataDisks"].as_array().unwrap().len(),
        1
    );
    assert_eq!(p["storageProfile"]["dataDisks"][0]["diskSizeGB"], 128);
    let nic = raw
        .get(
            p["networkProfile"]["networkInterfaces"][0]["id"]
                .as_str()
                .unwrap(),
        )
        .body;
    assert!(
        nic["properties"]["ipConfigurations"][0]["properties"]["subnet"]["id"]
            .as_str()
            .unwrap()
            .ends_with("/prod-vnet/subnets/default")
    );
    assert_eq!(raw.emu.appliance_free_slots(), 31);
}

#[test]
fn change_recovery_point_after_failover_then_commit() {
    let raw = Raw::new(seeded(ClockMode::Auto), GA);
    raw.protect("cache-01", "cache01");
    raw.emu.advance(Duration::from_secs(3600));
    let points = raw
        .get(&format!("{}/recoveryPoints", raw.item_path("cache01")))
        .body;
    let points = points["value"].as_array().unwrap().clone();
    let older = points.last().unwrap()["id"].as_str().unwrap().to_owned();
    assert_eq!(
        raw.action(
            "cache01",
            "unplannedFailover",
            json!({ "instanceType": "AzStackToAzStack", "recoveryPoint": "Latest" })
        ),
        "200"
    );
    let first = raw.get(&raw.item_path("cache01")).body["properties"]["customProperties"]
        ["failoverRecoveryPointId"]
        .clone();
    assert_eq!(first, points[0]["id"], "Latest");
    assert_eq!(
        raw.action("cache01", "changeRecoveryPoint", json!({ "instanceType": "AzStackToAzStack", "recoveryPoint": "Custom", "recoveryPointId": older })),
        "200"
    );
    let p = raw.get(&raw.item_path("cache01")).body["properties"].clone();
    assert_eq!(p["protectionState"], "ChangeRecoveryPointCompleted");
    assert_eq!(
        p["customProperties"]["failoverRecoveryPointId"],
        older.as_str()
    );
    assert_eq!(raw.action("cache01", "commit", json!({})), "200");
    assert_eq!(
        raw.get(&raw.item_path("cache01")).body["properties"]["protectionState"],
        "CommitFailoverCompleted"
    );
}
