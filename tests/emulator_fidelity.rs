//! The emulator against the product documentation (enable-vm-protection.txt, "Understand the
//! different states for protected VMs"): each test quotes the sentence it follows.

#![cfg(feature = "emulator")]

mod emulator_support;

use azs_site_recovery::emulator::{Appliance, ClockMode, Emulator, PowerState, Scenario};
use chrono::{DateTime, Utc};
use emulator_support::*;
use serde_json::{json, Value};
use std::time::Duration;

fn seeded(scenario: azs_site_recovery::emulator::ScenarioBuilder) -> Raw {
    Raw::new(
        Emulator::new(
            scenario
                .seed_vault(true)
                .clock_mode(ClockMode::Manual)
                .build(),
        ),
        GA,
    )
}

fn time(v: &Value) -> DateTime<Utc> {
    v.as_str()
        .unwrap_or_else(|| panic!("not a time: {v}"))
        .parse()
        .unwrap()
}

/// The newest job of `instance_type` for item `name`.
fn newest_job(raw: &Raw, name: &str, instance_type: &str) -> Value {
    let jobs = raw.get(&format!("{}/jobs", raw.vault())).body;
    jobs["value"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|j| {
            j["properties"]["objectName"] == name
                && j["properties"]["customProperties"]["instanceType"] == instance_type
        })
        .max_by_key(|j| time(&j["properties"]["startTime"]))
        .cloned()
        .unwrap_or_else(|| panic!("no {instance_type} job for {name}"))
}

fn job_duration(job: &Value) -> chrono::Duration {
    time(&job["properties"]["endTime"]) - time(&job["properties"]["startTime"])
}

/// The recovered VM whose id ends with `suffix`.
fn recovered_vm(raw: &Raw, suffix: &str) -> Value {
    let id = raw
        .emu
        .vm_ids()
        .into_iter()
        .find(|v| v.ends_with(suffix))
        .unwrap_or_else(|| panic!("no VM {suffix}"));
    raw.get(&id).body
}

