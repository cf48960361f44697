//! A full DR drill of 1,000 VMs against the in-process emulator, in virtual time: enable
//! protection (initial replication), test failover, cleanup, planned failover, commit.
//!
//! * `dr_drill_1000_vms_client`: the drill as a user runs it, through `SiteRecoveryClient`
//!   (typed bodies, lifecycle checks, pollers). Each action passes the item the previous step
//!   returned (`ActionOptions::with_current_item`), so no extra GET is sent before it.
//!   Target: < 2 s wall, < 100 MB peak memory (printed first, from `VmHWM`).
//! * `dr_drill_1000_vms_handle`: the same drill straight through `Emulator::handle` with JSON
//!   requests (the emulator's own share of the cost).
//! * `list_10000_items_100_pages`: listing 10,000 protected items in 100 pages through
//!   `Emulator::handle` (what a loopback-HTTP list benchmark costs on the server side).
//!
//! `cargo bench --bench emulator_drill -- --warm-up-time 1 --measurement-time 3`

use azs_site_recovery::client::ActionOptions;
use azs_site_recovery::emulator::{ComputeQuota, Emulator, Scenario, SourceVm};
use azs_site_recovery::http::{Method, Request};
use azs_site_recovery::id::VaultId;
use azs_site_recovery::lifecycle::{Operation, RecoveryPointChoice};
use azs_site_recovery::model::{NewAzStackProtectedItem, ProtectedItem};
use azs_site_recovery::SiteRecoveryClient;
use criterion::Criterion;
use futures_util::TryStreamExt;
use serde_json::json;
use std::time::Duration;

const VMS: usize = 1_000;
const API: &str = "2024-09-01";

fn send(emu: &Emulator, method: Method, path: &str, body: Option<serde_json::Value>) -> u16 {
    let url = format!("{}{path}?api-version={API}", emu.topology().arm_endpoint);
    let mut req = Request::new(method, url.parse().expect("valid url"));
    if let Some(b) = body {
        req = req.with_json(serde_json::to_vec(&b).expect("json"));
    }
    emu.handle(&req).status
}

fn drill_emulator() -> Emulator {
    let vms = (0..VMS).map(|i| SourceVm::linux(&format!("vm{i:04}")).data_disk(32));
    Emulator::new(
        Scenario::builder()
            .clear_source_vms()
            .source_vms(vms)
            .seed_vault(true)
            .compute_quota(ComputeQuota::new(10_000, 5_000))
            .build(),
    )
}

/// The drill through the typed client, on a current-thread tokio runtime.
fn drill_client() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");
    rt.block_on(drill_client_async());
}

async fn drill_client_async() {
    let emu = drill_emulator();
    let client = SiteRecoveryClient::builder()
        .in_process(&emu)
        .expect("in-process")
        .build()
        .expect("client");
    let t = emu.topology().clone();
    let vault = VaultId::new(&t.target_subscription, "asr-rg", "asrvault");
    let items = client.protected_items(&vault);
    let rg = &t.target_resource_group_ids[1];
    let net = t.target_network_id("dr-vnet").expect("dr-vnet");
    let test = t.target_network_id("test-vnet").expect("test-vnet");
    let mut pollers = Vec::with_capacity(VMS);
    for (i, vm) in t.source_vm_ids.iter().enumerate() {
        let item = NewAzStackProtectedItem::new(
            "default-replication-policy",
            "default-replication-extension",
            vm,
        )
        .appliance_id(&t.appliance_id)
        .log_storage_account_id(&t.target_storage_account_ids[0])
        .target_resource_group_id(rg)
        .target_network(net, "default")
        .test_network(test, "default")
        .build()
        .expect("item");
        pollers.push(
            items
                .create_or_update(&format!("vm{i:04}"), &item)
                .await
                .expect("enable"),
        );
    }
    // The first poller's waits move the virtual clock: the others are done by then.
    let mut current: Vec<ProtectedItem> = Vec::with_capacity(VMS);
    for p in pollers {
        current.push(p.await.expect("enabled"));
    }
    for op in [
        Operation::TestFailover {
            recovery_point: RecoveryPointChoice::LatestProcessed,
        },
        Operation::CleanupTestFailover,
        Operation::PlannedFailover {
            shutdown_source: true,
        },
        Operation::Commit,
    ] {
        let mut pollers = Vec::with_capacity(VMS);
        for item in current.drain(..) {
            let name = item.name.clone().expect("name");
            let options = ActionOptions::default().with_current_item(item);
            pollers.push(
                items
                    .perform_with(&name, &op, None, &options)
                    .await
                    .expect("action"),
            );
        }
        for p in pollers {
            current.push(p.await.expect("action done"));
        }
    }
    let all: Vec<ProtectedItem> = items.list().try_collect().await.expect("list");
    let done = all
        .iter()
        .filter(|i| {
            i.protection_state()
                .is_some_and(|s| s.as_str() == "CommitFailoverCompleted")
        })
        .count();
    assert_eq!(done, VMS);
}

