//! Protected items in the emulator, driven with raw requests: enable, initial replication over
//! virtual time, recovery points, refusals, and a 1000-VM drill. (Failover, re-protect and
//! failback are in `emulator_failover.rs`.)

#![cfg(feature = "emulator")]

mod emulator_support;

use azs_site_recovery::emulator::{ClockMode, Emulator, Scenario};
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

#[test]
fn initial_replication_takes_time_in_proportion_to_disk_size() {
    // 50 MiB/s: web-01 (127 GiB) takes 2601 s; sql-01 (127+512+1024 GiB) takes 34,055 s.
    let raw = Raw::new(seeded(ClockMode::Manual), GA);
    let start = raw.emu.now();
    for (vm, name) in [("web-01", "web01"), ("sql-01", "sql01")] {
        let a = raw.put(&raw.item_path(name), raw.enable_body(vm));
        assert_eq!(a.status, 201, "{a:?}");
        assert_eq!(
            a.body["properties"]["protectionState"],
            "EnablingProtection"
        );
        assert!(a.header("Azure-AsyncOperation").is_some());
        assert!(
            a.header("Location").is_none(),
            "GA PUT: Azure-AsyncOperation only"
        );
    }
    // The enable job's three tasks take 120 s.
    raw.emu.advance(Duration::from_secs(120));
    let p = raw.get(&raw.item_path("web01")).body["properties"].clone();
    assert_eq!(p["protectionState"], "InitialReplicationInProgress");
    raw.emu.advance(Duration::from_secs(1300));
    let p = raw.get(&raw.item_path("web01")).body["properties"].clone();
    let pct = p["customProperties"]["initialReplicationProgressPercentage"]
        .as_i64()
        .unwrap();
    assert!((45..=55).contains(&pct), "about half way: {pct}");
    raw.emu.advance(Duration::from_secs(1400));
    assert_eq!(
        raw.get(&raw.item_path("web01")).body["properties"]["protectionState"],
        "Protected"
    );
    let sql = raw.get(&raw.item_path("sql01"));
    assert_eq!(
        sql.body["properties"]["protectionState"],
        "InitialReplicationInProgress"
    );
    assert_eq!(
        sql.body["properties"]["customProperties"]["protectedDisks"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
    let retry: u64 = sql.header("Retry-After").unwrap().parse().unwrap();
    assert!(retry > 0);
    let body = raw.poll_item("sql01", |p| p["protectionState"] == "Protected");
    let elapsed = (raw.emu.now() - start).num_seconds();
    assert!(
        elapsed >= 34_055 + 120,
        "sql-01 needed its full replication time: {elapsed}"
    );
    assert_eq!(
        body["properties"]["customProperties"]["initialReplicationProgressPercentage"],
        100
    );
}

#[test]
fn auto_clock_makes_polling_finish_instantly() {
    let raw = Raw::new(seeded(ClockMode::Auto), PREVIEW);
    let t0 = raw.emu.now();
    let wall = std::time::Instant::now();
    let item = raw.protect("sql-01", "sql01");
    assert!(wall.elapsed() < Duration::from_secs(5));
    assert!(
        (raw.emu.now() - t0).num_minutes() > 500,
        "virtual time passed"
    );
    // Preview shape: draId, not fabricAgentId.
    assert!(item["properties"].get("draId").is_some());
    assert!(item["properties"].get("fabricAgentId").is_none());
}

#[test]
fn recovery_points_follow_the_policy() {
    let raw = Raw::new(seeded(ClockMode::Auto), GA);
    raw.protect("web-01", "web01");
    raw.emu.set_clock_mode(ClockMode::Manual);
    raw.emu.advance(Duration::from_secs(3 * 3600));
    let list = raw.get(&format!("{}/recoveryPoints", raw.item_path("web01")));
    let points = list.body["value"].as_array().unwrap().clone();
    // One when replication completed, then every 5 minutes for 3 hours: 37 points;
    // app-consistent on the hour: 4.
    assert_eq!(points.len(), 37);
    let app = points
        .iter()
        .filter(|p| p["properties"]["recoveryPointType"] == "ApplicationConsistent")
        .count();
    assert_eq!(app, 4);
    let newest = &points[0];
    let got = raw.get(newest["id"].as_str().unwrap());
    assert_eq!(got.status, 200);
    let item = raw.get(&raw.item_path("web01")).body;
    assert_eq!(
        item["properties"]["customProperties"]["lastRecoveryPointId"],
        newest["id"]
    );
    // A year later only the retention window (1440 min / 5) exists.
    raw.emu.advance(Duration::from_secs(365 * 24 * 3600));
    let list = raw.get(&format!(
        "{}/recoveryPoints?pageSize=1000",
        raw.item_path("web01")
    ));
    assert_eq!(list.body["value"].as_array().unwrap().len(), 288);
}

#[test]
fn forbidden_operations_are_refused_with_the_reason() {
    let raw = Raw::new(seeded(ClockMode::Manual), GA);
    let a = raw.put(&raw.item_path("web01"), raw.enable_body("web-01"));
    assert_eq!(a.status, 201);
    // While enabling: a job is in progress.
    let a = raw.post(
        &format!("{}/testFailover", raw.item_path("web01")),
        json!({}),
    );
    assert_eq!(
        (a.status, a.code()),
        (409, "OperationNotAllowedInCurrentState")
    );
    assert!(
        a.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("in flight"),
        "{a:?}"
    );
    raw.emu.run_until_idle(Duration::from_secs(86_400));
    // Protected: commit has nothing to commit.
    let a = raw.post(&format!("{}/commit", raw.item_path("web01")), json!({}));
    assert_eq!(
        (a.status, a.code()),
        (409, "OperationNotAllowedInCurrentState")
    );
    assert!(a.body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("Protected"));
    // Unknown action.
    let a = raw.post(&format!("{}/explode", raw.item_path("web01")), json!({}));
    assert_eq!(a.code(), "UnsupportedAction");
    // Custom recovery point that does not exist.
    let a = raw.post(&format!("{}/testFailover", raw.item_path("web01")), json!({ "properties": { "customProperties": {
        "instanceType": "AzStackToAzStack", "recoveryPoint": "Custom", "recoveryPointId": "nope" } } }));
    assert_eq!(a.code(), "LinkedResourceNotFound");
    // Re-protect without the failback policy name (known issue 4).
    let a = raw.post(&format!("{}/reprotect", raw.item_path("web01")), json!({}));
    assert_eq!(a.status, 409, "not failed over yet");
    // Protecting the same VM twice.
    let a = raw.put(&raw.item_path("web01again"), raw.enable_body("web-01"));
    assert_eq!((a.status, a.code()), (409, "Conflict"));
    // References that must exist.
    let mut body = raw.enable_body("web-02");
    body["properties"]["policyName"] = json!("nopolicy");
    assert_eq!(
        raw.put(&raw.item_path("web02"), body).code(),
        "LinkedResourceNotFound"
    );
    let mut body = raw.enable_body("web-02");
    body["properties"]["customProperties"]["targetNetworkId"] = json!(format!(
        "{}x",
        raw.emu.topology().target_network_id("dr-vnet").unwrap()
    ));
    let a = raw.put(&raw.item_path("web02"), body);
    assert_eq!(
        a.body["error"]["target"],
        "properties.customProperties.targetNetworkId"
    );
    let mut body = raw.enable_body("web-02");
    body["properties"]["customProperties"]["sourceAzStackVirtualMachineId"] = Value::Null;
    assert_eq!(
        raw.put(&raw.item_path("web02"), body).code(),
        "InvalidRequestContent"
    );
    let mut body = raw.enable_body("web-02");
    body["properties"]["customProperties"]["instanceType"] = json!("HyperVToAzStackHCI");
    assert_eq!(
        raw.put(&raw.item_path("web02"), body).code(),
        "InvalidRequestContent"
    );
}

#[test]
fn a_thousand_vm_drill_runs_fast() {
    use azs_site_recovery::emulator::SourceVm;
    let vms = (0..1000).map(|i| SourceVm::linux(&format!("vm{i:04}")).data_disk(32));
    let emu = Emulator::new(
        Scenario::builder()
            .clear_source_vms()
            .source_vms(vms)
            .seed_vault(true)
            .compute_quota(azs_site_recovery::emulator::ComputeQuota::new(5000, 2000))
            .build(),
    );
    let raw = Raw::new(emu, GA);
    let wall = std::time::Instant::now();
    for i in 0..1000 {
        let a = raw.put(
            &raw.item_path(&format!("vm{i:04}")),
            raw.enable_body(&format!("vm{i:04}")),
        );
        assert_eq!(a.status, 201);
    }
    raw.emu.run_until_idle(Duration::from_secs(86_400));
    for i in 0..1000 {
        let a = raw.post(
            &format!("{}/testFailover", raw.item_path(&format!("vm{i:04}"))),
            json!({}),
        );
        assert_eq!(a.status, 202, "{a:?}");
    }
    raw.emu.run_until_idle(Duration::from_secs(86_400));
    let list = raw
        .get(&format!("{}/protectedItems?pageSize=1000", raw.vault()))
        .body;
    let items = list["value"].as_array().unwrap();
    assert_eq!(items.len(), 1000);
    assert!(items
        .iter()
        .all(|i| i["properties"]["testFailoverState"] == "TestFailoverCompleted"));
    for action in ["testFailoverCleanup", "plannedFailover", "commit"] {
        for i in 0..1000 {
            let a = raw.post(
                &format!("{}/{action}", raw.item_path(&format!("vm{i:04}"))),
                json!({}),
            );
            assert_eq!(a.status, 202, "{action}: {a:?}");
        }
        raw.emu.run_until_idle(Duration::from_secs(86_400));
    }
    let list = raw
        .get(&format!("{}/protectedItems?pageSize=1000", raw.vault()))
        .body;
    let items = list["value"].as_array().unwrap();
    assert!(items
        .iter()
        .all(|i| i["properties"]["protectionState"] == "CommitFailoverCompleted"));
    // 1000 failed-over VMs on the target stamp, 2 vCPUs each.
    let t = raw.emu.topology().clone();
    let usages = raw
        .get(&format!(
            "/subscriptions/{}/providers/Microsoft.Compute/locations/{}/usages",
            t.target_subscription, t.target_location
        ))
        .body;
    let cores = usages["value"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["name"]["value"] == "cores")
        .unwrap()["currentValue"]
        .clone();
    assert_eq!(cores, 2000);
    assert!(
        wall.elapsed() < Duration::from_secs(60),
        "{:?}",
        wall.elapsed()
    );
}

#[test]
fn a_vm_is_protected_once_in_any_casing_and_again_after_disable() {
    let raw = Raw::new(seeded(ClockMode::Manual), GA);
    assert_eq!(
        raw.put(&raw.item_path("web01"), raw.enable_body("web-01"))
            .status,
        201
    );
    raw.emu.run_until_idle(Duration::from_secs(86_400));
    // The same VM under another item, its id in another casing: refused, naming the item.
    let mut upper = raw.enable_body("web-01");
    let vm = upper["properties"]["customProperties"]["sourceAzStackVirtualMachineId"]
        .as_str()
        .unwrap()
        .to_ascii_uppercase();
    upper["properties"]["customProperties"]["sourceAzStackVirtualMachineId"] = json!(vm);
    let a = raw.put(&raw.item_path("web01again"), upper.clone());
    assert_eq!((a.status, a.code()), (409, "Conflict"), "{a:?}");
    let message = a.body["error"]["message"].as_str().unwrap();
    assert!(message.contains("'web01'"), "{message}");
    // Another VM is still free to protect.
    assert_eq!(
        raw.put(&raw.item_path("web02"), raw.enable_body("web-02"))
            .status,
        201
    );
    // Disabled, the VM can be protected again, under another name.
    assert_eq!(raw.delete(&raw.item_path("web01")).status, 202);
    raw.emu.run_until_idle(Duration::from_secs(86_400));
    assert_eq!(raw.get(&raw.item_path("web01")).status, 404);
    let a = raw.put(&raw.item_path("web01again"), upper);
    assert_eq!(a.status, 201, "{a:?}");
    // ... and is then refused under the old name.
    let a = raw.put(&raw.item_path("web01"), raw.enable_body("web-01"));
    assert_eq!((a.status, a.code()), (409, "Conflict"), "{a:?}");
}

#[test]
fn disable_waits_for_a_running_job_unless_forced() {
    let raw = Raw::new(seeded(ClockMode::Manual), GA);
    let a = raw.put(&raw.item_path("sql01"), raw.enable_body("sql-01"));
    assert_eq!(a.status, 201);
    raw.emu.advance(Duration::from_secs(600));
    let item = raw.get(&raw.item_path("sql01")).body;
    assert_eq!(
        item["properties"]["protectionState"],
        "InitialReplicationInProgress"
    );
    assert_eq!(
        item["properties"]["currentJob"]["scenarioName"],
        "EnableProtection"
    );
    let pct = item["properties"]["customProperties"]["initialReplicationProgressPercentage"]
        .as_i64()
        .unwrap();
    assert!((1..10).contains(&pct), "{pct}");
    let d = raw.delete(&raw.item_path("sql01"));
    assert_eq!(
        (d.status, d.code()),
        (409, "OperationNotAllowedInCurrentState")
    );
    assert!(d.body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("force"));
    let d = raw.delete(&format!("{}?forceDelete=true", raw.item_path("sql01")));
    assert_eq!(d.status, 202);
    let enable = raw.get(a.header("Azure-AsyncOperation").unwrap()).body;
    assert_eq!(enable["status"], "Canceled");
    raw.emu.run_until_idle(Duration::from_secs(86_400));
    assert_eq!(raw.get(&raw.item_path("sql01")).status, 404);
    let jobs = raw.get(&format!("{}/jobs", raw.vault())).body;
    let states: Vec<&str> = jobs["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|j| j["properties"]["state"].as_str().unwrap())
        .collect();
    assert_eq!(states, ["Cancelled", "Succeeded"]);
}