/// "Latest recovery point (lowest RPO): this option first processes all the data that has been
/// sent to the Site Recovery service, to create a recovery point for each VM before failing over
/// to it. This option provides the lowest RPO (Recovery Point Objective), because the VM created
/// after failover will have all the data replicated to Site Recovery when the failover
/// triggers." / "Latest processed (lowest RTO): [...] This option provides a low RTO (Recovery
/// Time Objective), because no time is spent processing unprocessed data."
#[test]
fn latest_processes_the_data_first_for_the_lowest_rpo_latest_processed_is_faster() {
    let raw = seeded(Scenario::builder());
    raw.protect("web-01", "web01");
    // Two hours of replication, then three minutes past the newest 5-minute point.
    raw.emu.advance(Duration::from_secs(7200));
    let newest = raw
        .get(&format!("{}/recoveryPoints", raw.item_path("web01")))
        .body["value"][0]
        .clone();
    let newest_time = time(&newest["properties"]["recoveryPointTime"]);
    let gap = raw.emu.now() - newest_time;
    raw.emu.advance(
        (chrono::Duration::minutes(3) - gap)
            .to_std()
            .unwrap_or_default(),
    );
    let newest = raw
        .get(&format!("{}/recoveryPoints", raw.item_path("web01")))
        .body["value"][0]
        .clone();
    let newest_time = time(&newest["properties"]["recoveryPointTime"]);

    // LatestProcessed: the newest point already processed, three minutes old.
    let triggered = raw.emu.now();
    assert_eq!(triggered - newest_time, chrono::Duration::minutes(3));
    assert_eq!(
        raw.action(
            "web01",
            "testFailover",
            json!({ "instanceType": "AzStackToAzStack", "recoveryPoint": "LatestProcessed" })
        ),
        "200"
    );
    let processed_job = newest_job(&raw, "web01", "TestFailoverJobDetails");
    let details = &processed_job["properties"]["customProperties"]["protectedItemDetails"][0];
    assert_eq!(details["recoveryPointId"], newest["id"]);
    assert_eq!(time(&details["recoveryPointTime"]), newest_time);
    assert_eq!(details["testVmName"], "web-01-test");
    let vm = recovered_vm(&raw, "/web-01-test");
    assert_eq!(
        time(&vm["tags"]["azs-site-recovery-recovery-point-time"]),
        newest_time,
        "the test VM holds the data of the point it was made from: an RPO of 3 minutes"
    );
    assert_eq!(raw.action("web01", "testFailoverCleanup", json!({})), "200");

    // Latest: the data that reached the service when the failover was triggered is processed
    // into a new point first (a task of its own, so the job takes longer); RPO zero.
    raw.emu.advance(Duration::from_secs(120));
    let triggered = raw.emu.now();
    assert_eq!(
        raw.action(
            "web01",
            "testFailover",
            json!({ "instanceType": "AzStackToAzStack", "recoveryPoint": "Latest" })
        ),
        "200"
    );
    let latest_job = newest_job(&raw, "web01", "TestFailoverJobDetails");
    assert_ne!(latest_job["name"], processed_job["name"]);
    let tasks: Vec<&str> = latest_job["properties"]["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["taskName"].as_str().unwrap())
        .collect();
    assert!(
        tasks.contains(&"Processing the data sent to Site Recovery"),
        "{tasks:?}"
    );
    assert!(
        job_duration(&latest_job) > job_duration(&processed_job),
        "Latest must take longer: {} vs {}",
        job_duration(&latest_job),
        job_duration(&processed_job)
    );
    let details = &latest_job["properties"]["customProperties"]["protectedItemDetails"][0];
    assert_eq!(time(&details["recoveryPointTime"]), triggered, "RPO zero");
    let vm = recovered_vm(&raw, "/web-01-test");
    assert_eq!(
        time(&vm["tags"]["azs-site-recovery-recovery-point-time"]),
        triggered
    );
    // The new point is a recovery point like the others.
    let point = raw.get(details["recoveryPointId"].as_str().unwrap());
    assert_eq!(point.status, 200, "{point:?}");
    assert_eq!(
        point.body["properties"]["recoveryPointType"],
        "CrashConsistent"
    );

    // The same choice on a real failover: the failed-over VM has the data as of the trigger.
    assert_eq!(raw.action("web01", "testFailoverCleanup", json!({})), "200");
    raw.emu.advance(Duration::from_secs(240));
    let triggered = raw.emu.now();
    assert_eq!(
        raw.action(
            "web01",
            "unplannedFailover",
            json!({ "instanceType": "AzStackToAzStack", "recoveryPoint": "Latest", "shutdownSourceVM": false })
        ),
        "200"
    );
    let item = raw.get(&raw.item_path("web01")).body;
    let used = item["properties"]["customProperties"]["failoverRecoveryPointId"]
        .as_str()
        .unwrap()
        .to_owned();
    let job = newest_job(&raw, "web01", "FailoverJobDetails");
    let details = &job["properties"]["customProperties"]["protectedItemDetails"][0];
    assert_eq!(details["recoveryPointId"], used.as_str());
    assert_eq!(time(&details["recoveryPointTime"]), triggered);
    let target = t_vm(&raw, "web-01");
    assert_eq!(
        time(&target["tags"]["azs-site-recovery-recovery-point-time"]),
        triggered
    );
}

/// The failed-over VM `name` on the target stamp.
fn t_vm(raw: &Raw, name: &str) -> Value {
    let sub = raw.emu.topology().target_subscription.to_ascii_lowercase();
    let id = raw
        .emu
        .vm_ids()
        .into_iter()
        .find(|v| {
            v.to_ascii_lowercase()
                .starts_with(&format!("/subscriptions/{sub}/"))
                && v.ends_with(&format!("/{name}"))
        })
        .unwrap_or_else(|| panic!("no failed-over {name}"));
    raw.get(&id).body
}

/// "When starting the failover process, you can Shut down machine before beginning failover.
/// Since this option moves the entire VM from the source to the target, the source VM should be
/// shut down before you select this option." Without it the source keeps running, and the
/// prerequisite checks' advice for a running source VM applies.
#[test]
fn planned_failover_without_shutdown_leaves_the_source_running() {
    let raw = seeded(Scenario::builder());
    let t = raw.emu.topology().clone();
    for (vm, name) in [("app-01", "app01"), ("app-02", "app02")] {
        raw.protect(vm, name);
    }
    raw.emu.advance(Duration::from_secs(600));
    assert_eq!(
        raw.action(
            "app01",
            "plannedFailover",
            json!({ "instanceType": "AzStackToAzStack", "shutdownSourceVM": false })
        ),
        "200"
    );
    assert_eq!(
        raw.action(
            "app02",
            "plannedFailover",
            json!({ "instanceType": "AzStackToAzStack", "shutdownSourceVM": true })
        ),
        "200"
    );
    let running = t.source_vm_id("app-01").unwrap();
    let stopped = t.source_vm_id("app-02").unwrap();
    assert_eq!(raw.emu.vm_power_state(running), Some(PowerState::Running));
    assert_eq!(
        raw.emu.vm_power_state(stopped),
        Some(PowerState::Deallocated)
    );
    for name in ["app01", "app02"] {
        assert_eq!(
            raw.get(&raw.item_path(name)).body["properties"]["protectionState"],
            "PlannedFailoverCompleted"
        );
    }
    // The job says the shutdown task was skipped, not done.
    let job = newest_job(&raw, "app01", "FailoverJobDetails");
    let shutdown = job["properties"]["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["taskName"] == "Shutting down the source virtual machine")
        .unwrap()
        .clone();
    assert_eq!(shutdown["state"], "Skipped");

    // The prerequisite checks read the same stamp: the running source is flagged
    // (SOURCE_VM_RUNNING: choose "Shut down machine before beginning failover"), the stopped
    // one is not.
    use azs_site_recovery::client::PreflightScope;
    use azs_site_recovery::emulator::defaults;
    use azs_site_recovery::preflight::{Code, Intent, PreflightPlan};
    let client = azs_site_recovery::SiteRecoveryClient::builder()
        .in_process(&raw.emu)
        .unwrap()
        .build()
        .unwrap();
    let scope = PreflightScope::new(defaults::TARGET_SUBSCRIPTION, &t.target_location)
        .source(defaults::SOURCE_SUBSCRIPTION, &t.target_location)
        .appliance(t.appliance_id.parse().unwrap())
        .vault(t.vault_id("asrvault").parse().unwrap())
        .vm(running)
        .vm(stopped);
    let (report, _) = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(client.preflight(None, &scope, &PreflightPlan::new(Intent::Failover)));
    let flagged: Vec<String> = report
        .with_code(Code::SourceVmRunning)
        .map(|f| f.message.clone())
        .collect();
    assert_eq!(flagged.len(), 1, "{report}");
    assert!(flagged[0].contains("app01"), "{flagged:?}");
}

/// "Even if a disk can be re-used as replica in re-protect, but it is in a different
/// subscription from the appliance VM, a new disk is created from it in the same subscription
/// and resource group as the appliance, so that the new disk can be attached to the appliance."
#[test]
fn reprotect_copies_disks_from_another_subscription_into_the_appliances() {
    const APPLIANCE_SUB: &str = "5f0c5d7e-1c1a-4b8e-9a4e-0000000000aa";
    let raw =
        seeded(Scenario::builder().appliance(Appliance::default().subscription(APPLIANCE_SUB)));
    let t = raw.emu.topology().clone();
    let source = t.source_vm_id("sql-01").unwrap().to_owned();
    let originals: Vec<String> = raw.get(&source).body["properties"]["storageProfile"]
        .pointer("/osDisk/managedDisk/id")
        .into_iter()
        .chain(
            raw.get(&source).body["properties"]["storageProfile"]["dataDisks"]
                .as_array()
                .unwrap()
                .iter()
                .map(|d| &d["managedDisk"]["id"]),
        )
        .map(|v| v.as_str().unwrap().to_owned())
        .collect();
    assert_eq!(originals.len(), 3, "sql-01 has three disks");
    raw.protect("sql-01", "sql01");
    raw.emu.advance(Duration::from_secs(600));
    assert_eq!(
        raw.action(
            "sql01",
            "plannedFailover",
            json!({ "instanceType": "AzStackToAzStack", "shutdownSourceVM": true })
        ),
        "200"
    );
    assert_eq!(raw.action("sql01", "commit", json!({})), "200");
    let free = raw.emu.appliance_free_slots();
    assert_eq!(
        raw.action(
            "sql01",
            "reprotect",
            json!({
                "instanceType": "AzStackToAzStackFailback", "applianceId": t.appliance_id,
                "logStorageAccountId": t.target_storage_account_ids[0],
                "policyName": "failback-default-replication-policy",
                "replicationExtensionName": "default-failback-extension",
            })
        ),
        "200"
    );
    assert_eq!(raw.emu.appliance_free_slots(), free - 3);
    let appliance = raw.get(&t.appliance_vm_id);
    assert_eq!(appliance.status, 200, "{appliance:?}");
    let appliance = appliance.body;
    let attached: Vec<String> = appliance["properties"]["storageProfile"]["dataDisks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["managedDisk"]["id"].as_str().unwrap().to_owned())
        .collect();
    let app_rg = format!("/subscriptions/{APPLIANCE_SUB}/resourcegroups/asr-appliance-rg/");
    let replicas: Vec<&String> = attached
        .iter()
        .filter(|d| d.to_ascii_lowercase().contains("-replica"))
        .collect();
    assert_eq!(replicas.len(), 3, "{attached:?}");
    for (replica, original) in replicas.iter().zip(&originals) {
        assert!(
            replica.to_ascii_lowercase().starts_with(&app_rg),
            "{replica} is not in the appliance's subscription and resource group"
        );
        let copy = raw.get(replica).body;
        let from = raw.get(original);
        assert_eq!(from.status, 200, "the original {original} is kept");
        assert_eq!(
            copy["properties"]["diskSizeGB"],
            from.body["properties"]["diskSizeGB"]
        );
        assert!(
            !attached.iter().any(|a| a.eq_ignore_ascii_case(original)),
            "the original {original} itself was attached to the appliance"
        );
    }
}