/// The same drill straight through `Emulator::handle`.
fn drill_handle() {
    let emu = drill_emulator();
    let t = emu.topology().clone();
    let vault = t.vault_id("asrvault");
    let rg = t.target_resource_group_ids[1].clone();
    let net = t.target_network_id("dr-vnet").expect("dr-vnet").to_owned();
    let test = t
        .target_network_id("test-vnet")
        .expect("test-vnet")
        .to_owned();
    for (i, vm) in t.source_vm_ids.iter().enumerate() {
        let body = json!({ "properties": {
            "policyName": "default-replication-policy",
            "replicationExtensionName": "default-replication-extension",
            "customProperties": {
                "instanceType": "AzStackToAzStack",
                "sourceAzStackVirtualMachineId": vm,
                "targetResourceGroupId": rg,
                "targetNetworkId": net,
                "testNetworkId": test,
            } } });
        let status = send(
            &emu,
            Method::Put,
            &format!("{vault}/protectedItems/vm{i:04}"),
            Some(body),
        );
        assert_eq!(status, 201);
    }
    emu.run_until_idle(Duration::from_secs(86_400));
    for action in [
        "testFailover",
        "testFailoverCleanup",
        "plannedFailover",
        "commit",
    ] {
        for i in 0..VMS {
            let body = json!({ "properties": { "customProperties": { "instanceType": "AzStackToAzStack" } } });
            let status = send(
                &emu,
                Method::Post,
                &format!("{vault}/protectedItems/vm{i:04}/{action}"),
                Some(body),
            );
            assert_eq!(status, 202, "{action}");
        }
        emu.run_until_idle(Duration::from_secs(86_400));
    }
    let url = format!(
        "{}{vault}/protectedItems?api-version={API}&pageSize=1000",
        t.arm_endpoint
    );
    let r = emu.handle(&Request::new(Method::Get, url.parse().expect("valid url")));
    let v: serde_json::Value = serde_json::from_slice(&r.body).expect("json");
    let done = v["value"]
        .as_array()
        .expect("value")
        .iter()
        .filter(|i| i["properties"]["protectionState"] == "CommitFailoverCompleted")
        .count();
    assert_eq!(done, VMS);
}

/// An emulator with `n` protected items (initial replication done).
fn protected(n: usize) -> Emulator {
    let vms = (0..n).map(|i| SourceVm::linux(&format!("vm{i:05}")));
    let emu = Emulator::new(
        Scenario::builder()
            .clear_source_vms()
            .source_vms(vms)
            .seed_vault(true)
            .page_size(100)
            .build(),
    );
    let t = emu.topology().clone();
    let vault = t.vault_id("asrvault");
    for (i, vm) in t.source_vm_ids.iter().enumerate() {
        let body = json!({ "properties": {
            "policyName": "default-replication-policy",
            "replicationExtensionName": "default-replication-extension",
            "customProperties": {
                "instanceType": "AzStackToAzStack",
                "sourceAzStackVirtualMachineId": vm,
                "targetResourceGroupId": t.target_resource_group_ids[1],
                "targetNetworkId": t.target_network_id("dr-vnet").expect("dr-vnet"),
            } } });
        assert_eq!(
            send(
                &emu,
                Method::Put,
                &format!("{vault}/protectedItems/vm{i:05}"),
                Some(body)
            ),
            201
        );
    }
    emu.run_until_idle(Duration::from_secs(86_400));
    emu
}

fn list_all(emu: &Emulator) -> usize {
    let t = emu.topology();
    let mut next = format!(
        "{}{}/protectedItems?api-version={API}",
        t.arm_endpoint,
        t.vault_id("asrvault")
    );
    let mut n = 0;
    loop {
        let r = emu.handle(&Request::new(Method::Get, next.parse().expect("valid url")));
        let v: serde_json::Value = serde_json::from_slice(&r.body).expect("json");
        n += v["value"].as_array().map_or(0, Vec::len);
        match v["nextLink"].as_str() {
            Some(l) => next = l.to_owned(),
            None => return n,
        }
    }
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("emulator");
    g.sample_size(10);
    g.bench_function("dr_drill_1000_vms_client", |b| b.iter(drill_client));
    g.bench_function("dr_drill_1000_vms_handle", |b| b.iter(drill_handle));
    // Built on first use, so a filter that skips this bench skips building it too.
    let emu: std::sync::OnceLock<Emulator> = std::sync::OnceLock::new();
    g.bench_function("list_10000_items_100_pages", |b| {
        let emu = emu.get_or_init(|| protected(10_000));
        b.iter(|| assert_eq!(list_all(emu), 10_000))
    });
    g.finish();
}

/// The CPU time (user + system) this process has used so far, from `/proc/self/stat` (in
/// clock ticks of 10 ms); `None` off Linux. Under a loaded machine it is steadier than wall time.
fn cpu_time() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name (which may hold spaces) start after the last ')'.
    let rest = stat.rsplit_once(')')?.1;
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks: u64 = f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?;
    Some(Duration::from_millis(ticks * 10))
}

/// The process's peak resident set (`VmHWM` in `/proc/self/status`), in KiB; `None` off Linux.
fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn main() {
    // One drill first, alone in the process, so the peak resident set is the drill's.
    let t = std::time::Instant::now();
    let cpu0 = cpu_time();
    drill_client();
    let wall = t.elapsed();
    let cpu = cpu_time().zip(cpu0).map_or("?".to_owned(), |(b, a)| {
        format!("{:.0}", (b - a).as_secs_f64() * 1e3)
    });
    match peak_rss_kib() {
        Some(kib) => println!(
            "dr drill of {VMS} VMs through SiteRecoveryClient: {:.0} ms wall ({cpu} ms CPU), peak memory (VmHWM) {:.1} MB (targets < 2 s, < 100 MB)",
            wall.as_secs_f64() * 1e3,
            kib as f64 / 1024.0
        ),
        None => println!(
            "dr drill of {VMS} VMs: {:.0} ms wall (peak memory: /proc/self/status not available here)",
            wall.as_secs_f64() * 1e3
        ),
    }
    let mut c = Criterion::default().configure_from_args();
    bench(&mut c);
    c.final_summary();
}
